/*
 * w_donut.c — "donut": shares of a whole, e.g. online applications by kind.
 * A ring (or a pie with "inner": 0) of slices with small gaps, the total in
 * the centre and a legend with values and percentages. Input: an object
 * {label: value}, an array of {"name", "value"} objects or an array of
 * numbers; negative and non-numeric items are ignored. Slices sweep in on the
 * first data and ease to new shares on changes; the widget invalidates only
 * while they move.
 *
 * "tour": seconds (tour.h): the highlight — the slice pulled out and
 * brightened, its legend row lit — and a callout with its name, value and
 * share step through the slices. They are marks over the cached layer, so a
 * step repaints the two slices, their legend rows and the callouts only.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"
#include "tour.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DONUT_MAX 12
#define PULL        0.09    /* a highlighted slice grows outwards by this share of R */
#define CALL_FS_MIN 11      /* the tour's callout shrinks to this before it moves elsewhere */

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
    uint64_t   gen;                /* counts changes of what is shown: the marks' keys */
    wdg_tour_t tour;
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
    WDG_TOUR_OPT(donut_t, tour),
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
    int cur = -1, prev = -1;                /* the tour stays on its slices */
    for (int i = 0; i < n; i++) {
        if (k->tour.cur >= 0 && k->tour.cur < k->n && strcmp(next[i].name, k->s[k->tour.cur].name) == 0)
            cur = i;
        if (k->tour.prev >= 0 && k->tour.prev < k->n && strcmp(next[i].name, k->s[k->tour.prev].name) == 0)
            prev = i;
    }
    memcpy(k->s, next, sizeof next[0] * (size_t)n);
    if (n != k->n)
        wdg_invalidate_base(w);             /* the geometry follows the number of slices */
    k->n = n;
    wdg_tour_follow(&k->tour, cur, prev, n);
    k->total = total;
    k->t0 = now;
    k->has = true;
    k->gen++;
    if (moved)
        k->anim_until = now + k->animate;
    wdg_invalidate(w);
}

static int donut_init(wdg_t *w, char *err, size_t errlen)
{
    donut_t *k = (donut_t *)w;
    return wdg_tour_init(&k->tour, err, errlen);
}

static void ring_invalidate(wdg_t *w, const donut_t *k);

static void donut_tick(wdg_t *w, double now, int64_t wall_ms)
{
    donut_t *k = (donut_t *)w;
    (void)wall_ms;
    if (wdg_tour_tick(&k->tour, k->n, now))
        wdg_invalidate_overlay(w);
    if (k->anim_until > 0) {
        ring_invalidate(w, k);
        if (now >= k->anim_until)
            k->anim_until = 0;
    }
}

/* Where things go (design units): content, chart and legend rects, the
 * ring's centre and radii, the legend's rows. Depends on the rect and the
 * number of slices only (no text measured), so the marks' rectangles need
 * no drawing context. */
typedef struct donut_geom {
    rect_t c, chart, leg;
    rect_t area;                    /* where the tour's callout may go (the chart's, with its band) */
    bool   band;                    /* a band at the area's top is kept for the callout */
    int    legend;                  /* 1 right, 2 bottom, 3 none */
    double fs, R, ri, cx, cy;
    int    cols, rows;
    double rh, cw, y0;              /* legend rows: height, column width, top */
} donut_geom_t;

/* The callout's height at text size fs, and the width of a usual one at the
 * smallest size ("1,829件  52.1%": twelve ASCII characters and one CJK,
 * with its padding), which a corner beside the ring must hold. */
#define CALL_H(fs)  ((fs) * 2.9)
#define CALL_MIN_W  ((12 * 0.62 + 1) * CALL_FS_MIN + 2 * fmin(10, CALL_FS_MIN * 0.7))

/* The widest box of height h in a corner of A (2 units in) that stays out
 * of the disk of radius rr about (cx, cy), the disk centred in A; 0 when
 * none does. */
static double corner_room(rect_t A, double cx, double cy, double rr, double h)
{
    double dy = cy - (A.y + 2 + h);          /* from the box's bottom edge to the centre */
    if (dy >= rr)                            /* above the disk: all the width */
        return fmax(0, A.w - 4);
    double x1 = cx - sqrt(rr * rr - fmax(0, dy) * fmax(0, dy));
    return fmax(0, fmin(x1, A.x + A.w / 2) - (A.x + 2));
}

static donut_geom_t donut_geom(const donut_t *k)
{
    const wdg_t *w = &k->base;
    donut_geom_t g = { 0 };
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    g.c = c;
    int legend = k->legend;
    if (legend == 0)
        legend = c.w > c.h * 1.25 ? 1 : 2;
    g.legend = legend;
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
    g.chart = g.area = chart;
    g.leg = leg;
    g.fs = fs;
    g.R = fmin(chart.w, chart.h) / 2 * 0.80;
    g.cx = chart.x + chart.w / 2;
    g.cy = chart.y + chart.h / 2;
    if (k->tour.period > 0 && k->n >= 2 && CALL_H(CALL_FS_MIN) + 4 <= chart.h * 0.3 &&
        corner_room(chart, g.cx, g.cy, g.R * (1 + PULL) + 3, CALL_H(CALL_FS_MIN)) < CALL_MIN_W) {
        /* too tight for a usual callout in a corner beside the ring: the
         * ring moves down under a band that holds one at the smallest
         * size, whatever the data (unless the band would take more than
         * 30 % of the chart's height) */
        double band = CALL_H(CALL_FS_MIN) + 4;
        chart = (rect_t){ chart.x, chart.y + band, chart.w, fmax(0, chart.h - band) };
        double half = fmin(chart.w, chart.h) / 2;
        g.R = fmax(0, fmin(half * 0.80, (half - 4) / (1 + PULL) - 3));
        g.cx = chart.x + chart.w / 2;
        g.cy = chart.y + chart.h / 2;
        g.chart = chart;
        g.band = true;
    }
    g.ri = g.R * k->inner;
    if (k->n > 0) {
        g.cols = legend == 2 && c.w / 2 >= fs * 15 ? 2 : 1;
        g.rows = (k->n + g.cols - 1) / g.cols;
        g.rh = fmin(leg.h / g.rows, fs * 2.4);
        g.cw = leg.w / g.cols;
        g.y0 = leg.y + (leg.h - g.rh * g.rows) / 2;
    }
    return g;
}

/* The slices' angles at now: slice i spans [a0[i], a1[i]] (a0 == a1 when it
 * is too thin to draw). */
/* While the slices sweep: the legend and the total show where they go
 * (remade with the data), so only the ring's box of the layer is remade;
 * the tour's marks (the slice pulled out, its callout) follow the slice. */
static void ring_invalidate(wdg_t *w, const donut_t *k)
{
    donut_geom_t G = donut_geom(k);
    double m = 6;                           /* the rim: R + 2.5, 3 wide */
    wdg_invalidate_area(w, (rect_t){ G.cx - G.R - m, G.cy - G.R - m, 2 * (G.R + m), 2 * (G.R + m) });
    wdg_invalidate_overlay(w);
}

static void slice_angles(const donut_t *k, double now, double *a0, double *a1)
{
    double p = phase(k, now);
    double vals[DONUT_MAX], sum;
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
    for (int i = 0; i < k->n; i++) {
        double span = sum > 0 ? 2 * M_PI * vals[i] / sum * sweep : 0;
        if (span <= gap) {
            a0[i] = a1[i] = a;
        } else {
            a0[i] = a + gap / 2;
            a1[i] = a + span - gap / 2;
        }
        a += span;
    }
}

/* The base, under the panel's content: what depends on the geometry only
 * (the rect and the number of slices, see donut_geom): the outer dashed
 * ring with its four glowing arcs, the inner glow ring and the track. A
 * change of values redraws the layer over it, never these glows. */
static void donut_draw_base(const wdg_t *w, draw_t *d)
{
    const donut_t *k = (const donut_t *)w;
    cairo_t *cr = d->cr;
    donut_geom_t G = donut_geom(k);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    double R = G.R, cx = G.cx, cy = G.cy, ri = G.ri;
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);   /* cairo's default: the core's panel leaves square caps */

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
    /* the track */
    cairo_arc(cr, cx, cy, (R + ri) / 2, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.12);
    cairo_set_line_width(cr, R - ri);
    cairo_stroke(cr);
}

/* The path of a slice from a0 to a1: the ring between ri and ro, or the
 * pie's wedge when ri is 0. */
static void slice_path(cairo_t *cr, double cx, double cy, double ro, double ri, double a0, double a1)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy, ro, a0, a1);
    if (ri > 0)
        cairo_arc_negative(cr, cx, cy, ri, a1, a0);
    else
        cairo_line_to(cr, cx, cy);
    cairo_close_path(cr);
}

/* The current path filled with the radial gradient from c0 at r0 to c1 at
 * r1 round (cx, cy): through the pixels when px takes it
 * (draw_fill_rgrad_px), else with cairo's gradient. */
static void fill_radial(draw_t *d, draw_px_t *px, double cx, double cy, double r0, bs_color_t c0, double r1,
                        bs_color_t c1)
{
    if (draw_fill_rgrad_px(px, d, cx, cy, r0, c0, r1, c1))
        return;
    cairo_t *cr = d->cr;
    cairo_pattern_t *g = cairo_pattern_create_radial(cx, cy, r0, cx, cy, r1);
    cairo_pattern_add_color_stop_rgba(g, 0, c0.r, c0.g, c0.b, c0.a);
    cairo_pattern_add_color_stop_rgba(g, 1, c1.r, c1.g, c1.b, c1.a);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

static void donut_draw(const wdg_t *w, draw_t *d)
{
    const donut_t *k = (const donut_t *)w;
    cairo_t *cr = d->cr;
    donut_geom_t G = donut_geom(k);
    rect_t leg = G.leg;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    double alpha = 1.0;   /* stale: the core dims it */
    int legend = G.legend;
    double fs = G.fs;
    double R = G.R, cx = G.cx, cy = G.cy, ri = G.ri;

    /* the slices */
    double A0[DONUT_MAX], A1[DONUT_MAX];
    slice_angles(k, d->now, A0, A1);
    draw_px_t px;                           /* the slices' gradient straight into the pixels */
    draw_px_begin(&px, d);
    for (int i = 0; i < k->n; i++) {
        if (A1[i] <= A0[i])
            continue;
        bs_color_t col = palette[i % DONUT_MAX];
        slice_path(cr, cx, cy, R, ri, A0[i], A1[i]);
        fill_radial(d, &px, cx, cy, ri, (bs_color_t){ col.r * 0.55f, col.g * 0.55f, col.b * 0.7f, (float)(0.9 * alpha), -1 },
                    R, (bs_color_t){ col.r, col.g, col.b, (float)alpha, -1 });
    }
    draw_px_end(&px);
    for (int i = 0; i < k->n; i++) {        /* a bright rim on the outside edge (outside the slices) */
        if (A1[i] <= A0[i])
            continue;
        double a0 = A0[i], a1 = A1[i];
        bs_color_t col = palette[i % DONUT_MAX];
        cairo_arc(cr, cx, cy, R + 2.5, a0, a1);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.55 * alpha);
        cairo_set_line_width(cr, 3);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        cairo_stroke(cr);
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
        int rows = G.rows;
        double rh = G.rh, cw = G.cw;
        double y0 = G.y0;
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

/* ---- the tour: highlight and callout, as marks ---------------------------- */

#define CALL_FS   0.8       /* callout text, of the legend size */

/* The callout of slice i: its two lines, and where it goes. */
typedef struct {
    char   name[64], val[200];
    double px, py, qx, qy;          /* leader: from the slice's edge, the elbow */
    rect_t box;
    double fs;
} callout_t;

/* Share of box b (sampled on a 9 × 5 grid) inside the disk the slices,
 * pulled out, can cover: 0 when the box leaves the ring alone. */
static double ring_overlap(const donut_geom_t *G, rect_t b)
{
    double rr = G->R * (1 + PULL) + 3;
    int in = 0;
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 5; j++) {
            double x = b.x + b.w * i / 8 - G->cx, y = b.y + b.h * j / 4 - G->cy;
            in += x * x + y * y < rr * rr;
        }
    return in / 45.0;
}


/* Whether box b stays out of the disk of radius rr about the ring's centre
 * (the nearest point of the box is at least rr from it). */
static bool box_clear(const donut_geom_t *G, rect_t b, double rr)
{
    double nx = fmax(b.x, fmin(G->cx, b.x + b.w)), ny = fmax(b.y, fmin(G->cy, b.y + b.h));
    return hypot(nx - G->cx, ny - G->cy) >= rr;
}

/* The callout of slice i: its two lines, and where it goes: beside the
 * leader's elbow, else in a corner of the chart's area (nearest the elbow
 * first), else beside the elbow on the other side, the first of them that
 * leaves the ring alone (exactly: no point of the box within the pulled-out
 * ring's radius), at the largest text size down to CALL_FS_MIN that finds
 * one; when none does (a ring that fills its area), the band donut_geom
 * kept above the ring, or a corner with the box narrowed to fit beside it,
 * or no callout (a box of width 0) where not even that fits: never over
 * the ring. A pure function of the geometry, so the marks'
 * rectangles and the drawing agree. */
static callout_t callout_of(const donut_t *k, const donut_geom_t *G, int i, double a0, double a1)
{
    callout_t co = { .fs = fmax(13, G->fs * CALL_FS * 1.1) };
    snprintf(co.name, sizeof co.name, "%s", k->s[i].name);
    fmt_out_t fo;
    char vb[160], pb[32];
    fmt_number(&k->fmt, k->s[i].to, &fo);
    fmt_join(&fo, vb, sizeof vb);
    double share = share_pct(k, i);
    if (isfinite(share))
        snprintf(pb, sizeof pb, "%.1f%%", share);
    else
        snprintf(pb, sizeof pb, "--");
    snprintf(co.val, sizeof co.val, "%s  %s", vb, pb);
    double am = (a0 + a1) / 2, ca = cos(am), sa = sin(am);
    double rr = G->R * (1 + PULL) + 4;
    co.px = G->cx + ca * rr;
    co.py = G->cy + sa * rr;
    co.qx = co.px + ca * 14;
    co.qy = co.py + sa * 14;
    rect_t A = G->area;                   /* the callout stays off the legend */
    if (A.w < 40 || A.h < 30)
        A = G->c;
    double rr_clear = G->R * (1 + PULL) + 3;
    double best_ov = 2, fs0 = co.fs;
    bool clear = false;
    for (double fs = fs0;; fs = fmax(CALL_FS_MIN, fs * 0.85)) {
        double pad = fmin(10, fs * 0.7);
        double w = fmax(draw_text_width_estimate(co.name, fs), draw_text_width_estimate(co.val, fs)) + 2 * pad;
        w = fmin(w, A.w - 4);
        double h = CALL_H(fs);
        double side = ca >= 0 ? 1 : -1;
        /* candidates: beside the elbow; the four corners, nearest first;
         * beside the elbow on the other side */
        double cand[7][2];
        int nc = 0;
        cand[nc][0] = side > 0 ? co.qx + 16 : co.qx - 16 - w;
        cand[nc++][1] = co.qy - h / 2;
        double cx4[4][2] = { { A.x + 2, A.y + 2 }, { A.x + A.w - w - 2, A.y + 2 },
                             { A.x + 2, A.y + A.h - h - 2 }, { A.x + A.w - w - 2, A.y + A.h - h - 2 } };
        double dist[4];
        for (int c = 0; c < 4; c++)
            dist[c] = hypot(cx4[c][0] + w / 2 - co.qx, cx4[c][1] + h / 2 - co.qy);
        for (int n = 0; n < 4; n++) {
            int bi = -1;
            for (int c = 0; c < 4; c++)
                if (dist[c] >= 0 && (bi < 0 || dist[c] < dist[bi]))
                    bi = c;
            cand[nc][0] = cx4[bi][0];
            cand[nc++][1] = cx4[bi][1];
            dist[bi] = -1;
        }
        cand[nc][0] = side > 0 ? co.qx - 16 - w : co.qx + 16;
        cand[nc++][1] = co.qy - h / 2;
        for (int c = 0; c < nc && !clear; c++) {
            double x = fmax(A.x + 2, fmin(cand[c][0], A.x + A.w - w - 2));
            double y = fmax(A.y + 2, fmin(cand[c][1], A.y + A.h - h - 2));
            rect_t b = { x, y, w, h };
            double ov = ring_overlap(G, b);
            clear = box_clear(G, b, rr_clear);
            if (clear || ov < best_ov) {
                best_ov = ov;
                co.box = b;
                co.fs = fs;
            }
        }
        if (clear || fs <= CALL_FS_MIN)
            break;
    }
    if (!clear) {
        /* none leaves the ring alone at the smallest size: the band kept
         * over the ring (donut_geom), else the corner nearest the elbow
         * with the box narrowed to what fits there (the text is cut with
         * "…" to it) */
        double fs = CALL_FS_MIN, h = CALL_H(fs);
        double w = fmin(co.box.w, A.w - 4);
        rect_t b;
        if (G->band) {
            b = (rect_t){ fmax(A.x + 2, fmin(co.qx - w / 2, A.x + A.w - w - 2)), A.y + 2, w, h };
        } else {
            double room = corner_room(A, G->cx, G->cy, rr_clear, h);
            w = fmin(w, room);
            if (w < 3 * fs + 2 * fmin(10, fs * 0.7))
                w = 0;                    /* no room for even two characters: no callout (its row stays lit) */
            bool right = co.qx >= G->cx, low = co.qy >= G->cy;
            b = (rect_t){ right ? A.x + A.w - w - 2 : A.x + 2, low ? A.y + A.h - h - 2 : A.y + 2, w, h };
        }
        co.box = b;
        co.fs = fs;
    }
    return co;
}

/* The box around slice i at pull-out share e (with its glow). */
static rect_t slice_box(const donut_geom_t *G, double a0, double a1, double e)
{
    double ro = G->R * (1 + PULL * e) + 3, rin = G->ri;
    double x0 = G->cx, y0 = G->cy, x1 = G->cx, y1 = G->cy;
    bool first = true;
    for (int j = 0; j <= 16; j++) {
        double a = a0 + (a1 - a0) * j / 16;
        for (int r = 0; r < 2; r++) {
            double rad = r ? ro : rin, x = G->cx + cos(a) * rad, y = G->cy + sin(a) * rad;
            if (first) {
                x0 = x1 = x;
                y0 = y1 = y;
                first = false;
            }
            x0 = fmin(x0, x);
            x1 = fmax(x1, x);
            y0 = fmin(y0, y);
            y1 = fmax(y1, y);
        }
    }
    double m = 8;
    return (rect_t){ x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m };
}

/* Legend row i (lit while it has the highlight). */
static rect_t legend_row(const donut_geom_t *G, int i)
{
    return (rect_t){ G->leg.x + G->cw * (i / G->rows) - 6, G->y0 + G->rh * (i % G->rows), G->cw + 4, G->rh };
}

static rect_t rect_join(rect_t a, rect_t b)
{
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    return (rect_t){ x0, y0, fmax(a.x + a.w, b.x + b.w) - x0, fmax(a.y + a.h, b.y + b.h) - y0 };
}

/* The tour's mix as it is drawn: in steps of half a unit of the pull-out
 * (PULL × R over the ease), so that an ease repaints the slices when they
 * have moved, not on each frame of its slow end; *step is the step's
 * number. */
static double tour_e(const donut_t *k, const donut_geom_t *G, double now, uint64_t *step)
{
    int steps = (int)fmin(64, fmax(2, ceil(PULL * G->R / 0.5)));
    return wdg_tour_mix_steps(&k->tour, now, steps, step);
}

/* Slice i drawn pulled out by e (0..1), brighter, with a glowing edge. */
static void draw_pulled(const donut_t *k, const donut_geom_t *G, draw_t *d, int i, double a0, double a1,
                        double e, double alpha)
{
    cairo_t *cr = d->cr;
    bs_color_t col = palette[i % DONUT_MAX];
    double ro = G->R * (1 + PULL * e), ri = G->ri;
    bs_color_t hi = { fminf(1, col.r * 0.7f + 0.3f), fminf(1, col.g * 0.7f + 0.3f), fminf(1, col.b * 0.7f + 0.3f), 1, -1 };
    slice_path(cr, G->cx, G->cy, ro, ri, a0, a1);
    draw_px_t px;
    draw_px_begin(&px, d);
    fill_radial(d, &px, G->cx, G->cy, ri, (bs_color_t){ col.r * 0.7f, col.g * 0.7f, col.b * 0.8f, (float)alpha, -1 }, ro,
                (bs_color_t){ hi.r, hi.g, hi.b, (float)alpha, -1 });
    draw_px_end(&px);
    (void)k;
    cairo_new_path(cr);
    cairo_arc(cr, G->cx, G->cy, ro + 1.5, a0, a1);
    hi.a = (float)(alpha * fmin(1, e * 1.5));
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    draw_glow_stroke_exact(d, hi, 2, 3);
}

static void draw_callout(const donut_t *k, const callout_t *co, draw_t *d, int i, double alpha)
{
    cairo_t *cr = d->cr;
    bs_color_t col = palette[i % DONUT_MAX], accent = draw_theme(d, THEME_ACCENT);
    bs_color_t text = draw_theme(d, THEME_TEXT), panel = draw_theme(d, THEME_BG);
    rect_t b = co->box;
    double lx = b.x + (co->qx < b.x ? 0 : b.w);             /* where the leader meets the box */
    (void)k;
    cairo_move_to(cr, co->px, co->py);
    cairo_line_to(cr, co->qx, co->qy);
    cairo_line_to(cr, lx, fmax(b.y + 4, fmin(co->qy, b.y + b.h - 4)));
    cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.9 * alpha);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_arc(cr, co->px, co->py, 2.5, 0, 2 * M_PI);
    cairo_fill(cr);
    draw_round_rect(cr, b.x, b.y, b.w, b.h, 4);
    cairo_set_source_rgba(cr, panel.r * 0.8, panel.g * 0.8, panel.b * 0.8, 0.88 * alpha);
    cairo_fill_preserve(cr);
    bs_color_t fc = accent;
    fc.a = (float)(0.9 * alpha);
    draw_glow_stroke_exact(d, fc, 1, 3);
    bs_color_t tc = text, vc = col;
    tc.a *= (float)alpha;
    vc.a = (float)alpha;
    double pad = fmin(10, co->fs * 0.7);
    draw_text_fit(d, FONT_TEXT, co->fs, b.x + pad, b.y + b.h * 0.30, co->name, tc, AL_LEFT, b.w - 2 * pad);
    draw_text_fit(d, FONT_NUMBER, co->fs, b.x + pad, b.y + b.h * 0.70, co->val, vc, AL_LEFT, b.w - 2 * pad);
}

static void draw_legend_lit(const donut_geom_t *G, draw_t *d, int i, double e, double alpha)
{
    cairo_t *cr = d->cr;
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    rect_t r = legend_row(G, i);
    cairo_pattern_t *g = cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0);
    cairo_pattern_add_color_stop_rgba(g, 0, accent.r, accent.g, accent.b, 0.22 * e * alpha);
    cairo_pattern_add_color_stop_rgba(g, 1, accent.r, accent.g, accent.b, 0.0);
    cairo_rectangle(cr, r.x, r.y + 2, r.w, r.h - 4);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    /* the accent bar at the row's left, on whole output pixels. With
     * fractional edges its end rows came out 5 levels apart between the
     * frame composed from damage and a full repaint (why it had been taken
     * out): cairo fills a box exactly while the clip is one rectangle, but
     * when the clip is a region of several rectangles that the box
     * straddles (the damage of a tour step: the rows, the callout, the
     * slices), it goes through its polygon rasteriser, which samples an
     * edge's coverage on a sub-pixel grid. Whole-pixel edges have no
     * partial coverage, so both paths give the same pixels. */
    double x0 = r.x, y0 = r.y + 4, x1 = r.x + 3, y1 = r.y + r.h - 4;
    cairo_user_to_device(cr, &x0, &y0);
    cairo_user_to_device(cr, &x1, &y1);
    x0 = round(x0);
    y0 = round(y0);
    x1 = fmax(x0 + 1, round(x1));
    y1 = fmax(y0 + 1, round(y1));
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_restore(cr);
    cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.95 * e * alpha);
    cairo_fill(cr);
}

/* Whether the tour shows slice i (an item that exists, with a share). */
static bool tour_slice(const donut_t *k, int i)
{
    return k->has && i >= 0 && i < k->n && k->n >= 2;
}

/* Whether r (design units) meets the clip of cr: the core draws the marks
 * into all of a frame's damage, which often holds only a neighbour's
 * rectangles (the marquee under the donut), and a piece whose box misses
 * the clip leaves no ink in it (the boxes are the marks' rectangles). The
 * clip's rectangles are tested, not their bounding box, which spans the
 * screen when a neighbour far off moves. */
static bool in_clip(const draw_clip_t *clip, const draw_t *d, rect_t r)
{
    return draw_clip_hits(clip, d, r);
}

/* The callout's rectangle with its leader (a mark of donut_overlay_marks). */
static rect_t callout_rect(const callout_t *co)
{
    rect_t lead = { fmin(co->px, co->qx) - 4, fmin(co->py, co->qy) - 4, fabs(co->qx - co->px) + 8,
                    fabs(co->qy - co->py) + 8 };
    rect_t b = co->box;
    return rect_join(lead, (rect_t){ b.x - 6, b.y - 6, b.w + 12, b.h + 12 });
}

static void donut_draw_overlay(const wdg_t *w, draw_t *d)
{
    const donut_t *k = (const donut_t *)w;
    if (!tour_slice(k, k->tour.cur))
        return;
    draw_clip_t clip;
    draw_clip_get(d, &clip);
    if (!draw_clip_hits(&clip, d, w->rect))     /* only a neighbour's damage in the ink margin */
        return;
    const draw_clip_t *cr = &clip;
    donut_geom_t G = donut_geom(k);
    double A0[DONUT_MAX], A1[DONUT_MAX];
    slice_angles(k, d->now, A0, A1);
    uint64_t step;
    double e = tour_e(k, &G, d->now, &step), alpha = 1.0;   /* stale: the core dims it */
    int cur = k->tour.cur, prev = k->tour.prev;
    if (tour_slice(k, prev) && e < 1) {
        if (A1[prev] > A0[prev] && in_clip(cr, d, slice_box(&G, A0[prev], A1[prev], 1 - e)))
            draw_pulled(k, &G, d, prev, A0[prev], A1[prev], 1 - e, alpha);
        if (G.legend != 3 && in_clip(cr, d, legend_row(&G, prev)))
            draw_legend_lit(&G, d, prev, 1 - e, alpha);
    }
    if (A1[cur] > A0[cur]) {
        if (in_clip(cr, d, slice_box(&G, A0[cur], A1[cur], e)))
            draw_pulled(k, &G, d, cur, A0[cur], A1[cur], e, alpha);
        callout_t co = callout_of(k, &G, cur, A0[cur], A1[cur]);
        if (co.box.w > 0 && in_clip(cr, d, callout_rect(&co)))
            draw_callout(k, &co, d, cur, alpha * e);
    }
    if (G.legend != 3 && in_clip(cr, d, legend_row(&G, cur)))
        draw_legend_lit(&G, d, cur, e, alpha);
}

/* The tour's marks: the highlighted slice and the one it left (while it
 * eases back), their legend rows, the callout with its leader; each keyed
 * by the data's changes, the tour's items and its step (every frame while
 * the slices sweep). */
static int donut_overlay_marks(const wdg_t *w, double now, wdg_mark_t *out, int max)
{
    const donut_t *k = (const donut_t *)w;
    int n = 0;
    if (!tour_slice(k, k->tour.cur) || max < 5)
        return 0;
    donut_geom_t G = donut_geom(k);
    double A0[DONUT_MAX], A1[DONUT_MAX];
    slice_angles(k, now, A0, A1);
    uint64_t step;
    double e = tour_e(k, &G, now, &step);
    int cur = k->tour.cur, prev = k->tour.prev;
    uint64_t key = k->anim_until > 0 && now < k->anim_until
                       ? wdg_mark_key_now(now)                 /* the slices sweep */
                       : (k->gen * 0x9e3779b97f4a7c15u) ^ ((uint64_t)(unsigned)(cur + 1) << 48) ^
                             ((uint64_t)(unsigned)(prev + 1) << 56) ^ step;
    if (tour_slice(k, prev) && e < 1) {
        if (A1[prev] > A0[prev])
            out[n++] = (wdg_mark_t){ slice_box(&G, A0[prev], A1[prev], 1 - e), key };
        if (G.legend != 3)
            out[n++] = (wdg_mark_t){ legend_row(&G, prev), key };
    }
    if (A1[cur] > A0[cur]) {
        out[n++] = (wdg_mark_t){ slice_box(&G, A0[cur], A1[cur], e), key };
        callout_t co = callout_of(k, &G, cur, A0[cur], A1[cur]);
        if (co.box.w > 0)
            out[n++] = (wdg_mark_t){ callout_rect(&co), key };
    }
    if (G.legend != 3)
        out[n++] = (wdg_mark_t){ legend_row(&G, cur), key };
    return n;
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
    if (tour_slice(k, k->tour.cur))
        wdg_text_add(out, "巡览 %s", k->s[k->tour.cur].name);
}

const wdg_class_t wdg_donut_class = {
    .name = "donut",
    .doc  = "Shares of a whole as a donut (or a pie with \"inner\": 0): up to 12 slices with small gaps, "
            "the total in the centre and a legend with each value and its percentage. Takes an object "
            "{label: value}, an array of {\"name\", \"value\"} objects or an array of numbers. Slices ease "
            "to new shares over \"animate\" seconds, then the widget stops redrawing. With \"tour\": "
            "seconds, a highlight (the slice pulled out and brightened, its legend row lit) and a callout "
            "with its name, value and share move through the slices in turn, staying on the same name "
            "when the data changes.",
    .size = sizeof(donut_t),
    .opts = donut_opts,
    .panel = offsetof(donut_t, frame),
    .bindable = true,
    .init = donut_init,
    .data = donut_data,
    .tick = donut_tick,
    .draw_base = donut_draw_base,
    .draw = donut_draw,
    .draw_overlay = donut_draw_overlay,
    .overlay_marks = donut_overlay_marks,
    .text = donut_text,
};
