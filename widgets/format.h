/*
 * format.h — how values become text: units, decimals, 万/亿 scaling,
 * thousands separators, value mappings and threshold colours. Every
 * value-bearing widget embeds fmt_opts_t through the shared option group
 * fmt_opt_table, so all of them take these options the same way.
 *
 * Pure functions; any thread.
 */
#ifndef BS_FORMAT_H
#define BS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include "opt.h"

enum { FMT_SCALE_NONE = 0, FMT_SCALE_AUTO, FMT_SCALE_WAN, FMT_SCALE_YI };

typedef struct {
    char           *unit;        /* after the number: "%", "人", "门"          */
    char           *prefix;      /* before the number: "¥"                     */
    int             decimals;    /* -1: automatic                              */
    int             scale;       /* FMT_SCALE_*                                */
    bool            thousands;   /* 128,861                                    */
    bs_thresholds_t thresholds;  /* value → colour                             */
    bs_mappings_t   mappings;    /* exact value text → display text            */
} fmt_opts_t;

extern const opt_def_t fmt_opt_table[];

typedef struct {
    char num[64];                /* "12.86", "93.3", "128,861"                */
    char unit[80];               /* "万人", "%", ""                            */
} fmt_out_t;

/* Formats v. Non-finite values give "--". Never more than 12 integer
 * digits: from 1万亿 (1e12) up, or where a scale would leave more, the
 * number is shown in 万亿 ("-9,100.00万亿"); from 1e16 in scientific form
 * with one decimal ("1.7e308"), so num holds at most ~24 characters after
 * the prefix. */
void fmt_number(const fmt_opts_t *o, double v, fmt_out_t *out);

/* Formats v (a value on its way, e.g. counting up) with the decimals that
 * ref (where it is going) would get, so automatic decimals do not flicker
 * while a whole number counts up. */
void fmt_number_as(const fmt_opts_t *o, double v, double ref, fmt_out_t *out);

/* A goal or a scale mark: the widget's unit and scaling, but decimals
 * only where the number has them ("目标 90%", not "目标 90.0%"). */
void fmt_target(const fmt_opts_t *o, double v, fmt_out_t *out);

/* An axis label: the number with its scale word but without the unit
 * (the chart shows that once): "250", "2.50万", "1,000.00万亿", "1.0e20". */
void fmt_axis(const fmt_opts_t *o, double v, char *buf, size_t len);

/* A percentage as "73%" (no decimals), "--" when not finite, and in the
 * bounded form of fmt_number ("1.7e308%") from a million percent up. */
void fmt_percent(double pct, char *buf, size_t len);

/* num + unit in one string (for reports and single-run text). */
void fmt_join(const fmt_out_t *f, char *buf, size_t len);

/* The threshold colour for v, or dflt when no threshold applies. */
bs_color_t fmt_color(const fmt_opts_t *o, double v, bs_color_t dflt);

/* The mapped display text for raw, or NULL if there is no mapping. */
const char *fmt_map(const fmt_opts_t *o, const char *raw);

/* Age as a leader reads it: "刚刚", "12 秒前", "3 分钟前", "2 小时前", "5 天前". */
void fmt_age(double seconds, char *buf, size_t len);

/* Inserts thousands separators into a plain decimal string ("-1234567.5"). */
void fmt_group_thousands(const char *in, char *out, size_t len);

#endif
