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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_periods_refused),
        cmocka_unit_test(steps_on_the_grid),
        cmocka_unit_test(quiet_between_steps),
        cmocka_unit_test(follows_items),
        cmocka_unit_test(huge_jump),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
