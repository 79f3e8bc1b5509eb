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

static void overflow_goes_full(void **st)
{
    (void)st;
    damage_t d;
    damage_reset(&d, 10000, 10000);
    for (int i = 0; i <= DAMAGE_MAX; i++)
        damage_add(&d, (irect_t){ i * 300, (i % 2) * 5000, 10, 10 });
    assert_true(d.full);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.r[0].w, 10000);
    damage_add(&d, (irect_t){ 1, 1, 1, 1 });        /* nothing more to add */
    assert_int_equal(d.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clips_and_ignores_empty),
        cmocka_unit_test(contained_is_dropped),
        cmocka_unit_test(joins_when_cheaper),
        cmocka_unit_test(overflow_goes_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
