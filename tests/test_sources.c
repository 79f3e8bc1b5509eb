/* test_sources.c — the pollers' pure parts: topic ← path mappings and their
 * transforms (feeds/map.c), CSV rows, and SQL result shapes (feeds/sql.c).
 * Table-driven: each case is a document, a mapping and the expected value
 * as JSON (or the expected error). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "msg.h"
#include "sql.h"

static bs_value_t *parse(const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    bs_limits_t lim = bs_limits_default();
    lim.items = 100000;
    char err[128];
    bs_value_t *v = bs_value_from_cjson(j, &lim, 0, err, sizeof err);
    cJSON_Delete(j);
    assert_non_null(v);
    return v;
}

static char *to_json(const bs_value_t *v)
{
    cJSON *j = bs_value_to_cjson(v);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

typedef struct {
    const char *name;
    feed_map_t  m;
    const char *want;     /* JSON of the result, or NULL when an error */
    const char *err;      /* substring of the error */
} map_case_t;

#define DOC "{\"data\":{\"members\":{\"realname\":12345},\"office\":[{\"v\":91.5},{\"v\":\"80\"}]," \
            "\"online\":450,\"total\":500,\"zero\":0,\"names\":[\"a\",\"b\"]," \
            "\"accounts\":[{\"acct\":\"A\",\"fans\":5},{\"acct\":\"B\",\"fans\":9},{\"acct\":\"C\",\"fans\":7}," \
            "{\"acct\":\"D\"}],\"nums\":[3,1,2]}}"

static const map_case_t map_cases[] = {
    { "a number", { .topic = "t", .path = "data.members.realname" }, "12345", NULL },
    { "array index", { .topic = "t", .path = "data.office.0.v" }, "91.5", NULL },
    { "whole document", { .topic = "t", .path = "data.nums" }, "[3,1,2]", NULL },
    { "no match", { .topic = "t", .path = "data.nope.0" }, NULL, "matches nothing" },
    { "index out of range", { .topic = "t", .path = "data.office.9.v" }, NULL, "matches nothing" },
    { "sum of items", { .topic = "t", .path = "data.nums", .agg = MAP_AGG_SUM }, "6", NULL },
    { "sum of a field", { .topic = "t", .path = "data.office", .agg = MAP_AGG_SUM, .agg_field = "v" }, "171.5", NULL },
    { "sum of strings", { .topic = "t", .path = "data.names", .agg = MAP_AGG_SUM }, NULL, "not a number" },
    { "sum of a missing field", { .topic = "t", .path = "data.accounts", .agg = MAP_AGG_SUM, .agg_field = "fans" },
      NULL, "not a number" },
    { "sum of a non-array", { .topic = "t", .path = "data.online", .agg = MAP_AGG_SUM }, NULL, "needs an array" },
    { "count array", { .topic = "t", .path = "data.accounts", .agg = MAP_AGG_COUNT }, "4", NULL },
    { "count object", { .topic = "t", .path = "data", .agg = MAP_AGG_COUNT }, "8", NULL },
    { "count a number", { .topic = "t", .path = "data.online", .agg = MAP_AGG_COUNT }, NULL, "needs an array or object" },
    { "ratio", { .topic = "t", .path = "data.online", .agg = MAP_AGG_RATIO, .ratio_path = "data.total" }, "90", NULL },
    { "ratio by zero", { .topic = "t", .path = "data.online", .agg = MAP_AGG_RATIO, .ratio_path = "data.zero" },
      NULL, "zero" },
    { "ratio of strings", { .topic = "t", .path = "data.names", .agg = MAP_AGG_RATIO, .ratio_path = "data.total" },
      NULL, "two numbers" },
    { "sort asc", { .topic = "t", .path = "data.nums", .sort = MAP_SORT_ASC }, "[1,2,3]", NULL },
    { "sort desc top", { .topic = "t", .path = "data.nums", .sort = MAP_SORT_DESC, .top = 2 }, "[3,2]", NULL },
    { "pick sort top", { .topic = "t", .path = "data.accounts", .pick_name = "acct", .pick_value = "fans",
                         .sort = MAP_SORT_DESC, .top = 2 }, NULL, "has no" },
    { "sort by field, missing last", { .topic = "t", .path = "data.accounts", .sort = MAP_SORT_DESC, .sort_by = "fans",
                                       .top = 4 },
      "[{\"acct\":\"B\",\"fans\":9},{\"acct\":\"C\",\"fans\":7},{\"acct\":\"A\",\"fans\":5},{\"acct\":\"D\"}]", NULL },
    { "top of more than there is", { .topic = "t", .path = "data.nums", .top = 10 }, "[3,1,2]", NULL },
    { "sum of top 2 by fans", { .topic = "t", .path = "data.accounts", .sort = MAP_SORT_DESC, .sort_by = "fans",
                                .top = 2, .agg = MAP_AGG_SUM, .agg_field = "fans" }, "16", NULL },
    { "pick on numbers", { .topic = "t", .path = "data.nums", .pick_name = "a", .pick_value = "b" }, NULL, "has no" },
};

static void map_case(void **state)
{
    const map_case_t *c = *state;
    bs_value_t *doc = parse(DOC);
    bs_limits_t lim = bs_limits_default();
    char err[256] = "";
    bs_value_t *v = feed_map_apply(&c->m, doc, &lim, err, sizeof err);
    if (c->want) {
        if (!v)
            fprintf(stderr, "case %s: %s\n", c->name, err);
        assert_non_null(v);
        char *s = to_json(v);
        if (strcmp(s, c->want) != 0)
            fprintf(stderr, "case %s: got %s, want %s\n", c->name, s, c->want);
        assert_string_equal(s, c->want);
        free(s);
    } else {
        if (v) {
            char *s = to_json(v);
            fprintf(stderr, "case %s: got %s, want an error\n", c->name, s);
            free(s);
        }
        assert_null(v);
        if (!strstr(err, c->err))
            fprintf(stderr, "case %s: error \"%s\" lacks \"%s\"\n", c->name, err, c->err);
        assert_non_null(strstr(err, c->err));
    }
    bs_value_free(v);
    bs_value_free(doc);
}

static void map_pick_ranking(void **state)
{
    (void)state;
    bs_value_t *doc = parse("{\"a\":[{\"n\":\"x\",\"v\":1,\"o\":0},{\"n\":\"y\",\"v\":3},{\"n\":\"z\",\"v\":2}]}");
    feed_map_t m = { .topic = "t", .path = "a", .pick_name = "n", .pick_value = "v", .sort = MAP_SORT_DESC, .top = 2 };
    bs_limits_t lim = bs_limits_default();
    char err[128];
    bs_value_t *v = feed_map_apply(&m, doc, &lim, err, sizeof err);
    assert_non_null(v);
    char *s = to_json(v);
    assert_string_equal(s, "[{\"name\":\"y\",\"value\":3},{\"name\":\"z\",\"value\":2}]");
    free(s);
    bs_value_free(v);
    bs_value_free(doc);
}

static void map_caps(void **state)
{
    (void)state;
    /* a mapped value over the feed's item cap is refused whole */
    char big[8000] = "{\"a\":[";
    for (int i = 0; i < 1100; i++)
        strcat(big, i ? ",1" : "1");
    strcat(big, "]}");
    bs_value_t *doc = parse(big);
    feed_map_t m = { .topic = "t", .path = "a" };
    bs_limits_t lim = bs_limits_default();
    char err[256] = "";
    assert_null(feed_map_apply(&m, doc, &lim, err, sizeof err));
    assert_non_null(strstr(err, "limits"));
    /* ... while its sum is one number */
    m.agg = MAP_AGG_SUM;
    bs_value_t *v = feed_map_apply(&m, doc, &lim, err, sizeof err);
    assert_non_null(v);
    assert_true(v->type == BS_NUM && v->u.num == 1100);
    bs_value_free(v);
    bs_value_free(doc);
}

/* ---- CSV ---- */

typedef struct {
    char   out[2048];
    int    n;
} csv_sink_t;

static int csv_emit(const char *topic, bs_value_t *v, void *ud)
{
    csv_sink_t *s = ud;
    char *j = to_json(v);
    size_t l = strlen(s->out);
    snprintf(s->out + l, sizeof s->out - l, "%s%s=%s", s->n++ ? ";" : "", topic, j);
    free(j);
    bs_value_free(v);
    return 0;
}

typedef struct {
    const char *name, *text, *want, *err;
} csv_case_t;

static const csv_case_t csv_cases[] = {
    { "plain", "a,1\nb,x\n", "a=1;b=\"x\"", NULL },
    { "header skipped", "topic,value\na,2.5\n", "a=2.5", NULL },
    { "quoted comma", "n,\"8 场, 全年\"\n", "n=\"8 场, 全年\"", NULL },
    { "doubled quotes", "q,\"say \"\"hi\"\"\"\n", "q=\"say \\\"hi\\\"\"", NULL },
    { "crlf and blanks", "a,1\r\n\r\n# note\nb , 2 \r\n", "a=1;b=2", NULL },
    { "bom", "\xef\xbb\xbf" "a,1\n", "a=1", NULL },
    { "no trailing newline", "a,1", "a=1", NULL },
    { "empty value is a string", "a,\n", "a=\"\"", NULL },
    { "hex is a string", "a,0x10\n", "a=\"0x10\"", NULL },
    { "inf is a string", "a,inf\n", "a=\"inf\"", NULL },
    { "one field", "a,1\nb\n", NULL, "line 2" },
    { "three fields", "a,1,2\n", NULL, "more than two fields" },
    { "open quote", "a,\"1\n", NULL, "line 1" },
    { "empty topic", ",1\n", NULL, "topic is empty" },
    { "bad utf-8", "a,\xff\n", NULL, "UTF-8" },
};

static void csv_case(void **state)
{
    const csv_case_t *c = *state;
    csv_sink_t s = { "", 0 };
    char err[256] = "";
    bs_limits_t lim = bs_limits_default();
    int n = feed_csv_parse(c->text, strlen(c->text), &lim, csv_emit, &s, err, sizeof err);
    if (c->want) {
        if (n < 0 || strcmp(s.out, c->want) != 0)
            fprintf(stderr, "case %s: got %d \"%s\" (%s), want \"%s\"\n", c->name, n, s.out, err, c->want);
        assert_string_equal(s.out, c->want);
    } else {
        assert_int_equal(n, -1);
        assert_int_equal(s.n, 0);            /* a broken file gives nothing */
        if (!strstr(err, c->err))
            fprintf(stderr, "case %s: error \"%s\" lacks \"%s\"\n", c->name, err, c->err);
        assert_non_null(strstr(err, c->err));
    }
}

/* ---- SQL shapes ---- */

static bs_value_t *shape(qshape_t sh, int ncols, const char *const *names, const sql_cell_t *cells, int nrows,
                         size_t max_rows, char *why, size_t whylen)
{
    bs_limits_t lim = bs_limits_default();
    sql_build_t *b = sql_build_new(sh, max_rows, 1 << 20, &lim);
    assert_non_null(b);
    bs_value_t *v = NULL;
    if (sql_build_cols(b, ncols, names) != 0)
        goto out;
    for (int r = 0; r < nrows; r++) {
        int k = sql_build_row(b, cells + r * ncols);
        if (k < 0)
            goto out;
        if (k > 0)
            break;
    }
    v = sql_build_finish(b);
out:
    if (!v)
        snprintf(why, whylen, "%s", sql_build_why(b));
    sql_build_free(b);
    return v;
}

#define C_NUM(s) { SQL_NUM, s, sizeof s - 1 }
#define C_TXT(s) { SQL_TEXT, s, sizeof s - 1 }
#define C_NULL   { SQL_NULL, "", 0 }
#define C_BOOL(s) { SQL_BOOL, s, 1 }

static void sql_shapes(void **state)
{
    (void)state;
    const char *names[] = { "town", "rate" };
    const sql_cell_t cells[] = { C_TXT("临平"), C_NUM("93.5"), C_TXT("乔司"), C_NUM("88"), C_TXT("良渚"), C_NULL };
    char why[256] = "";
    const struct { qshape_t sh; const char *want; } cases[] = {
        { QSHAPE_VALUE, "\"临平\"" },
        { QSHAPE_ROW, "{\"town\":\"临平\",\"rate\":93.5}" },
        { QSHAPE_ROWS, "[{\"town\":\"临平\",\"rate\":93.5},{\"town\":\"乔司\",\"rate\":88},{\"town\":\"良渚\",\"rate\":null}]" },
        { QSHAPE_MAP, "{\"临平\":93.5,\"乔司\":88,\"良渚\":null}" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bs_value_t *v = shape(cases[i].sh, 2, names, cells, 3, 1000, why, sizeof why);
        assert_non_null(v);
        char *s = to_json(v);
        assert_string_equal(s, cases[i].want);
        free(s);
        bs_value_free(v);
    }
    /* numbers, booleans and odd numerics */
    const char *n1[] = { "n" };
    const sql_cell_t odd[] = { C_NUM("NaN") };
    bs_value_t *v = shape(QSHAPE_VALUE, 1, n1, odd, 1, 10, why, sizeof why);
    assert_true(v && v->type == BS_STR);
    bs_value_free(v);
    const sql_cell_t t[] = { C_BOOL("t") };
    v = shape(QSHAPE_VALUE, 1, n1, t, 1, 10, why, sizeof why);
    assert_true(v && v->type == BS_BOOL && v->u.b);
    bs_value_free(v);
    /* too many rows fails the query, never truncates */
    assert_null(shape(QSHAPE_ROWS, 2, names, cells, 3, 2, why, sizeof why));
    assert_non_null(strstr(why, "more than 2 rows"));
    /* no rows: value and row have nothing to show */
    assert_null(shape(QSHAPE_VALUE, 2, names, cells, 0, 10, why, sizeof why));
    assert_non_null(strstr(why, "no rows"));
    /* an empty rows result is an empty array */
    v = shape(QSHAPE_ROWS, 2, names, cells, 0, 10, why, sizeof why);
    assert_true(v && v->type == BS_ARR && v->n == 0);
    bs_value_free(v);
    /* map needs two columns and no NULL keys */
    assert_null(shape(QSHAPE_MAP, 1, n1, odd, 1, 10, why, sizeof why));
    assert_non_null(strstr(why, "two columns"));
    const sql_cell_t nullkey[] = { C_NULL, C_NUM("1") };
    assert_null(shape(QSHAPE_MAP, 2, names, nullkey, 1, 10, why, sizeof why));
    assert_non_null(strstr(why, "NULL key"));
    /* text that is not UTF-8 is refused */
    const sql_cell_t bad[] = { { SQL_TEXT, "\xff\xfe", 2 } };
    assert_null(shape(QSHAPE_VALUE, 1, n1, bad, 1, 10, why, sizeof why));
    assert_non_null(strstr(why, "UTF-8"));
}

int main(void)
{
    struct CMUnitTest tests[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof map_cases / sizeof map_cases[0]; i++)
        tests[n++] = (struct CMUnitTest){ map_cases[i].name, map_case, NULL, NULL, (void *)&map_cases[i] };
    for (size_t i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++)
        tests[n++] = (struct CMUnitTest){ csv_cases[i].name, csv_case, NULL, NULL, (void *)&csv_cases[i] };
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(map_pick_ranking);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(map_caps);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(sql_shapes);
    return _cmocka_run_group_tests("sources", tests, n, NULL, NULL);
}
