/* test_damage.c — damaged-area list: clipping, joining, overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "damage.h"

static void clips_and_ignores_empty(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 100, 100);
    damage_add(&d, (irect_t){ -10, -10, 20, 20 });
    assert_int_equal(d.n, 1);
    assert_int_equal(d.r[0].x, 0);
    assert_int_equal(d.r[0].w, 10);
    damage_add(&d, (irect_t){ 200, 200, 5, 5 });
    damage_add(&d, (irect_t){ 50, 50, 0, 5 });
    assert_int_equal(d.n, 1);
}

static void contained_is_dropped(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 100, 100);
    damage_add(&d, (irect_t){ 10, 10, 50, 50 });
    damage_add(&d, (irect_t){ 20, 20, 5, 5 });
    assert_int_equal(d.n, 1);
    damage_add(&d, (irect_t){ 0, 0, 70, 70 });    /* swallows the first */
    assert_int_equal(d.n, 1);
    assert_int_equal(d.r[0].w, 70);
}

static void joins_when_cheaper(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 1000, 1000);
    damage_add(&d, (irect_t){ 0, 0, 10, 10 });
    damage_add(&d, (irect_t){ 5, 0, 10, 10 });     /* overlapping: union 150 < 200 */
    assert_int_equal(d.n, 1);
    assert_int_equal(d.r[0].w, 15);
    damage_add(&d, (irect_t){ 500, 500, 10, 10 }); /* far away: kept apart */
    assert_int_equal(d.n, 2);
    assert_int_equal(damage_pixels(&d), 250);
}

/* Two small areas close together (a number's digits, pulses on a map) are
 * one rectangle even when their union is a little larger than the two:
 * each rectangle costs a blit, an upload and a clip of its own. Larger
 * areas as far apart stay apart. */
static void joins_small_neighbours(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 1920, 1080);
    damage_add(&d, (irect_t){ 100, 100, 40, 40 });
    damage_add(&d, (irect_t){ 148, 100, 40, 40 });  /* union 88 x 40 = 3520 > 3200, less than 2 + their cost */
    assert_int_equal(d.n, 1);
    assert_int_equal(d.r[0].w, 88);
    damage_add(&d, (irect_t){ 100, 500, 400, 400 });
    damage_add(&d, (irect_t){ 516, 500, 400, 400 }); /* 16 apart, large: 6400 more pixels */
    assert_int_equal(d.n, 3);
    damage_add(&d, (irect_t){ 1500, 100, 40, 40 }); /* far away: apart */
    assert_int_equal(d.n, 4);
}

/* A full list joins a new area to the one it grows least: the list stays
 * bounded, every area added stays covered, and a few small areas never
 * become the whole screen. */
static void overflow_joins_cheapest(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 10000, 10000);
    irect_t added[DAMAGE_MAX + 8];
    for (int i = 0; i < DAMAGE_MAX + 8; i++) {
        added[i] = (irect_t){ (i % 30) * 300, (i / 30) * 3000, 10, 10 };
        damage_add(&d, added[i]);
    }
    assert_false(d.full);
    assert_true(d.n <= DAMAGE_MAX);
    for (int i = 0; i < DAMAGE_MAX + 8; i++) {
        bool covered = false;
        for (int k = 0; k < d.n; k++)
            covered = covered || irect_contains(d.r[k], added[i]);
        assert_true(covered);
    }
    assert_true(damage_pixels(&d) < 10000L * 10000 / 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clips_and_ignores_empty),
        cmocka_unit_test(contained_is_dropped),
        cmocka_unit_test(joins_when_cheaper),
        cmocka_unit_test(joins_small_neighbours),
        cmocka_unit_test(overflow_joins_cheapest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
