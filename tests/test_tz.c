/* test_tz.c — time zones from the system's zoneinfo. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "tz.h"

static void shanghai_is_plus_eight(void **state)
{
    (void)state;
    char err[256];
    tz_t *z = tz_load("Asia/Shanghai", err, sizeof err);
    assert_non_null(z);
    assert_int_equal(tz_offset_min(z, 1795573800000LL), 480);   /* 2026-11-25 */
    assert_int_equal(tz_offset_min(z, 0), 480);
    tz_free(z);
}

static void berlin_has_summer_time(void **state)
{
    (void)state;
    char err[256];
    tz_t *z = tz_load("Europe/Berlin", err, sizeof err);
    assert_non_null(z);
    assert_int_equal(tz_offset_min(z, 1784000000000LL), 120);   /* 2026-07-14 */
    assert_int_equal(tz_offset_min(z, 1795573800000LL), 60);    /* 2026-11-25 */
    tz_free(z);
}

static void bad_names_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = { "", "../../etc/passwd", "/etc/localtime", "Asia/Nowhere",
                                       "Asia/Shang hai", "Asia\\Shanghai" };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_null(tz_load(bad[i], err, sizeof err));
        assert_true(err[0] != '\0');
    }
}

static void not_a_zone_file(void **state)
{
    (void)state;
    char err[256];
    char dir[] = "/tmp/bs-tz-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/Junk", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("TZif2 but not really a zone file\n", f);
    fclose(f);
    setenv("TZDIR", dir, 1);
    assert_null(tz_load("Junk", err, sizeof err));
    assert_non_null(strstr(err, "not a time zone file"));
    unsetenv("TZDIR");
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shanghai_is_plus_eight),
        cmocka_unit_test(berlin_has_summer_time),
        cmocka_unit_test(bad_names_are_refused),
        cmocka_unit_test(not_a_zone_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
