/*
 * w_gauge.c — "gauge": a ring against a target, e.g. the online-office rate
 * of grassroots unions against 90 %. A 270° track with scale ticks, the value
 * arc coloured by threshold, a marker at the target, the number in the middle.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    double     min, max, target, animate, size;
    char      *label;
    char      *target_label;
    bool       frame;
    bs_color_t color;
    wdg_tween_t tw;
    double     to, shown;
    bool       has;
} gauge_t;

static const opt_def_t gauge_opts[] = {
    { "format",  OPT_GROUP, offsetof(gauge_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "min",     OPT_NUM,  offsetof(gauge_t, min),     -1e15, 1e15, "0", NULL, NULL, "value at the start of the arc" },
    { "max",     OPT_NUM,  offsetof(gauge_t, max),     -1e15, 1e15, "100", NULL, NULL, "value at the end of the arc" },
    { "target",  OPT_NUM,  offsetof(gauge_t, target),  -1e15, 1e15, "nan", NULL, NULL, "marked on the ring, e.g. 90" },
    { "target_label", OPT_STR, offsetof(gauge_t, target_label), 0, 32, "目标", NULL, NULL, "word before the target" },
    { "label",   OPT_STR,  offsetof(gauge_t, label),   0, 64, NULL, NULL, NULL, "line under the number" },
    { "size",    OPT_NUM,  offsetof(gauge_t, size),    0, 300, "0", NULL, NULL, "number size; 0 = from the ring" },
    { "animate", OPT_NUM,  offsetof(gauge_t, animate), 0, 10, "1.2", NULL, NULL, "seconds the arc takes to move" },
    { "frame",   OPT_BOOL, offsetof(gauge_t, frame),   0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(gauge_t, color),  0, 0, "accent", NULL, NULL, "arc colour when no threshold applies" },
    OPT_END,
};

static int gauge_init(wdg_t *w, char *err, size_t errlen)
{
    gauge_t *g = (gauge_t *)w;
    if (!(g->max > g->min)) {
        snprintf(err, errlen, "\"max\" (%g) must be above \"min\" (%g)", g->max, g->min);
        return -1;
    }
    return 0;
}

static void gauge_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    gauge_t *g = (gauge_t *)w;
    (void)slot;
    (void)e;
    double x = wdg_number(v);
    if (g->has && (x == g->to || (isnan(x) && isnan(g->to))))
        return;
    wdg_tween_to(&g->tw, x, now, g->animate, g->min, g->max - g->min);
    g->to = x;
    g->has = true;
    wdg_invalidate_overlay(w);
}

static void gauge_tick(wdg_t *w, double now, int64_t wall_ms)
{
    gauge_t *g = (gauge_t *)w;
    (void)wall_ms;
    double s = g->has ? wdg_tween_at(&g->tw, now) : NAN;
    if (s != g->shown && !(isnan(s) && isnan(g->shown))) {
        g->shown = s;
        wdg_invalidate_overlay(w);
    }
}

#define A0 (0.75 * M_PI)           /* arc start: lower left  */
#define SPAN (1.5 * M_PI)          /* 270° clockwise          */

static double frac_of(const gauge_t *g, double v)
{
    return fmax(0, fmin(1, wdg_frac(v, g->min, g->max)));
}

/* The ring's centre, radius and width (design units). */
typedef struct { double cx, cy, R, ring; } gauge_geom_t;

static gauge_geom_t geom(const gauge_t *g)
{
    const wdg_t *w = &g->base;
    rect_t c = g->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double R = fmin(c.w, c.h * 1.08) * 0.40;
    return (gauge_geom_t){ c.x + c.w / 2, c.y + c.h * 0.50 + R * 0.06, R, R * 0.16 };
}

/* The base: scale, track, inner ring, the label (the core draws the panel). */
static void gauge_draw_base(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    bs_color_t dim = draw_theme(d, THEME_DIM), a2 = draw_theme(d, THEME_ACCENT2);
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;

    /* scale ticks outside the ring */
    for (int i = 0; i <= 50; i++) {
        double a = A0 + SPAN * i / 50.0, big = (i % 5 == 0);
        double r0 = R + ring * 0.9, r1 = r0 + (big ? ring * 0.75 : ring * 0.4);
        cairo_move_to(cr, cx + cos(a) * r0, cy + sin(a) * r0);
        cairo_line_to(cr, cx + cos(a) * r1, cy + sin(a) * r1);
        cairo_set_source_rgba(cr, dim.r, dim.g, dim.b, big ? 0.9 : 0.45);
        cairo_set_line_width(cr, big ? 2 : 1);
        cairo_stroke(cr);
        if (i % 10 == 0) {
            char buf[32];
            double val = g->min + (g->max - g->min) * i / 50.0;
            snprintf(buf, sizeof buf, "%g", round(val * 10) / 10);
            double rl = r1 + ring * 0.9;
            draw_text(d, FONT_TEXT, fmax(11, R * 0.085), cx + cos(a) * rl, cy + sin(a) * rl, buf, dim, AL_CENTER);
        }
    }
    /* track */
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_arc(cr, cx, cy, R, A0, A0 + SPAN);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.16);
    cairo_set_line_width(cr, ring);
    cairo_stroke(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    /* inner decorative ring */
    cairo_arc(cr, cx, cy, R - ring * 1.4, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.35);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, (double[]){ 3, 5 }, 2, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (g->label) {
        double size = g->size > 0 ? g->size : R * 0.46, ny = cy + size * 0.25;
        draw_text(d, FONT_TEXT, fmax(13, R * 0.14), cx, ny + size * 0.45, g->label, dim, AL_CENTER);
    }
}

/* The top: the target marker over the moving arc, and its words. */
static void gauge_draw_top(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;
    if (isfinite(g->target)) {
        fmt_out_t fo;
        double a = A0 + SPAN * frac_of(g, g->target);
        bs_color_t gold = draw_theme(d, THEME_GOLD);
        cairo_move_to(cr, cx + cos(a) * (R - ring * 0.9), cy + sin(a) * (R - ring * 0.9));
        cairo_line_to(cr, cx + cos(a) * (R + ring * 1.1), cy + sin(a) * (R + ring * 1.1));
        draw_glow_stroke(d, gold, 3, 4);
        fmt_target(&g->fmt, g->target, &fo);
        char line[160];
        snprintf(line, sizeof line, "%s %s%s", g->target_label ? g->target_label : "", fo.num, fo.unit);
        draw_text(d, FONT_TEXT, fmax(13, R * 0.12), cx, cy + R * 0.80, line, gold, AL_CENTER);
    }
}

/* The marks: the value arc with its glow and bright head, and the number. */
static void gauge_draw_overlay(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    bs_color_t text = draw_theme(d, THEME_TEXT), a2 = draw_theme(d, THEME_ACCENT2);
    double alpha = 1.0;   /* stale: the core dims it */
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;
    /* value arc: short segments blending accent2 → value colour */
    bs_color_t vc = draw_color(d, fmt_color(&g->fmt, g->to, g->color));
    double f = g->has && isfinite(g->shown) ? frac_of(g, g->shown) : 0;
    if (f > 0) {
        int segs = (int)ceil(f * 32);    /* 32 colour steps over 270°: under 4/255 each */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < segs; i++) {
                double t0 = f * i / segs, t1 = f * (i + 1) / segs + (i + 1 < segs ? 0.002 : 0);
                double m = (t0 + t1) / 2 / (f > 0 ? f : 1);
                double r_ = a2.r + (vc.r - a2.r) * m, g_ = a2.g + (vc.g - a2.g) * m, b_ = a2.b + (vc.b - a2.b) * m;
                cairo_arc(cr, cx, cy, R, A0 + SPAN * t0, A0 + SPAN * t1);
                cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
                if (pass == 0) {     /* glow */
                    cairo_set_source_rgba(cr, r_, g_, b_, 0.18 * alpha);
                    cairo_set_line_width(cr, ring * 1.9);
                } else {
                    cairo_set_source_rgba(cr, r_, g_, b_, alpha);
                    cairo_set_line_width(cr, ring);
                }
                cairo_stroke(cr);
            }
        /* bright head */
        double ah = A0 + SPAN * f;
        cairo_arc(cr, cx + cos(ah) * R, cy + sin(ah) * R, ring * 0.42, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95 * alpha);
        cairo_fill(cr);
    }
    /* the number */
    fmt_out_t fo;
    double size = g->size > 0 ? g->size : R * 0.46;
    fmt_number_as(&g->fmt, g->has ? g->shown : NAN, g->to, &fo);
    bs_color_t nc = text;
    nc.a *= alpha;
    double nw = draw_number_width(d, FONT_NUMBER, size, fo.num);
    double uw = fo.unit[0] ? draw_text_width(d, FONT_TEXT, size * 0.42, fo.unit) + 4 : 0;
    double nx = cx - (nw + uw) / 2, ny = cy + size * 0.25;
    draw_number(d, FONT_NUMBER, size, nx, ny, fo.num, nc, AL_LEFT | AL_BASELINE);
    if (uw > 0) {
        bs_color_t vcc = vc;
        vcc.a *= alpha;
        draw_text(d, FONT_BOLD, size * 0.42, nx + nw + 4, ny, fo.unit, vcc, AL_LEFT | AL_BASELINE);
    }
}

/* Where the marks go: the ring with its glow (the number sits inside it;
 * a long number may reach past it, so the row is as wide as the widget). */
static int gauge_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const gauge_t *g = (const gauge_t *)w;
    (void)now;
    gauge_geom_t G = geom(g);
    double e = G.R + G.ring * 1.0 + 2;
    int n = 0;
    if (n < max)
        out[n++] = (rect_t){ G.cx - e, G.cy - e, 2 * e, 2 * e };
    double size = g->size > 0 ? g->size : G.R * 0.46, ny = G.cy + size * 0.25;
    if (n < max)
        out[n++] = (rect_t){ w->rect.x, ny - size * 1.05, w->rect.w, size * 1.4 };
    return n;
}

static void gauge_text(const wdg_t *w, wdg_text_t *out)
{
    const gauge_t *g = (const gauge_t *)w;
    fmt_out_t f;
    char line[160];
    fmt_number(&g->fmt, g->has ? g->to : NAN, &f);
    fmt_join(&f, line, sizeof line);
    wdg_text_add(out, "%s", line);
}

const wdg_class_t wdg_gauge_class = {
    .name = "gauge",
    .doc  = "A 270° ring against a target: scale ticks, the value arc coloured by threshold, a gold "
            "marker at the target and the number in the middle. For rates such as the online-office "
            "rate against 90 %.",
    .size = sizeof(gauge_t),
    .opts = gauge_opts,
    .bindable = true,
    .init = gauge_init,
    .data = gauge_data,
    .tick = gauge_tick,
    .draw_base = gauge_draw_base,
    .draw_overlay = gauge_draw_overlay,
    .overlay_rects = gauge_overlay_rects,
    .draw_top = gauge_draw_top,
    .panel = offsetof(gauge_t, frame),
    .text = gauge_text,
};
