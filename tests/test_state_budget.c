/* test_state_budget.c — the store has a byte budget and the state file
 * never outgrows what the loader reads back (PERSIST_MAX_BYTES), however
 * much a feed sends; saving is done in bounded steps between frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonw.h"
#include "msg.h"
#include "persist.h"
#include "store.h"

static void sink(feed_update_t *u, void *ud) { store_apply(ud, u, 1.0); }

#define MB 1000000

/* An "append" of an object {"v": i, "pad": "xxx…"} (pad bytes) to topic. */
static int append_big(store_t *s, const char *topic, int i, size_t pad)
{
    char *p = malloc(pad);
    assert_non_null(p);
    memset(p, 'a' + i % 26, pad);
    bs_value_t *o = bs_value_obj(2);
    o->u.c.keys[0] = strdup("v");
    o->u.c.items[0] = bs_value_num(i);
    o->u.c.keys[1] = strdup("pad");
    o->u.c.items[1] = bs_value_str(p, pad);
    free(p);
    feed_update_t u = { .op = UPD_APPEND, .feed = 0, .topic = strdup(topic), .value = o, .ts_ms = 1000 + i };
    return store_apply(s, &u, 1.0 + i * 0.01);
}

static void set_num(store_t *s, const char *topic, double v)
{
    feed_update_t u = { .op = UPD_SET, .feed = 0, .topic = strdup(topic), .value = bs_value_num(v) };
    store_apply(s, &u, 1.0);
}

static double field_v(const bs_value_t *v)
{
    double d = -1;
    assert_true(bs_value_number(bs_value_get(v, "v"), &d));
    return d;
}

/* The recipe at test size: ~1 MB appends to two topics, 80 of
 * them (80 MB, more than the 64 MiB the loader reads). The saved text stays
 * under the cap, loads back, and keeps every topic's newest value. */
static void state_file_fits_the_loader(void **st)
{
    (void)st;
    store_t *s = store_new(256, 100);
    set_num(s, "office.rate", 92.5);
    for (int i = 0; i < 80; i++)
        append_big(s, i % 2 ? "big.b" : "big.a", i, MB);
    size_t len = 0;
    char *text = persist_serialise(s, 2.0, 1795573800000LL, false, &len);
    assert_non_null(text);
    assert_true(len <= PERSIST_MAX_BYTES);
    char path[] = "/tmp/bs-state-budget-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    free(text);
    store_t *back = store_new(256, 100);
    bs_limits_t lim = bs_limits_default();
    lim.string_len = 2 * MB;
    char err[256] = "";
    int n = persist_load(back, path, &lim, 0, err, sizeof err);
    unlink(path);
    if (n <= 0)
        fail_msg("the saved state does not load: %s", err);
    assert_non_null(store_get(back, "office.rate"));
    assert_true(field_v(store_get(back, "big.a")->value) == 78);
    assert_true(field_v(store_get(back, "big.b")->value) == 79);
    store_free(back);
    store_free(s);
}

/* With a store budget above the file cap, the saver itself keeps the text
 * under the cap: every topic's value is saved, the oldest history left out
 * and counted. */
static void saver_cuts_history_to_the_cap(void **st)
{
    (void)st;
    store_t *s = store_new(256, 100);
    store_set_budget(s, 256u << 20);
    set_num(s, "office.rate", 92.5);
    for (int i = 0; i < 80; i++)
        append_big(s, i % 2 ? "big.b" : "big.a", i, MB);
    assert_int_equal(store_stats(s).evicted, 0);
    persist_saver_t *z = persist_saver_new(true);
    assert_int_equal(persist_saver_step(z, s, 2.0, 1795573800000LL, SIZE_MAX), 1);
    uint64_t hist = 0, topics = 0;
    persist_saver_cuts(z, &hist, &topics);
    size_t len = 0;
    char *text = persist_saver_take(z, &len);
    persist_saver_free(z);
    assert_true(len <= PERSIST_MAX_BYTES && len > PERSIST_MAX_BYTES / 2);
    assert_true(hist >= 80 - PERSIST_MAX_BYTES / MB);
    assert_int_equal(topics, 0);
    assert_non_null(strstr(text, "\"topic\":\"office.rate\",\"value\":92.5"));
    free(text);
    store_free(s);
}

/* The JSON lengths the store keeps are exactly what is written, and the
 * text reads back as the same value. */
static void json_lengths_are_exact(void **st)
{
    (void)st;
    static const char *const cases[] = {
        "0", "-0", "0.1", "1e308", "-1.7976931348623157e308", "5e-324", "123456789012345678",
        "\"\"", "\"a\\\"b\\\\c\"", "\"\\u0001\\u001f\\n\\t\\r\\b\\f\"", "\"临平 乔司 ✓\"",
        "true", "false", "null", "[]", "{}", "[1,[2,[3,{\"k\\\"\":\"v\"}]],null]",
        "{\"a\":{\"b\":[true,false,\"\\u007f\"]},\"\":0}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char frame[512];
        snprintf(frame, sizeof frame, "{\"topic\":\"t\",\"value\":%s}", cases[i]);
        store_t *s = store_new(4, 10);
        bs_limits_t lim = bs_limits_default();
        feed_parse_frame(frame, strlen(frame), &lim, 0, sink, s, NULL, NULL, 0);
        const store_entry_t *e = store_get(s, "t");
        assert_non_null(e);
        char *out = malloc(jsonw_len(e->value) + 1);
        char *end = jsonw_value(out, e->value);
        assert_int_equal((size_t)(end - out), jsonw_len(e->value));
        assert_int_equal(e->value_json, jsonw_len(e->value));
        *end = '\0';
        char again[600];
        snprintf(again, sizeof again, "{\"topic\":\"u\",\"value\":%s}", out);
        feed_parse_frame(again, strlen(again), &lim, 0, sink, s, NULL, NULL, 0);
        assert_non_null(store_get(s, "u"));
        assert_true(bs_value_equal(e->value, store_get(s, "u")->value));
        free(out);
        store_free(s);
    }
}

/* The store keeps its bytes under the budget: the oldest history goes
 * first (counted), the newest values stay; a value that cannot fit even
 * with no history left is refused and counted, the old one kept. */
static void budget_evicts_oldest_history_then_refuses(void **st)
{
    (void)st;
    store_t *s = store_new(256, 100);
    store_set_budget(s, 4 * MB);
    set_num(s, "office.rate", 92.5);
    for (int i = 0; i < 40; i++)
        assert_int_equal(append_big(s, i % 2 ? "big.b" : "big.a", i, MB / 4), 0);
    store_stats_t ss = store_stats(s);
    assert_true(ss.bytes <= 4 * MB);
    assert_true(ss.bytes > 2 * MB);
    assert_true(ss.evicted > 0);
    const store_entry_t *a = store_get(s, "big.a"), *b = store_get(s, "big.b");
    assert_true(field_v(a->value) == 38);
    assert_true(field_v(b->value) == 39);
    /* what is left of the history is the newest, oldest first */
    assert_true(a->hist_len > 0 && a->hist_len < 20);
    assert_true(field_v(store_hist(a, a->hist_len - 1, NULL)) == 38);
    assert_true(field_v(store_hist(a, 0, NULL)) == 38 - 2 * (double)(a->hist_len - 1));
    assert_non_null(store_get(s, "office.rate"));
    /* one value bigger than the whole budget */
    uint64_t rej = ss.rejected;
    size_t hist = a->hist_len;
    assert_int_equal(append_big(s, "big.a", 99, 5 * MB), -1);
    assert_int_equal(store_get(s, "big.a")->hist_len, hist);    /* refused without evicting */
    ss = store_stats(s);
    assert_int_equal(ss.rejected, rej + 1);
    assert_int_equal(ss.over_budget, 1);
    assert_true(field_v(store_get(s, "big.a")->value) == 38);
    assert_true(ss.bytes <= 4 * MB);
    /* deleting gives the bytes back */
    feed_update_t d = { .op = UPD_DELETE, .topic = strdup("big.a") };
    store_apply(s, &d, 2.0);
    feed_update_t d2 = { .op = UPD_DELETE, .topic = strdup("big.b") };
    store_apply(s, &d2, 2.0);
    assert_true(store_stats(s).bytes < 4096);
    store_free(s);
}

/* Saving in steps: each step writes a bounded amount, the store may change
 * between steps (values replaced, topics deleted and added, history
 * evicted), and the result still loads, under the cap. */
static void saving_in_bounded_steps(void **st)
{
    (void)st;
    store_t *s = store_new(256, 1000);
    for (int i = 0; i < 400; i++) {
        char t[32];
        snprintf(t, sizeof t, "t.%d", i % 50);
        append_big(s, t, i, 20000);
    }
    persist_saver_t *z = persist_saver_new(false);
    assert_non_null(z);
    int steps = 0, rc;
    size_t before = 0;
    while ((rc = persist_saver_step(z, s, 3.0, 1795573800000LL, 64 * 1024)) == 0) {
        size_t now_len = persist_saver_len(z);
        assert_true(now_len - before <= 64 * 1024 + 2 * 20100);   /* a step, plus one message */
        before = now_len;
        steps++;
        char t[32];
        snprintf(t, sizeof t, "t.%d", (steps * 7) % 50);
        append_big(s, t, 1000 + steps, 20000);
        if (steps % 5 == 0) {
            snprintf(t, sizeof t, "t.%d", (steps * 3) % 50);
            feed_update_t d = { .op = UPD_DELETE, .topic = strdup(t) };
            store_apply(s, &d, 3.0);
        }
        set_num(s, "late.topic", steps);
    }
    assert_int_equal(rc, 1);
    assert_true(steps > 20);
    size_t len = 0;
    char *text = persist_saver_take(z, &len);
    persist_saver_free(z);
    assert_true(len > 0 && len <= PERSIST_MAX_BYTES);
    char path[] = "/tmp/bs-state-steps-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    free(text);
    store_t *back = store_new(256, 1000);
    bs_limits_t lim = bs_limits_default();
    lim.string_len = 1 << 20;
    char err[256] = "";
    int n = persist_load(back, path, &lim, 0, err, sizeof err);
    unlink(path);
    if (n <= 0)
        fail_msg("the saved state does not load: %s", err);
    assert_true(store_stats(back).topics >= 40);
    store_free(back);
    store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(state_file_fits_the_loader),
        cmocka_unit_test(saver_cuts_history_to_the_cap),
        cmocka_unit_test(json_lengths_are_exact),
        cmocka_unit_test(budget_evicts_oldest_history_then_refuses),
        cmocka_unit_test(saving_in_bounded_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
