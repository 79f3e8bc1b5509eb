/*
 * w_map.c — "map": a district map from a GeoJSON file, coloured by value.
 *
 * The file (option "geojson") is loaded once, in init() at layout load
 * time; a bad file fails the layout with the loader's message ("feature 12:
 * ..."). The bound value is an object {region name: number} (or an array of
 * {"name": .., "value": ..}); each region takes a colour between "low" and
 * "high" by its place between min and max (or a threshold colour when
 * thresholds are given), with a gradient legend (低 … 高). Regions whose value
 * just changed pulse for "pulse" seconds; with "center" set, animated
 * flylines run from that region to the "flylines" regions of highest value.
 * Every animation is a function of the time passed to draw.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"
#include "geojson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX_FLY 200

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    char      *geojson, *name_property, *center, *caption;
    bs_color_t low, high, empty;
    double     min, max;
    bool       labels, values, legend, frame;
    double     label_size, pulse, fly_period;
    int        flylines;
    /* state */
    gj_map_t  *map;
    int       *by_name;       /* region indices sorted by name, for lookups */
    bool      *primary;       /* first region of its name (labels, text)    */
    int       *label_order;   /* regions by area, largest first (labels)   */
    double    *val;           /* per region; NAN = no value                 */
    double    *changed;       /* per region: time of the last change        */
    double     vmin, vmax;
    double     pulse_until;
    bool       has;
    int        center_idx;
    int        fly[MAP_MAX_FLY];
    int        nfly;
} map_t;

static const opt_def_t map_opts[] = {
    { "format",   OPT_GROUP, offsetof(map_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "geojson",  OPT_STR,  offsetof(map_t, geojson), 0, 1024, NULL, NULL, NULL,
      "GeoJSON file of the regions, relative to the layout's directory or the data directory (required)" },
    { "name_property", OPT_STR, offsetof(map_t, name_property), 0, 64, "name", NULL, NULL,
      "feature property holding the region name the data is keyed by" },
    { "low",      OPT_COLOR, offsetof(map_t, low),  0, 0, "#0b3a82", NULL, NULL, "colour of the lowest value" },
    { "high",     OPT_COLOR, offsetof(map_t, high), 0, 0, "#19e0ff", NULL, NULL, "colour of the highest value" },
    { "empty",    OPT_COLOR, offsetof(map_t, empty), 0, 0, "#10285acc", NULL, NULL, "colour of regions without a value" },
    { "min",      OPT_NUM,  offsetof(map_t, min), -1e15, 1e15, "nan", NULL, NULL, "value of the low colour; default: the smallest value" },
    { "max",      OPT_NUM,  offsetof(map_t, max), -1e15, 1e15, "nan", NULL, NULL, "value of the high colour; default: the largest value" },
    { "labels",   OPT_BOOL, offsetof(map_t, labels), 0, 0, "true", NULL, NULL, "region names on the map (regions too small for one are skipped)" },
    { "values",   OPT_BOOL, offsetof(map_t, values), 0, 0, "true", NULL, NULL, "values under the region names" },
    { "label_size", OPT_NUM, offsetof(map_t, label_size), 8, 60, "15", NULL, NULL, "size of region names, design units" },
    { "legend",   OPT_BOOL, offsetof(map_t, legend), 0, 0, "true", NULL, NULL, "the gradient legend (低 … 高) in the lower left" },
    { "pulse",    OPT_NUM,  offsetof(map_t, pulse), 0, 10, "2.5", NULL, NULL, "seconds a region pulses after its value changed; 0 = never" },
    { "center",   OPT_STR,  offsetof(map_t, center), 0, 128, NULL, NULL, NULL, "region the flylines start from (e.g. the district seat)" },
    { "flylines", OPT_INT,  offsetof(map_t, flylines), 0, MAP_MAX_FLY, "8", NULL, NULL,
      "flylines from center to this many regions of highest value; 0 = none" },
    { "fly_period", OPT_NUM, offsetof(map_t, fly_period), 0.5, 30, "2.4", NULL, NULL, "seconds a comet takes along a flyline" },
    { "caption",  OPT_STR,  offsetof(map_t, caption), 0, 128, NULL, NULL, NULL, "small note in the lower right, e.g. \"示意图\"" },
    { "frame",    OPT_BOOL, offsetof(map_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static const map_t *sort_ctx;
static int by_name(const void *a, const void *b)
{
    return strcmp(sort_ctx->map->regions[*(const int *)a].name, sort_ctx->map->regions[*(const int *)b].name);
}

/* qsort: regions by area, largest first; ties by index (deterministic). */
static int by_area_desc(const void *a, const void *b)
{
    const gj_region_t *r = sort_ctx->map->regions;
    int i = *(const int *)a, j = *(const int *)b;
    if (r[i].area != r[j].area)
        return r[i].area < r[j].area ? 1 : -1;
    return i - j;
}

static int map_init(wdg_t *w, char *err, size_t errlen)
{
    map_t *k = (map_t *)w;
    if (!k->geojson) {
        snprintf(err, errlen, "\"geojson\" is required: the file of the regions");
        return -1;
    }
    char path[1024], msg[256];
    if (wdg_find_file(w, k->geojson, path, sizeof path) != 0) {
        snprintf(err, errlen, "cannot find \"%s\" (looked in %s)", k->geojson, path);
        return -1;
    }
    k->map = gj_load_file(path, k->name_property, msg, sizeof msg);
    if (!k->map) {
        snprintf(err, errlen, "%s: %s", k->geojson, msg);
        return -1;
    }
    size_t n = (size_t)k->map->nregions;
    k->by_name = malloc(n * sizeof *k->by_name);
    k->val = malloc(n * sizeof *k->val);
    k->changed = malloc(n * sizeof *k->changed);
    k->primary = calloc(n ? n : 1, sizeof *k->primary);
    k->label_order = malloc((n ? n : 1) * sizeof *k->label_order);
    if (!k->by_name || !k->val || !k->changed || !k->primary || !k->label_order) {
        snprintf(err, errlen, "out of memory");
        return -1;                      /* destroy() frees what was made */
    }
    for (size_t i = 0; i < n; i++) {
        k->by_name[i] = (int)i;
        k->val[i] = NAN;
        k->changed[i] = -1e9;
    }
    sort_ctx = k;
    qsort(k->by_name, n, sizeof *k->by_name, by_name);
    sort_ctx = NULL;
    for (size_t i = 0; i < n; i++) {          /* runs of one name: mark the first */
        size_t j = i;
        int first = k->by_name[i];
        while (j + 1 < n && strcmp(k->map->regions[k->by_name[j + 1]].name, k->map->regions[first].name) == 0)
            if (k->by_name[++j] < first)
                first = k->by_name[j];
        k->primary[first] = true;
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        k->label_order[i] = (int)i;
    sort_ctx = k;
    qsort(k->label_order, n, sizeof *k->label_order, by_area_desc);
    sort_ctx = NULL;
    k->center_idx = -1;
    if (k->center) {
        k->center_idx = gj_find(k->map, k->center);
        if (k->center_idx < 0) {
            snprintf(err, errlen, "\"center\": no region named \"%.60s\" in %s", k->center, k->geojson);
            return -1;
        }
    }
    k->vmin = k->vmax = NAN;
    return 0;
}

static void map_destroy(wdg_t *w)
{
    map_t *k = (map_t *)w;
    gj_free(k->map);
    free(k->by_name);
    free(k->val);
    free(k->changed);
    free(k->primary);
    free(k->label_order);
    k->primary = NULL;
    k->label_order = NULL;
    k->map = NULL;
    k->by_name = NULL;
    k->val = k->changed = NULL;
}

/* Sets the value of every region called name; true when one changed. */
static bool set_named(map_t *k, const char *name, double x, double *next)
{
    int lo = 0, hi = k->map->nregions;
    while (lo < hi) {                           /* first index >= name */
        int mid = (lo + hi) / 2;
        if (strcmp(k->map->regions[k->by_name[mid]].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool any = false;
    for (int i = lo; i < k->map->nregions && strcmp(k->map->regions[k->by_name[i]].name, name) == 0; i++) {
        next[k->by_name[i]] = x;
        any = true;
    }
    return any;
}

static int by_value_desc(const void *a, const void *b)
{
    const map_t *k = sort_ctx;
    double x = k->val[*(const int *)a], y = k->val[*(const int *)b];
    if (x != y)
        return x < y ? 1 : -1;
    return *(const int *)a - *(const int *)b;
}

static gj_proj_t map_geometry(const map_t *k, const wdg_t *w, rect_t *c, double *depth);

static void map_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    map_t *k = (map_t *)w;
    (void)slot;
    (void)e;
    if (!k->map)
        return;
    int n = k->map->nregions;
    double *next = malloc((size_t)n * sizeof *next);
    if (!next)
        return;
    for (int i = 0; i < n; i++)
        next[i] = NAN;
    if (v && v->type == BS_OBJ) {
        for (uint32_t i = 0; i < v->n; i++)
            set_named(k, v->u.c.keys[i], wdg_number(v->u.c.items[i]), next);
    } else if (v && v->type == BS_ARR) {
        for (uint32_t i = 0; i < v->n; i++) {
            const bs_value_t *nm = bs_value_get(v->u.c.items[i], "name");
            if (nm && nm->type == BS_STR)
                set_named(k, nm->u.str, wdg_number(bs_value_get(v->u.c.items[i], "value")), next);
        }
    }
    bool changed = false, was = k->has, kinds = false;   /* kinds: a region gained or lost its value */
    double old_min = k->vmin, old_max = k->vmax;
    int old_fly[MAP_MAX_FLY], old_nfly = k->nfly, nchanged = 0;
    memcpy(old_fly, k->fly, sizeof old_fly);
    for (int i = 0; i < n; i++) {
        double a = k->val[i], b = next[i];
        next[i] = 0;                            /* from here: 1 = this region changed */
        if (a == b || (isnan(a) && isnan(b)))
            continue;
        changed = true;
        next[i] = 1;
        nchanged++;
        kinds = kinds || isfinite(a) != isfinite(b);
        if (k->has && isfinite(a) && isfinite(b) && k->pulse > 0) {
            k->changed[i] = now;                /* the first values do not pulse */
            k->pulse_until = now + k->pulse;
        }
        k->val[i] = b;
    }
    k->has = true;
    if (!changed) {
        free(next);
        return;
    }
    k->vmin = INFINITY;
    k->vmax = -INFINITY;
    int order[MAP_MAX_FLY], m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(k->val[i])) {
            k->vmin = fmin(k->vmin, k->val[i]);
            k->vmax = fmax(k->vmax, k->val[i]);
        }
    if (!(k->vmin <= k->vmax))
        k->vmin = k->vmax = NAN;
    /* flyline targets: the regions of highest value, the centre excluded;
     * a partial selection keeps this O(n × flylines) */
    k->nfly = 0;
    if (k->center_idx >= 0 && k->flylines > 0) {
        sort_ctx = k;
        for (int i = 0; i < n; i++) {
            if (i == k->center_idx || !isfinite(k->val[i]))
                continue;
            if (m < k->flylines) {
                order[m++] = i;
            } else if (by_value_desc(&i, &order[m - 1]) < 0) {
                order[m - 1] = i;
            } else {
                continue;
            }
            qsort(order, (size_t)m, sizeof order[0], by_value_desc);
        }
        sort_ctx = NULL;
        memcpy(k->fly, order, (size_t)m * sizeof order[0]);
        k->nfly = m;
    }
    /* the same scale, legend and flylines: only the regions that changed are
     * recoloured (their box and their label's), not the whole map */
    bool same = was && !kinds && k->nfly == old_nfly && memcmp(k->fly, old_fly, sizeof old_fly[0] * (size_t)k->nfly) == 0 &&
                (isfinite(k->min) || k->vmin == old_min) && (isfinite(k->max) || k->vmax == old_max);
    if (same && nchanged <= 16) {
        rect_t c;
        double depth, ls = k->label_size;
        gj_proj_t p = map_geometry(k, w, &c, &depth);
        for (int i = 0; i < n; i++) {
            if (next[i] == 0)
                continue;
            const gj_region_t *r = &k->map->regions[i];
            gj_pt_t lo = gj_project(&p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(&p, (gj_pt_t){ r->maxx, r->miny });
            gj_pt_t q = gj_project(&p, r->label);
            double x0 = fmin(fmin(lo.x, hi.x) - 3, q.x - ls * 5), x1 = fmax(fmax(lo.x, hi.x) + 3, q.x + ls * 5);
            double y0 = fmin(fmin(lo.y, hi.y) - 3, q.y - ls * 1.6), y1 = fmax(fmax(lo.y, hi.y) + 3, q.y + ls * 1.8);
            wdg_invalidate_area(w, (rect_t){ x0, y0, x1 - x0, y1 - y0 });
        }
    } else {
        wdg_invalidate(w);
    }
    free(next);
}

static void map_tick(wdg_t *w, double now, int64_t wall_ms)
{
    map_t *k = (map_t *)w;
    (void)wall_ms;
    /* flylines move all the time; pulses until they end (one more frame to
     * draw the end state) */
    if (k->nfly > 0 || now <= k->pulse_until + 0.1)
        wdg_invalidate_overlay(w);      /* the map itself stays cached */
}

/* ---- drawing ------------------------------------------------------------ */

static void region_path(cairo_t *cr, const gj_map_t *m, const gj_proj_t *p, int ri, double dy)
{
    const gj_region_t *r = &m->regions[ri];
    for (uint32_t pi = r->first; pi < r->first + r->n; pi++) {
        const gj_poly_t *pg = &m->polys[pi];
        for (uint32_t ri2 = pg->first; ri2 < pg->first + pg->n; ri2++) {
            const gj_ring_t *ring = &m->rings[ri2];
            for (uint32_t j = 0; j < ring->n; j++) {
                gj_pt_t q = gj_project(p, m->pts[ring->first + j]);
                if (j == 0)
                    cairo_move_to(cr, q.x, q.y + dy);
                else
                    cairo_line_to(cr, q.x, q.y + dy);
            }
            cairo_close_path(cr);
        }
    }
}

static bs_color_t mix(bs_color_t a, bs_color_t b, double t)
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return (bs_color_t){ a.r + (b.r - a.r) * (float)t, a.g + (b.g - a.g) * (float)t,
                         a.b + (b.b - a.b) * (float)t, a.a + (b.a - a.a) * (float)t, -1 };
}

static void range(const map_t *k, double *lo, double *hi)
{
    *lo = isfinite(k->min) ? k->min : k->vmin;
    *hi = isfinite(k->max) ? k->max : k->vmax;
}

static bs_color_t value_color(const map_t *k, draw_t *d, double v)
{
    bs_color_t lo = draw_color(d, k->low), hi = draw_color(d, k->high);
    if (!isfinite(v))
        return draw_color(d, k->empty);
    if (k->fmt.thresholds.n > 0)
        return draw_color(d, fmt_color(&k->fmt, v, k->high));
    double a, b;
    range(k, &a, &b);
    double t = b > a ? wdg_frac(v, a, b) : 1;      /* finite even for -1.7e308..1.7e308 */
    return mix(lo, hi, t);
}

static gj_pt_t bezier(gj_pt_t a, gj_pt_t c, gj_pt_t b, double t)
{
    double u = 1 - t;
    return (gj_pt_t){ u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

static void glow_dot(cairo_t *cr, double x, double y, double r, bs_color_t c, double alpha)
{
    cairo_pattern_t *g = cairo_pattern_create_radial(x, y, 0, x, y, r * 3);
    cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, alpha);
    cairo_pattern_add_color_stop_rgba(g, 0.3, c.r, c.g, c.b, alpha * 0.9);
    cairo_pattern_add_color_stop_rgba(g, 1, c.r, c.g, c.b, 0);
    cairo_arc(cr, x, y, r * 3, 0, 2 * M_PI);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

/* The arc of flyline i: from the centre a to region b, bowing upwards
 * (control point c). false when the two are too close to draw. */
static bool fly_arc(const map_t *k, const gj_proj_t *p, int i, gj_pt_t *a, gj_pt_t *b, gj_pt_t *c)
{
    const gj_map_t *m = k->map;
    *a = gj_project(p, m->regions[k->center_idx].label);
    *b = gj_project(p, m->regions[k->fly[i]].label);
    double dx = b->x - a->x, dy = b->y - a->y, len = hypot(dx, dy);
    if (len < 1)
        return false;
    double nx = -dy / len, ny = dx / len;
    if (ny > 0) { nx = -nx; ny = -ny; }
    *c = (gj_pt_t){ (a->x + b->x) / 2 + nx * len * 0.28, (a->y + b->y) / 2 + ny * len * 0.28 };
    return true;
}

/* The flylines' arcs: they only change with the data, so they live in the
 * cached layer; the comets run over them in the overlay. */
static void draw_fly_arcs(const map_t *k, draw_t *d, const gj_proj_t *p)
{
    cairo_t *cr = d->cr;
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    for (int i = 0; i < k->nfly; i++) {
        gj_pt_t a, b, c;
        if (!fly_arc(k, p, i, &a, &b, &c))
            continue;
        cairo_move_to(cr, a.x, a.y);
        cairo_curve_to(cr, a.x + (c.x - a.x) * 2 / 3, a.y + (c.y - a.y) * 2 / 3,
                       b.x + (c.x - b.x) * 2 / 3, b.y + (c.y - b.y) * 2 / 3, b.x, b.y);
    }
    cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.45);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);
}

static void draw_flylines(const map_t *k, draw_t *d, const gj_proj_t *p)
{
    cairo_t *cr = d->cr;
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    gj_pt_t a = gj_project(p, k->map->regions[k->center_idx].label);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int i = 0; i < k->nfly; i++) {
        gj_pt_t b, c;
        if (!fly_arc(k, p, i, &a, &b, &c))
            continue;
        /* the comet: a tapering tail behind a bright head */
        double u = fmod(d->now / k->fly_period + i * 0.137, 1.0);
        if (u < 0)
            u += 1;
        const int N = 8;
        double tail = 0.32;
        for (int j = 0; j < N; j++) {
            double t0 = u - tail * (N - j) / N, t1 = u - tail * (N - j - 1) / N;
            if (t1 <= 0)
                continue;
            t0 = fmax(t0, 0);
            gj_pt_t q0 = bezier(a, c, b, t0), q1 = bezier(a, c, b, t1);
            double f = (double)(j + 1) / N;
            cairo_move_to(cr, q0.x, q0.y);
            cairo_line_to(cr, q1.x, q1.y);
            cairo_set_source_rgba(cr, gold.r + (1 - gold.r) * f * 0.5, gold.g + (1 - gold.g) * f * 0.5,
                                  gold.b + (1 - gold.b) * f * 0.5, f * 0.95);
            cairo_set_line_width(cr, 0.6 + 2.4 * f);
            cairo_stroke(cr);
        }
        gj_pt_t h = bezier(a, c, b, u);
        glow_dot(cr, h.x, h.y, 2.6, gold, 1.0);
        /* a ripple where the line lands */
        double f = fmod(d->now / 1.6 + i * 0.21, 1.0);
        cairo_arc(cr, b.x, b.y, 3 + 12 * f, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, gold.r, gold.g, gold.b, 0.8 * (1 - f));
        cairo_set_line_width(cr, 1.4);
        cairo_stroke(cr);
    }
    /* the centre: a steady ring and two expanding ones */
    for (int j = 0; j < 2; j++) {
        double f = fmod(d->now / 2.0 + j * 0.5, 1.0);
        cairo_arc(cr, a.x, a.y, 5 + 22 * f, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, gold.r, gold.g, gold.b, 0.9 * (1 - f));
        cairo_set_line_width(cr, 1.8);
        cairo_stroke(cr);
    }
    glow_dot(cr, a.x, a.y, 4, gold, 1.0);
}

static void draw_legend(const map_t *k, draw_t *d, rect_t c)
{
    cairo_t *cr = d->cr;
    double lo, hi;
    range(k, &lo, &hi);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    double bw = 12, bh = fmin(130, c.h * 0.3), x = c.x + 14, y1 = c.y + c.h - 30, y0 = y1 - bh;
    cairo_pattern_t *g = cairo_pattern_create_linear(0, y1, 0, y0);
    if (k->fmt.thresholds.n > 0) {
        const bs_thresholds_t *th = &k->fmt.thresholds;
        for (int i = 0; i < th->n; i++) {
            bs_color_t tc = draw_color(d, th->t[i].color);
            cairo_pattern_add_color_stop_rgba(g, (double)i / th->n, tc.r, tc.g, tc.b, 1);
            cairo_pattern_add_color_stop_rgba(g, (double)(i + 1) / th->n, tc.r, tc.g, tc.b, 1);
        }
        lo = th->t[0].at;
        hi = th->t[th->n - 1].at;
    } else {
        bs_color_t a = draw_color(d, k->low), b = draw_color(d, k->high);
        cairo_pattern_add_color_stop_rgba(g, 0, a.r, a.g, a.b, 1);
        cairo_pattern_add_color_stop_rgba(g, 1, b.r, b.g, b.b, 1);
    }
    draw_round_rect(cr, x, y0, bw, bh, 3);
    cairo_set_source(cr, g);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(g);
    bs_color_t frame = draw_theme(d, THEME_ACCENT);
    cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, 0.6);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    draw_text(d, FONT_BOLD, 15, x + bw / 2, y0 - 14, "高", text, AL_CENTER);
    draw_text(d, FONT_BOLD, 15, x + bw / 2, y1 + 14, "低", text, AL_CENTER);
    fmt_out_t f;
    char buf[160];
    fmt_number(&k->fmt, hi, &f);
    fmt_join(&f, buf, sizeof buf);
    draw_number(d, FONT_NUMBER, 14, x + bw + 8, y0 + 7, buf, dim, AL_LEFT);
    fmt_number(&k->fmt, lo, &f);
    fmt_join(&f, buf, sizeof buf);
    draw_number(d, FONT_NUMBER, 14, x + bw + 8, y1 - 7, buf, dim, AL_LEFT);
}

/* The map's content rect and projection; the same for layer and overlay. */
static gj_proj_t map_geometry(const map_t *k, const wdg_t *w, rect_t *cout, double *depth)
{
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double pad = 14, lw = k->legend ? 58 : 0;
    *depth = fmin(10, c.h * 0.02);
    *cout = c;
    return gj_fit(k->map, c.x + pad + lw, c.y + pad, c.w - 2 * pad - lw, c.h - 2 * pad - *depth);
}

/* Begins drawing inside the map's content rect: saves, clips, even-odd
 * fill. The caller restores. Returns the projection. */
static gj_proj_t map_begin(const map_t *k, const wdg_t *w, cairo_t *cr, rect_t *c, double *depth)
{
    gj_proj_t p = map_geometry(k, w, c, depth);
    cairo_save(cr);
    cairo_rectangle(cr, c->x, c->y, c->w, c->h);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    return p;
}

/* What data never changes: the panel and the glowing slab under the map. */
static void map_draw_base(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    cairo_t *cr = d->cr;
    if (k->frame)
        draw_panel(d, w->rect, w->title);
    const gj_map_t *m = k->map;
    if (!m)
        return;
    rect_t c;
    double depth;
    gj_proj_t p = map_begin(k, w, cr, &c, &depth);
    for (int i = 0; i < m->nregions; i++)
        region_path(cr, m, &p, i, depth);
    cairo_set_source_rgba(cr, 0.02, 0.16, 0.36, 0.95);
    cairo_fill_preserve(cr);
    bs_color_t edge = draw_theme(d, THEME_ACCENT);
    edge.a = 0.55f;
    draw_glow_stroke(d, edge, 1.2, 10);
    cairo_restore(cr);
}

/* The top layer: the borders, thin bright lines with a soft glow, which
 * never change with the data. */
static void map_draw_top(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    cairo_t *cr = d->cr;
    const gj_map_t *m = k->map;
    if (!m)
        return;
    rect_t c;
    double depth;
    gj_proj_t p = map_begin(k, w, cr, &c, &depth);
    for (int i = 0; i < m->nregions; i++)
        region_path(cr, m, &p, i, 0);
    bs_color_t line = { 0.55f, 0.92f, 1.0f, 0.85f, -1 };
    draw_glow_stroke(d, line, 1.0, 4);
    cairo_restore(cr);
}

static void map_draw(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    cairo_t *cr = d->cr;
    const gj_map_t *m = k->map;
    if (!m)
        return;
    rect_t c;
    double depth;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    double alpha = w->stale ? 0.5 : 1.0;
    gj_proj_t p = map_begin(k, w, cr, &c, &depth);
    /* (the slab under the map is in the base layer: map_draw_base) */

    /* regions by value; each its own even-odd path, so holes show the slab */
    for (int i = 0; i < m->nregions; i++) {
        region_path(cr, m, &p, i, 0);
        bs_color_t fc = value_color(k, d, k->val[i]);
        cairo_pattern_t *g = cairo_pattern_create_linear(0, c.y, 0, c.y + c.h);
        cairo_pattern_add_color_stop_rgba(g, 0, fmin(1, fc.r * 1.15 + 0.03), fmin(1, fc.g * 1.15 + 0.03),
                                          fmin(1, fc.b * 1.1 + 0.03), fc.a * 0.95 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 1, fc.r * 0.8, fc.g * 0.8, fc.b * 0.85, fc.a * 0.95 * alpha);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
    }
    /* (the borders, with their glow, are in the top layer: map_draw_top;
     * a recolour redraws fills and labels, never re-strokes them) */

    if (k->center_idx >= 0 && k->nfly > 0)
        draw_fly_arcs(k, d, &p);

    /* labels: a dot, the name, the value; only where the region has room */
    if (k->labels) {
        double ls = k->label_size;
        /* largest regions first; a label that would cover one already
         * placed is left out, so dense maps stay readable */
        enum { MAX_PLACED = 256 };
        rect_t placed[MAX_PLACED];
        int nplaced = 0;
        for (int o = 0; o < m->nregions && nplaced < MAX_PLACED; o++) {
            int i = k->label_order[o];
            const gj_region_t *r = &m->regions[i];
            if (!r->name[0] || r->area * p.s * p.s < ls * ls * 4)
                continue;
            if (!k->primary[i])
                continue;                       /* one label per name */
            gj_pt_t q = gj_project(&p, r->label);
            /* the flylines' hub sits on the centre's label point: its name
             * and value go above the hub's rings, not under them */
            if (i == k->center_idx && k->nfly > 0)
                q.y -= ls * 2.4;
            bool val = k->values && isfinite(k->val[i]);
            double bw = fmax(draw_text_width(d, FONT_BOLD, ls, r->name), ls * 3);
            rect_t box = { q.x - bw / 2, q.y - (val ? ls * 1.1 : ls * 0.6), bw, val ? ls * 2.3 : ls * 1.2 };
            bool clash = false;
            for (int j = 0; j < nplaced && !clash; j++)
                clash = box.x < placed[j].x + placed[j].w && placed[j].x < box.x + box.w &&
                        box.y < placed[j].y + placed[j].h && placed[j].y < box.y + box.h;
            if (clash)
                continue;
            placed[nplaced++] = box;
            double ny = val ? q.y - ls * 0.55 : q.y;
            bs_color_t shadow = { 0, 0.05f, 0.2f, 0.9f, -1 };
            draw_text_glow(d, FONT_BOLD, ls, q.x, ny, r->name, text, shadow, AL_CENTER);
            if (val) {
                fmt_out_t f;
                char buf[160];
                fmt_number(&k->fmt, k->val[i], &f);
                fmt_join(&f, buf, sizeof buf);
                bs_color_t vc = { 1.0f, 0.86f, 0.36f, (float)alpha, -1 };
                double vs = ls * 0.92, vw = draw_number_width(d, FONT_NUMBER, vs, buf) + vs * 0.8;
                draw_round_rect(cr, q.x - vw / 2, q.y + ls * 0.62 - vs * 0.62, vw, vs * 1.24, vs * 0.62);
                cairo_set_source_rgba(cr, 0.01, 0.05, 0.16, 0.62);   /* readable on any fill */
                cairo_fill(cr);
                draw_number(d, FONT_NUMBER, vs, q.x, q.y + ls * 0.62, buf, vc, AL_CENTER);
            }
        }
    }
    cairo_restore(cr);

    if (k->legend && (isfinite(k->vmin) || k->fmt.thresholds.n > 0))
        draw_legend(k, d, c);
    if (k->caption)
        draw_text(d, FONT_TEXT, 13, c.x + c.w - 10, c.y + c.h - 12, k->caption, dim, AL_RIGHT);
    if (!k->has)
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + 24, "等待数据…", dim, AL_CENTER);
}

/* The moving parts over the cached map: pulses on regions that just
 * changed, and the flylines. */
static void map_overlay(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    const gj_map_t *m = k->map;
    if (!m)
        return;
    cairo_t *cr = d->cr;
    rect_t c;
    double depth;
    gj_proj_t p = map_begin(k, w, cr, &c, &depth);
    for (int i = 0; i < m->nregions && k->pulse > 0; i++) {
        double age = d->now - k->changed[i];
        if (age < 0 || age >= k->pulse)
            continue;
        /* a short flash of the region (filling a region every frame is the
         * dear part), then the rings carry on */
        double flash = fmin(0.8, k->pulse);
        if (age < flash) {
            region_path(cr, m, &p, i, 0);
            cairo_set_source_rgba(cr, 1, 1, 1, 0.22 * (1 - age / flash));
            cairo_fill(cr);
        }
        gj_pt_t q = gj_project(&p, m->regions[i].label);
        for (int j = 0; j < 2; j++) {
            double g = fmod(age / 1.2 + j * 0.5, 1.0), fade = 1 - pow(age / k->pulse, 2);
            cairo_arc(cr, q.x, q.y, 6 + 30 * g, 0, 2 * M_PI);
            cairo_set_source_rgba(cr, 1, 0.85, 0.35, 0.9 * (1 - g) * fade);
            cairo_set_line_width(cr, 2);
            cairo_stroke(cr);
        }
    }
    if (k->center_idx >= 0 && k->nfly > 0)
        draw_flylines(k, d, &p);
    cairo_restore(cr);
}

/* Where the overlay draws at now: the flylines with their rings, and the
 * regions still pulsing (their flash, or the rings round their labels). */
static rect_t map_overlay_rect(const wdg_t *w, double now)
{
    const map_t *k = (const map_t *)w;
    const gj_map_t *m = k->map;
    rect_t c;
    double depth, x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18;
    if (!m)
        return (rect_t){ w->rect.x, w->rect.y, 0, 0 };
    gj_proj_t p = map_geometry(k, w, &c, &depth);
#define GROW(px, py, r) do { x0 = fmin(x0, (px) - (r)); y0 = fmin(y0, (py) - (r)); \
                             x1 = fmax(x1, (px) + (r)); y1 = fmax(y1, (py) + (r)); } while (0)
    if (k->center_idx >= 0 && k->nfly > 0)
        for (int i = 0; i < k->nfly; i++) {
            gj_pt_t a, b, cc;
            if (!fly_arc(k, &p, i, &a, &b, &cc))
                continue;
            GROW(a.x, a.y, 30);
            GROW(b.x, b.y, 18);
            GROW(cc.x, cc.y, 10);   /* the curve stays inside its control hull */
        }
    for (int i = 0; i < m->nregions && k->pulse > 0; i++) {
        double age = now - k->changed[i];
        if (age < 0 || age >= k->pulse)
            continue;
        gj_pt_t q = gj_project(&p, m->regions[i].label);
        GROW(q.x, q.y, 40);
        if (age < fmin(0.8, k->pulse)) {           /* the flash covers the region */
            gj_pt_t lo = gj_project(&p, (gj_pt_t){ m->regions[i].minx, m->regions[i].maxy });
            gj_pt_t hi = gj_project(&p, (gj_pt_t){ m->regions[i].maxx, m->regions[i].miny });
            GROW(lo.x, lo.y, 2);
            GROW(hi.x, hi.y, 2);
        }
    }
#undef GROW
    if (x1 < x0)
        return (rect_t){ c.x, c.y, 0, 0 };
    x0 = fmax(x0, c.x);
    y0 = fmax(y0, c.y);
    x1 = fmin(x1, c.x + c.w);
    y1 = fmin(y1, c.y + c.h);
    return (rect_t){ x0, y0, fmax(0, x1 - x0), fmax(0, y1 - y0) };
}

/* Where the overlay draws at now, piece by piece, so that the comets cost
 * their own small boxes and not the box round every flyline: each comet's
 * tail and head, each landing ripple, the centre's rings, and the regions
 * still pulsing. */
static int map_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const map_t *k = (const map_t *)w;
    const gj_map_t *m = k->map;
    if (!m)
        return 0;
    rect_t c;
    double depth;
    gj_proj_t p = map_geometry(k, w, &c, &depth);
    int n = 0;
    double x0, y0, x1, y1;
#define BEGIN() (x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18)
#define GROW(px, py, r) do { x0 = fmin(x0, (px) - (r)); y0 = fmin(y0, (py) - (r)); \
                             x1 = fmax(x1, (px) + (r)); y1 = fmax(y1, (py) + (r)); } while (0)
#define EMIT() do { if (x1 >= x0 && n < max) { \
        double ax = fmax(x0, c.x), ay = fmax(y0, c.y), bx = fmin(x1, c.x + c.w), by = fmin(y1, c.y + c.h); \
        if (bx > ax && by > ay) out[n++] = (rect_t){ ax, ay, bx - ax, by - ay }; } } while (0)
    if (k->center_idx >= 0 && k->nfly > 0) {
        gj_pt_t a = gj_project(&p, m->regions[k->center_idx].label);
        BEGIN();
        GROW(a.x, a.y, 30);                            /* rings and the glowing dot */
        EMIT();
        for (int i = 0; i < k->nfly; i++) {
            gj_pt_t b, cc;
            if (!fly_arc(k, &p, i, &a, &b, &cc))
                continue;
            double u = fmod(now / k->fly_period + i * 0.137, 1.0);
            if (u < 0)
                u += 1;
            BEGIN();                                   /* the comet: tail and head */
            for (int j = 0; j <= 8; j++) {
                double t = fmax(0, u - 0.32 * (8 - j) / 8);
                gj_pt_t q = bezier(a, cc, b, t);
                GROW(q.x, q.y, j == 8 ? 10 : 4);
            }
            EMIT();
            BEGIN();                                   /* the ripple where it lands */
            GROW(b.x, b.y, 18);
            EMIT();
        }
    }
    BEGIN();
    for (int i = 0; i < m->nregions && k->pulse > 0; i++) {
        double age = now - k->changed[i];
        if (age < 0 || age >= k->pulse)
            continue;
        gj_pt_t q = gj_project(&p, m->regions[i].label);
        GROW(q.x, q.y, 40);
        if (age < fmin(0.8, k->pulse)) {           /* the flash covers the region */
            gj_pt_t lo = gj_project(&p, (gj_pt_t){ m->regions[i].minx, m->regions[i].maxy });
            gj_pt_t hi = gj_project(&p, (gj_pt_t){ m->regions[i].maxx, m->regions[i].miny });
            GROW(lo.x, lo.y, 2);
            GROW(hi.x, hi.y, 2);
        }
    }
    EMIT();
#undef BEGIN
#undef GROW
#undef EMIT
    return n;
}

static void map_text(const wdg_t *w, wdg_text_t *out)
{
    const map_t *k = (const map_t *)w;
    if (!k->map)
        return;
    for (int i = 0; i < k->map->nregions; i++) {
        const gj_region_t *r = &k->map->regions[i];
        if (!isfinite(k->val[i]) || !k->primary[i])
            continue;
        fmt_out_t f;
        char buf[160];
        fmt_number(&k->fmt, k->val[i], &f);
        fmt_join(&f, buf, sizeof buf);
        wdg_text_add(out, "%s %s", r->name, buf);
    }
}

const wdg_class_t wdg_map_class = {
    .name = "map",
    .doc  = "A district map from a GeoJSON file (Polygon and MultiPolygon features, holes and islands; "
            "Point and LineString features are skipped), fitted to the rect and coloured by value from "
            "an object {region name: number}, with a gradient legend (低 … 高), region names and values, "
            "glowing borders on a raised slab, a pulse on regions whose value just changed, and optional "
            "animated flylines from a centre region to the regions of highest value. The file is loaded "
            "when the layout loads; a malformed file fails the layout with the feature's index. The map "
            "is drawn once into a cached layer; while flylines or pulses move, only they are redrawn "
            "over it each frame.",
    .size = sizeof(map_t),
    .opts = map_opts,
    .bindable = true,
    .init = map_init,
    .destroy = map_destroy,
    .data = map_data,
    .tick = map_tick,
    .draw_base = map_draw_base,
    .draw = map_draw,
    .draw_overlay = map_overlay,
    .overlay_rect = map_overlay_rect,
    .overlay_rects = map_overlay_rects,
    .draw_top = map_draw_top,
    .text = map_text,
};
