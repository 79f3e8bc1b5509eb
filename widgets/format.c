/* format.c — number formatting (see format.h). */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const scale_names[] = { "none", "auto", "wan", "yi", NULL };

#define F(field) offsetof(fmt_opts_t, field)
const opt_def_t fmt_opt_table[] = {
    { "unit",       OPT_STR,        F(unit),       0, 32, NULL, NULL, NULL,
      "text after the number, e.g. \"%\", \"人\", \"门\"" },
    { "prefix",     OPT_STR,        F(prefix),     0, 32, NULL, NULL, NULL,
      "text before the number, e.g. \"¥\"" },
    { "decimals",   OPT_INT,        F(decimals),   -1, 6, "-1", NULL, NULL,
      "digits after the point; -1 picks: none for whole numbers, 1 otherwise, 2 when scaled to 万/亿" },
    { "scale",      OPT_ENUM,       F(scale),      0, 0, "none", scale_names, NULL,
      "wan divides by 10,000 and adds 万; yi by 100,000,000 and adds 亿; auto picks from the size" },
    { "thousands",  OPT_BOOL,       F(thousands),  0, 0, "true", NULL, NULL,
      "group digits in threes: 128,861" },
    { "thresholds", OPT_THRESHOLDS, F(thresholds), 0, 0, NULL, NULL, NULL,
      "colour by value: [{\"at\": 0, \"color\": \"bad\"}, {\"at\": 90, \"color\": \"good\"}]; the highest step at or below the value wins" },
    { "mappings",   OPT_MAPPINGS,   F(mappings),   0, 0, NULL, NULL, NULL,
      "show text instead of a value: {\"0\": \"暂无\"}" },
    OPT_END,
};
#undef F

void fmt_group_thousands(const char *in, char *out, size_t len)
{
    size_t o = 0;
    const char *p = in;
    if (len == 0)
        return;
    if (*p == '-' || *p == '+') {
        if (o + 1 < len)
            out[o++] = *p;
        p++;
    }
    size_t digits = strspn(p, "0123456789");
    for (size_t i = 0; i < digits; i++) {
        if (i > 0 && (digits - i) % 3 == 0 && o + 1 < len)
            out[o++] = ',';
        if (o + 1 < len)
            out[o++] = p[i];
    }
    for (p += digits; *p && o + 1 < len; p++)
        out[o++] = *p;
    out[o] = '\0';
}

/* Big numbers: no more than 12 integer digits are ever printed (1e300
 * used to print 300). From 1万亿 (1e12) up a number is shown in 万亿,
 * from 1e16 (10,000万亿, where 万亿 would need five digits) in scientific
 * form with one decimal: "1.7e308", "-9.1e16". */
#define FMT_WANYI     1e12
#define FMT_SCI_FROM  1e16
enum { FMT_SCALE_WANYI = FMT_SCALE_YI + 1 };   /* internal: not an option value */

/* The scale a number of magnitude a gets: from 1万亿 up always 万亿 (under
 * any scale: "910,000,000,000.00万" reads worse than "9,100.00万亿"), else
 * auto picks by size. */
static int pick_scale(int scale, double a)
{
    if (a >= FMT_WANYI)
        return FMT_SCALE_WANYI;
    if (scale == FMT_SCALE_AUTO)
        scale = a >= 1e8 ? FMT_SCALE_YI : a >= 1e4 ? FMT_SCALE_WAN : FMT_SCALE_NONE;
    return scale;
}

/* "1.7e+308" → "1.7e308", "1.0e-05" → "1.0e-5". */
static void tidy_exponent(char *s)
{
    char *e = strchr(s, 'e');
    if (!e)
        return;
    char *d = e + 1, *p = e + 1;
    if (*p == '+')
        p++;
    else if (*p == '-')
        *d++ = *p++;
    while (*p == '0' && p[1])
        p++;
    memmove(d, p, strlen(p) + 1);
}

void fmt_number(const fmt_opts_t *o, double v, fmt_out_t *out)
{
    const char *suffix = "";
    int decimals = o ? o->decimals : -1;
    int scale = o ? o->scale : FMT_SCALE_NONE;

    out->unit[0] = '\0';
    if (!isfinite(v)) {
        snprintf(out->num, sizeof out->num, "--");
        snprintf(out->unit, sizeof out->unit, "%s", o && o->unit ? o->unit : "");
        return;
    }
    double a = fabs(v);
    char plain[64];
    if (a >= FMT_SCI_FROM) {
        snprintf(plain, sizeof plain, "%.*e", decimals >= 1 && decimals <= 3 ? decimals : 1, v);
        tidy_exponent(plain);
        snprintf(out->num, sizeof out->num, "%s%s", o && o->prefix ? o->prefix : "", plain);
        snprintf(out->unit, sizeof out->unit, "%s", o && o->unit ? o->unit : "");
        return;
    }
    scale = pick_scale(scale, a);
    if (scale == FMT_SCALE_WAN) {
        v /= 1e4;
        suffix = "万";
    } else if (scale == FMT_SCALE_YI) {
        v /= 1e8;
        suffix = "亿";
    } else if (scale == FMT_SCALE_WANYI) {
        v /= 1e12;
        suffix = "万亿";
    }
    if (decimals < 0) {
        if (scale != FMT_SCALE_NONE)
            decimals = 2;
        else
            decimals = (fabs(v - round(v)) < 1e-9) ? 0 : 1;
    }
    snprintf(plain, sizeof plain, "%.*f", decimals, v);
    if (strcmp(plain, "-0") == 0 || (plain[0] == '-' && strspn(plain + 1, "0.") == strlen(plain + 1)))
        memmove(plain, plain + 1, strlen(plain));      /* no "-0.0" */
    if (o && o->thousands)
        fmt_group_thousands(plain, out->num, sizeof out->num);
    else
        snprintf(out->num, sizeof out->num, "%s", plain);
    if (o && o->prefix) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s%s", o->prefix, out->num);
        snprintf(out->num, sizeof out->num, "%s", tmp);
    }
    snprintf(out->unit, sizeof out->unit, "%s%s", suffix, o && o->unit ? o->unit : "");
}

void fmt_number_as(const fmt_opts_t *o, double v, double ref, fmt_out_t *out)
{
    if (!o || o->decimals >= 0 || !isfinite(ref) || fabs(ref) >= FMT_SCI_FROM) {
        fmt_number(o, v, out);
        return;
    }
    fmt_opts_t fixed = *o;
    int scale = o->scale;
    scale = pick_scale(scale, fabs(ref));
    fixed.scale = scale;
    if (scale != FMT_SCALE_NONE)
        fixed.decimals = 2;
    else
        fixed.decimals = fabs(ref - round(ref)) < 1e-9 ? 0 : 1;
    fmt_number(&fixed, v, out);
}

void fmt_target(const fmt_opts_t *o, double v, fmt_out_t *out)
{
    if (!o) {
        fmt_number(NULL, v, out);
        return;
    }
    fmt_opts_t auto_dec = *o;
    auto_dec.decimals = -1;
    fmt_number(&auto_dec, v, out);
}

void fmt_axis(const fmt_opts_t *o, double v, char *buf, size_t len)
{
    fmt_opts_t a = o ? *o : (fmt_opts_t){ .decimals = -1 };
    a.unit = NULL;
    fmt_out_t f;
    fmt_number(&a, v, &f);
    snprintf(buf, len, "%s%s", f.num, f.unit);
}

void fmt_percent(double pct, char *buf, size_t len)
{
    if (!isfinite(pct)) {
        snprintf(buf, len, "--");
    } else if (fabs(pct) < 1e6) {
        snprintf(buf, len, "%.0f%%", pct);
    } else {
        fmt_out_t f;
        fmt_opts_t o = { .decimals = -1, .thousands = true };
        fmt_number(&o, pct, &f);
        snprintf(buf, len, "%s%s%%", f.num, f.unit);
    }
}

void fmt_join(const fmt_out_t *f, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", f->num, f->unit);
}

bs_color_t fmt_color(const fmt_opts_t *o, double v, bs_color_t dflt)
{
    bs_color_t c = dflt;
    if (!o || !isfinite(v))
        return c;
    for (int i = 0; i < o->thresholds.n; i++)
        if (v >= o->thresholds.t[i].at)
            c = o->thresholds.t[i].color;
    return c;
}

const char *fmt_map(const fmt_opts_t *o, const char *raw)
{
    if (!o || !raw)
        return NULL;
    for (int i = 0; i < o->mappings.n; i++)
        if (strcmp(o->mappings.from[i], raw) == 0)
            return o->mappings.to[i];
    return NULL;
}

void fmt_age(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s < 5)
        snprintf(buf, len, "刚刚");
    else if (s < 60)
        snprintf(buf, len, "%d 秒前", (int)s);
    else if (s < 3600)
        snprintf(buf, len, "%d 分钟前", (int)(s / 60));
    else if (s < 86400)
        snprintf(buf, len, "%d 小时前", (int)(s / 3600));
    else
        snprintf(buf, len, "%d 天前", (int)(s / 86400));
}
