/* test_layout.c — the layout loader: good files load, bad files report the
 * right file:line:col and message. Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"

typedef struct {
    const char *name;
    const char *text;
    bool        ok;
    int         line, col;      /* of the first message */
    const char *msg;            /* substring of the first message */
} layout_case_t;

#define KPI(extra) "{\"widgets\":[{\"id\":\"a\",\"type\":\"kpi\",\"rect\":[0,0,100,100],\"bind\":\"office.rate\"" extra "}]}"

static const layout_case_t cases[] = {
    { "minimal", KPI(""), true, 0, 0, NULL },
    { "comments", "// hello\n{ /* c */ \"widgets\": [ // x\n{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,10,10]}]}", true, 0, 0, NULL },
    { "full canvas", "{\"canvas\":{\"width\":1080,\"height\":1920,\"fit\":\"cover\"},\"fps\":30,"
      "\"widgets\":[{\"id\":\"t\",\"type\":\"title\",\"rect\":[0,0,1080,100],\"title\":\"标题\"}]}", true, 0, 0, NULL },
    { "syntax error", "{\n  \"widgets\": [\n    {\"id\": \"a\",, }\n  ]\n}", false, 3, 16, "unexpected character ','" },
    { "trailing comma", "{\"widgets\": [],\n}", false, 1, 15, "trailing comma" },
    { "unknown top key", "{\n  \"widgest\": []\n}", false, 2, 3, "did you mean \"widgets\"" },
    { "unknown widget type", "{\"widgets\":[\n {\"id\":\"a\",\"type\":\"pie-chart\",\"rect\":[0,0,1,1]}]}", false, 2, 19,
      "unknown widget type \"pie-chart\"" },
    { "unknown widget key", "{\"widgets\":[{\"id\":\"a\",\"type\":\"kpi\",\"rect\":[0,0,100,100],\"bind\":\"office.rate\",\n"
      "   \"decimal\": 2}]}", false, 2, 4, "did you mean \"decimals\"" },
    { "wrong type", KPI(",\n\"decimals\": \"2\""), false, 2, 13, "must be a number" },
    { "out of range", KPI(",\"decimals\": 9"), false, 1, 90, "outside -1..6" },
    { "duplicate id", "{\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]},\n"
      "{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}", false, 2, 7, "duplicate widget id \"a\"" },
    { "rect outside", "{\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[1900,0,100,10]}]}", false, 1, 45,
      "outside the 1920x1080 canvas" },
    { "rect shape", "{\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[1,2,3]}]}", false, 1, 45, "[x, y, width, height]" },
    { "no id", "{\"widgets\":[{\"type\":\"frame\",\"rect\":[0,0,1,1]}]}", false, 1, 13, "has no \"id\"" },
    { "no type", "{\"widgets\":[{\"id\":\"a\",\"rect\":[0,0,1,1]}]}", false, 1, 13, "has no \"type\"" },
    { "bad colour", KPI(",\"color\":\"#12345\""), false, 1, 86, "is not a colour" },
    { "bad enum", "{\"canvas\":{\"fit\":\"zoom\"},\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 18, "must be one of: contain, cover, stretch" },
    { "unknown font", "{\"theme\":{\"fonts\":{\"text\":\"Comic Sans\"}},\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 27, "unknown or missing font \"Comic Sans\"" },
    { "bad feed scheme", "{\"feeds\":[{\"id\":\"main\",\"url\":\"gopher://x\"}],\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 30, "unknown feed scheme \"gopher:\"" },
#define FEEDS(f, bind) "{\"feeds\":[" f "],\n\"widgets\":[{\"id\":\"a\",\"type\":\"kpi\",\"rect\":[0,0,9,9],\"bind\":" bind "}]}"
    { "http feed with map", FEEDS("{\"id\":\"api\",\"url\":\"https://x.example/v1\",\"every\":5,\"headers\":{\"Accept\":\"application/json\"},"
      "\"map\":[{\"topic\":\"n\",\"path\":\"data.items\",\"sort\":\"desc\",\"by\":\"v\",\"top\":3,\"sum\":\"v\"}]}",
      "{\"feed\":\"api\",\"topic\":\"n\"}"), true, 0, 0, NULL },
    { "unknown map key", FEEDS("{\"id\":\"api\",\"url\":\"http://x\",\"map\":[{\"topic\":\"n\",\"path\":\"a\",\"sortt\":1}]}", "\"n\""),
      false, 1, 71, "unknown key \"sortt\" in a \"map\" entry" },
    { "map without path", FEEDS("{\"id\":\"api\",\"url\":\"http://x\",\"map\":[{\"topic\":\"n\"}]}", "\"n\""),
      false, 1, 47, "needs a \"path\"" },
    { "sql without queries", FEEDS("{\"id\":\"db\",\"url\":\"postgresql://u@localhost/x\"}", "\"n\""),
      false, 1, 28, "needs \"queries\"" },
    { "sql password in url", FEEDS("{\"id\":\"db\",\"url\":\"mysql://u:secret@localhost/x\",\"queries\":[{\"topic\":\"n\",\"sql\":\"select 1\"}]}", "\"n\""),
      false, 1, 28, "no password in the URL" },
    { "bad shape", FEEDS("{\"id\":\"db\",\"url\":\"mysql://u@localhost/x\",\"queries\":[{\"topic\":\"n\",\"sql\":\"select 1\",\"shape\":\"cube\"}]}", "\"n\""),
      false, 1, 101, "must be value, row, rows or map" },
    { "authorization header", FEEDS("{\"id\":\"api\",\"url\":\"http://x\",\"headers\":{\"Authorization\":\"Bearer x\"}}", "\"n\""),
      false, 1, 51, "use token_env or token_file" },
    { "bind to unknown feed", FEEDS("{\"id\":\"api\",\"url\":\"http://x\"}", "{\"feed\":\"db\",\"topic\":\"n\"}"),
      false, 2, 67, "names feed \"db\", which the layout does not have" },
    { "demo topics checked only on demo", FEEDS("{\"id\":\"main\",\"url\":\"demo:\"},{\"id\":\"f\",\"url\":\"file:t.json\"}",
      "{\"feed\":\"main\",\"topic\":\"no.such\"}"), false, 2, 82, "unknown topic \"no.such\"" },
    { "any topic from a file feed", FEEDS("{\"id\":\"main\",\"url\":\"demo:\"},{\"id\":\"f\",\"url\":\"file:t.json\"}",
      "{\"feed\":\"f\",\"topic\":\"no.such\"}"), true, 0, 0, NULL },
    { "no scheme", "{\"feeds\":[{\"url\":\"nonsense\"}],\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 18, "has no scheme" },
    { "bind on frame", "{\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1],\"bind\":\"x\"}]}", false, 1, 55,
      "takes no \"bind\"" },
    { "demo topic typo", "{\"widgets\":[{\"id\":\"a\",\"type\":\"kpi\",\"rect\":[0,0,1,1],\"bind\":\"office.rat\"}]}", false, 1, 60,
      "unknown topic \"office.rat\"" },
    { "gauge max<min", "{\"widgets\":[{\"id\":\"g\",\"type\":\"gauge\",\"rect\":[0,0,1,1],\"bind\":\"office.rate\",\"min\":5,\"max\":1}]}",
      false, 1, 30, "\"max\" (1) must be above \"min\" (5)" },
    { "threshold order", KPI(",\"thresholds\":[{\"at\":5,\"color\":\"good\"},{\"at\":1,\"color\":\"bad\"}]"), false, 1, 122,
      "thresholds must go up" },
    { "bad timezone", "{\"timezone\":\"UTC+8\",\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}", false, 1, 13,
      "unknown time zone" },
    { "schedule half", "{\"screen_on\":\"07:00\",\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 2, "go together" },
    { "schedule time", "{\"screen_on\":\"7:00\",\"screen_off\":\"22:00\",\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 14, "time of day like" },
    { "not an object", "[1,2]", false, 1, 1, "must be a JSON object" },
    { "empty", "", false, 1, 1, "" },
    { "no widgets", "{}", false, 1, 1, "no widgets" },
    { "page duration", "{\"pages\":[{\"duration\":0,\"widgets\":[]}],\"widgets\":[{\"id\":\"a\",\"type\":\"frame\",\"rect\":[0,0,1,1]}]}",
      false, 1, 23, "duration" },
    { "CJK columns", "{\"widgets\":[{\"id\":\"甲\",\"type\":\"frame\",\"rect\":[0,0,1,1],\"标题\":1}]}", false, 1, 55,
      "unknown key \"标题\"" },
};

static void check_case(void **state)
{
    const layout_case_t *c = *state;
    diag_t d = { 0 };
    layout_t *l = layout_load_text("t.json", c->text, strlen(c->text), &d);
    if (c->ok) {
        if (!l)
            diag_print(&d, stderr);
        assert_non_null(l);
        assert_int_equal(d.count, 0);
    } else {
        assert_null(l);
        assert_true(d.count >= 1);
        char want[64];
        snprintf(want, sizeof want, "t.json:%d:%d: ", c->line, c->col);
        if (strncmp(d.msgs[0], want, strlen(want)) != 0 || !strstr(d.msgs[0], c->msg))
            fail_msg("case \"%s\": got \"%s\", want \"%s...%s\"", c->name, d.msgs[0], want, c->msg);
    }
    layout_free(l);
    diag_clear(&d);
}

static void shipped_layout_loads(void **state)
{
    (void)state;
    diag_t d = { 0 };
    bool unreadable;
    layout_t *l = layout_load_file(BS_SOURCE "/layouts/union-hall.json", &d, &unreadable);
    diag_print(&d, stderr);
    assert_non_null(l);
    assert_true(l->nwidgets >= 10);
    layout_free(l);
    diag_clear(&d);
}

static void missing_file_is_unreadable(void **state)
{
    (void)state;
    diag_t d = { 0 };
    bool unreadable = false;
    assert_null(layout_load_file("/nonexistent/x.json", &d, &unreadable));
    assert_true(unreadable);
    diag_clear(&d);
}

static void schema_is_json(void **state)
{
    (void)state;
    char *s = layout_schema();
    assert_non_null(s);
    assert_non_null(strstr(s, "\"ranking\""));
    assert_non_null(strstr(s, "\"decimals\""));
    free(s);
}

int main(void)
{
    struct CMUnitTest tests[sizeof cases / sizeof cases[0] + 3];
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!cases[i].text)
            continue;
        tests[n] = (struct CMUnitTest){ cases[i].name, check_case, NULL, NULL, (void *)&cases[i] };
        n++;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(shipped_layout_loads);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(missing_file_is_unreadable);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(schema_is_json);
    return _cmocka_run_group_tests("layout", tests, n, NULL, NULL);
}
