/* test_store.c — topic store and bounded queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "queue.h"
#include "store.h"

/* Parses one frame of protocol text straight into the store. */
static void sink(feed_update_t *u, void *ud) { store_apply(ud, u, 1.0); }

static void feed(store_t *s, const char *json)
{
    bs_limits_t lim = bs_limits_default();
    feed_parse_frame(json, strlen(json), &lim, 0, sink, s, NULL, NULL, 0);
}

static double num(store_t *s, const char *topic)
{
    const store_entry_t *e = store_get(s, topic);
    assert_non_null(e);
    double d;
    assert_true(bs_value_number(e->value, &d));
    return d;
}

static void set_and_replace(void **st)
{
    (void)st;
    store_t *s = store_new(8, 100);
    feed(s, "{\"topic\":\"office.rate\",\"value\":92.4,\"ts\":1000}");
    assert_true(num(s, "office.rate") == 92.4);
    assert_int_equal(store_get(s, "office.rate")->ts_ms, 1000);
    uint64_t v = store_get(s, "office.rate")->version;
    feed(s, "{\"topic\":\"office.rate\",\"value\":93}");
    assert_true(num(s, "office.rate") == 93);
    assert_true(store_get(s, "office.rate")->version > v);
    store_free(s);
}

static void append_ring_wraps(void **st)
{
    (void)st;
    store_t *s = store_new(3, 100);
    for (int i = 1; i <= 5; i++) {
        char m[128];
        snprintf(m, sizeof m, "{\"topic\":\"h\",\"op\":\"append\",\"value\":%d}", i);
        feed(s, m);
    }
    const store_entry_t *e = store_get(s, "h");
    assert_int_equal(e->hist_len, 3);
    double d;
    assert_true(bs_value_number(store_hist(e, 0, NULL), &d));
    assert_true(d == 3);
    assert_true(bs_value_number(store_hist(e, 2, NULL), &d));
    assert_true(d == 5);
    assert_null(store_hist(e, 3, NULL));
    assert_true(num(s, "h") == 5);
    feed(s, "{\"topic\":\"h\",\"op\":\"append\",\"value\":[6,7]}");
    assert_true(num(s, "h") == 7);
    assert_true(bs_value_number(store_hist(store_get(s, "h"), 0, NULL), &d) && d == 5);
    store_free(s);
}

static void merge_and_delete(void **st)
{
    (void)st;
    store_t *s = store_new(4, 100);
    feed(s, "{\"topic\":\"t\",\"value\":{\"临平\":1,\"乔司\":2}}");
    feed(s, "{\"topic\":\"t\",\"op\":\"merge\",\"value\":{\"乔司\":5,\"良渚\":3}}");
    const store_entry_t *e = store_get(s, "t");
    double d;
    assert_true(bs_value_number(bs_value_get(e->value, "临平"), &d) && d == 1);
    assert_true(bs_value_number(bs_value_get(e->value, "乔司"), &d) && d == 5);
    assert_true(bs_value_number(bs_value_path(e->value, "良渚"), &d) && d == 3);
    feed(s, "{\"topic\":\"n\",\"value\":1}");
    /* a merge into a number is refused and leaves it alone */
    feed(s, "{\"topic\":\"n\",\"op\":\"merge\",\"value\":{\"a\":1}}");
    assert_true(num(s, "n") == 1);
    assert_int_equal(store_stats(s).rejected, 1);
    feed(s, "{\"topic\":\"t\",\"op\":\"delete\"}");
    assert_null(store_get(s, "t"));
    store_free(s);
}

static void snapshot_replaces_all(void **st)
{
    (void)st;
    store_t *s = store_new(4, 100);
    feed(s, "[{\"topic\":\"a\",\"value\":1},{\"topic\":\"b\",\"value\":2}]");
    uint64_t g = store_generation(s);
    feed(s, "{\"op\":\"snapshot\",\"topics\":{\"b\":20,\"c\":30}}");
    assert_null(store_get(s, "a"));
    assert_true(num(s, "b") == 20);
    assert_true(num(s, "c") == 30);
    assert_true(store_generation(s) > g);
    assert_int_equal(store_stats(s).topics, 2);
    store_free(s);
}

static void topic_cap(void **st)
{
    (void)st;
    store_t *s = store_new(4, 3);
    feed(s, "[{\"topic\":\"a\",\"value\":1},{\"topic\":\"b\",\"value\":1},{\"topic\":\"c\",\"value\":1},"
            "{\"topic\":\"d\",\"value\":1}]");
    assert_int_equal(store_stats(s).topics, 3);
    assert_null(store_get(s, "d"));
    assert_int_equal(store_stats(s).rejected, 1);
    store_free(s);
}

static bool only_office(const char *topic, void *ud)
{
    (void)ud;
    return strcmp(topic, "office.rate") == 0;
}

static void flood_cannot_crowd_out_bound_topics(void **st)
{
    (void)st;
    store_t *s = store_new(4, 100);
    store_set_interest(s, only_office, NULL);
    for (int i = 0; i < 300; i++) {
        char m[96];
        snprintf(m, sizeof m, "{\"topic\":\"junk.%d\",\"value\":1}", i);
        feed(s, m);
    }
    assert_int_equal(store_stats(s).topics, 50);      /* unbound topics stop at half */
    feed(s, "{\"topic\":\"office.rate\",\"value\":91.5}");
    assert_true(num(s, "office.rate") == 91.5);       /* the bound one still gets in */
    feed(s, "{\"topic\":\"junk.1\",\"value\":2}");    /* known topics still update */
    assert_true(num(s, "junk.1") == 2);
    store_free(s);
}

static feed_update_t set_upd(const char *topic, double v)
{
    feed_update_t u = { .op = UPD_SET, .topic = strdup(topic), .value = bs_value_num(v) };
    return u;
}

static void queue_coalesces_when_full(void **st)
{
    (void)st;
    feed_queue_t *q = feed_queue_new(2);
    feed_update_t u = set_upd("a", 1);
    assert_true(feed_queue_push(q, &u));
    u = set_upd("b", 1);
    assert_true(feed_queue_push(q, &u));
    u = set_upd("a", 2);                   /* full: replaces the pending a */
    assert_true(feed_queue_push(q, &u));
    u = set_upd("c", 1);                   /* full, nothing to merge: dropped */
    assert_false(feed_queue_push(q, &u));
    feed_queue_stats_t s = feed_queue_stats(q);
    assert_int_equal(s.coalesced, 1);
    assert_int_equal(s.dropped, 1);
    assert_int_equal(s.depth, 2);
    feed_update_t out[4];
    assert_int_equal(feed_queue_drain(q, out, 4), 2);
    assert_string_equal(out[0].topic, "a");
    assert_true(out[0].value->u.num == 2);
    assert_string_equal(out[1].topic, "b");
    feed_update_clear(&out[0]);
    feed_update_clear(&out[1]);
    assert_int_equal(feed_queue_stats(q).depth, 0);
    feed_queue_free(q);
}

static void queue_order_and_wrap(void **st)
{
    (void)st;
    feed_queue_t *q = feed_queue_new(3);
    feed_update_t out[3];
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 3; i++) {
            char t[8];
            snprintf(t, sizeof t, "t%d", i);
            feed_update_t u = set_upd(t, round);
            assert_true(feed_queue_push(q, &u));
        }
        assert_int_equal(feed_queue_drain(q, out, 2), 2);
        assert_string_equal(out[0].topic, "t0");
        assert_string_equal(out[1].topic, "t1");
        feed_update_clear(&out[0]);
        feed_update_clear(&out[1]);
        assert_int_equal(feed_queue_drain(q, out, 3), 1);
        assert_string_equal(out[0].topic, "t2");
        feed_update_clear(&out[0]);
    }
    feed_queue_free(q);
}

static void value_paths(void **st)
{
    (void)st;
    store_t *s = store_new(4, 100);
    feed(s, "{\"topic\":\"x\",\"value\":{\"a\":[{\"b\":\"7\"},2]}}");
    const store_entry_t *e = store_get(s, "x");
    double d;
    assert_true(bs_value_number(bs_value_path(e->value, "a.0.b"), &d) && d == 7);
    assert_null(bs_value_path(e->value, "a.5"));
    assert_null(bs_value_path(e->value, "a.-1"));
    assert_null(bs_value_path(e->value, "zz.q"));
    store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_and_replace),
        cmocka_unit_test(append_ring_wraps),
        cmocka_unit_test(merge_and_delete),
        cmocka_unit_test(snapshot_replaces_all),
        cmocka_unit_test(topic_cap),
        cmocka_unit_test(flood_cannot_crowd_out_bound_topics),
        cmocka_unit_test(queue_coalesces_when_full),
        cmocka_unit_test(queue_order_and_wrap),
        cmocka_unit_test(value_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
