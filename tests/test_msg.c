/* test_msg.c — the feed protocol parser (feeds/msg.c feed_parse_frame),
 * table-driven: each case is a frame, optional caps, and what must come
 * out (return value, counts, and the updates in order as a compact text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "persist.h"
#include "store.h"

/* Describes an update as "op topic=value@ts;" for comparison. */
static void describe_value(const bs_value_t *v, char *out, size_t n)
{
    size_t used = strlen(out);
    if (!v) {
        snprintf(out + used, n - used, "-");
        return;
    }
    switch (v->type) {
    case BS_NULL: snprintf(out + used, n - used, "null"); break;
    case BS_BOOL: snprintf(out + used, n - used, v->u.b ? "true" : "false"); break;
    case BS_NUM:  snprintf(out + used, n - used, "%g", v->u.num); break;
    case BS_STR:  snprintf(out + used, n - used, "'%s'", v->u.str); break;
    case BS_ARR:
    case BS_OBJ:
        snprintf(out + used, n - used, v->type == BS_ARR ? "[" : "{");
        for (uint32_t i = 0; i < v->n; i++) {
            used = strlen(out);
            if (v->type == BS_OBJ)
                snprintf(out + used, n - used, "%s%s:", i ? "," : "", v->u.c.keys[i]);
            else if (i)
                snprintf(out + used, n - used, ",");
            describe_value(v->u.c.items[i], out, n);
        }
        used = strlen(out);
        snprintf(out + used, n - used, v->type == BS_ARR ? "]" : "}");
        break;
    }
}

typedef struct {
    char buf[4096];
} got_t;

static void sink(feed_update_t *u, void *ud)
{
    static const char *const ops[] = { "set", "append", "merge", "delete", "snapshot" };
    got_t *g = ud;
    size_t used = strlen(g->buf);
    snprintf(g->buf + used, sizeof g->buf - used, "%s %s=", ops[u->op], u->topic ? u->topic : "*");
    describe_value(u->value, g->buf, sizeof g->buf);
    used = strlen(g->buf);
    if (u->ts_ms)
        snprintf(g->buf + used, sizeof g->buf - used, "@%lld", (long long)u->ts_ms);
    used = strlen(g->buf);
    snprintf(g->buf + used, sizeof g->buf - used, ";");
    feed_update_clear(u);
}

typedef struct {
    const char *name;
    const char *frame;
    int         ret;          /* feed_parse_frame's return */
    uint64_t    messages, rejected;
    const char *updates;      /* expected sink output */
    /* caps that differ from the defaults (0: default) */
    size_t      frame_bytes, topic_len, string_len, items;
    int         depth;
} msg_case_t;

static const msg_case_t cases[] = {
    /* the protocol */
    { "set number", "{\"topic\":\"office.rate\",\"value\":92.4}", 1, 1, 0, "set office.rate=92.4;" },
    { "set string", "{\"topic\":\"a\",\"value\":\"临平\"}", 1, 1, 0, "set a='临平';" },
    { "set object", "{\"topic\":\"k\",\"value\":{\"x\":1,\"y\":[true,null]}}", 1, 1, 0, "set k={x:1,y:[true,null]};" },
    { "explicit set + ts", "{\"op\":\"set\",\"topic\":\"a\",\"value\":1,\"ts\":1700000000000}", 1, 1, 0,
      "set a=1@1700000000000;" },
    { "append", "{\"op\":\"append\",\"topic\":\"h\",\"value\":3}", 1, 1, 0, "append h=3;" },
    { "merge", "{\"op\":\"merge\",\"topic\":\"m\",\"value\":{\"a\":2}}", 1, 1, 0, "merge m={a:2};" },
    { "delete", "{\"op\":\"delete\",\"topic\":\"d\"}", 1, 1, 0, "delete d=-;" },
    { "snapshot", "{\"op\":\"snapshot\",\"topics\":{\"a\":1,\"b\":\"x\"}}", 1, 1, 0, "snapshot *={a:1,b:'x'};" },
    { "array of messages", "[{\"topic\":\"a\",\"value\":1},{\"topic\":\"b\",\"value\":2}]", 2, 2, 0,
      "set a=1;set b=2;" },
    { "empty array", "[]", 0, 0, 0, "" },
    /* bad messages among good ones: the rest of the frame applies */
    { "bad ones mixed in",
      "[{\"topic\":\"a\",\"value\":1},{\"topic\":5,\"value\":1},\"str\",7,null,{\"value\":1},"
      "{\"topic\":\"b\"},{\"op\":\"boom\",\"topic\":\"c\",\"value\":1},{\"op\":\"merge\",\"topic\":\"m\",\"value\":3},"
      "{\"topic\":\"t\",\"value\":1,\"ts\":\"yesterday\"},{\"topic\":\"t\",\"value\":1,\"ts\":-5},"
      "{\"op\":\"snapshot\",\"topics\":[1]},{\"topic\":\"\",\"value\":1},{\"topic\":\"c\\u0001\",\"value\":1},"
      "{\"topic\":\"z\",\"value\":2}]",
      2, 2, 13, "set a=1;set z=2;" },
    { "op not a string", "{\"op\":1,\"topic\":\"a\",\"value\":1}", 0, 0, 1, "" },
    { "ts too large", "{\"topic\":\"a\",\"value\":1,\"ts\":1e300}", 0, 0, 1, "" },
    /* whole frames that are unusable */
    { "invalid JSON", "{\"topic\":", -1, 0, 1, "" },
    { "empty frame", "", -1, 0, 1, "" },
    { "bare number", "42", 0, 0, 1, "" },
    { "trailing junk", "{\"topic\":\"a\",\"value\":1} x", -1, 0, 1, "" },
    { "invalid UTF-8", "{\"topic\":\"a\",\"value\":\"\xff\xfe\"}", -1, 0, 1, "" },
    { "overlong UTF-8", "{\"topic\":\"a\",\"value\":\"\xc0\xaf\"}", -1, 0, 1, "" },
    { "surrogate in UTF-8", "{\"topic\":\"a\",\"value\":\"\xed\xa0\x80\"}", -1, 0, 1, "" },
    /* caps */
    { "frame over cap", "{\"topic\":\"a\",\"value\":12345}", -1, 0, 1, "", .frame_bytes = 10 },
    { "frame at cap", "{\"topic\":\"a\",\"value\":1}", 1, 1, 0, "set a=1;", .frame_bytes = 25 },
    { "topic over cap", "{\"topic\":\"abcdef\",\"value\":1}", 0, 0, 1, "", .topic_len = 5 },
    { "topic at cap", "{\"topic\":\"abcde\",\"value\":1}", 1, 1, 0, "set abcde=1;", .topic_len = 5 },
    { "string over cap", "{\"topic\":\"a\",\"value\":\"abcdef\"}", 0, 0, 1, "", .string_len = 5 },
    { "key over cap", "{\"topic\":\"a\",\"value\":{\"abcdef\":1}}", 0, 0, 1, "", .string_len = 5 },
    { "items over cap", "{\"topic\":\"a\",\"value\":[1,2,3,4]}", 0, 0, 1, "", .items = 3 },
    { "items at cap", "{\"topic\":\"a\",\"value\":[1,2,3]}", 1, 1, 0, "set a=[1,2,3];", .items = 3 },
    { "depth over cap", "{\"topic\":\"a\",\"value\":[[[[1]]]]}", 0, 0, 1, "", .depth = 3 },
    { "depth at cap", "{\"topic\":\"a\",\"value\":[[[1]]]}", 1, 1, 0, "set a=[[[1]]];", .depth = 3 },
    { "very deep frame", NULL /* built below */, -1, 0, 1, "" },
    { "brackets in strings do not count", "{\"topic\":\"a\",\"value\":\"[[[[[[[[{{{{\"}", 1, 1, 0,
      "set a='[[[[[[[[{{{{';", .depth = 2 },
};

static void run_case(void **state)
{
    const msg_case_t *c = *state;
    bs_limits_t lim = bs_limits_default();
    if (c->frame_bytes) lim.frame_bytes = c->frame_bytes;
    if (c->topic_len)   lim.topic_len = c->topic_len;
    if (c->string_len)  lim.string_len = c->string_len;
    if (c->items)       lim.items = c->items;
    if (c->depth)       lim.depth = c->depth;
    char *deep = NULL;
    const char *frame = c->frame;
    if (!frame) {                                  /* 100,000 nested arrays */
        size_t n = 100000;
        deep = malloc(2 * n + 64);
        assert_non_null(deep);
        strcpy(deep, "{\"topic\":\"a\",\"value\":");
        size_t o = strlen(deep);
        memset(deep + o, '[', n);
        memset(deep + o + n, ']', n);
        strcpy(deep + o + 2 * n, "}");
        frame = deep;
    }
    got_t g = { "" };
    feed_parse_counts_t counts = { 0 };
    char err[160] = "";
    int rc = feed_parse_frame(frame, strlen(frame), &lim, 3, sink, &g, &counts, err, sizeof err);
    print_message("%s: rc %d, %llu/%llu, err \"%s\", got \"%s\"\n", c->name, rc,
                  (unsigned long long)counts.messages, (unsigned long long)counts.rejected, err, g.buf);
    assert_int_equal(rc, c->ret);
    assert_int_equal(counts.messages, c->messages);
    assert_int_equal(counts.rejected, c->rejected);
    assert_string_equal(g.buf, c->updates);
    if (c->rejected)
        assert_true(err[0] != '\0');            /* a reason for the log line */
    free(deep);
}

/* Applies an update to the store passed as ud. */
static void apply(feed_update_t *u, void *ud)
{
    store_apply(ud, u, 1.0);
}

/* persist round trip: serialise a store, load it into a fresh one. */
static void persist_round_trip(void **st)
{
    (void)st;
    store_t *a = store_new(4, 100), *b = store_new(4, 100);
    bs_limits_t lim = bs_limits_default();
    const char *f = "[{\"topic\":\"r\",\"value\":92.5,\"ts\":1000},"
                    "{\"op\":\"append\",\"topic\":\"h\",\"value\":1,\"ts\":2000},"
                    "{\"op\":\"append\",\"topic\":\"h\",\"value\":2,\"ts\":3000},"
                    "{\"topic\":\"o\",\"value\":{\"临平\":[1,\"x\"]},\"ts\":4000}]";
    feed_parse_frame(f, strlen(f), &lim, 0, apply, a, NULL, NULL, 0);
    size_t len = 0;
    char *text = persist_serialise(a, 10.0, 50000, false, &len);
    assert_non_null(text);
    char path[] = "/tmp/bs-test-persist-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    assert_int_equal(persist_write_atomic(path, text, len, err, sizeof err), 0);
    int n = persist_load(b, path, &lim, 1.0, err, sizeof err);
    assert_int_equal(n, 5);         /* r, 2 appends, h's set, o */
    const store_entry_t *e = store_get(b, "r");
    assert_non_null(e);
    assert_int_equal(e->feed, -1);
    assert_int_equal(e->ts_ms, 1000);
    e = store_get(b, "h");
    assert_int_equal(e->hist_len, 2);
    assert_true(bs_value_equal(store_get(a, "o")->value, store_get(b, "o")->value));
    /* a corrupt file is an error, not a crash; a missing one is 0 */
    FILE *fp = fopen(path, "w");
    fputs("[{\"topic\":", fp);
    fclose(fp);
    assert_int_equal(persist_load(b, path, &lim, 1.0, err, sizeof err), -1);
    unlink(path);
    assert_int_equal(persist_load(b, path, &lim, 1.0, err, sizeof err), 0);
    free(text);
    store_free(a);
    store_free(b);
}

/* The writer never writes through a link planted at a temp name it could
 * pick (the old fixed PATH.tmp, or the next PATH.tmp-PID-N), and the
 * file at path ends up a regular file with the new text. */
static void persist_write_ignores_planted_links(void **st)
{
    (void)st;
    char dir[] = "/tmp/bs-test-plant-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], victim[256], link1[300], link2[300], buf[64];
    snprintf(path, sizeof path, "%s/s.state.json", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(link1, sizeof link1, "%s.tmp", path);
    FILE *fp = fopen(victim, "w");
    fputs("precious", fp);
    fclose(fp);
    assert_int_equal(symlink(victim, link1), 0);
    char err[256];
    for (int round = 0; round < 3; round++) {   /* every name the next write could pick */
        for (int k = 0; k < 4; k++) {
            snprintf(link2, sizeof link2, "%s.tmp-%ld-%d", path, (long)getpid(), round * 8 + k);
            (void)symlink(victim, link2);
        }
        assert_int_equal(persist_write_atomic(path, "[1]", 3, err, sizeof err), 0);
    }
    fp = fopen(victim, "r");
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, "precious");
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    enum { N = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[N + 2];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, (void *)&cases[i] };
    tests[N] = (struct CMUnitTest)cmocka_unit_test(persist_round_trip);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(persist_write_ignores_planted_links);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
