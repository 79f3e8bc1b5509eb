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
 *
 * Layers: the base holds the panel and the glowing slab, and makes the
 * region masks and the stroked borders (map_cache_t); the layer fills
 * masks with the regions' colours, lays the borders over them, then arcs,
 * labels and points (a recolour redraws only the changed regions' boxes);
 * the marks are the comets, pulses and ripples, drawn without cairo's
 * stroker and composited straight into the frame's pixels through the
 * damage's rectangles (draw_px_t): a comet's tail is one trail
 * (draw_trail_px), its head and the hub's dot sprites (draw_sprite_px),
 * every ring one pass over its annulus only (draw_ring_px); each mark
 * reports its own box as it is now (map_overlay_marks), so a frame repaints
 * where marks were and are, not the map. The slow marks step: rings spread
 * about half a unit a step (HUB_RATE, LAND_RATE, PULSE_RATE, ripple_rate)
 * and a flash fades in FLASH_RATE steps a second, each drawn at its step's
 * time and keyed by its step, so the core repaints them only when they step;
 * the comets move every frame.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"
#include "geojson.h"
#include "tour.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX_FLY 200
#define MAP_FAST_AREAS 8           /* areas a fast change damages; more: all of it */
#define MAP_MAX_POINTS 512        /* points kept from the "points" topic     */
#define MAP_MAX_RIPPLES 32        /* points with animated ripples, at most   */
#define MAP_POINT_NAME 64         /* bytes of a point's name, with its NUL   */
#define RIPPLE_PERIOD 2.0         /* seconds a ripple takes to spread        */

/* A point from the "points" topic, checked: lon/lat finite and on the map. */
typedef struct {
    char   name[MAP_POINT_NAME];
    double lon, lat, v;           /* v: NAN = no value (smallest marker)   */
    int    seq;                   /* place in the message (ties keep it)   */
} map_pt_t;

/* What the base makes once for the layer to reuse, in device pixels: an A8
 * mask of each region (clipped to its box and the content rect), so that a
 * recolour fills the mask with the new colour instead of rasterising the
 * region's path again, and the borders with their glow, stroked once into
 * their own surface and laid over the fills by every redraw of the layer (a
 * recolour never strokes a border or its glow again). Made in draw_base()
 * for the device matrix it draws with, and kept while that matrix stays
 * (it is the same for the layer; a layer drawn straight into the frame or
 * the overlay finds it moved by whole pixels and uses it there). Without a
 * match (a matrix that scales differently) draw() falls back to paths.
 *
 * A cache, not state: draw_base() gets a const widget and writes only here
 * (through the pointer), on the render thread or whichever thread draws
 * the widget's layers; nothing else reads it. Bounded by MAP_CACHE_BYTES:
 * regions beyond it are drawn as paths. */
#define MAP_CACHE_BYTES (48u << 20)

typedef struct map_cache {
    bool              ok;
    cairo_matrix_t    m;          /* the matrix they were made for          */
    int               n;          /* regions                                */
    cairo_surface_t **mask;       /* per region: A8, NULL = path (or empty) */
    int              *mx, *my, *mw, *mh;   /* its device box; mw 0 = empty  */
    cairo_surface_t  *lines;      /* borders with their glow: A8 (alphas of
                                     BORDER_RGB) without an inset, else ARGB */
    int               lx, ly;
    size_t            bytes;
    /* the label boxes (design units) the last draw() placed, for the
     * moving callout to keep clear of, as the layer's callout does */
    rect_t            placed[256];
    int               nplaced;
    /* the tour's two regions lit at full strength (veil and glowing
     * border), ARGB at device (lit_x, lit_y) for lit_m: while the tour
     * eases they are painted at its alphas instead of stroked each frame */
    cairo_surface_t  *lit[2];
    int               lit_region[2], lit_x[2], lit_y[2];
    cairo_matrix_t    lit_m[2];
    /* the flylines' arcs, one per target region (their coverage, over the
     * borders' box), each stroked the first time it is laid; n of them */
    draw_spans_t     *arc;
} map_cache_t;

static void cache_clear(map_cache_t *mc)
{
    if (!mc)
        return;
    for (int i = 0; mc->mask && i < mc->n; i++)
        if (mc->mask[i])
            cairo_surface_destroy(mc->mask[i]);
    if (mc->lines)
        cairo_surface_destroy(mc->lines);
    for (int i = 0; i < 2; i++) {
        if (mc->lit[i])
            cairo_surface_destroy(mc->lit[i]);
        mc->lit[i] = NULL;
    }
    for (int i = 0; mc->arc && i < mc->n; i++)
        draw_spans_free(&mc->arc[i]);
    free(mc->arc);
    mc->arc = NULL;
    free(mc->mask);
    free(mc->mx);
    mc->mask = NULL;
    mc->mx = mc->my = mc->mw = mc->mh = NULL;
    mc->lines = NULL;
    mc->ok = false;
    mc->n = 0;
    mc->bytes = 0;
}

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
    int64_t   *shade;         /* per region: its fill's key (shade_key)     */
    uint64_t  *vtext;         /* per region: hash of its value's text       */
    double     vmin, vmax;
    double     pulse_until;
    bool       has;
    /* fast: the regions change faster than every MAP_FAST_S, so what data
     * shows (fills, borders, arcs, labels, legend) is drawn with the marks,
     * straight into the frame, and the layer holds the base alone: remaking
     * a layer, and composing it into the still, on every frame costs two
     * copies of the map's pixels more than drawing it where it goes. A change
     * then damages the content rect through a mark keyed by content_gen. */
    bool       fast;
    double     data_t;        /* when the regions last changed              */
    double     gap;           /* their mean interval (INFINITY: unknown)    */
    uint64_t   content_gen;   /* counts the changes drawn while fast         */
    rect_t     dirty[MAP_FAST_AREAS];   /* what the last one changed (design */
    int        ndirty;                  /* units), its marks; while fast     */
    rect_t     pend[MAP_FAST_AREAS];    /* what this one changes (map_data)  */
    int        npend;                   /* -1: all of the content            */
    int        center_idx;
    int        fly[MAP_MAX_FLY];
    int        nfly;
    /* points: options */
    char      *points;        /* topic of the points, or NULL              */
    bs_color_t point_color;
    double     point_size;    /* largest marker radius, design units       */
    int        point_labels, ripples;
    /* points: state */
    int        pslot;         /* binding slot of "points"; -1 = none       */
    map_pt_t  *pts;           /* npts of them, by value, largest first     */
    int        npts;
    double     pt_vmax;       /* largest finite positive value, or 0       */
    long       pt_bad, pt_off, pt_over;   /* of the last update: dropped   */
    struct map_cache *cache;  /* what the base makes for the layer (below)  */
    /* inset: options, then the loaded map */
    char      *inset, *inset_title, *inset_highlight;
    int        inset_corner;  /* INSET_BR ...                                */
    double     inset_size;
    gj_map_t  *inset_map;
    int        inset_hl;      /* region of the inset lit, -1 = none          */
    /* tour */
    wdg_tour_t tour;
    int       *tour_items;    /* regions toured, in the file's order       */
    int        ntour;
    int        tour_region;   /* region with the highlight, -1 = none      */
    int        tour_from;     /* region it is easing from, -1 = none        */
    int        tour_lit;      /* region lit in the cached layer: the tour's
                                 region once the ease is over, -1 while it
                                 moves (then the marks draw it)              */
} map_t;

enum { INSET_BR, INSET_BL, INSET_TR, INSET_TL };
static const char *const corners[] = { "br", "bl", "tr", "tl", NULL };

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
    { "points",   OPT_STR,  offsetof(map_t, points), 0, 256, NULL, NULL, NULL,
      "topic of points over the regions: an array of {\"name\", \"lon\", \"lat\", \"value\"} (venues, service "
      "stations), drawn as glowing markers sized by value (square root scale) with ripples; at most 512, "
      "points with a non-finite or out-of-range position or off the map are dropped and counted" },
    { "point_color", OPT_COLOR, offsetof(map_t, point_color), 0, 0, "#ffb43c", NULL, NULL, "colour of the point markers and their ripples" },
    { "point_size", OPT_NUM, offsetof(map_t, point_size), 2, 40, "9", NULL, NULL,
      "radius of the largest point marker, design units (the smallest is a third of it)" },
    { "point_labels", OPT_INT, offsetof(map_t, point_labels), 0, 32, "5", NULL, NULL,
      "names shown beside this many points of highest value" },
    { "ripples",  OPT_INT,  offsetof(map_t, ripples), 0, MAP_MAX_RIPPLES, "12", NULL, NULL,
      "animated ripples round this many points of highest value; 0 = none (the markers stay)" },
    WDG_TOUR_OPT(map_t, tour),
    { "inset",    OPT_STR,  offsetof(map_t, inset), 0, 1024, NULL, NULL, NULL,
      "a second GeoJSON drawn in a framed box in a corner: the South China Sea islands of a national map, "
      "or where the district lies in its city; found, capped and checked as \"geojson\" is" },
    { "inset_corner", OPT_ENUM, offsetof(map_t, inset_corner), 0, 0, "br", corners, NULL,
      "corner of the inset box: br, bl, tr or tl (with bl the legend goes above it)" },
    { "inset_size", OPT_NUM, offsetof(map_t, inset_size), 0.1, 0.5, "0.25", NULL, NULL,
      "size of the inset box, a fraction of the map's width and of its height" },
    { "inset_title", OPT_STR, offsetof(map_t, inset_title), 0, 64, NULL, NULL, NULL,
      "title in the inset box's top strip, e.g. \"南海诸岛\"" },
    { "inset_highlight", OPT_STR, offsetof(map_t, inset_highlight), 0, 128, NULL, NULL, NULL,
      "region of the inset drawn lit and named (the district itself); it must be in the inset file" },
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
    k->gap = INFINITY;                  /* no pace known yet */
    k->changed = malloc(n * sizeof *k->changed);
    k->shade = malloc((n ? n : 1) * sizeof *k->shade);
    k->vtext = malloc((n ? n : 1) * sizeof *k->vtext);
    k->primary = calloc(n ? n : 1, sizeof *k->primary);
    k->label_order = malloc((n ? n : 1) * sizeof *k->label_order);
    if (!k->by_name || !k->val || !k->changed || !k->primary || !k->label_order || !k->shade || !k->vtext) {
        snprintf(err, errlen, "out of memory");
        return -1;                      /* destroy() frees what was made */
    }
    for (size_t i = 0; i < n; i++) {
        k->by_name[i] = (int)i;
        k->val[i] = NAN;
        k->changed[i] = -1e9;
        k->shade[i] = -1;
        k->vtext[i] = 0;
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
    k->cache = calloc(1, sizeof *k->cache);
    if (!k->cache) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->inset_hl = -1;
    if (k->inset) {
        if (wdg_find_file(w, k->inset, path, sizeof path) != 0) {
            snprintf(err, errlen, "\"inset\": cannot find \"%s\" (looked in %s)", k->inset, path);
            return -1;
        }
        k->inset_map = gj_load_file(path, k->name_property, msg, sizeof msg);
        if (!k->inset_map) {
            snprintf(err, errlen, "\"inset\": %s: %s", k->inset, msg);
            return -1;
        }
        if (k->inset_highlight) {
            k->inset_hl = gj_find(k->inset_map, k->inset_highlight);
            if (k->inset_hl < 0) {
                snprintf(err, errlen, "\"inset_highlight\": no region named \"%.60s\" in %s", k->inset_highlight, k->inset);
                return -1;
            }
        }
    } else if (k->inset_title || k->inset_highlight) {
        snprintf(err, errlen, "\"%s\" needs \"inset\": the file of the inset", k->inset_title ? "inset_title" : "inset_highlight");
        return -1;
    }
    if (wdg_tour_init(&k->tour, err, errlen) != 0)
        return -1;
    k->tour_region = k->tour_from = k->tour_lit = -1;
    k->tour_items = malloc((n ? n : 1) * sizeof *k->tour_items);
    if (!k->tour_items) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->pslot = -1;
    if (k->points) {
        if (!k->points[0]) {
            snprintf(err, errlen, "\"points\" must name a topic");
            return -1;
        }
        k->pslot = wdg_add_bind(w, k->points, NULL);
        k->pts = malloc(MAP_MAX_POINTS * sizeof *k->pts);
        if (k->pslot < 0 || !k->pts) {
            snprintf(err, errlen, k->pslot < 0 ? "too many bindings" : "out of memory");
            return -1;
        }
    }
    return 0;
}

static void map_destroy(wdg_t *w)
{
    map_t *k = (map_t *)w;
    gj_free(k->map);
    free(k->by_name);
    free(k->val);
    free(k->changed);
    free(k->shade);
    free(k->vtext);
    k->shade = NULL;
    k->vtext = NULL;
    free(k->primary);
    free(k->label_order);
    free(k->pts);
    k->pts = NULL;
    cache_clear(k->cache);
    free(k->cache);
    k->cache = NULL;
    free(k->tour_items);
    k->tour_items = NULL;
    gj_free(k->inset_map);
    k->inset_map = NULL;
    k->ntour = 0;
    k->npts = 0;
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
static rect_t tour_area(const map_t *k, const gj_proj_t *p, rect_t c, int i);
static void tour_items_update(map_t *k);
static void fill_region(const map_t *k, cairo_t *cr, const gj_proj_t *p, int i);
static void region_path(cairo_t *cr, const gj_map_t *m, const gj_proj_t *p, int ri, double dy);
static bool overlaps(rect_t a, rect_t b);
static void device_box(const cairo_matrix_t *m, double x0, double y0, double x1, double y1, const int *clip,
                       int *bx, int *by, int *bw, int *bh);
static cairo_t *cache_cr(cairo_surface_t *sf, const cairo_matrix_t *m, int ox, int oy);
static bool cache_fits(const map_cache_t *mc, const cairo_matrix_t *m, int *dx, int *dy);
static bool in_inset(const map_t *k, rect_t c, gj_pt_t q);

static void points_data(map_t *k, wdg_t *w, const bs_value_t *v);
static int64_t shade_key(const map_t *k, double v);
static uint64_t text_key(const map_t *k, int i);
static rect_t legend_area(const map_t *k, rect_t c, double lo, double hi);
static rect_t inset_box(const map_t *k, rect_t c);
static bool fly_arc_to(const map_t *k, const gj_proj_t *p, int to, gj_pt_t *a, gj_pt_t *b, gj_pt_t *c);
static void range(const map_t *k, double *lo, double *hi);

/* Whether region t is among the n flyline targets in fly. */
static bool fly_has(const int *fly, int n, int t)
{
    for (int i = 0; i < n; i++)
        if (fly[i] == t)
            return true;
    return false;
}

/* Regions changing faster than every MAP_FAST_S / 2 on average are drawn
 * with the marks, until slower than MAP_FAST_S (map_t.fast); the mean
 * weights each new interval by MAP_GAP_W. */
#define MAP_FAST_S 0.5
#define MAP_GAP_W 0.3

/* Area invalidation of the layer, unless the data parts are drawn with the
 * marks (fast): then the content's mark key says it changed. */
static void map_inval_area(wdg_t *w, map_t *k, rect_t r)
{
    if (!k->fast) {
        wdg_invalidate_area(w, r);
    } else if (k->npend >= 0 && k->npend < MAP_FAST_AREAS) {
        k->pend[k->npend++] = r;
    } else {
        k->npend = -1;                      /* too many: all of it */
    }
}

/* The box (design units) of the flyline arc to region t, with its stroke. */
static void invalidate_arc(wdg_t *w, map_t *k, const gj_proj_t *p, int t)
{
    gj_pt_t a, b, c;
    if (!fly_arc_to(k, p, t, &a, &b, &c))
        return;
    double x0 = fmin(a.x, fmin(b.x, c.x)) - 3, y0 = fmin(a.y, fmin(b.y, c.y)) - 3;
    double x1 = fmax(a.x, fmax(b.x, c.x)) + 3, y1 = fmax(a.y, fmax(b.y, c.y)) + 3;
    map_inval_area(w, k, (rect_t){ x0, y0, x1 - x0, y1 - y0 });
}

static void map_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    map_t *k = (map_t *)w;
    (void)e;
    if (!k->map)
        return;
    if (slot == k->pslot && slot > 0) {
        points_data(k, w, v);
        return;
    }
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
    double old_lo, old_hi;
    range(k, &old_lo, &old_hi);
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
        /* the first values do not pulse; a region pulsing goes on with its
         * pulse (as a tween retargets): one changing every frame pulses
         * once every `pulse` seconds, it does not flash without end */
        if (k->has && isfinite(a) && isfinite(b) && k->pulse > 0 &&
            !(now - k->changed[i] >= 0 && now - k->changed[i] < k->pulse)) {
            k->changed[i] = now;
            k->pulse_until = now + k->pulse;
        }
        k->val[i] = b;
    }
    k->has = true;
    if (!changed) {
        free(next);
        return;
    }
    /* the pace (k->gap: the changes' mean interval, weighted to the
     * latest): a sustained pace faster than MAP_FAST_S / 2 sends the data
     * parts to the marks; slower than MAP_FAST_S, or a pause of a second,
     * brings them back to the layer; crossing, all of it is drawn again.
     * Between the two the map stays as it is, so a feed whose changes come
     * in pairs (0.3 s, then 1.7 s) does not switch on every change. */
    double dt = was && now >= k->data_t ? now - k->data_t : INFINITY;
    k->gap = !isfinite(k->gap) ? dt : !isfinite(dt) ? dt : k->gap * (1 - MAP_GAP_W) + dt * MAP_GAP_W;
    bool fast = k->fast ? !(dt >= 1.0 || k->gap > MAP_FAST_S) : k->gap < MAP_FAST_S / 2, switched = fast != k->fast;
    k->data_t = now;
    k->fast = fast;
    k->npend = 0;
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
    /* What the layer shows of each region: its fill (shade_key: a change
     * of the scale under 1/1024 of it, or of a value within one threshold
     * band, is no change) and its value's text. Only what changed is
     * redrawn: the regions whose fill or text changed (their box and their
     * label's), the legend's numbers when the scale moved, the arcs to the
     * flyline targets that came or went; the borders, their glow and the
     * other labels stay as they are in the cached layer. The whole layer
     * only when the labels' places can change (a region gained or lost its
     * value, the flylines' hub came or went) or nearly all of it changed. */
    bool same = was && !kinds && (k->nfly > 0) == (old_nfly > 0);
    if (!same)
        k->npend = -1;
    rect_t c;
    double depth, ls = k->label_size, lo, hi;
    gj_proj_t p = map_geometry(k, w, &c, &depth);
    range(k, &lo, &hi);
    int areas = 0;
    bool shown = !same;                     /* a pixel changes (for the content's mark) */
    for (int i = 0; i < n; i++) {
        int64_t sk = shade_key(k, k->val[i]);
        bool look = sk != k->shade[i];
        k->shade[i] = sk;
        if (next[i] != 0) {
            uint64_t tk = text_key(k, i);
            look = look || tk != k->vtext[i];
            k->vtext[i] = tk;
        }
        if (!look || !same)
            continue;
        const gj_region_t *r = &k->map->regions[i];
        gj_pt_t rlo = gj_project(&p, (gj_pt_t){ r->minx, r->maxy }), rhi = gj_project(&p, (gj_pt_t){ r->maxx, r->miny });
        gj_pt_t q = gj_project(&p, r->label);
        double hub = i == k->center_idx ? ls * 2.6 : 0;      /* its label moves off the hub */
        double x0 = fmin(fmin(rlo.x, rhi.x) - 3, q.x - ls * 5), x1 = fmax(fmax(rlo.x, rhi.x) + 3, q.x + ls * 5);
        double y0 = fmin(fmin(rlo.y, rhi.y) - 3, q.y - ls * 1.6 - hub), y1 = fmax(fmax(rlo.y, rhi.y) + 3, q.y + ls * 1.8 + hub);
        map_inval_area(w, k, (rect_t){ x0, y0, x1 - x0, y1 - y0 });
        areas++;
        if (i == k->tour_lit)
            map_inval_area(w, k, tour_area(k, &p, c, i));    /* its callout's value */
    }
    if (same && k->legend && k->fmt.thresholds.n == 0 && !(lo == old_lo && hi == old_hi)) {
        shown = true;
        map_inval_area(w, k, legend_area(k, c, old_lo, old_hi));
        map_inval_area(w, k, legend_area(k, c, lo, hi));
    }
    for (int i = 0; same && i < old_nfly; i++)          /* arcs gone ... */
        if (!fly_has(k->fly, k->nfly, old_fly[i]))
            invalidate_arc(w, k, &p, old_fly[i]), areas++;
    for (int i = 0; same && i < k->nfly; i++)           /* ... and come */
        if (!fly_has(old_fly, old_nfly, k->fly[i]))
            invalidate_arc(w, k, &p, k->fly[i]), areas++;
    if (switched || (!k->fast && (!same || areas > 64)))
        wdg_invalidate(w);
    if (k->fast && (shown || areas > 0)) {
        k->content_gen++;                   /* the content's marks changed */
        if (k->npend > 0) {
            memcpy(k->dirty, k->pend, sizeof k->pend[0] * (size_t)k->npend);
            k->ndirty = k->npend;
        } else {
            k->dirty[0] = c;
            k->ndirty = 1;
        }
        wdg_invalidate_overlay(w);
    }
    if (kinds || !was)
        tour_items_update(k);
    free(next);
}

/* ---- tour --------------------------------------------------------------- */

#define TOUR_GLOW 12.0            /* design units the lit border's glow spreads */

/* The tour's items after a region gained or lost its value: the regions
 * with a value (one per name), in the file's order; the highlight follows
 * its region (wdg_tour_follow). */
static void tour_items_update(map_t *k)
{
    int old_cur = k->tour.cur >= 0 && k->tour.cur < k->ntour ? k->tour_items[k->tour.cur] : -1;
    int old_prev = k->tour.prev >= 0 && k->tour.prev < k->ntour ? k->tour_items[k->tour.prev] : -1;
    int n = 0, cur = -1, prev = -1;
    for (int i = 0; i < k->map->nregions; i++)
        if (k->primary[i] && isfinite(k->val[i])) {
            if (i == old_cur)
                cur = n;
            if (i == old_prev)
                prev = n;
            k->tour_items[n++] = i;
        }
    k->ntour = n;
    wdg_tour_follow(&k->tour, cur, prev, n);
}

/* The value of region i as shown, into buf. */
static void value_text(const map_t *k, int i, char *buf, size_t len)
{
    fmt_out_t f;
    fmt_number(&k->fmt, k->val[i], &f);
    fmt_join(&f, buf, len);
}

/* Where the callout of region i may go: a box beside its label point,
 * candidate `cand` of four (upper right, upper left, lower right, lower
 * left), inside the content rect c; sized by bounds of its texts, so damage
 * is known without measuring. *right: the box hangs from its left edge
 * (else from its right). */
static rect_t callout_rect(const map_t *k, const gj_proj_t *p, rect_t c, int i, int cand, bool *right)
{
    const gj_region_t *r = &k->map->regions[i];
    char vb[160];
    value_text(k, i, vb, sizeof vb);
    double ns = k->label_size, vs = k->label_size * 1.4, pad = 12;
    double bw = fmax(strlen(r->name) * ns * 0.62, strlen(vb) * vs * 0.62) + 2 * pad;
    double bh = ns * 1.3 + vs * 1.25 + pad * 1.4;
    bw = fmin(bw, c.w);
    bh = fmin(bh, c.h);
    gj_pt_t q = gj_project(p, r->label);
    *right = cand % 2 == 0;
    double x = *right ? q.x + 44 : q.x - 44 - bw, y = cand < 2 ? q.y - 46 - bh : q.y + 46;
    x = fmax(c.x, fmin(x, c.x + c.w - bw));
    y = fmax(c.y, fmin(y, c.y + c.h - bh));
    return (rect_t){ x, y, bw, bh };
}

/* What the tour's highlight of region i covers: the region with its lit
 * border's glow, the callout and its leader. */
static rect_t tour_area(const map_t *k, const gj_proj_t *p, rect_t c, int i)
{
    const gj_region_t *r = &k->map->regions[i];
    gj_pt_t lo = gj_project(p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(p, (gj_pt_t){ r->maxx, r->miny });
    gj_pt_t q = gj_project(p, r->label);
    bool right;
    rect_t b = callout_rect(k, p, c, i, 0, &right);
    for (int j = 1; j < 4; j++) {                        /* wherever draw puts it */
        rect_t o = callout_rect(k, p, c, i, j, &right);
        double ux = fmin(b.x, o.x), uy = fmin(b.y, o.y);
        b = (rect_t){ ux, uy, fmax(b.x + b.w, o.x + o.w) - ux, fmax(b.y + b.h, o.y + o.h) - uy };
    }
    double lead = k->label_size * 1.5 + 8;               /* the leader's end, off the label */
    double x0 = fmin(fmin(fmin(lo.x, hi.x) - TOUR_GLOW, b.x - 2), q.x - 8);
    double y0 = fmin(fmin(fmin(lo.y, hi.y) - TOUR_GLOW, b.y - 2), q.y - lead);
    double x1 = fmax(fmax(fmax(lo.x, hi.x) + TOUR_GLOW, b.x + b.w + 2), q.x + 8);
    double y1 = fmax(fmax(fmax(lo.y, hi.y) + TOUR_GLOW, b.y + b.h + 2), q.y + lead);
    return (rect_t){ x0, y0, x1 - x0, y1 - y0 };
}

/* The toured region lit: a bright veil through its mask and its border
 * brightened (stroked here: once per step, in the cached layer). */
static void draw_tour_region(const map_t *k, draw_t *d, const gj_proj_t *p, int i, double alpha, bool mark)
{
    cairo_t *cr = d->cr;
    cairo_set_source_rgba(cr, 0.75, 1, 1, 0.26 * alpha);
    fill_region(k, cr, p, i);
    region_path(cr, k->map, p, i, 0);
    bs_color_t line = { 0.8f, 1.0f, 1.0f, (float)alpha, -1 };
    if (mark)                           /* the same pixels in any damaged rectangle */
        draw_glow_stroke_exact(d, line, 2.2, 8);
    else
        draw_glow_stroke(d, line, 2.2, 8);
}

/* Which of the four places of region i's callout covers the least of the
 * label boxes placed[0..nplaced) (the first of those covering none): its
 * box, and in *right whether it hangs from its left edge. */
static rect_t callout_pick(const map_t *k, const gj_proj_t *p, rect_t c, int i, const rect_t *placed, int nplaced,
                           bool *right)
{
    rect_t bb = callout_rect(k, p, c, i, 0, right);
    double least = INFINITY;
    for (int j = 0; j < 4 && least > 0; j++) {
        bool rt;
        rect_t o = callout_rect(k, p, c, i, j, &rt);
        double cover = 0;
        for (int m = 0; m < nplaced; m++) {
            double ow = fmin(o.x + o.w, placed[m].x + placed[m].w) - fmax(o.x, placed[m].x);
            double oh = fmin(o.y + o.h, placed[m].y + placed[m].h) - fmax(o.y, placed[m].y);
            if (ow > 0 && oh > 0)
                cover += ow * oh;
        }
        if (cover < least) {
            least = cover;
            bb = o;
            *right = rt;
        }
    }
    return bb;
}

/* Where a callout is drawn: its box (the text's width inside the picked
 * place), which side it hangs from and the label point its leader starts
 * at. */
typedef struct {
    double x, y, w, h;
    bool   right;
    gj_pt_t q;
} callout_at_t;

static callout_at_t callout_place(const map_t *k, draw_t *d, const gj_proj_t *p, rect_t c, int i,
                                  const rect_t *placed, int nplaced)
{
    const gj_region_t *r = &k->map->regions[i];
    char vb[160];
    value_text(k, i, vb, sizeof vb);
    bool right;
    rect_t bb = callout_pick(k, p, c, i, placed, nplaced, &right);
    double ns = k->label_size, vs = k->label_size * 1.4, pad = 12;
    double tw = fmax(draw_text_width(d, FONT_BOLD, ns, r->name), draw_number_width(d, FONT_NUMBER, vs, vb));
    double bw = fmin(bb.w, tw + 2 * pad);
    return (callout_at_t){ right ? bb.x : bb.x + bb.w - bw, bb.y, bw, bb.h, right, gj_project(p, r->label) };
}

/* The callout box at a: a leader from its label point and the framed box
 * at alpha frame, and the names and values of region i at alpha and of
 * region j (-1: none) at alpha_j (a callout moving from j to i cross-fades
 * them in its box). */
static void draw_callout_at(const map_t *k, draw_t *d, const callout_at_t *a, double frame, int i, double alpha,
                            int j, double alpha_j)
{
    cairo_t *cr = d->cr;
    double x = a->x, y = a->y, bw = a->w, bh = a->h, ns = k->label_size, vs = k->label_size * 1.4, pad = 12;
    bool right = a->right;
    gj_pt_t q = a->q;
    bs_color_t acc = draw_theme(d, THEME_ACCENT), text = draw_theme(d, THEME_TEXT);
    double ax = right ? x : x + bw, ay = q.y < y ? y : y + bh;       /* the corner nearest the region */
    q.y += y + bh / 2 < q.y ? -k->label_size * 1.3 : k->label_size * 1.5;    /* clear of its name and value */
    double kx = ax + (right ? -16 : 16);                 /* a leader with a knee, dark-rimmed */
    for (int pass = 0; pass < 2; pass++) {
        cairo_move_to(cr, q.x, q.y);
        cairo_line_to(cr, kx, ay);
        cairo_line_to(cr, ax, ay);
        if (pass == 0)
            cairo_set_source_rgba(cr, 0.01, 0.05, 0.16, 0.7 * frame);
        else
            cairo_set_source_rgba(cr, 0.8, 1, 1, 0.95 * frame);
        cairo_set_line_width(cr, pass == 0 ? 3.4 : 1.4);
        cairo_stroke(cr);
    }
    cairo_arc(cr, q.x, q.y, 4, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 0.01, 0.05, 0.16, 0.7 * frame);
    cairo_fill(cr);
    cairo_arc(cr, q.x, q.y, 2.8, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, frame);
    cairo_fill(cr);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, y, 0, y + bh);
    cairo_pattern_add_color_stop_rgba(g, 0, 0.03, 0.16, 0.36, 0.92 * frame);
    cairo_pattern_add_color_stop_rgba(g, 1, 0.01, 0.07, 0.2, 0.92 * frame);
    draw_round_rect(cr, x, y, bw, bh, 4);
    cairo_set_source(cr, g);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(g);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.9 * frame);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_move_to(cr, x + 4, y + 1.5);                  /* a bright cap along the top */
    cairo_line_to(cr, x + bw - 4, y + 1.5);
    cairo_set_source_rgba(cr, 0.8, 1, 1, 0.9 * frame);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
    for (int t = 0; t < 2; t++) {
        int ri = t ? i : j;
        double al = t ? alpha : alpha_j;
        if (ri < 0 || !(al > 0))
            continue;
        char vb[160];
        value_text(k, ri, vb, sizeof vb);
        bs_color_t tc = text, vc = { 1.0f, 0.86f, 0.36f, (float)al, -1 };
        tc.a *= (float)al;
        draw_text(d, FONT_BOLD, ns, x + pad, y + pad * 0.7 + ns * 0.65, k->map->regions[ri].name, tc, AL_LEFT);
        draw_number(d, FONT_NUMBER, vs, x + pad, y + pad * 0.7 + ns * 1.3 + vs * 0.62, vb, vc, AL_LEFT);
    }
}

/* The callout of region i, in the layer: its name and value in a framed
 * box beside its label, where it covers the least of the labels. */
static void draw_callout(const map_t *k, draw_t *d, const gj_proj_t *p, rect_t c, int i, double alpha,
                         const rect_t *placed, int nplaced)
{
    callout_at_t a = callout_place(k, d, p, c, i, placed, nplaced);
    draw_callout_at(k, d, &a, alpha, i, alpha, -1, 0);
}

/* Region i lit (draw_tour_region at full strength) at alpha: from a
 * picture made once per step and kept in the cache (two of them: the
 * region left and the one lit), painted with the ease's alpha, so an ease
 * strokes no glow per frame. Without a picture (no memory) it is drawn. */
static void paint_tour_region(const map_t *k, draw_t *d, const gj_proj_t *p, int i, double alpha)
{
    map_cache_t *mc = k->cache;
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    int slot = -1;
    for (int j = 0; j < 2 && slot < 0; j++)
        if (mc->lit[j] && mc->lit_region[j] == i && memcmp(&mc->lit_m[j], &m, sizeof m) == 0)
            slot = j;
    if (slot < 0) {
        int other = i == k->tour_from ? k->tour_region : k->tour_from;   /* the ease's other region keeps its slot */
        slot = mc->lit[0] && mc->lit_region[0] == other ? 1 : 0;
        if (mc->lit[slot])
            cairo_surface_destroy(mc->lit[slot]);
        mc->lit[slot] = NULL;
        const gj_region_t *r = &k->map->regions[i];
        gj_pt_t lo = gj_project(p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(p, (gj_pt_t){ r->maxx, r->miny });
        int big[4] = { -(1 << 20), -(1 << 20), 1 << 20, 1 << 20 }, bx, by, bw, bh;
        device_box(&m, fmin(lo.x, hi.x) - TOUR_GLOW, fmin(lo.y, hi.y) - TOUR_GLOW, fmax(lo.x, hi.x) + TOUR_GLOW,
                   fmax(lo.y, hi.y) + TOUR_GLOW, big, &bx, &by, &bw, &bh);
        if (bw > 0 && bh > 0 && (size_t)bw * (size_t)bh <= (8u << 20) / 4) {
            cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, bw, bh);
            if (cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS) {
                draw_t dd = *d;
                dd.cr = cache_cr(sf, &m, bx, by);
                cairo_set_fill_rule(dd.cr, CAIRO_FILL_RULE_EVEN_ODD);
                cairo_set_line_join(dd.cr, CAIRO_LINE_JOIN_ROUND);
                draw_tour_region(k, &dd, p, i, 1, true);
                cairo_destroy(dd.cr);
                cairo_surface_flush(sf);
                mc->lit[slot] = sf;
                mc->lit_region[slot] = i;
                mc->lit_m[slot] = m;
                mc->lit_x[slot] = bx;
                mc->lit_y[slot] = by;
            } else {
                cairo_surface_destroy(sf);
            }
        }
        if (!mc->lit[slot]) {
            draw_tour_region(k, d, p, i, alpha, true);
            return;
        }
    }
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_set_source_surface(cr, mc->lit[slot], mc->lit_x[slot], mc->lit_y[slot]);
    cairo_paint_with_alpha(cr, alpha);
    cairo_restore(cr);
}

/* The tour between two regions (the marks, while it eases): at ease e the
 * region left (from) fades, the region lit (to) comes up, and the callout
 * glides from the one's place to the other's, the old name and value
 * fading out over the first half, the new ones in over the second. */
static void draw_tour_move(const map_t *k, draw_t *d, const gj_proj_t *p, rect_t c, int from, int to, double e)
{
    const map_cache_t *mc = k->cache;
    paint_tour_region(k, d, p, from, 1 - e);
    paint_tour_region(k, d, p, to, e);
    callout_at_t a = callout_place(k, d, p, c, from, mc->placed, mc->nplaced);
    callout_at_t b = callout_place(k, d, p, c, to, mc->placed, mc->nplaced);
    callout_at_t m = { a.x + (b.x - a.x) * e, a.y + (b.y - a.y) * e, a.w + (b.w - a.w) * e, a.h + (b.h - a.h) * e,
                       e < 0.5 ? a.right : b.right, { a.q.x + (b.q.x - a.q.x) * e, a.q.y + (b.q.y - a.q.y) * e } };
    draw_callout_at(k, d, &m, 1, to, fmax(0, 2 * e - 1), from, fmax(0, 1 - 2 * e));   /* the one out, then the other in */
}

/* Where draw_tour_move draws at ease e: both regions with their glow, and
 * the gliding callout with its leader, wherever among its places it is
 * (the box between the two regions' boxes of every place, so the damage
 * holds whatever the labels are). */
static void tour_move_rects(const map_t *k, const gj_proj_t *p, rect_t c, int from, int to, double e, rect_t out[3])
{
    rect_t bb[2];
    gj_pt_t q[2];
    for (int t = 0; t < 2; t++) {
        int i = t ? to : from;
        const gj_region_t *r = &k->map->regions[i];
        gj_pt_t lo = gj_project(p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(p, (gj_pt_t){ r->maxx, r->miny });
        double x0 = fmin(lo.x, hi.x) - TOUR_GLOW, y0 = fmin(lo.y, hi.y) - TOUR_GLOW;
        out[t] = (rect_t){ x0, y0, fabs(hi.x - lo.x) + 2 * TOUR_GLOW, fabs(hi.y - lo.y) + 2 * TOUR_GLOW };
        bool right;
        bb[t] = callout_rect(k, p, c, i, 0, &right);
        for (int j = 1; j < 4; j++) {
            rect_t o = callout_rect(k, p, c, i, j, &right);
            double ux = fmin(bb[t].x, o.x), uy = fmin(bb[t].y, o.y);
            bb[t] = (rect_t){ ux, uy, fmax(bb[t].x + bb[t].w, o.x + o.w) - ux, fmax(bb[t].y + bb[t].h, o.y + o.h) - uy };
        }
        q[t] = gj_project(p, r->label);
    }
    double x0 = bb[0].x + (bb[1].x - bb[0].x) * e, y0 = bb[0].y + (bb[1].y - bb[0].y) * e;
    double x1 = bb[0].x + bb[0].w + (bb[1].x + bb[1].w - bb[0].x - bb[0].w) * e;
    double y1 = bb[0].y + bb[0].h + (bb[1].y + bb[1].h - bb[0].y - bb[0].h) * e;
    double qx = q[0].x + (q[1].x - q[0].x) * e, qy = q[0].y + (q[1].y - q[0].y) * e;
    double lead = k->label_size * 1.5 + 8;               /* the leader's end, off the label */
    x0 = fmin(x0 - 20, qx - 8);
    x1 = fmax(x1 + 20, qx + 8);
    y0 = fmin(y0 - 4, qy - lead);
    y1 = fmax(y1 + 4, qy + lead);
    out[2] = (rect_t){ x0, y0, x1 - x0, y1 - y0 };
}

/* The tour's ease from region *from to *to at now: true while it moves. */
static bool tour_moving(const map_t *k, double now, int *from, int *to, double *e)
{
    *from = k->tour_from;
    *to = k->tour_region;
    if (*from < 0 || *to < 0 || *from == *to || !wdg_tour_easing(&k->tour, now))
        return false;
    *e = wdg_tour_mix(&k->tour, now);
    return *e < 1;
}

/* x's place in [0, 1): the phase of a repeating animation. */
static double phase(double x)
{
    double f = x - floor(x);
    return f >= 0 && f < 1 ? f : 0;
}

/* ---- points ------------------------------------------------------------- */

#define POINT_LABEL_SIZE 12.0

/* Radius of the marker of a point of value v (design units): a square-root
 * scale, so area follows value, from a third of point_size (no value, zero
 * or less) to point_size at the largest value; bounded whatever v is. */
static double point_r(const map_t *k, double v)
{
    double lo = k->point_size / 3, f = 0;
    if (isfinite(v) && v > 0 && k->pt_vmax > 0)
        f = sqrt(fmin(1, v / k->pt_vmax));
    return lo + (k->point_size - lo) * f;
}

/* Largest radius a ripple round a marker of radius r reaches. */
static double ripple_reach(double r)
{
    return r * 2.6 + 10;
}

/* Steps a second of the ripples round a marker of radius r: half a unit a
 * step of their spread, 10 .. 30. */
static double ripple_rate(double r)
{
    return fmin(30, fmax(10, 2 * (ripple_reach(r) - r) / RIPPLE_PERIOD));
}

/* A width no rendering of name at POINT_LABEL_SIZE exceeds (bytes: an ASCII
 * letter is under 0.62 em, a CJK character of three bytes under 1.86), so
 * damage can be known without measuring text. */
static double label_w_bound(const char *name)
{
    return (double)strlen(name) * POINT_LABEL_SIZE * 0.62 + POINT_LABEL_SIZE;
}

/* Whether point i carries its name: one of the point_labels of highest
 * value (the points are kept largest first). */
static bool point_labelled(const map_t *k, int i)
{
    return i < k->point_labels && k->pts[i].name[0];
}

/* The box (design units) point i's static marker and its label cover. */
static rect_t point_box(const map_t *k, const gj_proj_t *p, int i)
{
    const map_pt_t *pt = &k->pts[i];
    gj_pt_t q = gj_project(p, (gj_pt_t){ pt->lon, pt->lat });
    double r = point_r(k, pt->v), g = r * 1.9 + 3;
    double x0 = q.x - g, y0 = q.y - g, x1 = q.x + g, y1 = q.y + g;
    if (point_labelled(k, i)) {               /* every place the label may take */
        double lw = label_w_bound(pt->name), s = POINT_LABEL_SIZE;
        x0 = fmin(x0, q.x - r - 6 - lw);
        x1 = fmax(x1, q.x + r + 6 + lw);
        y0 = fmin(y0, q.y - r - 4 - s * 1.6);
        y1 = fmax(y1, q.y + r + 4 + s * 1.6);
    }
    return (rect_t){ x0, y0, x1 - x0, y1 - y0 };
}

/* qsort: points by value, largest first, no value last; ties keep the
 * message's order. */
static int pt_by_value(const void *a, const void *b)
{
    const map_pt_t *x = a, *y = b;
    bool nx = !isfinite(x->v), ny = !isfinite(y->v);
    if (nx != ny)
        return nx ? 1 : -1;
    if (!nx && x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return x->seq - y->seq;
}

/* Checks a point's position against the map: finite, a longitude and
 * latitude when the map is geographic (moved by +360 when the map was
 * unwrapped across the antimeridian), and within the map's extent (a
 * twentieth of it to spare). 0 ok, 1 bad position, 2 off the map. */
static int point_place(const gj_map_t *m, double *lon, double *lat)
{
    if (!isfinite(*lon) || !isfinite(*lat))
        return 1;
    bool geo = m->minx >= -540 && m->maxx <= 540 && m->miny >= -90 && m->maxy <= 90;
    if (geo) {
        if (fabs(*lon) > 180 || fabs(*lat) > 90)
            return 1;
        if (m->maxx > 180 && *lon < 0)
            *lon += 360;
    } else if (fabs(*lon) > 1e9 || fabs(*lat) > 1e9) {
        return 1;
    }
    double mx = (m->maxx - m->minx) * 0.05, my = (m->maxy - m->miny) * 0.05;
    if (*lon < m->minx - mx || *lon > m->maxx + mx || *lat < m->miny - my || *lat > m->maxy + my)
        return 2;
    return 0;
}

/* Copies at most MAP_POINT_NAME - 1 bytes of s, cut at a character
 * boundary (s is valid UTF-8: the store checks every string). */
static void copy_name(char *dst, const char *s)
{
    size_t n = strlen(s);
    if (n >= MAP_POINT_NAME) {
        n = MAP_POINT_NAME - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* The "points" topic changed: keeps at most MAP_MAX_POINTS valid points,
 * largest first, counts what was dropped, and invalidates where markers
 * changed (their boxes, old and new), or the whole map when many did or
 * the scale moved. */
static void points_data(map_t *k, wdg_t *w, const bs_value_t *v)
{
    map_pt_t *next = calloc(MAP_MAX_POINTS, sizeof *next);   /* zeroed: compared whole below */
    if (!next)
        return;
    int n = 0;
    long bad = 0, off = 0, over = 0;
    if (v && v->type == BS_ARR) {
        for (uint32_t i = 0; i < v->n; i++) {
            const bs_value_t *it = v->u.c.items[i];
            if (n >= MAP_MAX_POINTS) {
                over++;
                continue;
            }
            if (!it || it->type != BS_OBJ) {
                bad++;
                continue;
            }
            map_pt_t *pt = &next[n];
            pt->lon = wdg_number(bs_value_get(it, "lon"));
            pt->lat = wdg_number(bs_value_get(it, "lat"));
            int place = point_place(k->map, &pt->lon, &pt->lat);
            if (place) {
                bad += place == 1;
                off += place == 2;
                continue;
            }
            const bs_value_t *nm = bs_value_get(it, "name");
            pt->name[0] = '\0';
            if (nm && nm->type == BS_STR)
                copy_name(pt->name, nm->u.str);
            pt->v = wdg_geom(wdg_number(bs_value_get(it, "value")));
            pt->seq = n++;
        }
    } else if (v) {
        bad = 1;                                /* not an array of points */
    }
    qsort(next, (size_t)n, sizeof *next, pt_by_value);
    double vmax = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(next[i].v) && next[i].v > vmax)
            vmax = next[i].v;
    bool counts = bad != k->pt_bad || off != k->pt_off || over != k->pt_over;
    k->pt_bad = bad;
    k->pt_off = off;
    k->pt_over = over;
    if (n == k->npts && vmax == k->pt_vmax && !counts) {
        rect_t c;
        double depth;
        gj_proj_t p = map_geometry(k, w, &c, &depth);
        int differ = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(next[i].name, k->pts[i].name) != 0 || next[i].lon != k->pts[i].lon ||
                next[i].lat != k->pts[i].lat || !(next[i].v == k->pts[i].v || (isnan(next[i].v) && isnan(k->pts[i].v))))
                differ++;
        if (differ == 0) {
            free(next);
            return;
        }
        if (differ <= 16) {
            for (int i = 0; i < n; i++) {
                if (memcmp(&next[i], &k->pts[i], sizeof next[i]) == 0)
                    continue;
                wdg_invalidate_area(w, point_box(k, &p, i));          /* where it was ... */
                k->pts[i] = next[i];
                wdg_invalidate_area(w, point_box(k, &p, i));          /* ... and where it is */
            }
            memcpy(k->pts, next, (size_t)n * sizeof *next);
            free(next);
            return;
        }
    }
    memcpy(k->pts, next, (size_t)n * sizeof *next);
    k->npts = n;
    k->pt_vmax = vmax;
    free(next);
    wdg_invalidate(w);
}

/* Phase of point i's ripple in [0, 1): from its name, so a marker keeps its
 * rhythm when others come and go. */
static double ripple_phase(const map_pt_t *pt)
{
    uint32_t h = 2166136261u;
    for (const char *c = pt->name; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    return (h % 1000) / 1000.0;
}

static bool overlaps(rect_t a, rect_t b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* The static markers and the top points' names, in the cached layer. A
 * name goes right of its marker, else left, above or below, the first
 * place inside c that covers no label already placed (placed[0..*nplaced),
 * the regions' first); the names are added there. */
static void draw_points(const map_t *k, draw_t *d, const gj_proj_t *p, rect_t c, double alpha,
                        rect_t *placed, int *nplaced, int max_placed)
{
    cairo_t *cr = d->cr;
    bs_color_t pc = draw_color(d, k->point_color), text = draw_theme(d, THEME_TEXT);
    double cx0, cy0, cx1, cy1;
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    for (int i = k->npts - 1; i >= 0; i--) {           /* the largest last: on top */
        const map_pt_t *pt = &k->pts[i];
        gj_pt_t q = gj_project(p, (gj_pt_t){ pt->lon, pt->lat });
        double r = point_r(k, pt->v), g = r * 1.9;
        if (q.x + g < cx0 || q.x - g > cx1 || q.y + g < cy0 || q.y - g > cy1 || in_inset(k, c, q))
            continue;
        cairo_pattern_t *gr = cairo_pattern_create_radial(q.x, q.y, 0, q.x, q.y, g);
        cairo_pattern_add_color_stop_rgba(gr, 0, pc.r, pc.g, pc.b, 0.6 * alpha);
        cairo_pattern_add_color_stop_rgba(gr, 0.55, pc.r, pc.g, pc.b, 0.25 * alpha);
        cairo_pattern_add_color_stop_rgba(gr, 1, pc.r, pc.g, pc.b, 0);
        cairo_arc(cr, q.x, q.y, g, 0, 2 * M_PI);
        cairo_set_source(cr, gr);
        cairo_fill(cr);
        cairo_pattern_destroy(gr);
        cairo_arc(cr, q.x, q.y, r, 0, 2 * M_PI);         /* a dark rim: readable on any fill */
        cairo_set_source_rgba(cr, 0.01, 0.05, 0.16, 0.7 * alpha);
        cairo_set_line_width(cr, 3);
        cairo_stroke(cr);
        cairo_arc(cr, q.x, q.y, r, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, pc.r, pc.g, pc.b, 0.95 * alpha);
        cairo_set_line_width(cr, 1.5);
        cairo_stroke(cr);
        cairo_arc(cr, q.x, q.y, r * 0.55, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, fmin(1, pc.r * 0.4 + 0.6), fmin(1, pc.g * 0.4 + 0.6), fmin(1, pc.b * 0.4 + 0.6),
                              alpha);
        cairo_fill(cr);
    }
    for (int i = 0; i < k->npts && i < k->point_labels; i++) {
        if (!point_labelled(k, i))
            continue;
        const map_pt_t *pt = &k->pts[i];
        gj_pt_t q = gj_project(p, (gj_pt_t){ pt->lon, pt->lat });
        if (in_inset(k, c, q))
            continue;
        double r = point_r(k, pt->v), s = POINT_LABEL_SIZE;
        double tw = fmin(draw_text_width(d, FONT_TEXT, s, pt->name), label_w_bound(pt->name) - s * 0.8);
        double bw = tw + s * 0.8, bh = s * 1.5;
        rect_t cand[4] = {
            { q.x + r + 6, q.y - bh / 2, bw, bh }, { q.x - r - 6 - bw, q.y - bh / 2, bw, bh },
            { q.x - bw / 2, q.y - r - 4 - bh, bw, bh }, { q.x - bw / 2, q.y + r + 4, bw, bh },
        };
        int pick = 0;
        for (int j = 0; j < 4; j++) {
            rect_t b = cand[j];
            bool ok = b.x >= c.x && b.y >= c.y && b.x + b.w <= c.x + c.w && b.y + b.h <= c.y + c.h;
            for (int o = 0; o < *nplaced && ok; o++)
                ok = !overlaps(b, placed[o]);
            if (ok) {
                pick = j;
                break;
            }
        }
        rect_t b = cand[pick];
        if (*nplaced < max_placed)
            placed[(*nplaced)++] = b;
        draw_round_rect(cr, b.x, b.y, b.w, b.h, s * 0.35);
        cairo_set_source_rgba(cr, 0.01, 0.06, 0.18, 0.78 * alpha);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, pc.r, pc.g, pc.b, 0.6 * alpha);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        bs_color_t tc = text;
        tc.a *= (float)alpha;
        draw_text(d, FONT_TEXT, s, b.x + s * 0.4, b.y + bh / 2, pt->name, tc, AL_LEFT);
    }
}

static double point_ring(const map_pt_t *pt, double r, int j, double now, double *width, double *alpha)
{
    double f = phase(now / RIPPLE_PERIOD + ripple_phase(pt) + j * 0.5);
    *width = 1.6 * (1 - f) + 0.6;
    *alpha = 0.85 * (1 - f);
    return r + (ripple_reach(r) - r) * f;
}

/* The ripples round the points of highest value: two rings spreading and
 * fading (one-pass rings), a function of the time. */
static void draw_ripples(const map_t *k, draw_t *d, draw_px_t *px, const gj_proj_t *p, rect_t c)
{
    bs_color_t pc = draw_color(d, k->point_color);
    for (int i = 0; i < k->npts && i < k->ripples; i++) {
        const map_pt_t *pt = &k->pts[i];
        gj_pt_t q = gj_project(p, (gj_pt_t){ pt->lon, pt->lat });
        if (in_inset(k, c, q))
            continue;
        double r = point_r(k, pt->v), w, al;
        for (int j = 0; j < 2; j++) {
            double R = point_ring(pt, r, j, wdg_step_t(d->now, ripple_rate(r)), &w, &al);
            draw_ring_px(px, d, q.x, q.y, R, w, pc, al);
        }
    }
}

static void map_tick(wdg_t *w, double now, int64_t wall_ms)
{
    map_t *k = (map_t *)w;
    (void)wall_ms;
    /* flylines move all the time; pulses until they end (one more frame to
     * draw the end state) */
    if (k->nfly > 0 || now <= k->pulse_until + 0.1 || (k->npts > 0 && k->ripples > 0))
        wdg_invalidate_overlay(w);
    /* the tour steps on its grid; the highlight and the callout ease from
     * region to region as marks (the overlay), then the region lit goes
     * into the layer, where it costs nothing until the next step: only the
     * region left and the one lit are redrawn there, with their callouts */
    if (k->map && (k->tour.period > 0 || k->tour_region >= 0)) {
        if (wdg_tour_tick(&k->tour, k->ntour, now))
            wdg_invalidate_overlay(w);                  /* a step, the ease, its end */
        int r = k->tour.cur >= 0 && k->tour.cur < k->ntour ? k->tour_items[k->tour.cur] : -1;
        int from = k->tour.prev >= 0 && k->tour.prev < k->ntour ? k->tour_items[k->tour.prev] : -1;
        k->tour_region = r;
        k->tour_from = from;
        int f, t;
        double e;
        int lit = tour_moving(k, now, &f, &t, &e) ? -1 : r;
        if (lit != k->tour_lit) {
            rect_t c;
            double depth;
            gj_proj_t p = map_geometry(k, w, &c, &depth);
            if (k->tour_lit >= 0)
                wdg_invalidate_area(w, tour_area(k, &p, c, k->tour_lit));
            k->tour_lit = lit;
            if (lit >= 0)
                wdg_invalidate_area(w, tour_area(k, &p, c, lit));
        }
    }      /* the map itself stays cached */
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

#define SHADE_STEPS 1024

static bs_color_t value_color(const map_t *k, draw_t *d, double v)
{
    bs_color_t lo = draw_color(d, k->low), hi = draw_color(d, k->high);
    if (!isfinite(v))
        return draw_color(d, k->empty);
    if (k->fmt.thresholds.n > 0)
        return draw_color(d, fmt_color(&k->fmt, v, k->high));
    return mix(lo, hi, (double)shade_key(k, v) / SHADE_STEPS);
}

/* The key of the fill of a region of value v: -1 without a value; with
 * thresholds, which colour; else its place on the scale in 1/SHADE_STEPS
 * steps (a step moves a channel by under 1/255: the fill is drawn at that
 * step, so a move within one changes no pixel and redraws nothing). */
static int64_t shade_key(const map_t *k, double v)
{
    if (!isfinite(v))
        return -1;
    if (k->fmt.thresholds.n > 0) {
        bs_color_t c = fmt_color(&k->fmt, v, k->high);
        uint64_t h = 1469598103934665603u;
        const unsigned char *b = (const unsigned char *)&c;
        for (size_t j = 0; j < sizeof c; j++)
            h = (h ^ b[j]) * 1099511628211u;
        return (int64_t)(h >> 2) + SHADE_STEPS + 1;
    }
    double a, b;
    range(k, &a, &b);
    double t = b > a ? wdg_frac(v, a, b) : 1;      /* finite even for -1.7e308..1.7e308 */
    return lround(t * SHADE_STEPS);
}

/* A hash of the text of region i's value (0: none). */
static uint64_t text_key(const map_t *k, int i)
{
    if (!isfinite(k->val[i]))
        return 0;
    char buf[160];
    value_text(k, i, buf, sizeof buf);
    uint64_t h = 1469598103934665603u;
    for (const char *q = buf; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211u;
    return h | 1;
}

static gj_pt_t bezier(gj_pt_t a, gj_pt_t c, gj_pt_t b, double t)
{
    double u = 1 - t;
    return (gj_pt_t){ u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

/* A glowing dot of radius r (its glow reaches 3 r): white at the centre,
 * colour c around it, fading out. As a sprite: v = { r, c.r, c.g, c.b,
 * alpha }, drawn once per look and quarter-pixel phase, then stamped. */
static void glow_dot_paint(cairo_t *cr, const void *arg)
{
    const double *v = arg;
    double r = v[0], a = v[4];
    cairo_pattern_t *g = cairo_pattern_create_radial(0, 0, 0, 0, 0, r * 3);
    cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, a);
    cairo_pattern_add_color_stop_rgba(g, 0.3, v[1], v[2], v[3], a * 0.9);
    cairo_pattern_add_color_stop_rgba(g, 1, v[1], v[2], v[3], 0);
    cairo_arc(cr, 0, 0, r * 3, 0, 2 * M_PI);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

static void glow_dot(draw_t *d, draw_px_t *px, double x, double y, double r, bs_color_t c, double alpha)
{
    double v[5] = { r, c.r, c.g, c.b, alpha };
    draw_sprite_px(px, d, x, y, r * 3, glow_dot_paint, v, sizeof v);
}

/* The moving marks' shapes, one definition for the overlay that draws them
 * and for the rectangles that damage them (design units). */
#define COMET_N 8                 /* segments of a comet's tail              */
#define COMET_PIECES 4            /* boxes of its tail in the damage          */
#define HUB_RATE   24.0           /* steps a second of the hub's rings (11 units/s) */
#define LAND_RATE  20.0           /* of a landing ring (7.5 units/s)         */
#define PULSE_RATE 30.0           /* of a pulse's rings (25 units/s)         */
#define FLASH_RATE 20.0           /* of a region's flash (16 steps in 0.8 s) */
#define COMET_TAIL 0.32           /* of the arc behind the head              */
#define COMET_HEAD 2.6            /* head radius; its glow reaches 3 ×       */
#define HUB_DOT 4.0               /* the centre's dot; its glow reaches 3 ×  */

/* Where comet i's head is along its arc at now, in [0, 1). */
static double comet_u(const map_t *k, int i, double now)
{
    return phase(now / k->fly_period + i * 0.137);
}

/* Landing ripple of flyline i at now: radius, width, alpha. */
static double landing_ring(int i, double now, double *width, double *alpha)
{
    double f = phase(now / 1.6 + i * 0.21);
    *width = 1.4;
    *alpha = 0.8 * (1 - f);
    return 3 + 12 * f;
}

/* Ring j (0, 1) of the centre's two expanding rings at now. */
static double hub_ring(int j, double now, double *width, double *alpha)
{
    double f = phase(now / 2.0 + j * 0.5);
    *width = 1.8;
    *alpha = 0.9 * (1 - f);
    return 5 + 22 * f;
}

/* Ring j (0, 1) of a region's pulse, age seconds after its change. */
static double pulse_ring(const map_t *k, int j, double age, double *width, double *alpha)
{
    double g = phase(age / 1.2 + j * 0.5), fade = 1 - pow(age / k->pulse, 2);
    *width = 2;
    *alpha = 0.9 * (1 - g) * fade;
    return 6 + 30 * g;
}

/* Ring j (0, 1) of the ripple round point pt (marker radius r) at now. */
static double point_ring(const map_pt_t *pt, double r, int j, double now, double *width, double *alpha);

/* The arc of flyline i: from the centre a to region b, bowing upwards
 * (control point c). false when the two are too close to draw. */
static bool fly_arc(const map_t *k, const gj_proj_t *p, int i, gj_pt_t *a, gj_pt_t *b, gj_pt_t *c)
{
    return fly_arc_to(k, p, k->fly[i], a, b, c);
}

/* The arc from the centre to region t (as fly_arc). */
static bool fly_arc_to(const map_t *k, const gj_proj_t *p, int t, gj_pt_t *a, gj_pt_t *b, gj_pt_t *c)
{
    const gj_map_t *m = k->map;
    if (k->center_idx < 0 || t < 0 || t >= m->nregions)
        return false;
    *a = gj_project(p, m->regions[k->center_idx].label);
    *b = gj_project(p, m->regions[t].label);
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
static void arc_path(cairo_t *cr, gj_pt_t a, gj_pt_t b, gj_pt_t c)
{
    cairo_move_to(cr, a.x, a.y);
    cairo_curve_to(cr, a.x + (c.x - a.x) * 2 / 3, a.y + (c.y - a.y) * 2 / 3, b.x + (c.x - b.x) * 2 / 3,
                   b.y + (c.y - b.y) * 2 / 3, b.x, b.y);
}

static void fly_arcs_path(const map_t *k, cairo_t *cr, const gj_proj_t *p)
{
    for (int i = 0; i < k->nfly; i++) {
        gj_pt_t a, b, c;
        if (fly_arc(k, p, i, &a, &b, &c))
            arc_path(cr, a, b, c);
    }
}

/* The flylines' arcs, thin and faint: from the cache (each target's arc
 * stroked once, laid as its coverage's runs) when it fits and px is
 * usable, else stroked here. */
static void draw_fly_arcs(const map_t *k, draw_t *d, draw_px_t *px, const gj_proj_t *p)
{
    cairo_t *cr = d->cr;
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    map_cache_t *mc = k->cache;
    cairo_matrix_t mat;
    cairo_get_matrix(cr, &mat);
    int dx, dy;
    if (px->ok && cache_fits(mc, &mat, &dx, &dy) && mc->lines &&
        (mc->arc || (mc->arc = calloc((size_t)mc->n, sizeof *mc->arc)))) {
        int lw = cairo_image_surface_get_width(mc->lines), lh = cairo_image_surface_get_height(mc->lines);
        uint32_t col = draw_px_color(accent, 0.45);
        bool all = true;
        for (int i = 0; i < k->nfly && all; i++) {
            int t = k->fly[i];
            gj_pt_t a, b, c;
            if (t < 0 || t >= mc->n || !fly_arc(k, p, i, &a, &b, &c))
                continue;
            draw_spans_t *sp = &mc->arc[t];
            if (!sp->ok) {                       /* its first time: stroked alone, its runs kept */
                cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_A8, lw, lh);
                if (cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS) {
                    cairo_t *ac = cache_cr(sf, &mc->m, mc->lx, mc->ly);
                    rect_t cr_;
                    double depth;
                    map_geometry(k, &k->base, &cr_, &depth);
                    cairo_rectangle(ac, cr_.x, cr_.y, cr_.w, cr_.h);
                    cairo_clip(ac);
                    arc_path(ac, a, b, c);
                    cairo_set_source_rgba(ac, 1, 1, 1, 1);
                    cairo_set_line_width(ac, 1.5);
                    cairo_stroke(ac);
                    cairo_destroy(ac);
                    draw_spans_from_a8(sp, sf, mc->lx, mc->ly);
                }
                cairo_surface_destroy(sf);
            }
            all = sp->ok;
        }
        if (all) {
            for (int i = 0; i < k->nfly; i++) {
                int t = k->fly[i];
                if (t < 0 || t >= mc->n || !mc->arc[t].ok)
                    continue;
                draw_spans_t at = mc->arc[t];    /* where this layer has the map */
                at.x += dx;
                at.y += dy;
                draw_spans_px(px, &at, col);
            }
            return;
        }
    }
    fly_arcs_path(k, cr, p);
    cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.45);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);
}

/* The comets running along the flylines (a tapering tail behind a bright
 * head: one trail and one sprite each), the ripples where they land and the
 * centre's rings (one-pass rings), all functions of d->now. The arcs are in
 * the cached layer (draw_fly_arcs). */
static void draw_flylines(const map_t *k, draw_t *d, draw_px_t *px, const gj_proj_t *p)
{
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    gj_pt_t a = gj_project(p, k->map->regions[k->center_idx].label);
    double w, al;
    for (int i = 0; i < k->nfly; i++) {
        gj_pt_t b, c;
        if (!fly_arc(k, p, i, &a, &b, &c))
            continue;
        double u = comet_u(k, i, d->now);
        draw_seg_t seg[COMET_N];
        int n = 0;
        for (int j = 0; j < COMET_N; j++) {
            double t0 = u - COMET_TAIL * (COMET_N - j) / COMET_N, t1 = u - COMET_TAIL * (COMET_N - j - 1) / COMET_N;
            if (t1 <= 0)
                continue;
            t0 = fmax(t0, 0);
            gj_pt_t q0 = bezier(a, c, b, t0), q1 = bezier(a, c, b, t1);
            double f = (double)(j + 1) / COMET_N;
            seg[n++] = (draw_seg_t){ q0.x, q0.y, q1.x, q1.y, 0.6 + 2.4 * f,
                                     { gold.r + (1 - gold.r) * (float)(f * 0.5), gold.g + (1 - gold.g) * (float)(f * 0.5),
                                       gold.b + (1 - gold.b) * (float)(f * 0.5), (float)(f * 0.95), -1 } };
        }
        draw_trail_px(px, d, seg, n);
        gj_pt_t h = bezier(a, c, b, u);
        glow_dot(d, px, h.x, h.y, COMET_HEAD, gold, 1.0);
        double r = landing_ring(i, wdg_step_t(d->now, LAND_RATE), &w, &al);
        draw_ring_px(px, d, b.x, b.y, r, w, gold, al);
    }
    for (int j = 0; j < 2; j++) {
        double r = hub_ring(j, wdg_step_t(d->now, HUB_RATE), &w, &al);
        draw_ring_px(px, d, a.x, a.y, r, w, gold, al);
    }
    glow_dot(d, px, a.x, a.y, HUB_DOT, gold, 1.0);
}

/* The legend's place in content rect c (above an inset in the lower left),
 * as map_draw gives it to draw_legend. */
static rect_t legend_rect(const map_t *k, rect_t c)
{
    rect_t ib = inset_box(k, c);
    if (ib.w > 0 && k->inset_corner == INSET_BL)
        c.h = ib.y - c.y - 4;
    return c;
}

/* What draw_legend draws in content rect c with the scale lo .. hi: the
 * bar, its 高 and 低, and the two numbers (their width bounded from their
 * text's length), design units. */
static rect_t legend_area(const map_t *k, rect_t c, double lo, double hi)
{
    c = legend_rect(k, c);
    double bw = 12, bh = fmin(130, c.h * 0.3), x = c.x + 14, y1 = c.y + c.h - 30, y0 = y1 - bh;
    size_t len = 0;
    double v[2] = { lo, hi };
    for (int i = 0; i < 2; i++) {
        fmt_out_t f;
        char buf[160];
        fmt_number(&k->fmt, v[i], &f);
        fmt_join(&f, buf, sizeof buf);
        len = strlen(buf) > len ? strlen(buf) : len;
    }
    double x1 = x + bw + 8 + 14 * 0.9 * (double)len + 6;
    return (rect_t){ x - 12, y0 - 26, x1 - (x - 12), y1 + 26 - (y0 - 26) };
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

/* The borders' one colour (the glow passes vary only its alpha). */
#define BORDER_RGB 0.55f, 0.92f, 1.0f

/* The borders, thin bright lines with a soft glow, which never change with
 * the data (stroked into the cache once: see map_cache_t). */
static void draw_borders(const map_t *k, draw_t *d, const gj_proj_t *p)
{
    const gj_map_t *m = k->map;
    for (int i = 0; i < m->nregions; i++)
        region_path(d->cr, m, p, i, 0);
    bs_color_t line = { BORDER_RGB, 0.85f, -1 };
    draw_glow_stroke(d, line, 1.0, 4);
}

/* ---- inset -------------------------------------------------------------- */

/* The inset's framed box in its corner of the content rect c (w 0: none). */
static rect_t inset_box(const map_t *k, rect_t c)
{
    if (!k->inset_map)
        return (rect_t){ c.x, c.y, 0, 0 };
    double bw = c.w * k->inset_size, bh = c.h * k->inset_size, m = 10;
    bool right = k->inset_corner == INSET_BR || k->inset_corner == INSET_TR;
    bool bottom = k->inset_corner == INSET_BR || k->inset_corner == INSET_BL;
    return (rect_t){ right ? c.x + c.w - bw - m : c.x + m, bottom ? c.y + c.h - bh - m : c.y + m, bw, bh };
}

/* Whether design point q lies in the inset's box (points there are hidden). */
static bool in_inset(const map_t *k, rect_t c, gj_pt_t q)
{
    rect_t b = inset_box(k, c);
    return b.w > 0 && q.x >= b.x && q.x <= b.x + b.w && q.y >= b.y && q.y <= b.y + b.h;
}

/* The inset: a dark framed box with corner marks, its title in a strip at
 * the top, the second map fitted inside (the highlighted region lit and
 * named). Static: drawn with the borders (once, into the cache). */
static void draw_inset(const map_t *k, draw_t *d, rect_t c)
{
    const gj_map_t *m = k->inset_map;
    if (!m)
        return;
    cairo_t *cr = d->cr;
    rect_t b = inset_box(k, c);
    bs_color_t acc = draw_theme(d, THEME_ACCENT), text = draw_theme(d, THEME_TEXT);
    cairo_save(cr);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, b.y, 0, b.y + b.h);
    cairo_pattern_add_color_stop_rgba(g, 0, 0.02, 0.10, 0.26, 0.94);
    cairo_pattern_add_color_stop_rgba(g, 1, 0.01, 0.05, 0.15, 0.94);
    cairo_rectangle(cr, b.x, b.y, b.w, b.h);
    cairo_set_source(cr, g);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(g);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.55);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    double L = fmin(14, fmin(b.w, b.h) / 4);              /* corner marks */
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.95);
    cairo_set_line_width(cr, 2);
    for (int i = 0; i < 4; i++) {
        double x = i % 2 ? b.x + b.w : b.x, y = i / 2 ? b.y + b.h : b.y, sx = i % 2 ? -1 : 1, sy = i / 2 ? -1 : 1;
        cairo_move_to(cr, x, y + sy * L);
        cairo_line_to(cr, x, y);
        cairo_line_to(cr, x + sx * L, y);
    }
    cairo_stroke(cr);
    double top = b.y + 6;
    if (k->inset_title && k->inset_title[0]) {
        double ts = fmin(14, b.h * 0.1);
        draw_text(d, FONT_BOLD, ts, b.x + b.w / 2, b.y + 6 + ts * 0.7, k->inset_title, text, AL_CENTER);
        top = b.y + 10 + ts * 1.4;
        cairo_move_to(cr, b.x + 8, top - 3);
        cairo_line_to(cr, b.x + b.w - 8, top - 3);
        cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.3);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
    cairo_rectangle(cr, b.x + 1, b.y + 1, b.w - 2, b.h - 2);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    gj_proj_t p = gj_fit(m, b.x + 8, top + 2, b.w - 16, b.y + b.h - top - 10);
    for (int i = 0; i < m->nregions; i++) {
        region_path(cr, m, &p, i, 0);
        if (i == k->inset_hl)
            cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.85);
        else
            cairo_set_source_rgba(cr, 0.07, 0.30, 0.62, 0.85);
        cairo_fill(cr);
    }
    for (int i = 0; i < m->nregions; i++)
        region_path(cr, m, &p, i, 0);
    bs_color_t line = { 0.55f, 0.92f, 1.0f, 0.7f, -1 };
    draw_glow_stroke(d, line, 0.8, 3);
    if (k->inset_hl >= 0) {
        const gj_region_t *r = &m->regions[k->inset_hl];
        region_path(cr, m, &p, k->inset_hl, 0);
        bs_color_t hl = { 0.85f, 1.0f, 1.0f, 1.0f, -1 };
        draw_glow_stroke(d, hl, 1.4, 5);
        gj_pt_t q = gj_project(&p, r->label);
        bs_color_t shadow = { 0, 0.05f, 0.2f, 0.95f, -1 };
        double ls = fmin(12, b.h * 0.085);
        draw_text_glow(d, FONT_BOLD, ls, q.x, q.y, r->name, text, shadow, AL_CENTER);
    }
    cairo_restore(cr);
}

/* ---- region masks ------------------------------------------------------- */

/* Where the cache made for mc->m lies for a context drawing with matrix m:
 * the same scale and a translation by whole pixels (dx, dy). */
static bool cache_fits(const map_cache_t *mc, const cairo_matrix_t *m, int *dx, int *dy)
{
    if (!mc || !mc->ok || m->xx != mc->m.xx || m->yy != mc->m.yy || m->xy != mc->m.xy || m->yx != mc->m.yx)
        return false;
    double ex = m->x0 - mc->m.x0, ey = m->y0 - mc->m.y0;
    if (ex != floor(ex) || ey != floor(ey) || fabs(ex) > 1e6 || fabs(ey) > 1e6)
        return false;
    *dx = (int)ex;
    *dy = (int)ey;
    return true;
}

/* Device box of design rect (x0, y0)–(x1, y1) under m, grown by a pixel,
 * clipped to clip; w 0 when nothing is left. */
static void device_box(const cairo_matrix_t *m, double x0, double y0, double x1, double y1, const int *clip,
                       int *bx, int *by, int *bw, int *bh)
{
    double px[4] = { x0, x1, x0, x1 }, py[4] = { y0, y0, y1, y1 };
    double a = INFINITY, b = INFINITY, c = -INFINITY, e = -INFINITY;
    for (int i = 0; i < 4; i++) {
        double x = px[i], y = py[i];
        cairo_matrix_transform_point(m, &x, &y);
        a = fmin(a, x); b = fmin(b, y); c = fmax(c, x); e = fmax(e, y);
    }
    a = fmax(floor(a) - 1, clip[0]);
    b = fmax(floor(b) - 1, clip[1]);
    c = fmin(ceil(c) + 1, clip[2]);
    e = fmin(ceil(e) + 1, clip[3]);
    *bx = (int)a;
    *by = (int)b;
    *bw = c > a && e > b ? (int)(c - a) : 0;
    *bh = c > a && e > b ? (int)(e - b) : 0;
}

/* A context on sf (at device origin ox, oy) drawing with matrix m. */
static cairo_t *cache_cr(cairo_surface_t *sf, const cairo_matrix_t *m, int ox, int oy)
{
    cairo_t *cr = cairo_create(sf);
    cairo_matrix_t mm = *m;
    mm.x0 -= ox;
    mm.y0 -= oy;
    cairo_set_matrix(cr, &mm);
    return cr;
}

/* Makes the masks and the lines for d's matrix (see map_cache_t), unless
 * they are there already. */
static void cache_make(const map_t *k, const wdg_t *w, draw_t *d, const gj_proj_t *p, rect_t c)
{
    map_cache_t *mc = k->cache;
    const gj_map_t *m = k->map;
    if (!mc || !m)
        return;
    cairo_matrix_t mat;
    cairo_get_matrix(d->cr, &mat);
    int dx, dy;
    if (cache_fits(mc, &mat, &dx, &dy) && dx == 0 && dy == 0)
        return;
    cache_clear(mc);
    int n = m->nregions;
    mc->mask = calloc((size_t)n, sizeof *mc->mask);
    mc->mx = calloc((size_t)n * 4, sizeof *mc->mx);
    if (!mc->mask || !mc->mx) {
        cache_clear(mc);
        return;
    }
    mc->my = mc->mx + n;
    mc->mw = mc->my + n;
    mc->mh = mc->mw + n;
    mc->n = n;
    mc->m = mat;
    int cb[4], x, y, bw, bh;
    device_box(&mat, c.x, c.y, c.x + c.w, c.y + c.h, (const int[4]){ -(1 << 20), -(1 << 20), 1 << 20, 1 << 20 },
               &x, &y, &bw, &bh);
    cb[0] = x + 1; cb[1] = y + 1; cb[2] = x + bw - 1; cb[3] = y + bh - 1;   /* the content rect, no growth */
    for (int i = 0; i < n; i++) {
        const gj_region_t *r = &m->regions[i];
        gj_pt_t lo = gj_project(p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(p, (gj_pt_t){ r->maxx, r->miny });
        device_box(&mat, fmin(lo.x, hi.x), fmin(lo.y, hi.y), fmax(lo.x, hi.x), fmax(lo.y, hi.y), cb,
                   &mc->mx[i], &mc->my[i], &mc->mw[i], &mc->mh[i]);
        size_t bytes = (size_t)mc->mw[i] * (size_t)mc->mh[i];
        if (mc->mw[i] == 0 || mc->bytes + bytes > MAP_CACHE_BYTES)
            continue;                            /* empty, or drawn as a path */
        cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_A8, mc->mw[i], mc->mh[i]);
        if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(sf);
            continue;
        }
        cairo_t *cr = cache_cr(sf, &mat, mc->mx[i], mc->my[i]);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        region_path(cr, m, p, i, 0);
        cairo_fill(cr);
        cairo_destroy(cr);
        cairo_surface_flush(sf);
        mc->mask[i] = sf;
        mc->bytes += bytes;
    }
    /* the borders: thin bright lines with a soft glow, stroked once; of
     * one colour, so their alphas alone (a quarter of the memory) unless
     * an inset in its own colours goes with them */
    int lw = cb[2] - cb[0], lh = cb[3] - cb[1];
    bool a8 = !k->inset_map;
    size_t lbytes = (size_t)lw * lh * (a8 ? 1 : 4);
    if (lw > 0 && lh > 0 && mc->bytes + lbytes <= MAP_CACHE_BYTES) {
        cairo_surface_t *sf = cairo_image_surface_create(a8 ? CAIRO_FORMAT_A8 : CAIRO_FORMAT_ARGB32, lw, lh);
        if (cairo_surface_status(sf) == CAIRO_STATUS_SUCCESS) {
            draw_t dd = *d;
            dd.cr = cache_cr(sf, &mat, cb[0], cb[1]);
            cairo_rectangle(dd.cr, c.x, c.y, c.w, c.h);
            cairo_clip(dd.cr);
            draw_borders(k, &dd, p);
            draw_inset(k, &dd, c);
            cairo_destroy(dd.cr);
            cairo_surface_flush(sf);
            mc->lines = sf;
            mc->lx = cb[0];
            mc->ly = cb[1];
            mc->bytes += lbytes;
        } else {
            cairo_surface_destroy(sf);
        }
    }
    mc->ok = true;
    (void)w;
}

/* Fills region i (its even-odd path) with the current source: through its
 * mask when the cache fits cr's matrix, else as a path. */
static void fill_region(const map_t *k, cairo_t *cr, const gj_proj_t *p, int i)
{
    const map_cache_t *mc = k->cache;
    cairo_matrix_t mat;
    cairo_get_matrix(cr, &mat);
    int dx, dy;
    if (cache_fits(mc, &mat, &dx, &dy) && i < mc->n) {
        if (mc->mw[i] == 0)
            return;                                     /* outside the content rect */
        if (mc->mask[i]) {
            cairo_save(cr);
            cairo_identity_matrix(cr);
            cairo_mask_surface(cr, mc->mask[i], mc->mx[i] + dx, mc->my[i] + dy);
            cairo_restore(cr);
            return;
        }
    }
    region_path(cr, k->map, p, i, 0);
    cairo_fill(cr);
}

/* Fills region i straight into px's pixels through its cached mask: with
 * the vertical gradient from colour top (at the content rect's top edge)
 * to bot (its bottom edge), sampled at each device row's centre, or with
 * top alone when bot is NULL (colours as cairo takes them: not
 * premultiplied, alpha in [3]). One pass over the mask's box inside px's
 * clip, touching only the pixels the mask covers. false when it cannot
 * (px not usable, no mask for cr's matrix): the caller fills with cairo. */
static bool fill_region_px(const map_t *k, draw_px_t *px, cairo_t *cr, int i, rect_t c, const float *top,
                           const float *bot)
{
    const map_cache_t *mc = k->cache;
    cairo_matrix_t mat;
    cairo_get_matrix(cr, &mat);
    int dx, dy;
    if (!px->ok || !cache_fits(mc, &mat, &dx, &dy) || i >= mc->n || mat.xy != 0 || mat.yx != 0 || !(mat.yy > 0))
        return false;
    if (mc->mw[i] == 0)
        return true;                                    /* outside the content rect */
    cairo_surface_t *sf = mc->mask[i];
    if (!sf)
        return false;
    int h = mc->mh[i], y0 = mc->my[i] + dy;
    uint32_t one, *rows = &one;
    if (bot && !(rows = malloc((size_t)h * sizeof *rows)))
        return false;
    for (int j = 0; j < (bot ? h : 1); j++) {
        double t = bot && c.h > 0 ? ((y0 + j + 0.5 - mat.y0) / mat.yy - c.y) / c.h : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const float *b = bot ? bot : top;
        bs_color_t cc = { top[0] + (b[0] - top[0]) * (float)t, top[1] + (b[1] - top[1]) * (float)t,
                          top[2] + (b[2] - top[2]) * (float)t, top[3] + (b[3] - top[3]) * (float)t, -1 };
        rows[j] = draw_px_color(cc, 1);
    }
    draw_mask_rows_px(px, cairo_image_surface_get_data(sf), cairo_image_surface_get_stride(sf), mc->mx[i] + dx, y0,
                 mc->mw[i], h, rows, bot ? h : 1);
    if (rows != &one)
        free(rows);
    return true;
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
    cache_make(k, w, d, &p, c);        /* masks and borders for the layer */
}

/* The borders over the fills: from the cache when it fits cr's matrix (laid
 * over as they were stroked once), else stroked here. */
static void lay_borders(const map_t *k, draw_t *d, draw_px_t *px, const gj_proj_t *p)
{
    const map_cache_t *mc = k->cache;
    cairo_t *cr = d->cr;
    cairo_matrix_t mat;
    cairo_get_matrix(cr, &mat);
    int dx, dy;
    bool a8 = mc && mc->lines && cairo_image_surface_get_format(mc->lines) == CAIRO_FORMAT_A8;
    if (cache_fits(mc, &mat, &dx, &dy) && mc->lines && px->ok) {   /* straight into the pixels */
        if (a8) {
            cairo_surface_flush(mc->lines);
            uint32_t c = draw_px_color((bs_color_t){ BORDER_RGB, 1, -1 }, 1);
            draw_mask_rows_px(px, cairo_image_surface_get_data(mc->lines), cairo_image_surface_get_stride(mc->lines),
                              mc->lx + dx, mc->ly + dy, cairo_image_surface_get_width(mc->lines),
                              cairo_image_surface_get_height(mc->lines), &c, 1);
        } else {
            draw_image_px(px, mc->lines, mc->lx + dx, mc->ly + dy);
        }
        return;
    }
    if (cache_fits(mc, &mat, &dx, &dy) && mc->lines) {
        cairo_save(cr);
        cairo_identity_matrix(cr);
        if (a8) {
            cairo_set_source_rgb(cr, BORDER_RGB);
            cairo_mask_surface(cr, mc->lines, mc->lx + dx, mc->ly + dy);
        } else {
            cairo_set_source_surface(cr, mc->lines, mc->lx + dx, mc->ly + dy);
            cairo_paint(cr);
        }
        cairo_restore(cr);
        return;
    }
    draw_borders(k, d, p);
    rect_t c;
    double depth;
    map_geometry(k, &k->base, &c, &depth);
    draw_inset(k, d, c);
}

/* Whether design rect r (with its ink) meets the clip px was taken under
 * (known: px was usable); true when that cannot be told. While the map is
 * drawn with the marks, most frames' clip is the comets' small boxes: a
 * label outside all of them is not drawn at all. */
static bool clip_meets(const draw_px_t *px, bool known, cairo_t *cr, rect_t r)
{
    if (!known)
        return true;
    double xs[4] = { r.x, r.x + r.w, r.x, r.x + r.w }, ys[4] = { r.y, r.y, r.y + r.h, r.y + r.h };
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int j = 0; j < 4; j++) {
        cairo_user_to_device(cr, &xs[j], &ys[j]);
        x0 = fmin(x0, xs[j] + px->ox);
        y0 = fmin(y0, ys[j] + px->oy);
        x1 = fmax(x1, xs[j] + px->ox);
        y1 = fmax(y1, ys[j] + px->oy);
    }
    if (!(x0 <= x1 && y0 <= y1))
        return true;
    for (int k = 0; k < px->n; k++)
        if (x0 - 1 < px->r[k][2] && px->r[k][0] < x1 + 1 && y0 - 1 < px->r[k][3] && px->r[k][1] < y1 + 1)
            return true;
    return false;
}

/* What the data shows: the regions' fills, the toured region, the borders,
 * the flylines' arcs, the labels, points, callout, legend and caption; in
 * the layer (map_draw), or with the marks while the regions change fast. */
static void map_content(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    cairo_t *cr = d->cr;
    const gj_map_t *m = k->map;
    if (!m)
        return;
    rect_t c;
    double depth;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    double alpha = 1.0;   /* stale: the core dims it */
    /* the fills and the borders go straight into the layer's pixels
     * through the cached masks, inside the clip as it is before the
     * content rect's (the masks and the borders' surface lie within it) */
    draw_px_t px;
    bool known = draw_px_begin(&px, d);      /* px's rectangles: the clip, for clip_meets */
    gj_proj_t p = map_begin(k, w, cr, &c, &depth);
    /* (the slab under the map is in the base layer: map_draw_base) */

    /* regions by value; each its own even-odd mask or path, so holes show
     * the slab; only those in the clip (a recolour redraws a region's box) */
    double cx0, cy0, cx1, cy1;
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    for (int i = 0; i < m->nregions; i++) {
        const gj_region_t *r = &m->regions[i];
        gj_pt_t lo = gj_project(&p, (gj_pt_t){ r->minx, r->maxy }), hi = gj_project(&p, (gj_pt_t){ r->maxx, r->miny });
        if (fmax(lo.x, hi.x) < cx0 - 1 || fmin(lo.x, hi.x) > cx1 + 1 || fmax(lo.y, hi.y) < cy0 - 1 ||
            fmin(lo.y, hi.y) > cy1 + 1)
            continue;
        bs_color_t fc = value_color(k, d, k->val[i]);
        const float top[4] = { fminf(1, fc.r * 1.15f + 0.03f), fminf(1, fc.g * 1.15f + 0.03f),
                               fminf(1, fc.b * 1.1f + 0.03f), fc.a * 0.95f * (float)alpha };
        const float bot[4] = { fc.r * 0.8f, fc.g * 0.8f, fc.b * 0.85f, fc.a * 0.95f * (float)alpha };
        if (fill_region_px(k, &px, cr, i, c, top, bot))
            continue;
        cairo_pattern_t *g = cairo_pattern_create_linear(0, c.y, 0, c.y + c.h);
        cairo_pattern_add_color_stop_rgba(g, 0, fmin(1, fc.r * 1.15 + 0.03), fmin(1, fc.g * 1.15 + 0.03),
                                          fmin(1, fc.b * 1.1 + 0.03), fc.a * 0.95 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 1, fc.r * 0.8, fc.g * 0.8, fc.b * 0.85, fc.a * 0.95 * alpha);
        cairo_set_source(cr, g);
        fill_region(k, cr, &p, i);
        cairo_pattern_destroy(g);
    }
    /* the borders with their glow, stroked once into the cache: a recolour
     * lays them over the new fills and never strokes them again */
    /* the toured region lit, under the borders and the inset's box */
    if (k->tour_lit >= 0)
        draw_tour_region(k, d, &p, k->tour_lit, alpha, false);
    lay_borders(k, d, &px, &p);
    if (k->center_idx >= 0 && k->nfly > 0)
        draw_fly_arcs(k, d, &px, &p);
    draw_px_end(&px);

    /* labels: a dot, the name, the value; only where the region has room */
    enum { MAX_PLACED = 256 };
    rect_t placed[MAX_PLACED];
    int nplaced = 0;
    rect_t ib = inset_box(k, c);
    if (ib.w > 0)
        placed[nplaced++] = ib;                 /* no label over the inset */
    if (k->labels) {
        double ls = k->label_size;
        /* largest regions first; a label that would cover one already
         * placed is left out, so dense maps stay readable */
        for (int o = 0; o < m->nregions && nplaced < MAX_PLACED; o++) {
            int i = k->label_order[o];
            const gj_region_t *r = &m->regions[i];
            if (!r->name[0] || r->area * p.s * p.s < ls * ls * 4)
                continue;
            if (!k->primary[i])
                continue;                       /* one label per name */
            gj_pt_t q = gj_project(&p, r->label);
            /* the flylines' hub sits on the centre's label point: its name
             * and value go above the hub's rings, not under them, or below
             * them when a larger region's label is above */
            bool val = k->values && isfinite(k->val[i]);
            double bw = fmax(draw_text_width(d, FONT_BOLD, ls, r->name), ls * 3);
            bool hub = i == k->center_idx && k->nfly > 0, clash = true;
            gj_pt_t q0 = q;
            rect_t box = { 0 };
            for (int tries = 0; tries < (hub ? 2 : 1) && clash; tries++) {
                q = q0;
                if (hub)
                    q.y += tries == 0 ? -ls * 2.4 : ls * 2.6;
                box = (rect_t){ q.x - bw / 2, q.y - (val ? ls * 1.1 : ls * 0.6), bw, val ? ls * 2.3 : ls * 1.2 };
                clash = false;
                for (int j = 0; j < nplaced && !clash; j++)
                    clash = box.x < placed[j].x + placed[j].w && placed[j].x < box.x + box.w &&
                            box.y < placed[j].y + placed[j].h && placed[j].y < box.y + box.h;
            }
            if (clash)
                continue;
            placed[nplaced++] = box;
            if (!clip_meets(&px, known, cr, (rect_t){ box.x - ls, box.y - ls * 0.5, box.w + 2 * ls, box.h + ls }))
                continue;                       /* placed, nothing of it in the clip */
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
    if (k->npts > 0)
        draw_points(k, d, &p, c, alpha, placed, &nplaced, MAX_PLACED);
    if (k->tour_lit >= 0)
        draw_callout(k, d, &p, c, k->tour_lit, alpha, placed, nplaced);
    if (k->cache) {                             /* for the moving callout (draw_tour_move) */
        memcpy(k->cache->placed, placed, sizeof placed[0] * (size_t)nplaced);
        k->cache->nplaced = nplaced;
    }
    cairo_restore(cr);

    if (k->pt_bad + k->pt_off + k->pt_over > 0) {     /* dropped points: say so, quietly */
        char note[96];
        snprintf(note, sizeof note, "点位 %d · 已忽略 %ld", k->npts, k->pt_bad + k->pt_off + k->pt_over);
        draw_text(d, FONT_TEXT, 12, c.x + c.w - 10, c.y + 14, note, dim, AL_RIGHT);
    }
    double llo, lhi;
    range(k, &llo, &lhi);
    rect_t la = legend_area(k, c, llo, lhi);
    if (k->legend && (isfinite(k->vmin) || k->fmt.thresholds.n > 0) &&
        clip_meets(&px, known, cr, (rect_t){ la.x - 4, la.y - 4, la.w + 8, la.h + 8 }))
        draw_legend(k, d, legend_rect(k, c));    /* above an inset in the lower left */
    if (k->caption) {                           /* beside an inset in the lower right */
        double cx = ib.w > 0 && k->inset_corner == INSET_BR ? ib.x - 10 : c.x + c.w - 10;
        draw_text(d, FONT_TEXT, 13, cx, c.y + c.h - 12, k->caption, dim, AL_RIGHT);
    }
    if (!k->has)
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + 24, "等待数据…", dim, AL_CENTER);
}

static void map_draw(const wdg_t *w, draw_t *d)
{
    if (!((const map_t *)w)->fast)
        map_content(w, d);
}

/* The moving parts over the cached map: pulses on regions that just
 * changed, and the flylines; under them, while the regions change fast,
 * what the data shows (map_content). */
static void map_overlay(const wdg_t *w, draw_t *d)
{
    const map_t *k = (const map_t *)w;
    const gj_map_t *m = k->map;
    if (!m)
        return;
    if (k->fast)
        map_content(w, d);
    cairo_t *cr = d->cr;
    rect_t c;
    double depth;
    gj_proj_t p = map_geometry(k, w, &c, &depth);
    /* clipped to the content rect at whole pixels, so that with the
     * damage the clip is whole-pixel rectangles and the rings, tails and
     * heads go straight into the frame's pixels (draw_px_t) */
    cairo_save(cr);
    double x0 = c.x, y0 = c.y, x1 = c.x + c.w, y1 = c.y + c.h;
    cairo_user_to_device(cr, &x0, &y0);
    cairo_user_to_device(cr, &x1, &y1);
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, round(fmin(x0, x1)), round(fmin(y0, y1)), round(fmax(x0, x1)) - round(fmin(x0, x1)),
                    round(fmax(y0, y1)) - round(fmin(y0, y1)));
    cairo_restore(cr);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    int from, to;
    double e;
    if (tour_moving(k, d->now, &from, &to, &e))         /* the tour between two regions */
        draw_tour_move(k, d, &p, c, from, to, e);
    draw_px_t px;
    draw_px_begin(&px, d);
    for (int i = 0; i < m->nregions && k->pulse > 0; i++) {
        double age = d->now - k->changed[i];
        if (age < 0 || age >= k->pulse)
            continue;
        /* a short flash of the region (filling a region every frame is the
         * dear part), then the rings carry on */
        double flash = fmin(0.8, k->pulse);
        if (age < flash) {
            const float white[4] = { 1, 1, 1, (float)(0.22 * (1 - wdg_step_t(age, FLASH_RATE) / flash)) };
            if (!fill_region_px(k, &px, cr, i, c, white, NULL)) {
                cairo_set_source_rgba(cr, 1, 1, 1, white[3]);
                fill_region(k, cr, &p, i);
            }
        }
        gj_pt_t q = gj_project(&p, m->regions[i].label);
        for (int j = 0; j < 2; j++) {                   /* two rings spreading (one pass each) */
            double w, al, r = pulse_ring(k, j, wdg_step_t(age, PULSE_RATE), &w, &al);
            draw_ring_px(&px, d, q.x, q.y, r, w, (bs_color_t){ 1, 0.85f, 0.35f, 1, -1 }, al);
        }
    }
    if (k->center_idx >= 0 && k->nfly > 0)
        draw_flylines(k, d, &px, &p);
    if (k->npts > 0 && k->ripples > 0)
        draw_ripples(k, d, &px, &p, c);
    draw_px_end(&px);
    cairo_restore(cr);
}

/* Where the overlay draws at now, piece by piece, so that the comets cost
 * their own small boxes and not the box round every flyline: each comet's
 * tail and head, each landing ripple, the centre's rings, and the regions
 * still pulsing. */
/* Rectangles collected for overlay_rects: clipped to the content rect; when
 * out of room a new one joins the one it grows least, so nothing moving is
 * ever left out of the damage. */
typedef struct {
    wdg_mark_t *out;
    int         n, max;
    rect_t      c;
} marks_t;

static double area_of(double x0, double y0, double x1, double y1)
{
    return (x1 - x0) * (y1 - y0);
}

static void marks_add(marks_t *a, double x0, double y0, double x1, double y1, uint64_t key)
{
    x0 = fmax(x0, a->c.x);
    y0 = fmax(y0, a->c.y);
    x1 = fmin(x1, a->c.x + a->c.w);
    y1 = fmin(y1, a->c.y + a->c.h);
    if (!(x1 > x0 && y1 > y0) || a->max <= 0)
        return;
    if (a->n < a->max) {
        a->out[a->n++] = (wdg_mark_t){ { x0, y0, x1 - x0, y1 - y0 }, key };
        return;
    }
    int best = 0;
    double grow = INFINITY;
    for (int i = 0; i < a->n; i++) {
        rect_t r = a->out[i].r;
        double u = area_of(fmin(x0, r.x), fmin(y0, r.y), fmax(x1, r.x + r.w), fmax(y1, r.y + r.h)) - r.w * r.h;
        if (u < grow) {
            grow = u;
            best = i;
        }
    }
    rect_t r = a->out[best].r;
    double ux0 = fmin(x0, r.x), uy0 = fmin(y0, r.y), ux1 = fmax(x1, r.x + r.w), uy1 = fmax(y1, r.y + r.h);
    /* joined: the box of both, changed when either changes */
    a->out[best] = (wdg_mark_t){ { ux0, uy0, ux1 - ux0, uy1 - uy0 },
                                 (a->out[best].key ^ (a->out[best].key >> 29)) * 0x9e3779b97f4a7c15u + key };
}

/* Where the overlay draws at now, piece by piece, so that the comets cost
 * their own small boxes and not the box round every flyline: each comet's
 * tail and head, each landing ripple, the centre's rings, the regions
 * still pulsing, and each point's ripple. */
/* A step's key: what (MK_*), which one, its step. */
enum { MK_HUB = 1, MK_LAND, MK_PULSE, MK_FLASH, MK_RIPPLE, MK_CONTENT };   /* the comets and the tour: every frame */
static uint64_t mark_key(int what, int i, uint64_t step)
{
    return ((uint64_t)what << 56) ^ ((uint64_t)(unsigned)i << 40) ^ step;
}

static int map_overlay_marks(const wdg_t *w, double now, wdg_mark_t *out, int max)
{
    const map_t *k = (const map_t *)w;
    const gj_map_t *m = k->map;
    if (!m)
        return 0;
    rect_t c;
    double depth;
    gj_proj_t p = map_geometry(k, w, &c, &depth);
    int own = 0;                        /* the content's last change, in slots of its own (never joined) */
    for (int i = 0; k->fast && i < k->ndirty && own < max - 1; i++) {
        rect_t r = k->dirty[i];
        double x0 = fmax(r.x, c.x), y0 = fmax(r.y, c.y), x1 = fmin(r.x + r.w, c.x + c.w), y1 = fmin(r.y + r.h, c.y + c.h);
        if (x1 > x0 && y1 > y0)
            out[own++] = (wdg_mark_t){ { x0, y0, x1 - x0, y1 - y0 }, mark_key(MK_CONTENT, i, k->content_gen) };
    }
    marks_t acc = { out + own, 0, max - own, c };
    double x0, y0, x1, y1;
    int from, to;
    double e;
    if (tour_moving(k, now, &from, &to, &e)) {          /* the tour between two regions */
        rect_t tr[3];
        tour_move_rects(k, &p, c, from, to, e, tr);
        for (int i = 0; i < 3; i++)
            marks_add(&acc, tr[i].x, tr[i].y, tr[i].x + tr[i].w, tr[i].y + tr[i].h, wdg_mark_key_now(now));
    }
#define BEGIN() (x0 = 1e18, y0 = 1e18, x1 = -1e18, y1 = -1e18)
#define GROW(px, py, r) do { x0 = fmin(x0, (px) - (r)); y0 = fmin(y0, (py) - (r)); \
                             x1 = fmax(x1, (px) + (r)); y1 = fmax(y1, (py) + (r)); } while (0)
#define EMIT(key) marks_add(&acc, x0 - 0.5, y0 - 0.5, x1 + 0.5, y1 + 0.5, key)   /* half a unit for the edge's antialiasing */
    double lw, al, R;
    if (k->center_idx >= 0 && k->nfly > 0) {
        gj_pt_t a = gj_project(&p, m->regions[k->center_idx].label);
        BEGIN();                                       /* the hub's dot and its rings, as big as they are now */
        GROW(a.x, a.y, HUB_DOT * 3);
        for (int j = 0; j < 2; j++) {
            R = hub_ring(j, wdg_step_t(now, HUB_RATE), &lw, &al);
            GROW(a.x, a.y, R + lw / 2);
        }
        EMIT(mark_key(MK_HUB, 0, wdg_step_n(now, HUB_RATE)));
        for (int i = 0; i < k->nfly; i++) {
            gj_pt_t b, cc;
            if (!fly_arc(k, &p, i, &a, &b, &cc))
                continue;
            double u = comet_u(k, i, now);
            /* the comet: its tail in COMET_PIECES boxes, each round its
             * segments grown by the widest of them (a curved tail's one
             * box is mostly empty), and its head with its glow */
            gj_pt_t q[COMET_N + 1];
            for (int j = 0; j <= COMET_N; j++)
                q[j] = bezier(a, cc, b, fmax(0, u - COMET_TAIL * (COMET_N - j) / COMET_N));
            for (int s0 = 0; s0 < COMET_N; s0 += COMET_N / COMET_PIECES) {
                int s1 = s0 + COMET_N / COMET_PIECES < COMET_N ? s0 + COMET_N / COMET_PIECES : COMET_N;
                double wd = 0.6 + 2.4 * s1 / COMET_N;  /* segment s1 - 1's width: the widest */
                BEGIN();
                for (int j = s0; j <= s1; j++)
                    GROW(q[j].x, q[j].y, wd);
                EMIT(wdg_mark_key_now(now));
            }
            BEGIN();
            GROW(q[COMET_N].x, q[COMET_N].y, COMET_HEAD * 3);
            EMIT(wdg_mark_key_now(now));
            BEGIN();                                   /* the ripple where it lands */
            R = landing_ring(i, wdg_step_t(now, LAND_RATE), &lw, &al);
            GROW(b.x, b.y, R + lw / 2);
            EMIT(mark_key(MK_LAND, i, wdg_step_n(now, LAND_RATE)));
        }
    }
    for (int i = 0; i < m->nregions && k->pulse > 0; i++) {
        double age = now - k->changed[i];             /* each pulse its own box: its rings ... */
        if (age < 0 || age >= k->pulse)
            continue;
        gj_pt_t q = gj_project(&p, m->regions[i].label);
        BEGIN();
        for (int j = 0; j < 2; j++) {
            R = pulse_ring(k, j, wdg_step_t(age, PULSE_RATE), &lw, &al);
            GROW(q.x, q.y, R + lw / 2);
        }
        EMIT(mark_key(MK_PULSE, i, wdg_step_n(age, PULSE_RATE)));
        if (age < fmin(0.8, k->pulse)) {           /* ... and its flash, the region */
            gj_pt_t lo = gj_project(&p, (gj_pt_t){ m->regions[i].minx, m->regions[i].maxy });
            gj_pt_t hi = gj_project(&p, (gj_pt_t){ m->regions[i].maxx, m->regions[i].miny });
            BEGIN();
            GROW(lo.x, lo.y, 1);
            GROW(hi.x, hi.y, 1);
            EMIT(mark_key(MK_FLASH, i, wdg_step_n(age, FLASH_RATE)));
        }
    }
    for (int i = 0; i < k->npts && i < k->ripples; i++) {
        const map_pt_t *pt = &k->pts[i];
        gj_pt_t q = gj_project(&p, (gj_pt_t){ pt->lon, pt->lat });
        if (in_inset(k, c, q))
            continue;
        double r = point_r(k, pt->v);
        BEGIN();                                       /* its two rings, as big as they are now */
        for (int j = 0; j < 2; j++) {
            R = point_ring(pt, r, j, wdg_step_t(now, ripple_rate(r)), &lw, &al);
            GROW(q.x, q.y, R + lw / 2);
        }
        EMIT(mark_key(MK_RIPPLE, i, wdg_step_n(now, ripple_rate(r))));
    }
#undef BEGIN
#undef GROW
#undef EMIT
    return own + acc.n;
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
    if (k->tour_region >= 0) {
        char vb[160];
        value_text(k, k->tour_region, vb, sizeof vb);
        wdg_text_add(out, "tour %s %s", k->map->regions[k->tour_region].name, vb);
    }
    if (k->pslot > 0) {
        wdg_text_add(out, "points %d shown, %ld bad position, %ld off the map, %ld over the cap of %d",
                     k->npts, k->pt_bad, k->pt_off, k->pt_over, MAP_MAX_POINTS);
        for (int i = 0; i < k->npts && i < k->point_labels; i++)
            if (point_labelled(k, i))
                wdg_text_add(out, "point %s", k->pts[i].name);
    }
}

static const wdg_picture_t map_pictures[] = {
    { "map-points", "With `points`: the union's venues sized by today's visits, ripples round the busiest." },
    { "map-tour", "With `tour`: the fifth town lit, its border brightened, its callout with name and value." },
    { "map-inset", "With `inset`: where the district lies in its city, in a framed box (both maps stylised)." },
    { NULL, NULL },
};

/* Flylines, ripples and a tour move all the time; a pulse until it ends. */
static double map_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const map_t *k = (const map_t *)w;
    (void)wall_ms;
    if (k->nfly > 0 || (k->npts > 0 && k->ripples > 0) || (k->map && (k->tour.period > 0 || k->tour_region >= 0)))
        return now;
    if (now <= k->pulse_until + 0.1)
        return now;
    return INFINITY;
}

const wdg_class_t wdg_map_class = {
    .name = "map",
    .doc  = "A district map from a GeoJSON file (Polygon and MultiPolygon features, holes and islands; "
            "Point and LineString features are skipped), fitted to the rect and coloured by value from "
            "an object {region name: number}, with a gradient legend (低 … 高), region names and values, "
            "glowing borders on a raised slab, a pulse on regions whose value just changed, and optional "
            "animated flylines from a centre region to the regions of highest value. The file is loaded "
            "when the layout loads; a malformed file fails the layout with the feature's index. The map "
            "is drawn once into a cached layer, each region through its own mask and the glowing "
            "borders stroked once with the base, so a recolour fills the changed regions' masks "
            "and lays the borders over them without stroking anything; while flylines or pulses "
            "move, only they are redrawn over it each frame. With \"points\" bound to an array of {name, lon, lat, value} (venues, "
            "service stations) glowing markers sized by value (square root scale, bounded) stand over "
            "the regions, with ripples round the busiest and names beside the top few; at most 512 are "
            "kept, and points without a valid position or off the map are dropped and counted (the map "
            "notes 已忽略 N; the report's rows say how many of each). Ripples are moving marks: each "
            "frame repaints their own small boxes only. With \"tour\": seconds, a highlight (the region "
            "lit, its border brightened) and a callout with its name and value ease from region to region "
            "(those with a value, in the file's order, on the animation clock's grid), the callout where "
            "it covers the fewest labels. With \"inset\" a second GeoJSON (the "
            "South China Sea islands of a national map, or the district's place in its city) is drawn in "
            "a framed box in a corner, with an optional title and one region lit; it is loaded and "
            "checked as \"geojson\" is, and drawn once with the borders.",
    .size = sizeof(map_t),
    .opts = map_opts,
    .bindable = true,
    .init = map_init,
    .destroy = map_destroy,
    .data = map_data,
    .tick = map_tick,
    .next_tick = map_next_tick,
    .draw_base = map_draw_base,
    .draw = map_draw,
    .draw_overlay = map_overlay,
    .overlay_marks = map_overlay_marks,
    .text = map_text,
    .pictures = map_pictures,
};
