/*
 * test_ticker.c — a ticker fed one headline at a time: a new headline joins
 * the queue (the last "keep" of them), and the one on screen finishes its
 * pass instead of the marquee restarting from the right edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_fixture.h"

#define WALL0 FIXTURE_WALL0
#define LAYOUT BS_SOURCE "/tests/data/ticker-one.json"

static void send_headline(screen_t *s, const char *text)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "{\"topic\":\"news.latest\",\"value\":\"%s\"}", text);
    assert_true(feed_ingest(s->feeds[0], msg, strlen(msg)) > 0);
}

/* Runs s from t0 to t1 at 60 fps, sending nothing. */
static void run(screen_t *s, double t0, double t1)
{
    for (double t = t0; t <= t1 + 1e-9; t += 1 / 60.0) {
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
    }
}

/* The rows the report gives for the ticker, joined by '|'. */
static void rows(screen_t *s, double t, char *out, size_t len)
{
    char *rep = screen_report(s, WALL0 + (int64_t)(t * 1000));
    assert_non_null(rep);
    const char *r = strstr(rep, "\"rows\"");
    assert_non_null(r);
    const char *a = strchr(r, '['), *b = strchr(r, ']');
    snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
    free(rep);
}

/* Two screens see the same long headline; one of them gets a second one
 * while the first is scrolling. The first must go on exactly where it is:
 * the frames agree (the newcomer is still beyond the right edge). */
static void on_screen_finishes_its_pass(void **st)
{
    (void)st;
    static const char *const first =
        "区总工会发布第四季度职工疗休养线路，线上报名已开放，请各基层工会及时组织职工报名参加，名额有限先到先得";
    screen_t *a = fixture_screen(LAYOUT, 0, 0), *b = fixture_screen(LAYOUT, 0, 0);
    send_headline(a, first);
    send_headline(b, first);
    run(a, 0, 9);
    run(b, 0, 9);                        /* entered, rested, now scrolling left */
    send_headline(b, "乔司街道总工会完成2026年度职工互助医疗线上申领");
    run(a, 9 + 1 / 60.0, 10);
    run(b, 9 + 1 / 60.0, 10);
    screen_repaint_all(a, 10, WALL0 + 10000);
    screen_repaint_all(b, 10, WALL0 + 10000);
    long bad = fixture_differing(a->frame, b->frame, 0);
    if (bad > 0) {
        cairo_surface_write_to_png(b->frame, "/tmp/ticker-one-b.png");
        fail_msg("the headline on screen moved when a second one arrived: %ld pixels differ "
                 "(/tmp/ticker-one-b.png)", bad);
    }
    char r[4096];
    rows(b, 10, r, sizeof r);
    assert_non_null(strstr(r, "乔司街道"));           /* queued, not replacing */
    assert_non_null(strstr(r, "第四季度"));
    screen_free(a);
    screen_free(b);
}

/* One headline every 2 s: the queue holds the last "keep" (4) and shows the
 * newest next; a headline sent twice is queued once. */
static void keeps_the_last_n(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(LAYOUT, 0, 0);
    char h[64];
    double t = 0;
    for (int i = 1; i <= 7; i++, t += 2) {
        snprintf(h, sizeof h, "第%d条快讯", i);
        send_headline(s, h);
        run(s, t, t + 2 - 1 / 60.0);
    }
    send_headline(s, "第7条快讯");
    run(s, t, t + 1);
    char r[4096];
    rows(s, t + 1, r, sizeof r);
    int n = 0;
    for (const char *p = r; (p = strstr(p, "快讯")) != NULL; p++)
        n++;
    assert_int_equal(n, 4);
    assert_null(strstr(r, "第1条"));
    assert_null(strstr(r, "第2条"));
    assert_non_null(strstr(r, "第7条"));
    screen_free(s);
}

int main(void)
{
    setenv("BIGSCREEN_DATADIR", BS_SOURCE, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_screen_finishes_its_pass),
        cmocka_unit_test(keeps_the_last_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
