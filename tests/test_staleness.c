/* test_staleness.c — a source time in the future never keeps a value fresh:
 * ages count from min(source time, arrival), and a source time further
 * ahead than the store's skew tolerance is refused and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "screen_fixture.h"

#define W0 FIXTURE_WALL0

/* Queues a "set" of topic to number v stamped ts (0: none), as a feed would. */
static void push(screen_t *s, const char *topic, double v, int64_t ts)
{
    feed_update_t u = { .op = UPD_SET, .feed = 0, .topic = strdup(topic), .value = bs_value_num(v), .ts_ms = ts };
    assert_true(feed_queue_push(s->q, &u));
}

static const wdg_t *widget(const screen_t *s, const char *id)
{
    for (int i = 0; i < s->layout->nwidgets; i++)
        if (strcmp(s->layout->widgets[i]->id, id) == 0)
            return s->layout->widgets[i];
    fail_msg("no widget %s", id);
    return NULL;
}

/* A value stamped a minute ahead (inside the tolerance) is kept, but it ages
 * from when it arrived: 10 s later it is stale like any other. */
static void future_stamp_ages_from_arrival(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/staleness.json", 0, 0);
    push(s, "office.rate", 91, W0 + 60 * 1000);
    screen_update(s, 0, W0);
    assert_false(widget(s, "a")->stale);
    screen_update(s, 10, W0 + 10 * 1000);
    assert_true(widget(s, "a")->stale);
    assert_true(widget(s, "a")->data_age >= 9.9 && widget(s, "a")->data_age <= 10.1);
    screen_free(s);
}

/* A value stamped a year ahead is refused and counted; the value before it
 * stays and goes stale on time. */
static void far_future_stamp_is_refused(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/staleness.json", 0, 0);
    push(s, "members.realname", 1200, W0);
    screen_update(s, 0, W0);
    uint64_t rejected = store_stats(s->store).rejected;
    push(s, "members.realname", 9999, W0 + 365LL * 86400 * 1000);
    screen_update(s, 1, W0 + 1000);
    assert_int_equal(store_stats(s->store).rejected, rejected + 1);
    double d = 0;
    assert_true(bs_value_number(store_get(s->store, "members.realname")->value, &d));
    assert_true(d == 1200);
    screen_update(s, 10, W0 + 10 * 1000);
    assert_true(widget(s, "b")->stale);
    /* the report says why */
    char *rep = screen_report(s, W0 + 10 * 1000);
    assert_non_null(strstr(rep, "\"skewed\":\t1"));
    free(rep);
    screen_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(future_stamp_ages_from_arrival),
        cmocka_unit_test(far_future_stamp_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
