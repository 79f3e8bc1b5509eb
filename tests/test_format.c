/* test_format.c — number formatting: 万/亿, %, decimals, thousands, ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "format.h"

typedef struct {
    double      v;
    int         decimals, scale;
    bool        thousands;
    const char *unit, *prefix;
    const char *num, *out_unit;
} fmt_case_t;

static const fmt_case_t cases[] = {
    { 92.4,       -1, FMT_SCALE_NONE, true,  "%",  NULL, "92.4",      "%" },
    { 92.0,       -1, FMT_SCALE_NONE, true,  "%",  NULL, "92",        "%" },
    { 92.0,        1, FMT_SCALE_NONE, true,  "%",  NULL, "92.0",      "%" },
    { 128634,     -1, FMT_SCALE_NONE, true,  "人", NULL, "128,634",   "人" },
    { 128634,     -1, FMT_SCALE_NONE, false, "人", NULL, "128634",    "人" },
    { 128634,     -1, FMT_SCALE_WAN,  true,  "人", NULL, "12.86",     "万人" },
    { 128634,      1, FMT_SCALE_WAN,  true,  "人", NULL, "12.9",      "万人" },
    { 350000000,  -1, FMT_SCALE_YI,   true,  "元", NULL, "3.50",      "亿元" },
    { 350000000,  -1, FMT_SCALE_AUTO, true,  "元", NULL, "3.50",      "亿元" },
    { 45678,      -1, FMT_SCALE_AUTO, true,  NULL, NULL, "4.57",      "万" },
    { 9999,       -1, FMT_SCALE_AUTO, true,  NULL, NULL, "9,999",     "" },
    { -1234567.5,  1, FMT_SCALE_NONE, true,  NULL, NULL, "-1,234,567.5", "" },
    { -0.04,       1, FMT_SCALE_NONE, true,  NULL, NULL, "0.0",       "" },
    { 2,          -1, FMT_SCALE_NONE, true,  "名", "第 ", "第 2",     "名" },
    { NAN,        -1, FMT_SCALE_NONE, true,  "%",  NULL, "--",        "%" },
    { INFINITY,   -1, FMT_SCALE_WAN,  true,  NULL, NULL, "--",        "" },
    /* big values: bounded and readable (1e300 used to print 300 digits) */
    { 1e21,        0, FMT_SCALE_NONE, true,  NULL, NULL, "1.0e21",    "" },
    { 1e300,      -1, FMT_SCALE_NONE, true,  "人", NULL, "1.0e300",   "人" },
    { 1.7e308,    -1, FMT_SCALE_AUTO, true,  "件", NULL, "1.7e308",   "件" },
    { -1.7e308,   -1, FMT_SCALE_WAN,  true,  NULL, NULL, "-1.7e308",  "" },
    { 1.7e308,     2, FMT_SCALE_NONE, true,  NULL, "¥", "¥1.70e308", "" },
    { -9.1e15,    -1, FMT_SCALE_NONE, true,  NULL, NULL, "-9,100.00", "万亿" },
    { -9.1e15,    -1, FMT_SCALE_WAN,  true,  "人", NULL, "-9,100.00", "万亿人" },
    { 1e12,       -1, FMT_SCALE_AUTO, true,  "元", NULL, "1.00",      "万亿元" },
    { 999999999999, -1, FMT_SCALE_NONE, true, NULL, NULL, "999,999,999,999", "" },
    { 1e16,       -1, FMT_SCALE_YI,   true,  NULL, NULL, "1.0e16",    "" },
    { -0.0,       -1, FMT_SCALE_NONE, true,  NULL, NULL, "0",         "" },
    { 5e-324,     -1, FMT_SCALE_NONE, true,  NULL, NULL, "0",         "" },
    { -5e-324,     2, FMT_SCALE_NONE, true,  NULL, NULL, "0.00",      "" },
};

static void numbers(void **st)
{
    (void)st;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fmt_case_t *c = &cases[i];
        fmt_opts_t o = { .unit = (char *)c->unit, .prefix = (char *)c->prefix, .decimals = c->decimals,
                         .scale = c->scale, .thousands = c->thousands };
        fmt_out_t f;
        fmt_number(&o, c->v, &f);
        if (strcmp(f.num, c->num) || strcmp(f.unit, c->out_unit))
            fail_msg("case %zu (%g): got \"%s\" \"%s\", want \"%s\" \"%s\"", i, c->v, f.num, f.unit, c->num, c->out_unit);
    }
}

static void thresholds_and_mappings(void **st)
{
    (void)st;
    fmt_opts_t o = { 0 };
    opt_parse_color("bad", &o.thresholds.t[0].color);
    o.thresholds.t[0].at = 0;
    opt_parse_color("#00ff00", &o.thresholds.t[1].color);
    o.thresholds.t[1].at = 90;
    o.thresholds.n = 2;
    bs_color_t dflt = { 1, 1, 1, 1, -1 };
    assert_int_equal(fmt_color(&o, 89.9, dflt).theme, 10);        /* "bad" */
    assert_true(fmt_color(&o, 90, dflt).g == 1.0f);
    assert_true(fmt_color(&o, -5, dflt).r == 1.0f);               /* below all: default */
    char *from[] = { "0" }, *to[] = { "暂无" };
    o.mappings = (bs_mappings_t){ 1, from, to };
    assert_string_equal(fmt_map(&o, "0"), "暂无");
    assert_null(fmt_map(&o, "1"));
}

static void ages(void **st)
{
    (void)st;
    static const struct { double s; const char *want; } a[] = {
        { 0, "刚刚" }, { 4.9, "刚刚" }, { 12, "12 秒前" }, { 59.9, "59 秒前" }, { 60, "1 分钟前" },
        { 3599, "59 分钟前" }, { 7200, "2 小时前" }, { 86400 * 5 + 3, "5 天前" }, { NAN, "刚刚" },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        fmt_age(a[i].s, buf, sizeof buf);
        assert_string_equal(buf, a[i].want);
    }
}

static void counting_up_keeps_decimals(void **st)
{
    (void)st;
    fmt_opts_t o = { .decimals = -1, .thousands = true };
    fmt_out_t f;
    fmt_number_as(&o, 128643.7, 128650, &f);      /* on its way to a whole number */
    assert_string_equal(f.num, "128,644");
    fmt_number_as(&o, 91.63, 91.7, &f);           /* to a fraction: one decimal */
    assert_string_equal(f.num, "91.6");
    o.scale = FMT_SCALE_AUTO;
    fmt_number_as(&o, 9000, 12000, &f);           /* the target decides 万 */
    assert_string_equal(f.num, "0.90");
    assert_string_equal(f.unit, "万");
    o.scale = FMT_SCALE_NONE;
    o.decimals = 2;                                /* fixed decimals are kept */
    fmt_number_as(&o, 1.5, 2, &f);
    assert_string_equal(f.num, "1.50");
}

static void targets_drop_needless_decimals(void **st)
{
    (void)st;
    fmt_opts_t o = { .decimals = 1, .unit = "%", .thousands = true };
    fmt_out_t f;
    fmt_target(&o, 90, &f);
    assert_string_equal(f.num, "90");
    assert_string_equal(f.unit, "%");
    fmt_target(&o, 92.5, &f);
    assert_string_equal(f.num, "92.5");
}

/* Every magnitude up to the largest double, every scale and decimals: the
 * number part stays short enough for a KPI tile read across the room. */
static void big_numbers_stay_short(void **st)
{
    (void)st;
    for (int e = 0; e <= 308; e++)
        for (int sign = -1; sign <= 1; sign += 2)
            for (int sc = FMT_SCALE_NONE; sc <= FMT_SCALE_YI; sc++)
                for (int dec = -1; dec <= 6; dec++) {
                    double v = sign * 1.7976931348623157 * pow(10, e);
                    if (!isfinite(v))
                        v = sign * 1.7976931348623157e308;
                    fmt_opts_t o = { .decimals = dec, .scale = sc, .thousands = true, .unit = "人" };
                    fmt_out_t f;
                    fmt_number(&o, v, &f);
                    if (strlen(f.num) > 24 || strlen(f.num) == 0)
                        fail_msg("1.8e%d (scale %d, decimals %d) gave \"%s\"", e, sc, dec, f.num);
                    fmt_number_as(&o, v * 0.5, v, &f);
                    if (strlen(f.num) > 24)
                        fail_msg("as: 0.9e%d (scale %d, decimals %d) gave \"%s\"", e, sc, dec, f.num);
                }
}

static void grouping(void **st)
{
    (void)st;
    char out[8];
    fmt_group_thousands("1234567", out, sizeof out);     /* truncated, still terminated */
    assert_int_equal(strlen(out), 7);
    char big[64];
    fmt_group_thousands("+100", big, sizeof big);
    assert_string_equal(big, "+100");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),
        cmocka_unit_test(thresholds_and_mappings),
        cmocka_unit_test(ages),
        cmocka_unit_test(grouping),
        cmocka_unit_test(big_numbers_stay_short),
        cmocka_unit_test(counting_up_keeps_decimals),
        cmocka_unit_test(targets_drop_needless_decimals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
