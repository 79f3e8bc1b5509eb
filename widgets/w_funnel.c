/*
 * w_funnel.c — "funnel": a pipeline of stages, e.g. online applications
 * submitted → accepted → approved → paid (提交 → 受理 → 审批 → 发放).
 *
 * Input: an array of {"name", "value"} objects (in pipeline order), an
 * object {stage: value} (in its key order) or an array of numbers with the
 * names from "stages". Each stage is a band whose width is its value against
 * the largest stage (never thinner than "min_width"), joined to the next by
 * a slanted neck; the band shows the stage's name and value, and beside it
 * the share that reached this stage from the one before ("转化率"). Missing,
 * negative and non-finite values are drawn as empty bands with "--".
 *
 * Layers: the panel is the core's base; the bands are the layer, eased to
 * new widths over "animate" seconds after a change.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FUNNEL_MAX 8

typedef struct {
    char   name[48];
    double value;                  /* NaN = missing                          */
    double from, to;               /* width as a fraction of the widest      */
} stage_t;

typedef struct {
    wdg_t        base;
    fmt_opts_t   fmt;
    bs_strlist_t stages;
    char        *name_field, *value_field;
    double       min_width, animate;
    bool         rates, frame;
    /* state */
    stage_t      s[FUNNEL_MAX];
    int          n;
    double       t0, anim_until;
    bool         has;
} funnel_t;

static const opt_def_t funnel_opts[] = {
    { "format",  OPT_GROUP, offsetof(funnel_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "stages",  OPT_STRLIST, offsetof(funnel_t, stages), 0, FUNNEL_MAX, NULL, NULL, NULL,
      "names of the stages when the data is an array of numbers" },
    { "name_field",  OPT_STR, offsetof(funnel_t, name_field),  0, 64, "name", NULL, NULL, "key of a stage's name in arrays of objects" },
    { "value_field", OPT_STR, offsetof(funnel_t, value_field), 0, 64, "value", NULL, NULL, "key of a stage's value in arrays of objects" },
    { "min_width", OPT_NUM, offsetof(funnel_t, min_width), 0.05, 1, "0.22", NULL, NULL,
      "narrowest band, as a share of the widest" },
    { "rates",   OPT_BOOL, offsetof(funnel_t, rates), 0, 0, "true", NULL, NULL,
      "show the share of the previous stage that reached each stage" },
    { "animate", OPT_NUM,  offsetof(funnel_t, animate), 0, 10, "1.0", NULL, NULL, "seconds of a width change" },
    { "frame",   OPT_BOOL, offsetof(funnel_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static double usable(const bs_value_t *v)
{
    double x = wdg_number(v);
    return isfinite(x) && x >= 0 ? x : NAN;
}

static void funnel_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    funnel_t *k = (funnel_t *)w;
    (void)slot;
    (void)e;
    stage_t next[FUNNEL_MAX];
    int n = 0;
    if (v && (v->type == BS_ARR || v->type == BS_OBJ)) {
        for (uint32_t i = 0; i < v->n && n < FUNNEL_MAX; i++) {
            const bs_value_t *it = v->u.c.items[i];
            stage_t *s = &next[n];
            memset(s, 0, sizeof *s);
            if (v->type == BS_OBJ) {
                snprintf(s->name, sizeof s->name, "%.47s", v->u.c.keys[i]);
                s->value = usable(it);
            } else if (it && it->type == BS_OBJ) {
                const bs_value_t *nm = bs_value_get(it, k->name_field);
                if (!nm || nm->type != BS_STR)
                    continue;
                snprintf(s->name, sizeof s->name, "%.47s", nm->u.str);
                s->value = usable(bs_value_get(it, k->value_field));
            } else {
                if ((int)i < k->stages.n)
                    snprintf(s->name, sizeof s->name, "%.47s", k->stages.s[i]);
                else
                    snprintf(s->name, sizeof s->name, "%u", i + 1);
                s->value = usable(it);
            }
            n++;
        }
    }
    bool same = k->has && n == k->n;
    for (int i = 0; same && i < n; i++)
        same = strcmp(next[i].name, k->s[i].name) == 0 &&
               ((isnan(next[i].value) && isnan(k->s[i].value)) || next[i].value == k->s[i].value);
    if (same)
        return;
    double top = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(next[i].value))
            top = fmax(top, wdg_geom(next[i].value));
    double p = k->has && k->animate > 0 ? wdg_ease(0, 1, (now - k->t0) / k->animate) : 1;
    for (int i = 0; i < n; i++) {
        double f = isnan(next[i].value) || top <= 0 ? 0 : fmin(1, wdg_frac(next[i].value, 0, top));
        next[i].to = k->min_width + (1 - k->min_width) * f;
        /* the band at the same place keeps its width; new ones grow from the narrowest */
        next[i].from = i < k->n ? k->s[i].from + (k->s[i].to - k->s[i].from) * p : k->min_width;
        if (k->animate <= 0)
            next[i].from = next[i].to;
    }
    memcpy(k->s, next, sizeof next[0] * (size_t)n);
    k->n = n;
    k->t0 = now;
    k->has = true;
    k->anim_until = k->animate > 0 ? now + k->animate : 0;
    wdg_invalidate(w);
}

static void funnel_tick(wdg_t *w, double now, int64_t wall_ms)
{
    funnel_t *k = (funnel_t *)w;
    (void)wall_ms;
    if (k->anim_until > 0) {
        wdg_invalidate(w);
        if (now >= k->anim_until)
            k->anim_until = 0;
    }
}

/* Share in percent of stage i against stage i - 1, NaN when unknown. */
static double rate(const funnel_t *k, int i)
{
    if (i <= 0 || i >= k->n)
        return NAN;
    double a = k->s[i - 1].value, b = k->s[i].value;
    if (isnan(a) || isnan(b) || wdg_geom(a) <= 0)
        return NAN;
    return wdg_geom(b) / wdg_geom(a) * 100;
}

static void funnel_draw(const wdg_t *w, draw_t *d)
{
    const funnel_t *k = (const funnel_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    double alpha = 1.0;   /* stale: the core dims it */
    if (!k->has || k->n == 0) {
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + c.h / 2, "等待数据…", dim, AL_CENTER);
        return;
    }
    double p = k->animate > 0 ? wdg_ease(0, 1, (d->now - k->t0) / k->animate) : 1;
    /* the rates column on the right, the funnel in the rest */
    double fs = fmax(12, fmin(20, c.h / k->n * 0.28));
    double rw = k->rates && k->n > 1 ? fmax(fs * 5.5, c.w * 0.2) : 0;
    rect_t f = { c.x + 8, c.y + 4, c.w - rw - 16, c.h - 8 };
    double band = f.h / k->n, gap = fmin(6, band * 0.12);
    double cx = f.x + f.w / 2;
    double widths[FUNNEL_MAX + 1];
    for (int i = 0; i < k->n; i++) {
        double x = k->s[i].from + (k->s[i].to - k->s[i].from) * p;
        widths[i] = f.w * fmin(1, fmax(0.02, isfinite(x) ? x : 0));
    }
    widths[k->n] = widths[k->n - 1] * 0.82;
    for (int i = 0; i < k->n; i++) {
        double y0 = f.y + band * i + gap / 2, y1 = f.y + band * (i + 1) - gap / 2;
        /* top edge at this stage's width, bottom edge narrowing to the next */
        double wt = widths[i], wb = fmin(widths[i], widths[i + 1]);
        double t = k->n > 1 ? (double)i / (k->n - 1) : 0;
        bs_color_t col = { accent.r + (a2.r - accent.r) * (float)t, accent.g + (a2.g - accent.g) * (float)t,
                           accent.b + (a2.b - accent.b) * (float)t, 1, -1 };
        cairo_move_to(cr, cx - wt / 2, y0);
        cairo_line_to(cr, cx + wt / 2, y0);
        cairo_line_to(cr, cx + wb / 2, y1);
        cairo_line_to(cr, cx - wb / 2, y1);
        cairo_close_path(cr);
        cairo_pattern_t *g = cairo_pattern_create_linear(cx - wt / 2, 0, cx + wt / 2, 0);
        cairo_pattern_add_color_stop_rgba(g, 0, col.r * 0.35, col.g * 0.35, col.b * 0.5, 0.85 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 0.5, col.r, col.g, col.b, 0.80 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 1, col.r * 0.35, col.g * 0.35, col.b * 0.5, 0.85 * alpha);
        cairo_set_source(cr, g);
        cairo_fill_preserve(cr);
        cairo_pattern_destroy(g);
        col.a = (float)(0.9 * alpha);
        draw_glow_stroke(d, col, 1.2, 2);
        /* name and value on the band */
        char vb[160] = "--";
        if (!isnan(k->s[i].value)) {
            fmt_out_t fo;
            fmt_number(&k->fmt, k->s[i].value, &fo);
            fmt_join(&fo, vb, sizeof vb);
        }
        double ym = (y0 + y1) / 2;
        double nw = draw_text_width(d, FONT_TEXT, fs, k->s[i].name);
        double vw = draw_number_width(d, FONT_NUMBER, fs * 1.1, vb);
        double room = fmax(wb, f.w * 0.5);
        bs_color_t tc = text;
        tc.a *= (float)alpha;
        if (nw + vw + fs <= room) {
            double x0 = cx - (nw + vw + fs) / 2;
            draw_text(d, FONT_TEXT, fs, x0, ym, k->s[i].name, tc, AL_LEFT);
            draw_number(d, FONT_NUMBER, fs * 1.1, x0 + nw + fs, ym, vb, tc, AL_LEFT);
        } else {
            draw_text_fit(d, FONT_TEXT, fs * 0.9, cx, ym - fs * 0.55, k->s[i].name, tc, AL_CENTER, room);
            draw_number(d, FONT_NUMBER, fs, cx, ym + fs * 0.6, vb, tc, AL_CENTER);
        }
        /* the step from the previous stage, on the right at the border */
        if (rw > 0 && i > 0) {
            double r = rate(k, i), yb = f.y + band * i;
            char rb[32];
            if (isfinite(r))
                fmt_percent(r, rb, sizeof rb);
            else
                snprintf(rb, sizeof rb, "--");
            double rx = c.x + c.w - rw + 4;
            cairo_move_to(cr, cx + widths[i] / 2 + 6, yb);
            cairo_line_to(cr, rx - 4, yb);
            cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.45);
            cairo_set_line_width(cr, 1);
            cairo_set_dash(cr, (double[]){ 3, 3 }, 2, 0);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            draw_text(d, FONT_TEXT, fs * 0.75, rx, yb - fs * 0.55, "转化率", dim, AL_LEFT);
            draw_number(d, FONT_NUMBER, fs, rx, yb + fs * 0.55, rb, gold, AL_LEFT);
        }
    }
}

static void funnel_text(const wdg_t *w, wdg_text_t *out)
{
    const funnel_t *k = (const funnel_t *)w;
    for (int i = 0; i < k->n; i++) {
        char vb[160] = "--", rb[32] = "";
        if (!isnan(k->s[i].value)) {
            fmt_out_t fo;
            fmt_number(&k->fmt, k->s[i].value, &fo);
            fmt_join(&fo, vb, sizeof vb);
        }
        double r = rate(k, i);
        if (isfinite(r)) {
            rb[0] = ' ';
            fmt_percent(r, rb + 1, sizeof rb - 1);
        }
        wdg_text_add(out, "%s %s%s", k->s[i].name, vb, rb);
    }
}

const wdg_class_t wdg_funnel_class = {
    .name = "funnel",
    .doc  = "A pipeline of up to 8 stages as a funnel, e.g. online applications submitted → accepted → "
            "approved → paid: each band's width is its value against the largest stage (never thinner than "
            "\"min_width\"), with its name and value, and beside it the share that came through from the "
            "stage before. Takes an array of {\"name\", \"value\"} objects, an object {stage: value} or an "
            "array of numbers named by \"stages\". Widths ease to new values over \"animate\" seconds.",
    .size = sizeof(funnel_t),
    .opts = funnel_opts,
    .panel = offsetof(funnel_t, frame),
    .bindable = true,
    .data = funnel_data,
    .tick = funnel_tick,
    .draw = funnel_draw,
    .text = funnel_text,
};
