/*
 * w_kpi.c — "kpi": one big number read from across the room: label, value
 * with unit (万/亿 scaling, decimals), an optional target line, and a
 * count-up animation when the value changes. Digits are tabular so a
 * changing number does not jitter.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    double     size;        /* number size */
    double     animate;     /* count-up seconds */
    double     target;      /* NAN = none */
    char      *target_label;
    bool       frame;
    bs_color_t color;
    char      *icon;        /* a short glyph drawn in a ring on the left */
    /* state */
    wdg_tween_t tw;         /* the count-up */
    double     to;          /* the latest value */
    bool       has;
    double     shown;       /* value drawn (eased), updated in tick */
} kpi_t;

static const opt_def_t kpi_opts[] = {
    { "format",  OPT_GROUP, offsetof(kpi_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "size",    OPT_NUM,  offsetof(kpi_t, size),    12, 300, "60", NULL, NULL, "number size, design units" },
    { "animate", OPT_NUM,  offsetof(kpi_t, animate), 0, 10, "1.2", NULL, NULL,
      "seconds of the count-up when the value changes; 0 = jump" },
    { "target",  OPT_NUM,  offsetof(kpi_t, target),  -1e15, 1e15, "nan", NULL, NULL,
      "a goal shown under the number with progress, e.g. 100 (cloud courses)" },
    { "target_label", OPT_STR, offsetof(kpi_t, target_label), 0, 32, "目标", NULL, NULL,
      "word before the target" },
    { "frame",   OPT_BOOL, offsetof(kpi_t, frame),   0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(kpi_t, color),  0, 0, "accent", NULL, NULL,
      "number colour when no threshold applies" },
    { "icon",    OPT_STR,  offsetof(kpi_t, icon),    0, 8, NULL, NULL, NULL,
      "one or two characters shown in a glowing ring left of the number, e.g. \"会\"" },
    OPT_END,
};

static void kpi_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    kpi_t *k = (kpi_t *)w;
    (void)slot;
    (void)e;
    double x = wdg_number(v);
    if (k->has && (x == k->to || (isnan(x) && isnan(k->to))))
        return;
    /* the first value counts up from zero; later ones glide from what is
     * shown (retargeting a count-up in flight) */
    wdg_tween_to(&k->tw, x, now, k->animate, 0, x);
    k->to = x;
    k->has = true;
    wdg_invalidate_overlay(w);
}

static void kpi_tick(wdg_t *w, double now, int64_t wall_ms)
{
    kpi_t *k = (kpi_t *)w;
    (void)wall_ms;
    double s = k->has ? wdg_tween_at(&k->tw, now) : NAN;
    if (s != k->shown && !(isnan(s) && isnan(k->shown))) {
        k->shown = s;
        wdg_invalidate_overlay(w);
    }
}

/* Where things go (design units): the number's left edge and baseline, the
 * target bar's centre line. */
typedef struct {
    double pad, x, ny, bar_y, label_y, rad;
    bool   has_target;
} kpi_geom_t;

static kpi_geom_t geom(const kpi_t *k)
{
    rect_t r = k->base.rect;
    kpi_geom_t g = { .pad = 22 };
    g.x = r.x + g.pad;
    if (k->icon) {
        g.rad = fmin(r.h * 0.30, 34);
        g.x += g.rad * 2 + 22;
    }
    g.has_target = isfinite(k->target) && k->target != 0;
    g.bar_y = r.y + r.h - 20;
    g.ny = g.has_target ? g.bar_y - 18 : r.y + r.h - 24;           /* number baseline */
    g.label_y = g.ny - 0.74 * k->size - 8 - 11;                      /* label centre */
    return g;
}

/* The base: what only the layout decides (the core draws the panel). */
static void kpi_draw_base(const wdg_t *w, draw_t *d)
{
    const kpi_t *k = (const kpi_t *)w;
    rect_t r = w->rect;
    kpi_geom_t g = geom(k);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    if (k->icon) {
        double x = r.x + g.pad, cy = r.y + r.h / 2, rad = g.rad;
        cairo_t *cr = d->cr;
        cairo_arc(cr, x + rad, cy, rad, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.12);
        cairo_fill_preserve(cr);
        draw_glow_stroke(d, accent, 2, 4);
        cairo_arc(cr, x + rad, cy, rad * 0.72, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.35);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        draw_text(d, FONT_BOLD, rad * 0.9, x + rad, cy, k->icon, accent, AL_CENTER);
    }
    if (w->title)
        draw_text(d, FONT_TEXT, 21, g.x, g.label_y, w->title, text, AL_LEFT);
    if (g.has_target) {
        double by = g.bar_y, bw = r.x + r.w - g.pad - g.x - 120, bh = 8;
        cairo_t *cr = d->cr;
        draw_round_rect(cr, g.x, by - bh / 2, bw, bh, bh / 2);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.10);
        cairo_fill(cr);
        fmt_out_t f;
        fmt_target(&k->fmt, k->target, &f);
        char line[160];
        snprintf(line, sizeof line, "%s %s%s", k->target_label ? k->target_label : "", f.num, f.unit);
        draw_text(d, FONT_TEXT, 16, r.x + r.w - g.pad, by, line, dim, AL_RIGHT);
    }
}

/* The marks: the number as it counts, and the target bar's fill. */
static void kpi_draw_overlay(const wdg_t *w, draw_t *d)
{
    const kpi_t *k = (const kpi_t *)w;
    rect_t r = w->rect;
    kpi_geom_t g = geom(k);
    bs_color_t dim = draw_theme(d, THEME_DIM);
    double x = g.x, ny = g.ny;
    double v = k->has ? k->shown : NAN;
    fmt_out_t f;
    char raw[64];
    snprintf(raw, sizeof raw, "%g", k->to);
    const char *mapped = k->has ? fmt_map(&k->fmt, raw) : NULL;
    bs_color_t c = fmt_color(&k->fmt, k->to, k->color);
    double alpha = w->stale ? 0.45 : 1.0;
    c.a *= alpha;
    if (mapped) {
        draw_text(d, FONT_BOLD, k->size * 0.8, x, ny, mapped, c, AL_LEFT | AL_BASELINE);
    } else {
        fmt_number_as(&k->fmt, v, k->to, &f);
        /* a number too wide for the tile ("-9,100.00万亿人") gets smaller */
        double size = k->size, avail = r.x + r.w - g.pad - x;
        double need = draw_number_width(d, FONT_NUMBER, size, f.num) +
                      (f.unit[0] ? draw_text_width(d, FONT_TEXT, fmax(16, size * 0.36), f.unit) + 8 : 0);
        if (need > avail && avail > 0)
            size *= fmax(0.4, avail / need);
        double nw = draw_number(d, FONT_NUMBER, size, x, ny, f.num, c, AL_LEFT | AL_BASELINE);
        if (f.unit[0]) {
            bs_color_t u = dim;
            u.a *= alpha;
            draw_text(d, FONT_TEXT, fmax(16, size * 0.36), x + nw + 8, ny, f.unit, u, AL_LEFT | AL_BASELINE);
        }
    }
    if (g.has_target) {
        double frac = k->has && isfinite(k->shown) ? fmax(0, fmin(1, wdg_frac(k->shown, 0, k->target))) : 0;
        double by = g.bar_y, bw = r.x + r.w - g.pad - x - 120, bh = 8;
        cairo_t *cr = d->cr;
        if (frac > 0) {
            cairo_pattern_t *gr = cairo_pattern_create_linear(x, 0, x + bw, 0);
            bs_color_t a2 = draw_theme(d, THEME_ACCENT2);
            cairo_pattern_add_color_stop_rgba(gr, 0, a2.r, a2.g, a2.b, alpha);
            cairo_pattern_add_color_stop_rgba(gr, 1, c.r, c.g, c.b, alpha);
            draw_round_rect(cr, x, by - bh / 2, bw * frac, bh, bh / 2);
            cairo_set_source(cr, gr);
            cairo_fill(cr);
            cairo_pattern_destroy(gr);
        }
    }
}

/* Where the marks go: the number's row (to the panel's right edge; digits
 * and unit never reach past it) and the target bar. */
static int kpi_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const kpi_t *k = (const kpi_t *)w;
    (void)now;
    rect_t r = w->rect;
    kpi_geom_t g = geom(k);
    int n = 0;
    double top = g.ny - k->size * 1.05, bottom = g.ny + k->size * 0.32;
    if (n < max)
        out[n++] = (rect_t){ g.x - 4, top, r.x + r.w + 8 - (g.x - 4), bottom - top };
    if (g.has_target && n < max)
        out[n++] = (rect_t){ g.x - 2, g.bar_y - 6, r.x + r.w - g.pad - g.x - 120 + 4, 12 };
    return n;
}

static void kpi_text(const wdg_t *w, wdg_text_t *out)
{
    const kpi_t *k = (const kpi_t *)w;
    char raw[64], line[160];
    snprintf(raw, sizeof raw, "%g", k->to);
    const char *mapped = k->has ? fmt_map(&k->fmt, raw) : NULL;
    if (mapped) {
        wdg_text_add(out, "%s", mapped);
        return;
    }
    fmt_out_t f;
    fmt_number(&k->fmt, k->has ? k->to : NAN, &f);
    fmt_join(&f, line, sizeof line);
    wdg_text_add(out, "%s", line);
}

const wdg_class_t wdg_kpi_class = {
    .name = "kpi",
    .doc  = "One big number with its label and unit: 万/亿 scaling, decimals, threshold colours, an "
            "optional target with a progress bar, and a count-up when the value changes. Digits are "
            "tabular, so a changing number does not jitter.",
    .size = sizeof(kpi_t),
    .opts = kpi_opts,
    .bindable = true,
    .data = kpi_data,
    .tick = kpi_tick,
    .draw_base = kpi_draw_base,
    .draw_overlay = kpi_draw_overlay,
    .overlay_rects = kpi_overlay_rects,
    .panel = offsetof(kpi_t, frame),
    .panel_untitled = true,
    .text = kpi_text,
};
