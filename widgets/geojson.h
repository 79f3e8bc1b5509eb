/*
 * geojson.h — GeoJSON polygons for maps: load, check, project.
 *
 * Reads a FeatureCollection, a single Feature or a bare geometry. Polygon and
 * MultiPolygon geometries (also inside a GeometryCollection) become regions;
 * Point and LineString features are skipped and counted. Every region keeps
 * its name (properties.<name_key>, default "name"), its rings (the first ring
 * of each polygon is the outer one, the rest are holes), its bounding box, its
 * area and a label point inside its largest polygon.
 *
 * Everything in the file is hostile: sizes are capped (GJ_MAX_*) and any
 * malformed part is an error naming the feature, e.g.
 * "feature 12: coordinates must be an array of rings". A map is returned
 * whole or not at all.
 *
 * Coordinates are kept as given (longitude, latitude), except that a map
 * crossing the antimeridian has its negative longitudes moved by +360 so it
 * is drawn in one piece (see unwrap_antimeridian in geojson.c). When they look
 * geographic (|lat| <= 90) the projection squeezes longitude by cos(mid
 * latitude) — an equirectangular projection, fine at city and province scale;
 * otherwise (already projected data) x and y are used as they are.
 *
 * Thread: a map is immutable after loading; any thread may read it. Loading
 * reads a file, so do it at layout load time (widget init), never in draw.
 */
#ifndef BS_GEOJSON_H
#define BS_GEOJSON_H

#include <stddef.h>
#include <stdint.h>

#define GJ_MAX_FILE_BYTES  (32u << 20)   /* 32 MiB                      */
#define GJ_MAX_FEATURES    5000
#define GJ_MAX_POINTS      2000000       /* positions in the whole file */
#define GJ_MAX_RING        500000        /* positions in one ring       */
#define GJ_MAX_NAME        128           /* bytes of a region name      */

typedef struct { double x, y; } gj_pt_t;                 /* lon, lat */

typedef struct {
    uint32_t first, n;          /* positions pts[first .. first+n)         */
} gj_ring_t;

typedef struct {
    uint32_t first, n;          /* rings[first] outer, then n-1 holes      */
    double   area;              /* outer minus holes, projected units²     */
} gj_poly_t;

typedef struct {
    char    *name;              /* UTF-8; "" when the feature has none     */
    int      feature;           /* index of the feature it came from       */
    uint32_t first, n;          /* polys[first .. first+n)                 */
    double   minx, miny, maxx, maxy;   /* bbox, lon/lat                    */
    double   area;              /* sum of its polygons, projected units²   */
    gj_pt_t  label;             /* lon/lat, inside the largest polygon     */
} gj_region_t;

typedef struct {
    gj_region_t *regions;
    int          nregions;
    gj_poly_t   *polys;
    uint32_t     npolys;
    gj_ring_t   *rings;
    uint32_t     nrings;
    gj_pt_t     *pts;
    uint32_t     npts;
    double       minx, miny, maxx, maxy;   /* bbox of everything */
    double       kx;            /* x squeeze: cos(mid latitude), or 1      */
    int          skipped;       /* features without polygons (points, lines, null) */
    char        *note;          /* top-level "note" string, or NULL        */
} gj_map_t;

/* Parses GeoJSON text of len bytes (need not be NUL-terminated). name_key:
 * the property holding region names (NULL = "name"). Returns a map, or NULL
 * with a message in err ("feature 3: ..."). The caller frees with gj_free(). */
gj_map_t *gj_parse(const char *text, size_t len, const char *name_key, char *err, size_t errlen);

/* Reads (bs_read_file: a regular file, never blocking on a FIFO; at most
 * GJ_MAX_FILE_BYTES) and parses a file. NULL with a message
 * in err when it cannot be read or is malformed. */
gj_map_t *gj_load_file(const char *path, const char *name_key, char *err, size_t errlen);

void gj_free(gj_map_t *m);                  /* accepts NULL */

/* Index of the first region called name, or -1. */
int gj_find(const gj_map_t *m, const char *name);

/* A projection fitted to a rectangle: the whole map, aspect kept, centred. */
typedef struct {
    double s, ox, oy;           /* scale and origin                        */
    double kx, minx, maxy;
} gj_proj_t;

gj_proj_t gj_fit(const gj_map_t *m, double x, double y, double w, double h);

static inline gj_pt_t gj_project(const gj_proj_t *p, gj_pt_t q)
{
    gj_pt_t r = { p->ox + (q.x - p->minx) * p->kx * p->s, p->oy + (p->maxy - q.y) * p->s };
    return r;
}

#endif
