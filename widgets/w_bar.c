/*
 * w_bar.c — "bar": a grouped bar / column chart, e.g. online applications by
 * kind. Input per series: an object {label: value}, an array of objects
 * ({"name": .., "value": ..}; field names are options) or an array of
 * numbers. The main "bind" is the first series; "series" adds more, each with
 * its own binding, name and colour, grouped side by side per category.
 * Vertical columns or horizontal bars, gradient fills, value labels, a nice
 * value axis with gridlines, and growth animation when values change. The
 * layer holds the axes, gridlines, names, unit and legend; the bars (fills,
 * caps, value labels) are marks over it, so bars growing on the same axis
 * repaint the plot without redrawing the layer (a new axis or new
 * categories redraw it).
 *
 * Caps: at most BAR_MAX_CATS categories (the first ones win) and
 * BAR_MAX_SERIES series.
 *
 * "tour": seconds (tour.h): a lit band over one category's bars and a callout
 * with its name and values step through the categories; they are marks over
 * the cached layer, so a step repaints the two bands and callouts only.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"
#include "tour.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define BAR_MAX_CATS   24
#define BAR_MAX_SERIES 6

typedef struct {
    wdg_tween_t tw;             /* the bar growing */
    double      to;
    bool        has;
} cell_t;

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    bs_list_t  series;
    char      *name;               /* name of the main series */
    char      *name_field, *value_field;
    int        orient;             /* 0 vertical, 1 horizontal */
    double     animate, bar_width;
    bool       frame, labels, legend;
    bs_color_t color;
    /* state */
    int        ns;                 /* series in use (main + extra) */
    int        nc;
    char       cats[BAR_MAX_CATS][64];
    cell_t     cell[BAR_MAX_SERIES][BAR_MAX_CATS];
    double     anim_until;
    wdg_tour_t tour;
} bar_t;

static const char *const orients[] = { "vertical", "horizontal", NULL };

static const opt_def_t bar_opts[] = {
    { "format",  OPT_GROUP, offsetof(bar_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "series",  OPT_LIST, offsetof(bar_t, series), sizeof(wdg_series_t), BAR_MAX_SERIES - 1, NULL, NULL, wdg_series_opts,
      "more series grouped beside the main one: [{\"bind\": \"…\", \"name\": \"2025\", \"color\": \"#ffd34d\"}], up to 5" },
    { "name",    OPT_STR,  offsetof(bar_t, name), 0, 64, NULL, NULL, NULL, "legend name of the main series" },
    { "orientation", OPT_ENUM, offsetof(bar_t, orient), 0, 0, "vertical", orients, NULL,
      "vertical: columns rising from the bottom; horizontal: bars from the left" },
    { "name_field",  OPT_STR, offsetof(bar_t, name_field),  0, 64, "name", NULL, NULL, "key of an item's label in arrays of objects" },
    { "value_field", OPT_STR, offsetof(bar_t, value_field), 0, 64, "value", NULL, NULL, "key of an item's value in arrays of objects" },
    { "bar_width", OPT_NUM, offsetof(bar_t, bar_width), 0.1, 1, "0.55", NULL, NULL, "share of a category's slot the bars fill" },
    { "labels",  OPT_BOOL, offsetof(bar_t, labels), 0, 0, "true", NULL, NULL, "value label at the end of each bar" },
    { "legend",  OPT_BOOL, offsetof(bar_t, legend), 0, 0, "true", NULL, NULL, "legend when there are two or more series" },
    { "animate", OPT_NUM,  offsetof(bar_t, animate), 0, 10, "1.0", NULL, NULL, "seconds a bar takes to grow" },
    { "frame",   OPT_BOOL, offsetof(bar_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(bar_t, color), 0, 0, "accent", NULL, NULL,
      "colour of the main series when no threshold applies" },
    WDG_TOUR_OPT(bar_t, tour),
    OPT_END,
};

static int bar_init(wdg_t *w, char *err, size_t errlen)
{
    bar_t *b = (bar_t *)w;
    b->ns = 1 + b->series.n;
    if (wdg_tour_init(&b->tour, err, errlen) < 0)
        return -1;
    return wdg_bind_series(w, &b->series, err, errlen);
}

static double cell_now(const bar_t *b, const cell_t *c, double now)
{
    (void)b;
    if (!c->has)
        return 0;
    return wdg_tween_at(&c->tw, now);
}

static int cat_index(bar_t *b, const char *label, bool add)
{
    for (int i = 0; i < b->nc; i++)
        if (strcmp(b->cats[i], label) == 0)
            return i;
    if (!add || b->nc >= BAR_MAX_CATS)
        return -1;
    snprintf(b->cats[b->nc], sizeof b->cats[0], "%.63s", label);
    for (int s = 0; s < BAR_MAX_SERIES; s++)
        b->cell[s][b->nc] = (cell_t){ 0 };
    return b->nc++;
}

static void set_cell(bar_t *b, int s, int ci, double x, double now, bool *changed)
{
    cell_t *c = &b->cell[s][ci];
    if (c->has && c->to == x)
        return;
    wdg_tween_to(&c->tw, x, now, b->animate, 0, x);
    c->to = x;
    c->has = true;
    *changed = true;
    if (wdg_tween_running(&c->tw, now) && c->tw.t0 + c->tw.dur > b->anim_until)
        b->anim_until = c->tw.t0 + c->tw.dur;     /* only a visible move animates */
}

/* What the layer shows besides the bars: the value axis, the categories
 * and which cells there are; the bars alone changing keeps it. */
typedef struct {
    double   vmin, vmax;
    int      nc;
    uint64_t names;
} layer_key_t;

static void value_range(const bar_t *b, double *minv, double *maxv);
static rect_t cells_area(const bar_t *b);

static layer_key_t layer_key(const bar_t *b)
{
    layer_key_t k = { 0, 0, b->nc, 1469598103934665603ull };
    double minv, maxv;
    value_range(b, &minv, &maxv);
    double step = wdg_nice_step(maxv - minv, 4);
    k.vmax = ceil(maxv / step) * step;
    k.vmin = floor(minv / step) * step;
    if (b->orient != 1 && k.vmax < maxv * 1.08)
        k.vmax += step;
    for (int ci = 0; ci < b->nc; ci++) {
        for (const char *c = b->cats[ci]; *c; c++)
            k.names = (k.names ^ (unsigned char)*c) * 1099511628211ull;
        for (int s = 0; s < b->ns; s++)
            k.names = (k.names ^ (b->cell[s][ci].has ? 2u : 1u)) * 1099511628211ull;
    }
    return k;
}

static void bar_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    bar_t *b = (bar_t *)w;
    (void)e;
    if (slot < 0 || slot >= b->ns || slot >= BAR_MAX_SERIES)
        return;
    layer_key_t was = layer_key(b);
    bool seen[BAR_MAX_CATS] = { false }, changed = false;
    if (v && (v->type == BS_ARR || v->type == BS_OBJ)) {
        for (uint32_t i = 0; i < v->n; i++) {
            const bs_value_t *it = v->u.c.items[i];
            char label[64];
            double x;
            if (v->type == BS_OBJ) {
                snprintf(label, sizeof label, "%.63s", v->u.c.keys[i]);
                x = wdg_number(it);
            } else if (it && it->type == BS_OBJ) {
                const bs_value_t *nm = bs_value_get(it, b->name_field);
                if (!nm)
                    nm = bs_value_get(it, "label");
                if (!nm || nm->type != BS_STR)
                    continue;
                snprintf(label, sizeof label, "%.63s", nm->u.str);
                x = wdg_number(bs_value_get(it, b->value_field));
            } else {
                snprintf(label, sizeof label, "%u", i + 1);
                x = wdg_number(it);
            }
            if (!isfinite(x))
                continue;
            int ci = cat_index(b, label, true);
            if (ci < 0)
                continue;
            seen[ci] = true;
            set_cell(b, slot, ci, x, now, &changed);
        }
    }
    /* what this series no longer has goes; so do categories left empty */
    for (int ci = 0; ci < b->nc; ci++)
        if (!seen[ci] && b->cell[slot][ci].has) {
            b->cell[slot][ci].has = false;
            changed = true;
        }
    char cur_name[64] = "", prev_name[64] = "";
    if (b->tour.cur >= 0 && b->tour.cur < b->nc)
        snprintf(cur_name, sizeof cur_name, "%s", b->cats[b->tour.cur]);
    if (b->tour.prev >= 0 && b->tour.prev < b->nc)
        snprintf(prev_name, sizeof prev_name, "%s", b->cats[b->tour.prev]);
    int k = 0;
    for (int ci = 0; ci < b->nc; ci++) {
        bool any = false;
        for (int s = 0; s < b->ns; s++)
            any |= b->cell[s][ci].has;
        if (!any) {
            changed = true;
            continue;
        }
        if (k != ci) {
            memcpy(b->cats[k], b->cats[ci], sizeof b->cats[0]);
            for (int s = 0; s < BAR_MAX_SERIES; s++)
                b->cell[s][k] = b->cell[s][ci];
        }
        k++;
    }
    b->nc = k;
    int cur = -1, prev = -1;                  /* the tour stays on its categories */
    for (int ci = 0; ci < b->nc; ci++) {
        if (cur_name[0] && strcmp(b->cats[ci], cur_name) == 0)
            cur = ci;
        if (prev_name[0] && strcmp(b->cats[ci], prev_name) == 0)
            prev = ci;
    }
    wdg_tour_follow(&b->tour, cur, prev, b->nc);
    if (!changed)
        return;
    layer_key_t is = layer_key(b);
    if (was.vmin != is.vmin || was.vmax != is.vmax || was.nc != is.nc || was.names != is.names)
        wdg_invalidate(w);                /* the axis or the categories: the layer too */
    else if (now < b->anim_until)
        wdg_invalidate_overlay(w);        /* the bars grow (bar_overlay_rects) */
    else
        wdg_invalidate_area(w, cells_area(b));   /* a step too small to animate: the bars there */
}

static void bar_tick(wdg_t *w, double now, int64_t wall_ms)
{
    bar_t *b = (bar_t *)w;
    (void)wall_ms;
    if (wdg_tour_tick(&b->tour, b->nc, now))
        wdg_invalidate_overlay(w);
    if (b->anim_until > 0) {
        wdg_invalidate_overlay(w);        /* the bars (marks) grow; the axes stay cached */
        if (now >= b->anim_until)
            b->anim_until = 0;
    }
}

static bs_color_t series_color(const bar_t *b, const draw_t *d, int s)
{
    return wdg_series_color(&b->series, s, b->color, d);
}

static const char *series_name(const bar_t *b, int s)
{
    if (s == 0)
        return b->name ? b->name : "";
    return wdg_series_name(&b->series, s);
}

/* The value axis: every cell's target, with 0, bounded (wdg_range). The
 * draw and the tour's geometry use the same one. */
static void value_range(const bar_t *b, double *minv, double *maxv)
{
    *maxv = 0;
    *minv = 0;
    for (int s = 0; s < b->ns; s++)
        for (int ci = 0; ci < b->nc; ci++)
            if (b->cell[s][ci].has) {
                *maxv = fmax(*maxv, wdg_geom(b->cell[s][ci].to));
                *minv = fmin(*minv, wdg_geom(b->cell[s][ci].to));
            }
    wdg_range(minv, maxv);
}

static void bar_draw(const wdg_t *w, draw_t *d)
{
    const bar_t *b = (const bar_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = b->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t frame = draw_theme(d, THEME_FRAME);
    double alpha = 1.0;   /* stale: the core dims it */
    bool horiz = b->orient == 1;
    double fs = fmax(12, fmin(18, fmin(c.w, c.h) * 0.045));

    if (b->nc == 0) {
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + c.h / 2, "等待数据…", dim, AL_CENTER);
        return;
    }
    /* the unit at the top left, the legend across the top */
    bool top_row = (b->legend && b->ns > 1) || (b->fmt.unit && b->fmt.unit[0]);
    if (b->fmt.unit && b->fmt.unit[0]) {
        char ub[96];
        snprintf(ub, sizeof ub, "单位：%s", b->fmt.unit);
        draw_text(d, FONT_TEXT, fs * 0.85, c.x, c.y + fs * 0.6, ub, dim, AL_LEFT);
    }
    if (b->legend && b->ns > 1) {
        double lx = c.x + c.w;
        for (int s = b->ns - 1; s >= 0; s--) {
            const char *nm = series_name(b, s);
            double tw = draw_text(d, FONT_TEXT, fs * 0.9, lx, c.y + fs * 0.6, nm, text, AL_RIGHT);
            bs_color_t sc = series_color(b, d, s);
            draw_round_rect(cr, lx - tw - 24, c.y + fs * 0.6 - 5, 18, 10, 2);
            cairo_set_source_rgba(cr, sc.r, sc.g, sc.b, alpha);
            cairo_fill(cr);
            lx -= tw + 40;
        }
    }
    if (top_row) {
        c.y += fs * 1.6;
        c.h -= fs * 1.6;
    }
    /* value axis */
    double minv, maxv;
    value_range(b, &minv, &maxv);                    /* bounded, a span a step can divide */
    double step = wdg_nice_step(maxv - minv, 4);
    double vmax = ceil(maxv / step) * step, vmin = floor(minv / step) * step;
    if (!horiz && vmax < maxv * 1.08)           /* headroom for value labels */
        vmax += step;
    fmt_opts_t axf = b->fmt;
    axf.unit = NULL;
    axf.thresholds.n = 0;
    if (axf.decimals < 0)
        axf.decimals = step >= 1 || axf.scale != FMT_SCALE_NONE ? -1 : (step >= 0.1 ? 1 : 2);

    int nticks = wdg_ticks(vmin, vmax, step, 0.5);
    double axis_w = 0;
    for (int i = 0; i < nticks; i++) {
        double t = vmin + i * step;
        char lb[96];
        fmt_axis(&axf, t, lb, sizeof lb);
        axis_w = fmax(axis_w, draw_number_width(d, FONT_TEXT, fs * 0.8, lb));
    }
    double cat_w = 0;
    if (horiz)
        for (int ci = 0; ci < b->nc; ci++)
            cat_w = fmax(cat_w, draw_text_width(d, FONT_TEXT, fs, b->cats[ci]));
    rect_t p;                                   /* plot area */
    if (horiz) {
        cat_w = fmin(cat_w, c.w * 0.3);
        p = (rect_t){ c.x + cat_w + 12, c.y + 4, c.w - cat_w - 12 - fs * 2.5, c.h - fs * 1.6 - 4 };
    } else {
        p = (rect_t){ c.x + axis_w + 10, c.y + fs * 0.8, c.w - axis_w - 10, c.h - fs * 0.8 - fs * 2.2 };
    }
    /* gridlines and axis labels */
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < nticks; i++) {
        double t = vmin + i * step;
        double f = wdg_frac(t, vmin, vmax);
        char lb[96];
        fmt_axis(&axf, t, lb, sizeof lb);
        if (horiz) {
            double x = p.x + p.w * f;
            cairo_move_to(cr, x + 0.5, p.y);
            cairo_line_to(cr, x + 0.5, p.y + p.h);
            draw_number(d, FONT_TEXT, fs * 0.8, x, p.y + p.h + fs * 0.9, lb, dim, AL_CENTER);
        } else {
            double y = p.y + p.h - p.h * f;
            cairo_move_to(cr, p.x, y + 0.5);
            cairo_line_to(cr, p.x + p.w, y + 0.5);
            draw_number(d, FONT_TEXT, fs * 0.8, p.x - 8, y, lb, dim, AL_RIGHT);
        }
        cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, i == 0 ? 0.0 : 0.35);
        cairo_set_dash(cr, (double[]){ 4, 4 }, 2, 0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* the category axis line */
    double zero_f = wdg_frac(0, vmin, vmax);
    if (horiz) {
        cairo_move_to(cr, p.x + p.w * zero_f, p.y);
        cairo_line_to(cr, p.x + p.w * zero_f, p.y + p.h);
    } else {
        cairo_move_to(cr, p.x, p.y + p.h - p.h * zero_f);
        cairo_line_to(cr, p.x + p.w, p.y + p.h - p.h * zero_f);
    }
    cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, 0.9);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);

    double slot = (horiz ? p.h : p.w) / b->nc;
    double lfs = horiz ? fmin(fs, slot * 0.62) : fs;           /* category labels */
    for (int ci = 0; ci < b->nc; ci++) {
        /* category label (the bars are marks: cells_draw) */
        bs_color_t tc = text;
        tc.a *= alpha;
        if (horiz)
            draw_text_fit(d, FONT_TEXT, lfs, p.x - 12, p.y + slot * (ci + 0.5), b->cats[ci], tc, AL_RIGHT, cat_w);
        else
            draw_text_fit(d, FONT_TEXT, fs, p.x + slot * (ci + 0.5), p.y + p.h + fs * 1.1, b->cats[ci], tc,
                          AL_CENTER, slot - 4);
    }
}

/* ---- the tour: a lit category and its callout, as marks ------------------ */

/* The plot as draw() lays it out. With d, the axis labels (or category
 * names) are measured as draw() measures them; without, *wide_x gets how
 * far right the plot's left edge can be (an upper bound from the labels'
 * length), so the marks' rectangles cover every place it can be. */
typedef struct {
    rect_t c, p;
    double fs, vmin, vmax, zero_f, slot, group, bw;
    bool   horiz;
} bar_geom_t;

static bar_geom_t bar_geom(const bar_t *b, draw_t *d, double *wide_x)
{
    const wdg_t *w = &b->base;
    bar_geom_t g = { 0 };
    rect_t c = b->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    g.horiz = b->orient == 1;
    g.fs = fmax(12, fmin(18, fmin(c.w, c.h) * 0.045));
    double fs = g.fs;
    bool top_row = (b->legend && b->ns > 1) || (b->fmt.unit && b->fmt.unit[0]);
    if (top_row) {
        c.y += fs * 1.6;
        c.h -= fs * 1.6;
    }
    g.c = c;
    double minv, maxv;
    value_range(b, &minv, &maxv);
    double step = wdg_nice_step(maxv - minv, 4);
    double vmax = ceil(maxv / step) * step, vmin = floor(minv / step) * step;
    if (!g.horiz && vmax < maxv * 1.08)
        vmax += step;
    g.vmin = vmin;
    g.vmax = vmax;
    fmt_opts_t axf = b->fmt;
    axf.unit = NULL;
    axf.thresholds.n = 0;
    if (axf.decimals < 0)
        axf.decimals = step >= 1 || axf.scale != FMT_SCALE_NONE ? -1 : (step >= 0.1 ? 1 : 2);
    double lead = 0, lead_max = 0;                /* axis labels' (or names') width */
    if (g.horiz) {
        for (int ci = 0; ci < b->nc; ci++) {
            if (d)
                lead = fmax(lead, draw_text_width(d, FONT_TEXT, fs, b->cats[ci]));
            lead_max = fmax(lead_max, draw_text_width_estimate(b->cats[ci], fs) * 1.3);
        }
        lead = fmin(lead, c.w * 0.3);
        lead_max = fmin(lead_max, c.w * 0.3);
    } else {
        int nticks = wdg_ticks(vmin, vmax, step, 0.5);
        for (int i = 0; i < nticks; i++) {
            char lb[96];
            fmt_axis(&axf, vmin + i * step, lb, sizeof lb);
            if (d)
                lead = fmax(lead, draw_number_width(d, FONT_TEXT, fs * 0.8, lb));
            lead_max = fmax(lead_max, (double)strlen(lb) * 0.8 * fs * 0.8);
        }
    }
    if (wide_x)
        *wide_x = lead_max;
    if (g.horiz)
        g.p = (rect_t){ c.x + lead + 12, c.y + 4, c.w - lead - 12 - fs * 2.5, c.h - fs * 1.6 - 4 };
    else
        g.p = (rect_t){ c.x + lead + 10, c.y + fs * 0.8, c.w - lead - 10, c.h - fs * 0.8 - fs * 2.2 };
    g.zero_f = wdg_frac(0, vmin, vmax);
    g.slot = (g.horiz ? g.p.h : g.p.w) / (b->nc > 0 ? b->nc : 1);
    g.group = g.slot * b->bar_width;
    g.bw = g.group / b->ns;
    return g;
}

/* The bars of category ci (fills, glowing caps, value labels) at d->now:
 * marks over the layer, which holds the axes, grid and names. */
static void cells_draw(const bar_t *b, const bar_geom_t *g, draw_t *d, int ci)
{
    cairo_t *cr = d->cr;
    double alpha = 1.0;   /* stale: the core dims it */
    bool horiz = g->horiz;
    double fs = g->fs;
    rect_t p = g->p;
    double vmin = g->vmin, vmax = g->vmax, zero_f = g->zero_f, slot = g->slot, bw = g->bw;
    double lfs = horiz ? fmin(fs, slot * 0.62) : fs;
    double s0 = (horiz ? p.y : p.x) + slot * ci + (slot - g->group) / 2;
        for (int s = 0; s < b->ns; s++) {
            const cell_t *cl = &b->cell[s][ci];
            if (!cl->has)
                continue;
            double val = cell_now(b, cl, d->now);
            bs_color_t sc = s == 0 ? draw_color(d, fmt_color(&b->fmt, cl->to, b->color)) : series_color(b, d, s);
            double f0 = zero_f, f1 = fmax(0, fmin(1, wdg_frac(val, vmin, vmax)));
            double lo = fmin(f0, f1), hi = fmax(f0, f1);
            double a0 = s0 + bw * s + bw * 0.08, aw = bw * 0.84;     /* across */
            cairo_pattern_t *g;
            double x, y, ww, hh;
            if (horiz) {
                x = p.x + p.w * lo; ww = p.w * (hi - lo); y = a0; hh = aw;
                g = cairo_pattern_create_linear(p.x + p.w * f0, 0, p.x + p.w * f1, 0);
            } else {
                y = p.y + p.h - p.h * hi; hh = p.h * (hi - lo); x = a0; ww = aw;
                g = cairo_pattern_create_linear(0, p.y + p.h - p.h * f0, 0, p.y + p.h - p.h * f1);
            }
            cairo_pattern_add_color_stop_rgba(g, 0, sc.r, sc.g, sc.b, 0.10 * alpha);
            cairo_pattern_add_color_stop_rgba(g, 1, sc.r, sc.g, sc.b, 0.95 * alpha);
            cairo_rectangle(cr, x, y, ww, hh);
            cairo_set_source(cr, g);
            cairo_fill(cr);
            cairo_pattern_destroy(g);
            /* a glowing cap at the end of the bar */
            if (horiz) {
                cairo_move_to(cr, p.x + p.w * f1, y);
                cairo_line_to(cr, p.x + p.w * f1, y + hh);
            } else {
                cairo_move_to(cr, x, p.y + p.h - p.h * f1);
                cairo_line_to(cr, x + ww, p.y + p.h - p.h * f1);
            }
            bs_color_t cap = { fminf(1, sc.r * 0.5f + 0.5f), fminf(1, sc.g * 0.5f + 0.5f),
                               fminf(1, sc.b * 0.5f + 0.5f), (float)alpha, -1 };
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
            draw_glow_stroke(d, cap, 2.5, 3);
            if (b->labels) {
                fmt_out_t fo;
                char vb[160];
                fmt_number_as(&b->fmt, val, cl->to, &fo);
                if (b->ns > 1 || (fo.unit[0] && b->fmt.unit && !strcmp(fo.unit, b->fmt.unit)))
                    snprintf(vb, sizeof vb, "%s", fo.num);  /* the unit is on the axis */
                else
                    fmt_join(&fo, vb, sizeof vb);
                double vfs = fs * 0.95;
                if (!horiz) {                               /* fit the bar's width */
                    double vw = draw_number_width(d, FONT_NUMBER, vfs, vb);
                    if (vw > bw * 1.05)
                        vfs = fmax(9, vfs * bw * 1.05 / vw);
                }
                bs_color_t lc = sc;
                lc.a = (float)alpha;
                if (horiz)
                    draw_number(d, FONT_NUMBER, fmin(lfs, fmax(11, hh * 1.1)), p.x + p.w * f1 + 6, y + hh / 2, vb, lc, AL_LEFT);
                else
                    draw_number(d, FONT_NUMBER, vfs, x + ww / 2, p.y + p.h - p.h * f1 - 4, vb, lc,
                                AL_CENTER | AL_BOTTOM);
            }
        }
}

/* The callout of category ci: its lines and its size (estimated). */
typedef struct {
    char   line[1 + BAR_MAX_SERIES][200];
    int    n;
    double w, h, fs;
} bar_callout_t;

static bar_callout_t bar_callout(const bar_t *b, int ci, double fs)
{
    bar_callout_t co = { .fs = fmax(13, fs * 0.95) };
    snprintf(co.line[co.n++], sizeof co.line[0], "%s", b->cats[ci]);
    for (int s = 0; s < b->ns; s++) {
        if (!b->cell[s][ci].has)
            continue;
        fmt_out_t fo;
        char vb[160];
        fmt_number(&b->fmt, b->cell[s][ci].to, &fo);
        fmt_join(&fo, vb, sizeof vb);
        const char *nm = b->ns > 1 ? series_name(b, s) : "";
        snprintf(co.line[co.n++], sizeof co.line[0], "%s%s%s", nm, nm[0] ? "  " : "", vb);
    }
    double w = 0;
    for (int i = 0; i < co.n; i++)
        w = fmax(w, draw_text_width_estimate(co.line[i], co.fs));
    co.w = w + 20;
    co.h = co.fs * (0.6 + 1.4 * co.n);
    return co;
}

/* The box of the callout of ci on plot g: above the category's tallest
 * bar (vertical), at the right of its row (horizontal); inside c. */
static rect_t callout_box(const bar_t *b, const bar_geom_t *g, const bar_callout_t *co, int ci, double now)
{
    rect_t c = g->c, p = g->p;
    double w = fmin(co->w, c.w - 4), h = fmin(co->h, c.h - 4), x, y;
    if (g->horiz) {
        x = c.x + c.w - w - 2;
        y = p.y + g->slot * (ci + 0.5) - h / 2;
    } else {
        double top = 1;
        for (int s = 0; s < b->ns; s++)
            if (b->cell[s][ci].has)
                top = fmin(top, 1 - fmax(0, fmin(1, wdg_frac(cell_now(b, &b->cell[s][ci], now), g->vmin, g->vmax))));
        x = p.x + g->slot * (ci + 0.5) - w / 2;
        y = p.y + p.h * top - h - g->fs * 1.5;   /* clear of the value labels */
    }
    x = fmax(c.x + 2, fmin(x, c.x + c.w - w - 2));
    y = fmax(c.y + 2, fmin(y, c.y + c.h - h - 2));
    return (rect_t){ x, y, w, h };
}

/* The lit band of category ci. */
static rect_t band_of(const bar_geom_t *g, int ci)
{
    if (g->horiz)
        return (rect_t){ g->p.x, g->p.y + g->slot * ci, g->p.w, g->slot };
    return (rect_t){ g->p.x + g->slot * ci, g->p.y, g->slot, g->p.h };
}

static bool tour_cat(const bar_t *b, int ci)
{
    return ci >= 0 && ci < b->nc && b->nc >= 2;
}

static void draw_band(const bar_t *b, const bar_geom_t *g, draw_t *d, int ci, double e, double alpha)
{
    cairo_t *cr = d->cr;
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    rect_t r = band_of(g, ci);
    cairo_pattern_t *gr = g->horiz ? cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0)
                                   : cairo_pattern_create_linear(0, r.y + r.h, 0, r.y);
    cairo_pattern_add_color_stop_rgba(gr, 0, accent.r, accent.g, accent.b, 0.26 * e * alpha);
    cairo_pattern_add_color_stop_rgba(gr, 1, accent.r, accent.g, accent.b, 0.02 * e * alpha);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source(cr, gr);
    cairo_fill(cr);
    cairo_pattern_destroy(gr);
    /* a bright base line under the category, and a glowing outline per bar */
    if (g->horiz)
        cairo_rectangle(cr, r.x - 3, r.y + 2, 2.5, r.h - 4);
    else
        cairo_rectangle(cr, r.x + 2, r.y + r.h - 1.5, r.w - 4, 3);
    cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, e * alpha);
    cairo_fill(cr);
    double s0 = (g->horiz ? g->p.y : g->p.x) + g->slot * ci + (g->slot - g->group) / 2;
    for (int s = 0; s < b->ns; s++) {
        const cell_t *cl = &b->cell[s][ci];
        if (!cl->has)
            continue;
        double f1 = fmax(0, fmin(1, wdg_frac(cell_now(b, cl, d->now), g->vmin, g->vmax)));
        double lo = fmin(g->zero_f, f1), hi = fmax(g->zero_f, f1);
        double a0 = s0 + g->bw * s + g->bw * 0.08, aw = g->bw * 0.84;
        if (g->horiz)
            cairo_rectangle(cr, g->p.x + g->p.w * lo, a0, g->p.w * (hi - lo), aw);
        else
            cairo_rectangle(cr, a0, g->p.y + g->p.h - g->p.h * hi, aw, g->p.h * (hi - lo));
        bs_color_t oc = { 0.75f, 0.97f, 1.0f, (float)(0.9 * e * alpha), -1 };
        draw_glow_stroke_exact(d, oc, 1.2, 3);
    }
}

static void draw_bar_callout(const bar_t *b, const bar_geom_t *g, draw_t *d, int ci, double e, double alpha)
{
    cairo_t *cr = d->cr;
    bar_callout_t co = bar_callout(b, ci, g->fs);
    rect_t r = callout_box(b, g, &co, ci, d->now);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), text = draw_theme(d, THEME_TEXT), bg = draw_theme(d, THEME_BG);
    double a = e * alpha;
    draw_round_rect(cr, r.x, r.y, r.w, r.h, 4);
    cairo_set_source_rgba(cr, bg.r * 0.8, bg.g * 0.8, bg.b * 0.8, 0.88 * a);
    cairo_fill_preserve(cr);
    bs_color_t fc = accent;
    fc.a = (float)(0.9 * a);
    draw_glow_stroke_exact(d, fc, 1, 3);
    int li = 0;
    for (int s = -1; s < b->ns && li < co.n; s++) {
        if (s >= 0 && !b->cell[s][ci].has)
            continue;
        bs_color_t tc = s < 0 ? text : s == 0 ? draw_color(d, fmt_color(&b->fmt, b->cell[0][ci].to, b->color))
                                               : series_color(b, d, s);
        tc.a = (float)a;
        double y = r.y + co.fs * (0.3 + 1.4 * li + 0.7);
        draw_text_fit(d, s < 0 ? FONT_TEXT : FONT_NUMBER, co.fs, r.x + 10, y, co.line[li], tc, AL_LEFT, r.w - 20);
        li++;
    }
}

/* Where the bars can be: the content, less the row of the unit and legend
 * (which the layer holds); they are drawn clipped to it. */
static rect_t cells_area(const bar_t *b)
{
    bar_geom_t g = bar_geom(b, NULL, NULL);
    return (rect_t){ g.c.x - 4, g.c.y - 4, g.c.w + 8, g.c.h + 8 };
}

static void bar_draw_overlay(const wdg_t *w, draw_t *d)
{
    const bar_t *b = (const bar_t *)w;
    if (b->nc == 0)
        return;
    bar_geom_t g = bar_geom(b, d, NULL);
    cairo_save(d->cr);
    draw_clip_pixels(d->cr, cells_area(b));
    for (int ci = 0; ci < b->nc; ci++)
        cells_draw(b, &g, d, ci);
    cairo_restore(d->cr);
    if (!tour_cat(b, b->tour.cur))
        return;
    double e = wdg_tour_mix(&b->tour, d->now), alpha = 1.0;   /* stale: the core dims it */
    if (tour_cat(b, b->tour.prev) && e < 1)
        draw_band(b, &g, d, b->tour.prev, 1 - e, alpha);
    draw_band(b, &g, d, b->tour.cur, e, alpha);
    draw_bar_callout(b, &g, d, b->tour.cur, e, alpha);
}

/* Where the bars of the categories that grow at now can be, till their
 * tweens end: a bar's gradient runs from the zero line to its end, so all
 * of it changes while it eases; its span reaches from the zero line past
 * both where it is now and where it goes (a tween moves one way, and a
 * retarget bends from where it is, so last frame's rectangle held this
 * frame's bar), with its value label and glowing cap. Vertical: the column
 * of each category wherever the plot's left edge can be (up to `wide`
 * right of where it starts without labels); horizontal: the category's
 * row across the content. Returns how many, or the whole cells area as one
 * when they do not fit in max. */
static int growing_rects(const bar_t *b, const bar_geom_t *g, double wide, double now, rect_t *out, int max)
{
    int n = 0;
    double m = 8, lab = g->fs * 1.2 + 6;
    for (int ci = 0; ci < b->nc; ci++) {
        double lo = g->zero_f, hi = g->zero_f;
        bool moving = false;
        for (int s = 0; s < b->ns; s++) {
            const cell_t *cl = &b->cell[s][ci];
            if (!cl->has || !wdg_tween_running(&cl->tw, now))
                continue;
            moving = true;
            double f0 = wdg_frac(cell_now(b, cl, now), g->vmin, g->vmax), f1 = wdg_frac(cl->to, g->vmin, g->vmax);
            f0 = isfinite(f0) ? fmax(0, fmin(1, f0)) : 0;
            f1 = isfinite(f1) ? fmax(0, fmin(1, f1)) : 1;
            lo = fmin(lo, fmin(f0, f1));
            hi = fmax(hi, fmax(f0, f1));
        }
        if (!moving)
            continue;
        if (n >= max) {
            out[0] = cells_area(b);
            return 1;
        }
        rect_t p = g->p;
        if (g->horiz) {
            double y = p.y + g->slot * ci;
            out[n++] = (rect_t){ g->c.x - 4, y - m, g->c.w + 8, g->slot + 2 * m };
        } else {
            double slot1 = (p.w - wide) / (b->nc > 0 ? b->nc : 1);   /* the plot at its rightmost start */
            double x0 = p.x + g->slot * ci + (g->slot - g->group) / 2;
            double x1 = p.x + wide + slot1 * ci + (slot1 - slot1 * b->bar_width) / 2;
            double xa = fmin(x0, x1) - m, xb = fmax(x0 + g->group, x1 + slot1 * b->bar_width) + m;
            double ya = p.y + p.h - p.h * hi - lab - m, yb = p.y + p.h - p.h * lo + m;
            out[n++] = (rect_t){ xa, ya, xb - xa, yb - ya };
        }
    }
    return n;
}

/* The tour's marks: the lit bands (the one left, while it fades) and the
 * callout. Vertical plots start where the axis labels end, which only
 * drawing measures: each rectangle covers the category wherever that can be
 * (between no labels and the widest the labels' length allows). */
static int bar_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const bar_t *b = (const bar_t *)w;
    if (max < 4)
        return -1;
    int n = 0;
    double wide = 0;
    bar_geom_t g = bar_geom(b, NULL, &wide);
    if (now < b->anim_until)              /* bars growing: where they grow */
        n = growing_rects(b, &g, wide, now, out, max - 3);
    if (!tour_cat(b, b->tour.cur))
        return n;
    double e = wdg_tour_mix(&b->tour, now);
    int cats[2] = { b->tour.cur, tour_cat(b, b->tour.prev) && e < 1 ? b->tour.prev : -1 };
    bar_callout_t co = bar_callout(b, b->tour.cur, g.fs);
    for (int k = 0; k < 2; k++) {
        int ci = cats[k];
        if (ci < 0)
            continue;
        rect_t r0 = band_of(&g, ci), c0 = callout_box(b, &g, &co, ci, now);
        bar_geom_t g1 = g;                    /* the plot as far right as it can start */
        double shift = wide - (g.horiz ? 0 : 0);
        if (g.horiz) {
            g1.p.x += shift;
            g1.p.w -= shift;
        } else {
            g1.p.x += shift;
            g1.p.w -= shift;
            g1.slot = g1.p.w / b->nc;
            g1.group = g1.slot * b->bar_width;
            g1.bw = g1.group / b->ns;
        }
        rect_t r1 = band_of(&g1, ci), c1 = callout_box(b, &g1, &co, ci, now);
        double m = 6;
        double x0 = fmin(r0.x, r1.x), x1 = fmax(r0.x + r0.w, r1.x + r1.w);
        double y0 = fmin(r0.y, r1.y), y1 = fmax(r0.y + r0.h, r1.y + r1.h);
        out[n++] = (rect_t){ x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m };
        if (k == 0) {
            x0 = fmin(c0.x, c1.x);
            x1 = fmax(c0.x + c0.w, c1.x + c1.w);
            y0 = fmin(c0.y, c1.y);
            y1 = fmax(c0.y + c0.h, c1.y + c1.h);
            out[n++] = (rect_t){ x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m };
        }
    }
    return n;
}

static void bar_text(const wdg_t *w, wdg_text_t *out)
{
    const bar_t *b = (const bar_t *)w;
    for (int ci = 0; ci < b->nc; ci++) {
        char line[512];
        size_t o = (size_t)snprintf(line, sizeof line, "%s", b->cats[ci]);
        for (int s = 0; s < b->ns && o < sizeof line; s++) {
            fmt_out_t fo;
            char vb[160];
            fmt_number(&b->fmt, b->cell[s][ci].has ? b->cell[s][ci].to : NAN, &fo);
            fmt_join(&fo, vb, sizeof vb);
            o += (size_t)snprintf(line + o, sizeof line - o, " %s", vb);
        }
        wdg_text_add(out, "%s", line);
    }
    if (tour_cat(b, b->tour.cur))
        wdg_text_add(out, "巡览 %s", b->cats[b->tour.cur]);
}

const wdg_class_t wdg_bar_class = {
    .name = "bar",
    .doc  = "A grouped bar / column chart. Each series is an object {label: value}, an array of "
            "{\"name\", \"value\"} objects or an array of numbers; \"bind\" is the first series and "
            "\"series\" adds up to five more, drawn side by side per category with a legend. Vertical "
            "columns or horizontal bars with gradient fills, glowing caps, value labels and a value axis "
            "with round steps. Bars grow to new values over \"animate\" seconds; thresholds colour the "
            "main series. At most 24 categories. With \"tour\": seconds, a lit band over one "
            "category's bars and a callout with its name and values move through the categories in turn, "
            "staying on the same name when the data changes.",
    .size = sizeof(bar_t),
    .opts = bar_opts,
    .panel = offsetof(bar_t, frame),
    .bindable = true,
    .init = bar_init,
    .data = bar_data,
    .tick = bar_tick,
    .draw = bar_draw,
    .draw_overlay = bar_draw_overlay,
    .overlay_rects = bar_overlay_rects,
    .text = bar_text,
};
