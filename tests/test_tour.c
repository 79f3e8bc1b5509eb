/* test_tour.c — the auto-tour's steps (widgets/tour.h): on the period grid,
 * wrapping, following items by name, off with fewer than two items, bad
 * periods refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "tour.h"

/* The donut's callout placement, white box: its static functions are here
 * (this executable defines the class itself; the archive's copy is never
 * linked in). */
#include "../widgets/w_donut.c"

static wdg_tour_t tour(double period)
{
    wdg_tour_t t = { .period = period };
    char err[128];
    assert_int_equal(wdg_tour_init(&t, err, sizeof err), 0);
    return t;
}

static void bad_periods_refused(void **st)
{
    (void)st;
    char err[128];
    double bad[] = { 0.5, -1, 3601, NAN, INFINITY };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wdg_tour_t t = { .period = bad[i] };
        assert_int_equal(wdg_tour_init(&t, err, sizeof err), -1);
    }
    wdg_tour_t t = { .period = 0 };
    assert_int_equal(wdg_tour_init(&t, err, sizeof err), 0);
    assert_false(wdg_tour_tick(&t, 5, 1.0));
    assert_int_equal(t.cur, -1);
}

/* Steps fall on multiples of the period whenever the data came, and wrap. */
static void steps_on_the_grid(void **st)
{
    (void)st;
    wdg_tour_t a = tour(3), b = tour(3);
    assert_false(wdg_tour_tick(&a, 1, 0.0));             /* one item: no tour */
    assert_int_equal(a.cur, -1);
    assert_true(wdg_tour_tick(&a, 4, 0.0));
    assert_int_equal(a.cur, 0);
    assert_true(wdg_tour_tick(&b, 4, 7.5));              /* data came late */
    assert_int_equal(b.cur, 2);
    for (int k = 1; k <= 600; k++) {                     /* 10 s at 60 fps */
        double t = k / 60.0;
        wdg_tour_tick(&a, 4, t);
    }
    assert_int_equal(a.cur, 3);                          /* floor(10 / 3) = 3 */
    assert_int_equal(a.prev, 2);
    for (int k = 601; k <= 13 * 60; k++)
        wdg_tour_tick(&a, 4, k / 60.0);
    assert_int_equal(a.cur, 0);                          /* 13 s: wrapped */
    wdg_tour_tick(&b, 4, 13.0);
    assert_int_equal(b.cur, a.cur);
    assert_true(fabs(wdg_tour_mix(&a, 12.0 + WDG_TOUR_EASE / 2) - 0.5) < 0.5);
}

/* It reports a change only while something moves: the step, the ease, and
 * the frame the ease ends; then nothing until the next step. */
static void quiet_between_steps(void **st)
{
    (void)st;
    wdg_tour_t t = tour(2);
    wdg_tour_tick(&t, 3, 0.0);
    int changes = 0;
    for (int k = 1; k <= 119; k++)
        changes += wdg_tour_tick(&t, 3, k / 60.0);
    assert_true(changes <= (int)(WDG_TOUR_EASE * 60) + 1);
    assert_false(wdg_tour_tick(&t, 3, 1.9));
    assert_true(wdg_tour_tick(&t, 3, 2.0));               /* the step */
    assert_int_equal(t.cur, 1);
    assert_true(wdg_tour_easing(&t, 2.1));
    assert_false(wdg_tour_easing(&t, 2.0 + WDG_TOUR_EASE));
}

/* New data: the highlight stays on its item where it went; a gone item
 * leaves it in place; one item left stops the tour. */
static void follows_items(void **st)
{
    (void)st;
    wdg_tour_t t = tour(5);
    wdg_tour_tick(&t, 4, 11.0);
    assert_int_equal(t.cur, 2);
    wdg_tour_follow(&t, 0, -1, 4);                        /* it moved to the front */
    assert_int_equal(t.cur, 0);
    wdg_tour_follow(&t, -1, -1, 4);                       /* gone: same place */
    assert_int_equal(t.cur, 0);
    t.cur = 3;
    wdg_tour_follow(&t, -1, 3, 2);                        /* gone, list shorter */
    assert_int_equal(t.cur, 1);
    assert_int_equal(t.prev, -1);
    wdg_tour_follow(&t, 0, -1, 1);
    assert_int_equal(t.cur, -1);
    assert_false(wdg_tour_tick(&t, 1, 12.0));
    assert_true(wdg_tour_tick(&t, 3, 16.0));              /* back with data */
    assert_int_equal(t.cur, 0);                           /* floor(16 / 5) mod 3 */
}

/* A clock that jumps far ahead steps once, bounded, and never freezes. */
static void huge_jump(void **st)
{
    (void)st;
    wdg_tour_t t = tour(1);
    wdg_tour_tick(&t, 7, 0);
    assert_true(wdg_tour_tick(&t, 7, 1e15));
    assert_true(t.cur >= 0 && t.cur < 7);
    assert_false(wdg_tour_tick(&t, 7, NAN));
}

/* Whether box b keeps out of the disk of radius rr about (cx, cy): the
 * test's own, exact check (the nearest point of the box). */
static bool off_disk(rect_t b, double cx, double cy, double rr)
{
    double nx = fmax(b.x, fmin(cx, b.x + b.w)), ny = fmax(b.y, fmin(cy, b.y + b.h));
    return hypot(nx - cx, ny - cy) >= rr;
}

/* The donut tour's callout never covers the ring, however tight the rect
 * (issue 11: squeezed to its smallest size it still overlapped in a tight
 * rect): every slice's callout, in rects from 150 × 110 to 700 × 400 with
 * every legend place and 2 to 7 slices with long names, stays out of the
 * disk the pulled-out slices can cover and inside the widget; it is left
 * out only in the smallest charts, where nothing fits beside the ring. */
static void donut_callout_off_ring(void **st)
{
    (void)st;
    static const char *const names[7] = { "职工互助医疗", "疗休养", "技能奖励申请", "法律援助", "双证制",
                                          "困难职工帮扶", "金秋助学" };
    static const double vals[7] = { 1829, 642, 421, 239, 377, 95, 1200 };
    int cases = 0, hidden = 0;
    for (double w = 150; w <= 700; w += 25)
        for (double h = 110; h <= 400; h += 15)
            for (int legend = 0; legend < 4; legend++)
                for (int n = 2; n <= 7; n++) {
                    donut_t k;
                    memset(&k, 0, sizeof k);
                    k.base.rect = (rect_t){ 10, 10, w, h };
                    k.base.title = (char *)"申请构成";
                    k.frame = true;
                    k.inner = 0.62;
                    k.legend = legend;
                    k.tour.period = 2;
                    k.has = true;
                    k.n = n;
                    for (int i = 0; i < n; i++) {
                        snprintf(k.s[i].name, sizeof k.s[i].name, "%s", names[i]);
                        k.s[i].from = k.s[i].to = vals[i];
                        k.total += vals[i];
                    }
                    donut_geom_t G = donut_geom(&k);
                    double A0[DONUT_MAX], A1[DONUT_MAX];
                    slice_angles(&k, 100, A0, A1);
                    double rr = G.R * (1 + PULL) + 3;
                    if (G.R < 12)                 /* no ring to speak of (a legend fills it) */
                        continue;
                    for (int i = 0; i < n; i++) {
                        if (!(A1[i] > A0[i]))
                            continue;
                        callout_t co = callout_of(&k, &G, i, A0[i], A1[i]);
                        rect_t b = co.box, r = k.base.rect;
                        cases++;
                        if (b.w == 0) {                   /* left out: only where nothing fits */
                            hidden++;
                            if (G.chart.w * G.chart.h > 200 * 130)
                                fail_msg("rect %.0f x %.0f, legend %d, %d slices, slice %d: no callout in a "
                                         "chart of %.0f x %.0f", w, h, legend, n, i, G.chart.w, G.chart.h);
                            continue;
                        }
                        if (!off_disk(b, G.cx, G.cy, rr - 1e-9) || b.x < r.x || b.y < r.y ||
                            b.x + b.w > r.x + r.w || b.y + b.h > r.y + r.h)
                            fail_msg("rect %.0f x %.0f, legend %d, %d slices, slice %d: callout %.1f,%.1f %.1f x %.1f "
                                     "(size %.1f) covers the ring (centre %.1f,%.1f, radius %.1f) or leaves the widget",
                                     w, h, legend, n, i, b.x, b.y, b.w, b.h, co.fs, G.cx, G.cy, rr);
                    }
                }
    assert_true(cases > 10000);
    assert_true(hidden < cases / 4);         /* the grid has many tiny charts */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_periods_refused),
        cmocka_unit_test(steps_on_the_grid),
        cmocka_unit_test(quiet_between_steps),
        cmocka_unit_test(follows_items),
        cmocka_unit_test(huge_jump),
        cmocka_unit_test(donut_callout_off_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
