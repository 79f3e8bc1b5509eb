/* test_wake.c — an idle screen may sleep until screen_next_wake() says, and
 * nothing it would have shown is lost: each layout is run frame by frame at
 * its frame rate, and every frame inside a span the screen said it could
 * sleep through (with no data pushed meanwhile) must have nothing to paint.
 * A screen that never sleeps fails too: a silent one must sleep through
 * most of its frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "screen_fixture.h"

#define W0 FIXTURE_WALL0

static void push(screen_t *s, const char *topic, bs_value_t *v)
{
    feed_update_t u = { .op = UPD_SET, .feed = 0, .topic = strdup(topic), .value = v };
    assert_true(feed_queue_push(s->q, &u));
}

static bs_value_t *num_array(const double *v, int n)
{
    bs_value_t *a = bs_value_arr((uint32_t)n);
    for (int i = 0; i < n; i++)
        a->u.c.items[i] = bs_value_num(v[i]);
    return a;
}

static void set_key(bs_value_t *o, uint32_t i, const char *k, bs_value_t *v)
{
    o->u.c.keys[i] = strdup(k);
    o->u.c.items[i] = v;
}

/* The idle bench layout's topics, once (the bench's snapshot). */
static void snapshot(screen_t *s)
{
    push(s, "live.rate", bs_value_num(91.5));
    push(s, "live.members", bs_value_num(128400));
    push(s, "live.apps", bs_value_num(9310));
    push(s, "live.visits", bs_value_num(52000));
    double series[30];
    for (int i = 0; i < 30; i++)
        series[i] = 60 + 20 * sin(i / 4.0);
    push(s, "live.series", num_array(series, 30));
    static const char *const names[] = { "临平区总工会", "余杭工会", "上城职工", "拱墅工会", "西湖工会" };
    bs_value_t *rank = bs_value_arr(5);
    for (uint32_t i = 0; i < 5; i++) {
        bs_value_t *o = bs_value_obj(2);
        set_key(o, 0, "name", bs_value_str(names[i], strlen(names[i])));
        set_key(o, 1, "score", bs_value_num(95 - 4.5 * i));
        rank->u.c.items[i] = o;
    }
    push(s, "live.rank", rank);
    static const char *const regions[] = { "临平", "南苑", "东湖", "星桥", "乔司", "运河", "塘栖", "崇贤" };
    bs_value_t *reg = bs_value_obj(8);
    for (uint32_t i = 0; i < 8; i++)
        set_key(reg, i, regions[i], bs_value_num(40 + 7 * i));
    push(s, "live.regions", reg);
}

typedef struct {
    int frames, idle;         /* frames run; of them, inside a span claimed idle */
} wake_run_t;

/* Runs s from t0 to t1 at fps frames a second (the demo feed stepped when
 * step, data pushed at `push_at` by `more`). Fails on a frame inside a
 * claimed idle span that has something to paint. */
static wake_run_t run(screen_t *s, double t0, double t1, bool step, double push_at, void (*more)(screen_t *))
{
    wake_run_t r = { 0 };
    double period = 1.0 / s->layout->fps, claim = -1;
    uint64_t pushed_at_claim = 0;
    bool pushed = false;
    for (long f = 0;; f++) {
        double t = t0 + (double)f * period;
        if (t >= t1)
            break;
        int64_t wall = W0 + (int64_t)llround(t * 1000);
        if (step)
            screen_step_feeds(s, t);
        if (more && !pushed && t >= push_at) {
            more(s);
            pushed = true;
        }
        uint64_t np = feed_queue_stats(s->q).pushed;
        bool claimed = t < claim - 1e-9 && np == pushed_at_claim;
        bool upd = screen_update(s, t, wall);
        if (claimed && upd) {
            char what[512] = "";
            size_t o = 0;
            for (int k = 0; k < s->damage.n && o < sizeof what; k++)
                o += (size_t)snprintf(what + o, sizeof what - o, " %dx%d+%d+%d", s->damage.r[k].w,
                                      s->damage.r[k].h, s->damage.r[k].x, s->damage.r[k].y);
            fail_msg("%s: frame at t=%.4f s has something to paint (damage:%s%s), but the screen "
                     "said it could sleep until t=%.4f", s->layout->file ? s->layout->file : "?", t, what,
                     s->moved ? " moved" : "", claim);
        }
        if (upd)
            screen_paint(s, t, wall);
        r.frames++;
        r.idle += claimed;
        double wake = screen_next_wake(s, t, wall);
        assert_false(isnan(wake));
        assert_true(wake >= t);
        if (!(t < claim) || np != pushed_at_claim) {
            claim = wake > t + period * 0.5 ? wake : -1;
            pushed_at_claim = np;
        }
    }
    return r;
}

/* The idle bench screen: a snapshot, then silence. Its clock turns each
 * second; otherwise nothing moves once the count-ups and glides are done. */
static void silent_screen_sleeps(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/idle.json", 0, 0);
    snapshot(s);
    wake_run_t r = run(s, 0, 12, false, 0, NULL);
    print_message("idle: %d of %d frames inside idle spans\n", r.idle, r.frames);
    assert_true(r.idle > r.frames * 0.7);          /* the count-ups take the first seconds */
    screen_free(s);
}

/* New data ends a sleep: the values pushed at 6 s start count-ups and
 * glides, which are then painted every frame. */
static void more_data(screen_t *s)
{
    push(s, "live.rate", bs_value_num(88.2));
    push(s, "live.members", bs_value_num(129000));
}

static void data_wakes_it(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/idle.json", 0, 0);
    snapshot(s);
    run(s, 0, 6, false, 0, NULL);
    wake_run_t r = run(s, 6, 7, false, 6, more_data);
    print_message("after data: %d of %d frames idle\n", r.idle, r.frames);
    assert_true(r.idle < r.frames / 2);          /* the count-ups move */
    screen_free(s);
}

/* Staleness: the dim comes on at 5 s and the badge counts seconds, though
 * no widget moves. */
static void staleness_wakes_it(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/staleness.json", 0, 0);
    push(s, "office.rate", bs_value_num(91));
    wake_run_t r = run(s, 0, 9, false, 0, NULL);
    const wdg_t *a = s->layout->widgets[0];
    assert_true(a->stale);
    assert_true(r.idle > r.frames / 2);
    screen_free(s);
}

/* The shipped screens and the test layouts that move in other ways (a
 * burn-in shift, a tour, flip tiles, a one-headline ticker), on the demo
 * feed: never a frame lost. */
static void shipped_layouts_lose_nothing(void **st)
{
    (void)st;
    static const char *const paths[] = {
        BS_SOURCE "/layouts/union-hall.json",
        BS_SOURCE "/layouts/union-lobby-portrait.json",
        BS_SOURCE "/tests/data/pixel-shift.json",
        BS_SOURCE "/tests/data/flip-tour.json",
        BS_SOURCE "/tests/data/ticker-one.json",
        BS_SOURCE "/tests/data/kpi-test.json",
        BS_SOURCE "/tests/data/rank-test.json",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        screen_t *s = fixture_screen(paths[i], 640, 360);
        wake_run_t r = run(s, 0, 14, true, 0, NULL);
        print_message("%s: %d of %d frames idle\n", strrchr(paths[i], '/') + 1, r.idle, r.frames);
        screen_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(silent_screen_sleeps),
        cmocka_unit_test(data_wakes_it),
        cmocka_unit_test(staleness_wakes_it),
        cmocka_unit_test(shipped_layouts_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
