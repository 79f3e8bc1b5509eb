/*
 * w_radar.c — "radar": several axes, one or more polygons, e.g. the yearly
 * assessment of town unions (镇街工会考核) against the plan's criteria.
 *
 * Input, any of:
 *   {"临平": {"原创": 42, "转发": 130, ...}, "乔司": {...}}    series by name
 *   [{"name": "临平", "原创": 42, "转发": 130}, ...]           rows (SQL "rows")
 *   [{"name": "临平", "values": {...} | [42, 130, ...]}, ...]
 * Axes come from the "axes" option (names, optional fixed maxima; arrays of
 * numbers follow its order) or, without it, from the keys seen, in order.
 * Each axis is normalised on its own: to its declared max, else to the
 * largest value any series has on it, so every criterion uses the whole
 * radius. Missing, non-numeric, negative or non-finite values count as 0
 * and show as "--".
 *
 * Layers: the grid rings, spokes and axis names are the base (remade only
 * when the axes change); the polygons and legend are the layer, eased from
 * the shapes shown over "animate" seconds after a change.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RADAR_MAX_AXES   12
#define RADAR_MAX_SERIES 6
#define RADAR_NAME       48

typedef struct {
    char  *name;
    double max;
} radar_axis_t;

typedef struct {
    char   name[RADAR_NAME];
    double raw[RADAR_MAX_AXES];        /* as received; NaN = missing          */
    double from[RADAR_MAX_AXES];       /* fractions of the axis, 0..1         */
    double to[RADAR_MAX_AXES];
} radar_series_t;

typedef struct {
    wdg_t          base;
    fmt_opts_t     fmt;
    bs_list_t      axes;               /* of radar_axis_t                     */
    int            levels;
    int            shape;              /* polygon, circle                     */
    double         animate;
    char          *name_field, *values_field;
    bool           frame;
    /* state */
    int            nax;
    char           axname[RADAR_MAX_AXES][RADAR_NAME];
    double         axmax[RADAR_MAX_AXES];
    int            ns;
    radar_series_t s[RADAR_MAX_SERIES];
    double         t0, anim_until;
    bool           has;
} radar_t;

static const char *const shapes[] = { "polygon", "circle", NULL };

static const opt_def_t axis_opts[] = {
    { "name", OPT_STR, offsetof(radar_axis_t, name), 0, RADAR_NAME - 1, NULL, NULL, NULL,
      "the axis: a key of the series' objects (required)" },
    { "max",  OPT_NUM, offsetof(radar_axis_t, max), 0, 1e15, "0", NULL, NULL,
      "the value at the rim; 0: the largest value any series has on this axis" },
    OPT_END,
};

static const opt_def_t radar_opts[] = {
    { "format",  OPT_GROUP, offsetof(radar_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "axes",    OPT_LIST, offsetof(radar_t, axes), sizeof(radar_axis_t), RADAR_MAX_AXES, NULL, NULL, axis_opts,
      "the axes in order, [{\"name\": \"原创\", \"max\": 100}, ...]; default: the keys in the data" },
    { "levels",  OPT_INT,  offsetof(radar_t, levels), 2, 10, "5", NULL, NULL, "rings of the grid" },
    { "shape",   OPT_ENUM, offsetof(radar_t, shape), 0, 0, "polygon", shapes, NULL, "grid rings as polygons or circles" },
    { "name_field",   OPT_STR, offsetof(radar_t, name_field), 0, 64, "name", NULL, NULL,
      "key of a series' name in arrays of objects" },
    { "values_field", OPT_STR, offsetof(radar_t, values_field), 0, 64, "values", NULL, NULL,
      "key of a series' values (object or array) in arrays of objects; without it, the item's other keys" },
    { "animate", OPT_NUM,  offsetof(radar_t, animate), 0, 10, "1.0", NULL, NULL, "seconds of a shape change" },
    { "frame",   OPT_BOOL, offsetof(radar_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static const bs_color_t palette[RADAR_MAX_SERIES] = {
    { 0.00f, 0.90f, 1.00f, 1, -1 }, { 1.00f, 0.83f, 0.30f, 1, -1 }, { 0.18f, 0.90f, 0.65f, 1, -1 },
    { 0.64f, 0.48f, 1.00f, 1, -1 }, { 1.00f, 0.54f, 0.24f, 1, -1 }, { 1.00f, 0.37f, 0.64f, 1, -1 },
};

static int radar_init(wdg_t *w, char *err, size_t errlen)
{
    radar_t *k = (radar_t *)w;
    for (int i = 0; i < k->axes.n; i++) {
        const radar_axis_t *a = opt_list_at(&k->axes, i);
        if (!a->name || !a->name[0]) {
            snprintf(err, errlen, "axes[%d] needs a \"name\"", i);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(((const radar_axis_t *)opt_list_at(&k->axes, j))->name, a->name) == 0) {
                snprintf(err, errlen, "axes[%d]: \"%s\" is named twice", i, a->name);
                return -1;
            }
        snprintf(k->axname[i], RADAR_NAME, "%s", a->name);
    }
    k->nax = k->axes.n;
    return 0;
}

/* The axis named name: its index, adding it when the axes are not declared
 * and there is room; -1 otherwise. */
static int axis_of(radar_t *k, int *nax, char names[][RADAR_NAME], const char *name)
{
    for (int i = 0; i < *nax; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    if (k->axes.n > 0 || *nax >= RADAR_MAX_AXES)
        return -1;
    snprintf(names[*nax], RADAR_NAME, "%.*s", RADAR_NAME - 1, name);
    return (*nax)++;
}

/* A number worth drawing: finite and >= 0, else NaN (missing). */
static double usable(const bs_value_t *v)
{
    double x = wdg_number(v);
    return isfinite(x) && x >= 0 ? x : NAN;
}

/* Reads one series' values from an object (every key but skip) or an
 * array (in the axes' order). */
static void read_values(radar_t *k, int *nax, char names[][RADAR_NAME], radar_series_t *s,
                        const bs_value_t *vals, const char *skip)
{
    if (!vals)
        return;
    if (vals->type == BS_OBJ) {
        for (uint32_t i = 0; i < vals->n; i++) {
            if (skip && strcmp(vals->u.c.keys[i], skip) == 0)
                continue;
            const bs_value_t *it = vals->u.c.items[i];
            if (!it || (it->type != BS_NUM && it->type != BS_STR))
                continue;
            int a = axis_of(k, nax, names, vals->u.c.keys[i]);
            if (a >= 0)
                s->raw[a] = usable(it);
        }
    } else if (vals->type == BS_ARR) {
        for (uint32_t i = 0; i < vals->n && (int)i < *nax; i++)
            s->raw[i] = usable(vals->u.c.items[i]);
    }
}

static void radar_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    radar_t *k = (radar_t *)w;
    (void)slot;
    (void)e;
    radar_series_t next[RADAR_MAX_SERIES];
    char names[RADAR_MAX_AXES][RADAR_NAME];
    int ns = 0, nax = k->axes.n;
    memcpy(names, k->axname, sizeof names);
    if (v && (v->type == BS_OBJ || v->type == BS_ARR)) {
        for (uint32_t i = 0; i < v->n && ns < RADAR_MAX_SERIES; i++) {
            const bs_value_t *it = v->u.c.items[i];
            radar_series_t *s = &next[ns];
            memset(s, 0, sizeof *s);
            for (int a = 0; a < RADAR_MAX_AXES; a++)
                s->raw[a] = NAN;
            if (v->type == BS_OBJ) {
                if (!it || it->type != BS_OBJ)
                    continue;
                snprintf(s->name, sizeof s->name, "%.*s", RADAR_NAME - 1, v->u.c.keys[i]);
                read_values(k, &nax, names, s, it, NULL);
            } else {
                if (!it || it->type != BS_OBJ)
                    continue;
                const bs_value_t *nm = bs_value_get(it, k->name_field);
                if (nm && nm->type == BS_STR)
                    snprintf(s->name, sizeof s->name, "%.*s", RADAR_NAME - 1, nm->u.str);
                else
                    snprintf(s->name, sizeof s->name, "%u", i + 1);
                const bs_value_t *vals = bs_value_get(it, k->values_field);
                if (vals)
                    read_values(k, &nax, names, s, vals, NULL);
                else
                    read_values(k, &nax, names, s, it, k->name_field);
            }
            ns++;
        }
    }
    /* per-axis maxima: declared, else the largest value seen */
    double axmax[RADAR_MAX_AXES];
    for (int a = 0; a < nax; a++) {
        const radar_axis_t *ax = opt_list_at(&k->axes, a);
        double m = ax && ax->max > 0 ? ax->max : 0;
        if (m <= 0)
            for (int i = 0; i < ns; i++)
                if (!isnan(next[i].raw[a]))
                    m = fmax(m, wdg_geom(next[i].raw[a]));
        axmax[a] = m;
    }
    bool axes_changed = !k->has || nax != k->nax || memcmp(names, k->axname, sizeof names[0] * (size_t)nax) != 0;
    /* the legend row takes room from the chart: the base moves with it */
    axes_changed = axes_changed || (ns > 1) != (k->ns > 1);
    bool same = !axes_changed && ns == k->ns && k->has;
    for (int i = 0; same && i < ns; i++) {
        same = strcmp(next[i].name, k->s[i].name) == 0;
        for (int a = 0; same && a < nax; a++)
            same = (isnan(next[i].raw[a]) && isnan(k->s[i].raw[a])) || next[i].raw[a] == k->s[i].raw[a];
    }
    if (same)
        return;
    double p = k->has && k->animate > 0 ? wdg_ease(0, 1, (now - k->t0) / k->animate) : 1;
    for (int i = 0; i < ns; i++) {
        for (int a = 0; a < nax; a++) {
            double r = next[i].raw[a];
            next[i].to[a] = isnan(r) || axmax[a] <= 0 ? 0 : fmin(1, wdg_frac(r, 0, axmax[a]));
            next[i].from[a] = 0;
        }
        /* a series keeps its shape by name and axis name; new ones grow from the centre */
        for (int j = 0; j < k->ns; j++) {
            if (strcmp(k->s[j].name, next[i].name) != 0)
                continue;
            for (int a = 0; a < nax; a++)
                for (int b = 0; b < k->nax; b++)
                    if (strcmp(names[a], k->axname[b]) == 0)
                        next[i].from[a] = k->s[j].from[b] + (k->s[j].to[b] - k->s[j].from[b]) * p;
        }
        if (k->animate <= 0)
            memcpy(next[i].from, next[i].to, sizeof next[i].to);
    }
    memcpy(k->s, next, sizeof next[0] * (size_t)ns);
    k->ns = ns;
    memcpy(k->axname, names, sizeof names);
    memcpy(k->axmax, axmax, sizeof axmax);
    k->nax = nax;
    k->t0 = now;
    k->has = true;
    k->anim_until = k->animate > 0 ? now + k->animate : 0;
    if (axes_changed)
        wdg_invalidate_base(w);
    else
        wdg_invalidate(w);
}

static void radar_tick(wdg_t *w, double now, int64_t wall_ms)
{
    radar_t *k = (radar_t *)w;
    (void)wall_ms;
    if (k->anim_until > 0) {
        wdg_invalidate(w);
        if (now >= k->anim_until)
            k->anim_until = 0;
    }
}

/* Where the chart goes inside the content rect: centre, radius, legend row. */
typedef struct {
    rect_t c;
    double cx, cy, R, fs, legend_y;
} radar_geo_t;

static radar_geo_t geometry(const radar_t *k, draw_t *d)
{
    radar_geo_t g;
    g.c = k->frame ? draw_panel_content(k->base.rect, k->base.title) : k->base.rect;
    g.fs = fmax(12, fmin(18, fmin(g.c.w, g.c.h) * 0.05));
    double lh = k->ns > 1 ? g.fs * 2.0 : 0;
    g.legend_y = g.c.y + g.c.h - lh / 2;
    double lw = 0;
    for (int a = 0; a < k->nax; a++)
        lw = fmax(lw, draw_text_width(d, FONT_TEXT, g.fs, k->axname[a]));
    double ch = g.c.h - lh;
    g.R = fmin(g.c.w / 2 - fmin(lw, g.c.w * 0.25) - 10, ch / 2 - g.fs * 1.4);
    g.R = fmax(g.R, 4);
    g.cx = g.c.x + g.c.w / 2;
    g.cy = g.c.y + ch / 2;
    return g;
}

static double angle(int a, int n)
{
    return -M_PI / 2 + 2 * M_PI * a / (n > 0 ? n : 1);
}

static void radar_draw_base(const wdg_t *w, draw_t *d)
{
    const radar_t *k = (const radar_t *)w;
    cairo_t *cr = d->cr;
    radar_geo_t g = geometry(k, d);
    bs_color_t a2 = draw_theme(d, THEME_ACCENT2), dim = draw_theme(d, THEME_DIM);
    bs_color_t text = draw_theme(d, THEME_TEXT), accent = draw_theme(d, THEME_ACCENT);
    int n = k->nax;
    /* a faint disc, then the rings from the outside in */
    cairo_pattern_t *bg = cairo_pattern_create_radial(g.cx, g.cy, 0, g.cx, g.cy, g.R);
    cairo_pattern_add_color_stop_rgba(bg, 0, accent.r, accent.g, accent.b, 0.02);
    cairo_pattern_add_color_stop_rgba(bg, 1, accent.r, accent.g, accent.b, 0.10);
    for (int l = k->levels; l >= 1; l--) {
        double r = g.R * l / k->levels;
        if (k->shape == 1 || n < 3) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, g.cx, g.cy, r, 0, 2 * M_PI);
        } else {
            for (int a = 0; a < n; a++) {
                double t = angle(a, n);
                if (a == 0)
                    cairo_move_to(cr, g.cx + r * cos(t), g.cy + r * sin(t));
                else
                    cairo_line_to(cr, g.cx + r * cos(t), g.cy + r * sin(t));
            }
            cairo_close_path(cr);
        }
        if (l == k->levels) {
            cairo_set_source(cr, bg);
            cairo_fill_preserve(cr);
            cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.75);
            cairo_set_line_width(cr, 1.4);
        } else {
            cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, l % 2 ? 0.30 : 0.45);
            cairo_set_line_width(cr, 1);
        }
        cairo_stroke(cr);
    }
    cairo_pattern_destroy(bg);
    /* spokes and their names */
    for (int a = 0; a < n; a++) {
        double t = angle(a, n), c = cos(t), s = sin(t);
        cairo_move_to(cr, g.cx, g.cy);
        cairo_line_to(cr, g.cx + g.R * c, g.cy + g.R * s);
        cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.4);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        double lx = g.cx + (g.R + 10) * c, ly = g.cy + (g.R + g.fs * 1.05) * s;
        int al = fabs(c) < 0.2 ? AL_CENTER : c > 0 ? AL_LEFT : AL_RIGHT;
        double maxw = fabs(c) < 0.2 ? g.c.w * 0.4 : fmax(20, c > 0 ? g.c.x + g.c.w - lx : lx - g.c.x);
        draw_text_fit(d, FONT_TEXT, g.fs, lx, ly, k->axname[a], text, al, maxw);
    }
    if (n == 0)
        draw_text(d, FONT_TEXT, 18, g.cx, g.cy, "等待数据…", dim, AL_CENTER);
}

static void radar_draw(const wdg_t *w, draw_t *d)
{
    const radar_t *k = (const radar_t *)w;
    cairo_t *cr = d->cr;
    radar_geo_t g = geometry(k, d);
    int n = k->nax;
    double alpha = 1.0;   /* stale: the core dims it */
    double p = k->animate > 0 ? wdg_ease(0, 1, (d->now - k->t0) / k->animate) : 1;
    if (n >= 3) {
        /* later series under earlier ones: the first is the one that matters */
        for (int i = k->ns - 1; i >= 0; i--) {
            const radar_series_t *s = &k->s[i];
            bs_color_t col = palette[i % RADAR_MAX_SERIES];
            double px[RADAR_MAX_AXES], py[RADAR_MAX_AXES];
            for (int a = 0; a < n; a++) {
                double f = s->from[a] + (s->to[a] - s->from[a]) * p;
                f = fmin(1, fmax(0, isfinite(f) ? f : 0));
                double t = angle(a, n);
                px[a] = g.cx + g.R * f * cos(t);
                py[a] = g.cy + g.R * f * sin(t);
                if (a == 0)
                    cairo_move_to(cr, px[a], py[a]);
                else
                    cairo_line_to(cr, px[a], py[a]);
            }
            cairo_close_path(cr);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, (i == 0 ? 0.30 : 0.16) * alpha);
            cairo_fill_preserve(cr);
            col.a = (float)alpha;
            draw_glow_stroke(d, col, i == 0 ? 2.2 : 1.6, i == 0 ? 4 : 2);
            for (int a = 0; a < n; a++) {
                cairo_arc(cr, px[a], py[a], i == 0 ? 3.4 : 2.6, 0, 2 * M_PI);
                cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
                cairo_fill(cr);
            }
        }
    } else if (k->has && n > 0) {
        draw_text(d, FONT_TEXT, 16, g.cx, g.cy, "至少需要 3 个维度", draw_theme(d, THEME_DIM), AL_CENTER);
    }
    /* legend: swatch and name per series, centred in one row */
    if (k->ns > 1) {
        bs_color_t text = draw_theme(d, THEME_TEXT);
        double fs = g.fs * 0.9, cw = fmin(g.c.w / k->ns, fs * 8);
        double x = g.c.x + (g.c.w - cw * k->ns) / 2;
        for (int i = 0; i < k->ns; i++, x += cw) {
            bs_color_t col = palette[i % RADAR_MAX_SERIES];
            cairo_rectangle(cr, x + 4, g.legend_y - 5, 14, 10);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
            cairo_fill(cr);
            draw_text_fit(d, FONT_TEXT, fs, x + 24, g.legend_y, k->s[i].name, text, AL_LEFT, cw - 28);
        }
    }
}

static void radar_text(const wdg_t *w, wdg_text_t *out)
{
    const radar_t *k = (const radar_t *)w;
    for (int i = 0; i < k->ns; i++) {
        char line[1024];
        size_t used = (size_t)snprintf(line, sizeof line, "%s", k->s[i].name);
        for (int a = 0; a < k->nax && used < sizeof line; a++) {
            char vb[160] = "--";
            if (!isnan(k->s[i].raw[a])) {
                fmt_out_t fo;
                fmt_number(&k->fmt, k->s[i].raw[a], &fo);
                fmt_join(&fo, vb, sizeof vb);
            }
            used += (size_t)snprintf(line + used, sizeof line - used, " %s %s", k->axname[a], vb);
        }
        wdg_text_add(out, "%s", line);
    }
}

const wdg_class_t wdg_radar_class = {
    .name = "radar",
    .doc  = "Several criteria on the spokes of a radar, one polygon per series (up to 6 series, 12 axes), "
            "e.g. the towns' yearly assessment. Takes {series: {axis: value}}, rows [{\"name\": ..., "
            "axis: value, ...}] or [{\"name\": ..., \"values\": {...} or [...]}]. Each axis is normalised on "
            "its own (to its declared \"max\", else to the largest value on it); missing or non-numeric "
            "values count as 0. Shapes ease to new values over \"animate\" seconds.",
    .size = sizeof(radar_t),
    .opts = radar_opts,
    .panel = offsetof(radar_t, frame),
    .bindable = true,
    .init = radar_init,
    .data = radar_data,
    .tick = radar_tick,
    .draw_base = radar_draw_base,
    .draw = radar_draw,
    .text = radar_text,
};
