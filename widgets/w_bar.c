/*
 * w_bar.c — "bar": a grouped bar / column chart, e.g. online applications by
 * kind. Input per series: an object {label: value}, an array of objects
 * ({"name": .., "value": ..}; field names are options) or an array of
 * numbers. The main "bind" is the first series; "series" adds more, each with
 * its own binding, name and colour, grouped side by side per category.
 * Vertical columns or horizontal bars, gradient fills, value labels, a nice
 * value axis with gridlines, and growth animation when values change (the
 * widget invalidates only while bars move).
 *
 * Caps: at most BAR_MAX_CATS categories (the first ones win) and
 * BAR_MAX_SERIES series.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"

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
    OPT_END,
};

static int bar_init(wdg_t *w, char *err, size_t errlen)
{
    bar_t *b = (bar_t *)w;
    b->ns = 1 + b->series.n;
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

static void bar_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    bar_t *b = (bar_t *)w;
    (void)e;
    if (slot < 0 || slot >= b->ns || slot >= BAR_MAX_SERIES)
        return;
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
    if (changed)
        wdg_invalidate(w);
}

static void bar_tick(wdg_t *w, double now, int64_t wall_ms)
{
    bar_t *b = (bar_t *)w;
    (void)wall_ms;
    if (b->anim_until > 0) {
        wdg_invalidate(w);
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

static void bar_draw(const wdg_t *w, draw_t *d)
{
    const bar_t *b = (const bar_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = b->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t frame = draw_theme(d, THEME_FRAME);
    double alpha = w->stale ? 0.45 : 1.0;
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
    double maxv = 0, minv = 0;
    for (int s = 0; s < b->ns; s++)
        for (int ci = 0; ci < b->nc; ci++)
            if (b->cell[s][ci].has) {
                maxv = fmax(maxv, wdg_geom(b->cell[s][ci].to));
                minv = fmin(minv, wdg_geom(b->cell[s][ci].to));
            }
    wdg_range(&minv, &maxv);                    /* bounded, a span a step can divide */
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
    double group = slot * b->bar_width, bw = group / b->ns;
    double lfs = horiz ? fmin(fs, slot * 0.62) : fs;           /* category and value labels */
    for (int ci = 0; ci < b->nc; ci++) {
        double s0 = (horiz ? p.y : p.x) + slot * ci + (slot - group) / 2;
        /* category label */
        bs_color_t tc = text;
        tc.a *= alpha;
        if (horiz)
            draw_text_fit(d, FONT_TEXT, lfs, p.x - 12, p.y + slot * (ci + 0.5), b->cats[ci], tc, AL_RIGHT, cat_w);
        else
            draw_text_fit(d, FONT_TEXT, fs, p.x + slot * (ci + 0.5), p.y + p.h + fs * 1.1, b->cats[ci], tc,
                          AL_CENTER, slot - 4);
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
}

const wdg_class_t wdg_bar_class = {
    .name = "bar",
    .doc  = "A grouped bar / column chart. Each series is an object {label: value}, an array of "
            "{\"name\", \"value\"} objects or an array of numbers; \"bind\" is the first series and "
            "\"series\" adds up to five more, drawn side by side per category with a legend. Vertical "
            "columns or horizontal bars with gradient fills, glowing caps, value labels and a value axis "
            "with round steps. Bars grow to new values over \"animate\" seconds; thresholds colour the "
            "main series. At most 24 categories.",
    .size = sizeof(bar_t),
    .opts = bar_opts,
    .panel = offsetof(bar_t, frame),
    .bindable = true,
    .init = bar_init,
    .data = bar_data,
    .tick = bar_tick,
    .draw = bar_draw,
    .text = bar_text,
};
