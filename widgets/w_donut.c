/*
 * w_donut.c — "donut": shares of a whole, e.g. online applications by kind.
 * A ring (or a pie with "inner": 0) of slices with small gaps, the total in
 * the centre and a legend with values and percentages. Input: an object
 * {label: value}, an array of {"name", "value"} objects or an array of
 * numbers; negative and non-numeric items are ignored. Slices sweep in on the
 * first data and ease to new shares on changes; the widget invalidates only
 * while they move.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DONUT_MAX 12

typedef struct {
    char   name[64];
    double from, to;
} slice_t;

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    char      *name_field, *value_field, *center_label;
    double     inner, animate;
    int        legend;             /* auto, right, bottom, none */
    bool       frame;
    /* state */
    slice_t    s[DONUT_MAX];
    int        n;
    double     t0, total;
    bool       has;
    double     anim_until;
} donut_t;

static const char *const legends[] = { "auto", "right", "bottom", "none", NULL };

static const opt_def_t donut_opts[] = {
    { "format",  OPT_GROUP, offsetof(donut_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "inner",   OPT_NUM,  offsetof(donut_t, inner), 0, 0.9, "0.62", NULL, NULL,
      "inner radius as a share of the outer; 0 draws a pie" },
    { "legend",  OPT_ENUM, offsetof(donut_t, legend), 0, 0, "auto", legends, NULL,
      "where the legend goes; auto: right when the widget is wide, else below" },
    { "center_label", OPT_STR, offsetof(donut_t, center_label), 0, 32, "总计", NULL, NULL,
      "line under the total in the centre; \"\" hides the total" },
    { "name_field",  OPT_STR, offsetof(donut_t, name_field),  0, 64, "name", NULL, NULL, "key of an item's label in arrays of objects" },
    { "value_field", OPT_STR, offsetof(donut_t, value_field), 0, 64, "value", NULL, NULL, "key of an item's value in arrays of objects" },
    { "animate", OPT_NUM,  offsetof(donut_t, animate), 0, 10, "1.2", NULL, NULL, "seconds of the sweep and of share changes" },
    { "frame",   OPT_BOOL, offsetof(donut_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static const bs_color_t palette[DONUT_MAX] = {
    { 0.00f, 0.90f, 1.00f, 1, -1 }, { 0.16f, 0.49f, 1.00f, 1, -1 }, { 0.18f, 0.90f, 0.65f, 1, -1 },
    { 1.00f, 0.83f, 0.30f, 1, -1 }, { 1.00f, 0.54f, 0.24f, 1, -1 }, { 0.64f, 0.48f, 1.00f, 1, -1 },
    { 1.00f, 0.37f, 0.64f, 1, -1 }, { 0.45f, 0.85f, 0.95f, 1, -1 }, { 0.70f, 0.95f, 0.40f, 1, -1 },
    { 0.95f, 0.65f, 0.85f, 1, -1 }, { 0.55f, 0.65f, 0.85f, 1, -1 }, { 0.95f, 0.95f, 0.55f, 1, -1 },
};

/* Progress of the current transition, 0..1 (eased). */
static double phase(const donut_t *k, double now)
{
    return k->animate > 0 ? wdg_ease(0, 1, (now - k->t0) / k->animate) : 1;
}

/* Slice i's share of the whole in percent, from bounded values (a total of
 * 1e308 + 1e308 overflows; its bounded shares do not); NaN when empty. */
static double share_pct(const donut_t *k, int i)
{
    double sum = 0;
    for (int j = 0; j < k->n; j++)
        sum += wdg_geom(k->s[j].to);
    return sum > 0 ? wdg_geom(k->s[i].to) / sum * 100 : NAN;
}

static void donut_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    donut_t *k = (donut_t *)w;
    (void)slot;
    (void)e;
    slice_t next[DONUT_MAX];
    int n = 0;
    if (v && (v->type == BS_ARR || v->type == BS_OBJ)) {
        for (uint32_t i = 0; i < v->n && n < DONUT_MAX; i++) {
            const bs_value_t *it = v->u.c.items[i];
            double x;
            if (v->type == BS_OBJ) {
                snprintf(next[n].name, sizeof next[n].name, "%.63s", v->u.c.keys[i]);
                x = wdg_number(it);
            } else if (it && it->type == BS_OBJ) {
                const bs_value_t *nm = bs_value_get(it, k->name_field);
                if (!nm)
                    nm = bs_value_get(it, "label");
                if (!nm || nm->type != BS_STR)
                    continue;
                snprintf(next[n].name, sizeof next[n].name, "%.63s", nm->u.str);
                x = wdg_number(bs_value_get(it, k->value_field));
            } else {
                snprintf(next[n].name, sizeof next[n].name, "%u", i + 1);
                x = wdg_number(it);
            }
            if (!isfinite(x) || x < 0)
                continue;
            next[n++].to = x;
        }
    }
    bool same = n == k->n;
    for (int i = 0; same && i < n; i++)
        same = next[i].to == k->s[i].to && strcmp(next[i].name, k->s[i].name) == 0;
    if (same && k->has)
        return;
    /* each slice starts from what is shown now (0 for new ones) */
    double p = k->has ? phase(k, now) : 0;
    for (int i = 0; i < n; i++) {
        next[i].from = 0;
        for (int j = 0; j < k->n; j++)
            if (strcmp(k->s[j].name, next[i].name) == 0)
                next[i].from = k->s[j].from + (k->s[j].to - k->s[j].from) * p;
    }
    double total = 0;
    for (int i = 0; i < n; i++)
        total += next[i].to;
    bool moved = !k->has;                   /* the first data sweeps in */
    for (int i = 0; i < n; i++) {
        next[i].from = k->has ? wdg_anim_from(next[i].from, next[i].to, total) : next[i].from;
        moved = moved || next[i].from != next[i].to;
    }
    memcpy(k->s, next, sizeof next[0] * (size_t)n);
    k->n = n;
    k->total = total;
    k->t0 = now;
    k->has = true;
    if (moved)
        k->anim_until = now + k->animate;
    wdg_invalidate(w);
}

static void donut_tick(wdg_t *w, double now, int64_t wall_ms)
{
    donut_t *k = (donut_t *)w;
    (void)wall_ms;
    if (k->anim_until > 0) {
        wdg_invalidate(w);
        if (now >= k->anim_until)
            k->anim_until = 0;
    }
}

static void donut_draw(const wdg_t *w, draw_t *d)
{
    const donut_t *k = (const donut_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    double alpha = w->stale ? 0.45 : 1.0;
    double p = phase(k, d->now);
    int legend = k->legend;
    if (legend == 0)
        legend = c.w > c.h * 1.25 ? 1 : 2;
    rect_t chart = c, leg = { 0, 0, 0, 0 };
    double fs = fmax(12, fmin(18, fmin(c.w, c.h) * 0.055));
    if (legend == 1 && k->n > 0) {
        chart.w = fmin(c.h, c.w * 0.5);
        leg = (rect_t){ c.x + chart.w + 16, c.y, c.w - chart.w - 16, c.h };
    } else if (legend == 2 && k->n > 0) {
        int cols = c.w / 2 >= fs * 15 ? 2 : 1;
        double lh = ((k->n + cols - 1) / cols) * fs * 1.6;
        chart.h = c.h - lh - 8;
        leg = (rect_t){ c.x, c.y + chart.h + 8, c.w, lh };
    }
    double R = fmin(chart.w, chart.h) / 2 * 0.80;
    double cx = chart.x + chart.w / 2, cy = chart.y + chart.h / 2, ri = R * k->inner;

    /* decorations: outer dashed ring, scale ticks, inner glow ring */
    cairo_arc(cr, cx, cy, R * 1.12, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.55);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, (double[]){ 2, 4 }, 2, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    for (int i = 0; i < 4; i++) {        /* four bright arcs on the outer ring, slowly fixed */
        double a = i * M_PI / 2 - M_PI / 4;
        cairo_arc(cr, cx, cy, R * 1.12, a - 0.18, a + 0.18);
        draw_glow_stroke(d, accent, 2, 3);
    }
    if (ri > 4) {
        cairo_arc(cr, cx, cy, ri * 0.86, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.08);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.45);
        cairo_set_line_width(cr, 1.2);
        cairo_stroke(cr);
    }
    /* the track, then the slices */
    cairo_arc(cr, cx, cy, (R + ri) / 2, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.12);
    cairo_set_line_width(cr, R - ri);
    cairo_stroke(cr);

    double vals[DONUT_MAX], sum = 0;
    for (int i = 0; i < k->n; i++) {
        /* from and to are >= 0 (data() keeps no others): to - from is finite */
        vals[i] = wdg_geom(k->s[i].from + (k->s[i].to - k->s[i].from) * p);
        if (isnan(vals[i]))
            vals[i] = 0;
    }
    sum = wdg_geom_sum(vals, k->n);             /* bounded: never inf, never NaN */
    /* when everything starts from zero (the first data) the ring fills
     * clockwise from the top; later changes move the slice borders */
    bool first = true;
    for (int i = 0; i < k->n; i++)
        first = first && k->s[i].from == 0;
    double sweep = first ? p : 1;
    double a = -M_PI / 2, gap = k->n > 1 ? fmin(0.03, 0.25 / k->n) : 0;
    for (int i = 0; i < k->n && sum > 0; i++) {
        double span = 2 * M_PI * vals[i] / sum * sweep;
        if (span <= gap) {
            a += span;
            continue;
        }
        double a0 = a + gap / 2, a1 = a + span - gap / 2;
        bs_color_t col = palette[i % DONUT_MAX];
        cairo_pattern_t *g = cairo_pattern_create_radial(cx, cy, ri, cx, cy, R);
        cairo_pattern_add_color_stop_rgba(g, 0, col.r * 0.55, col.g * 0.55, col.b * 0.7, 0.9 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 1, col.r, col.g, col.b, alpha);
        cairo_new_sub_path(cr);
        cairo_arc(cr, cx, cy, R, a0, a1);
        if (ri > 0)
            cairo_arc_negative(cr, cx, cy, ri, a1, a0);
        else
            cairo_line_to(cr, cx, cy);
        cairo_close_path(cr);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
        /* a bright rim on the outside edge */
        cairo_arc(cr, cx, cy, R + 2.5, a0, a1);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.55 * alpha);
        cairo_set_line_width(cr, 3);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_stroke(cr);
        a += span;
    }

    /* total in the centre */
    if (k->center_label && k->center_label[0] && ri > 20 && k->n > 0) {
        fmt_out_t fo;
        fmt_number(&k->fmt, k->has ? k->total : NAN, &fo);
        double ns = fmin(ri * 0.52, 60);
        double nw = draw_number_width(d, FONT_NUMBER, ns, fo.num);
        double uw = fo.unit[0] ? draw_text_width(d, FONT_TEXT, ns * 0.4, fo.unit) + 3 : 0;
        if (nw + uw > ri * 1.6) {
            ns *= ri * 1.6 / (nw + uw);
            nw = draw_number_width(d, FONT_NUMBER, ns, fo.num);
            uw = fo.unit[0] ? draw_text_width(d, FONT_TEXT, ns * 0.4, fo.unit) + 3 : 0;
        }
        bs_color_t nc = text;
        nc.a *= alpha;
        double nx = cx - (nw + uw) / 2, ny = cy + ns * 0.18;
        draw_number(d, FONT_NUMBER, ns, nx, ny, fo.num, nc, AL_LEFT | AL_BASELINE);
        if (uw > 0)
            draw_text(d, FONT_TEXT, ns * 0.4, nx + nw + 3, ny, fo.unit, dim, AL_LEFT | AL_BASELINE);
        draw_text(d, FONT_TEXT, fmax(11, ns * 0.38), cx, ny + ns * 0.5, k->center_label, dim, AL_CENTER);
    }

    /* legend: swatch, name, value, percentage */
    if (legend != 3 && k->n > 0) {
        int cols = legend == 2 && c.w / 2 >= fs * 15 ? 2 : 1;
        int rows = (k->n + cols - 1) / cols;
        double rh = fmin(leg.h / rows, fs * 2.4), cw = leg.w / cols;
        double y0 = leg.y + (leg.h - rh * rows) / 2;
        /* column widths from what is actually shown, so names get the rest */
        char pbs[DONUT_MAX][32], vbs[DONUT_MAX][160];
        double pw = 0, vw = 0;
        for (int i = 0; i < k->n && i < DONUT_MAX; i++) {
            double share = share_pct(k, i);
            if (isfinite(share))
                snprintf(pbs[i], sizeof pbs[i], "%.1f%%", share);
            else
                snprintf(pbs[i], sizeof pbs[i], "--");
            fmt_out_t fo;
            fmt_number(&k->fmt, k->s[i].to, &fo);
            fmt_join(&fo, vbs[i], sizeof vbs[i]);
            pw = fmax(pw, draw_number_width(d, FONT_NUMBER, fs, pbs[i]));
            vw = fmax(vw, draw_number_width(d, FONT_NUMBER, fs, vbs[i]));
        }
        for (int i = 0; i < k->n && i < DONUT_MAX; i++) {
            double x = leg.x + cw * (i / rows), y = y0 + rh * (i % rows) + rh / 2;
            bs_color_t col = palette[i % DONUT_MAX];
            cairo_rectangle(cr, x, y - 5, 10, 10);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
            cairo_fill(cr);
            bs_color_t pc = col;
            pc.a = (float)alpha;
            draw_number(d, FONT_NUMBER, fs, x + cw - 6, y, pbs[i], pc, AL_RIGHT);
            draw_number(d, FONT_NUMBER, fs, x + cw - 6 - pw - 12, y, vbs[i], text, AL_RIGHT);
            draw_text_fit(d, FONT_TEXT, fs, x + 18, y, k->s[i].name, text, AL_LEFT, cw - 6 - pw - 12 - vw - 18 - 8);
        }
    }
    if (!k->has || k->n == 0)
        draw_text(d, FONT_TEXT, 18, cx, cy, "等待数据…", dim, AL_CENTER);
}

static void donut_text(const wdg_t *w, wdg_text_t *out)
{
    const donut_t *k = (const donut_t *)w;
    for (int i = 0; i < k->n; i++) {
        fmt_out_t fo;
        char vb[160];
        fmt_number(&k->fmt, k->s[i].to, &fo);
        fmt_join(&fo, vb, sizeof vb);
        wdg_text_add(out, "%s %s %.1f%%", k->s[i].name, vb, isfinite(share_pct(k, i)) ? share_pct(k, i) : 0.0);
    }
    if (k->has) {
        fmt_out_t fo;
        char vb[160];
        fmt_number(&k->fmt, k->total, &fo);
        fmt_join(&fo, vb, sizeof vb);
        wdg_text_add(out, "%s %s", k->center_label ? k->center_label : "", vb);
    }
}

const wdg_class_t wdg_donut_class = {
    .name = "donut",
    .doc  = "Shares of a whole as a donut (or a pie with \"inner\": 0): up to 12 slices with small gaps, "
            "the total in the centre and a legend with each value and its percentage. Takes an object "
            "{label: value}, an array of {\"name\", \"value\"} objects or an array of numbers. Slices ease "
            "to new shares over \"animate\" seconds, then the widget stops redrawing.",
    .size = sizeof(donut_t),
    .opts = donut_opts,
    .panel = offsetof(donut_t, frame),
    .bindable = true,
    .data = donut_data,
    .tick = donut_tick,
    .draw = donut_draw,
    .text = donut_text,
};
