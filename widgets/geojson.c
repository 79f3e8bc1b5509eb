/* geojson.c — GeoJSON polygons for maps (see geojson.h). */
#include "geojson.h"
#include "fileio.h"
#include "value.h"          /* bs_utf8_valid */

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GJ_MAX_DEPTH     8          /* nested GeometryCollections           */
#define GJ_MAX_COORD     1e9        /* |x|, |y| of any position             */
#define LABEL_EDGES      1500       /* edges looked at when placing a label */

typedef struct {
    gj_map_t   *m;
    size_t      cap_regions, cap_polys, cap_rings, cap_pts;
    char       *err;
    size_t      errlen;
    int         feature;            /* index in messages; -1 = top level   */
    const char *name_key;
} ps_t;

static int fail(ps_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ps_t *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->feature >= 0)
        snprintf(p->err, p->errlen, "feature %d: %s", p->feature, msg);
    else
        snprintf(p->err, p->errlen, "%s", msg);
    return -1;
}

/* Grows *arr (of elem-byte items, *cap of them) to hold need. 0 or -1. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *a = realloc(*arr, nc * elem);
    if (!a)
        return -1;
    *arr = a;
    *cap = nc;
    return 0;
}

static const char *kind(const cJSON *j)
{
    if (!j) return "missing";
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsBool(j)) return "a boolean";
    return "null";
}

/* ---- geometry ----------------------------------------------------------- */

static int parse_ring(ps_t *p, const cJSON *ring, int pi, int ri)
{
    gj_map_t *m = p->m;
    if (!cJSON_IsArray(ring))
        return fail(p, "polygon %d ring %d must be an array of positions, not %s", pi, ri, kind(ring));
    size_t n = 0;
    for (const cJSON *c = ring->child; c; c = c->next)
        if (++n > GJ_MAX_RING)
            return fail(p, "polygon %d ring %d has more than %d positions", pi, ri, GJ_MAX_RING);
    if (n < 3)
        return fail(p, "polygon %d ring %d has %zu positions; a ring needs at least 4", pi, ri, n);
    if (m->npts + n > GJ_MAX_POINTS)
        return fail(p, "more than %d positions in the file", GJ_MAX_POINTS);
    if (grow((void **)&m->pts, &p->cap_pts, m->npts + n, sizeof *m->pts) ||
        grow((void **)&m->rings, &p->cap_rings, (size_t)m->nrings + 1, sizeof *m->rings))
        return fail(p, "out of memory");
    gj_ring_t *r = &m->rings[m->nrings];
    r->first = m->npts;
    r->n = 0;
    int k = 0;
    for (const cJSON *c = ring->child; c; c = c->next, k++) {
        const cJSON *x = cJSON_IsArray(c) ? c->child : NULL;
        const cJSON *y = x ? x->next : NULL;
        if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || !isfinite(x->valuedouble) ||
            !isfinite(y->valuedouble) || fabs(x->valuedouble) > GJ_MAX_COORD ||
            fabs(y->valuedouble) > GJ_MAX_COORD)
            return fail(p, "polygon %d ring %d position %d must be [longitude, latitude] numbers", pi, ri, k);
        m->pts[m->npts++] = (gj_pt_t){ x->valuedouble, y->valuedouble };
        r->n++;
    }
    m->nrings++;
    return 0;
}

/* coords: the rings of one polygon. Appends a gj_poly_t. */
static int parse_polygon(ps_t *p, const cJSON *coords, int pi)
{
    gj_map_t *m = p->m;
    if (!cJSON_IsArray(coords))
        return fail(p, "polygon %d must be an array of rings, not %s", pi, kind(coords));
    if (!coords->child)
        return fail(p, "polygon %d has no rings", pi);
    if (grow((void **)&m->polys, &p->cap_polys, (size_t)m->npolys + 1, sizeof *m->polys))
        return fail(p, "out of memory");
    uint32_t first = m->nrings;
    int ri = 0;
    for (const cJSON *r = coords->child; r; r = r->next, ri++) {
        if (cJSON_IsNumber(r) || (cJSON_IsArray(r) && cJSON_IsNumber(r->child)))
            return fail(p, "coordinates must be an array of rings");
        if (parse_ring(p, r, pi, ri) != 0)
            return -1;
    }
    m->polys[m->npolys++] = (gj_poly_t){ first, m->nrings - first, 0 };
    return 0;
}

static int parse_geometry(ps_t *p, const cJSON *g, int depth, int *npoly)
{
    if (!cJSON_IsObject(g))
        return fail(p, "geometry must be an object or null, not %s", kind(g));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(g, "type");
    if (!cJSON_IsString(type))
        return fail(p, "geometry has no \"type\" string");
    const char *t = type->valuestring;
    if (strcmp(t, "GeometryCollection") == 0) {
        if (depth >= GJ_MAX_DEPTH)
            return fail(p, "GeometryCollections nested deeper than %d", GJ_MAX_DEPTH);
        const cJSON *gs = cJSON_GetObjectItemCaseSensitive(g, "geometries");
        if (!cJSON_IsArray(gs))
            return fail(p, "\"geometries\" must be an array, not %s", kind(gs));
        for (const cJSON *c = gs->child; c; c = c->next)
            if (parse_geometry(p, c, depth + 1, npoly) != 0)
                return -1;
        return 0;
    }
    bool poly = strcmp(t, "Polygon") == 0, multi = strcmp(t, "MultiPolygon") == 0;
    if (!poly && !multi) {
        static const char *const other[] = { "Point", "MultiPoint", "LineString", "MultiLineString", NULL };
        for (int i = 0; other[i]; i++)
            if (strcmp(t, other[i]) == 0)
                return 0;                           /* no area: skipped */
        return fail(p, "geometry type \"%.40s\" is not a GeoJSON type", t);
    }
    const cJSON *coords = cJSON_GetObjectItemCaseSensitive(g, "coordinates");
    if (!coords)
        return fail(p, "%s has no \"coordinates\"", t);
    if (poly) {
        if (!cJSON_IsArray(coords))
            return fail(p, "coordinates must be an array of rings");
        if (parse_polygon(p, coords, *npoly) != 0)
            return -1;
        ++*npoly;
        return 0;
    }
    if (!cJSON_IsArray(coords))
        return fail(p, "MultiPolygon coordinates must be an array of polygons");
    for (const cJSON *c = coords->child; c; c = c->next) {
        if (!cJSON_IsArray(c) || (cJSON_IsArray(c->child) && cJSON_IsNumber(c->child->child)))
            return fail(p, "MultiPolygon coordinates must be an array of polygons (polygon %d is not)", *npoly);
        if (parse_polygon(p, c, *npoly) != 0)
            return -1;
        ++*npoly;
    }
    return 0;
}

/* ---- features ----------------------------------------------------------- */

static char *region_name(ps_t *p, const cJSON *props)
{
    const cJSON *n = cJSON_IsObject(props) ? cJSON_GetObjectItemCaseSensitive(props, p->name_key) : NULL;
    char buf[GJ_MAX_NAME + 1] = "";
    if (cJSON_IsString(n)) {
        size_t len = strlen(n->valuestring);
        if (len > GJ_MAX_NAME || !bs_utf8_valid(n->valuestring, len)) {
            fail(p, "properties.%s must be valid UTF-8 of at most %d bytes", p->name_key, GJ_MAX_NAME);
            return NULL;
        }
        memcpy(buf, n->valuestring, len + 1);
    } else if (cJSON_IsNumber(n)) {
        snprintf(buf, sizeof buf, "%.15g", n->valuedouble);
    }
    char *s = strdup(buf);
    if (!s)
        fail(p, "out of memory");
    return s;
}

/* geometry g with properties props becomes one region (unless it has no
 * polygons: then it is counted as skipped). */
static int add_feature(ps_t *p, const cJSON *g, const cJSON *props)
{
    gj_map_t *m = p->m;
    if (props && !cJSON_IsObject(props) && !cJSON_IsNull(props))
        return fail(p, "\"properties\" must be an object or null, not %s", kind(props));
    if (!g || cJSON_IsNull(g)) {
        m->skipped++;
        return 0;
    }
    uint32_t first = m->npolys;
    int npoly = 0;
    if (parse_geometry(p, g, 0, &npoly) != 0)
        return -1;
    if (npoly == 0) {
        m->skipped++;
        return 0;
    }
    if (grow((void **)&m->regions, &p->cap_regions, (size_t)m->nregions + 1, sizeof *m->regions))
        return fail(p, "out of memory");
    char *name = region_name(p, props);
    if (!name)
        return -1;
    gj_region_t *r = &m->regions[m->nregions++];
    memset(r, 0, sizeof *r);
    r->name = name;
    r->feature = p->feature < 0 ? 0 : p->feature;
    r->first = first;
    r->n = m->npolys - first;
    return 0;
}

static int parse_feature(ps_t *p, const cJSON *f)
{
    if (!cJSON_IsObject(f))
        return fail(p, "a feature must be an object, not %s", kind(f));
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(f, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "Feature") != 0)
        return fail(p, "\"type\" must be \"Feature\"");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(f, "geometry");
    if (!g)
        return fail(p, "feature has no \"geometry\" (use null for none)");
    return add_feature(p, g, cJSON_GetObjectItemCaseSensitive(f, "properties"));
}

/* ---- measures ----------------------------------------------------------- */

/* Signed area and area-weighted centroid sums of a ring, x squeezed by kx. */
static double ring_area(const gj_pt_t *q, uint32_t n, double kx, double *cx, double *cy)
{
    double a = 0, sx = 0, sy = 0;
    for (uint32_t i = 0, j = n - 1; i < n; j = i++) {
        double x0 = q[j].x * kx, y0 = q[j].y, x1 = q[i].x * kx, y1 = q[i].y;
        double c = x0 * y1 - x1 * y0;
        a += c;
        sx += (x0 + x1) * c;
        sy += (y0 + y1) * c;
    }
    a *= 0.5;
    if (cx) {
        *cx = sx / 6;      /* sums; divided by the total area by the caller */
        *cy = sy / 6;
    }
    return a;
}

/* Signed distance from (x, y) to the polygon's edges (positive inside),
 * looking at every stride-th position of each ring (coordinates squeezed). */
static double poly_dist(const gj_map_t *m, const gj_poly_t *pg, double x, double y, uint32_t stride)
{
    bool inside = false;
    double best = INFINITY;
    for (uint32_t r = pg->first; r < pg->first + pg->n; r++) {
        const gj_pt_t *q = m->pts + m->rings[r].first;
        uint32_t n = m->rings[r].n;
        uint32_t prev = (n - 1) / stride * stride;
        for (uint32_t i = 0; i < n; i += stride) {
            double ax = q[prev].x * m->kx, ay = q[prev].y, bx = q[i].x * m->kx, by = q[i].y;
            if ((by > y) != (ay > y) && x < (ax - bx) * (y - by) / (ay - by) + bx)
                inside = !inside;
            double dx = ax - bx, dy = ay - by, L = dx * dx + dy * dy;
            double t = L > 0 ? ((x - bx) * dx + (y - by) * dy) / L : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = bx + t * dx - x, ey = by + t * dy - y, d = ex * ex + ey * ey;
            if (d < best)
                best = d;
            prev = i;
        }
    }
    return (inside ? 1 : -1) * sqrt(best);
}

/* A label point inside the polygon: its centroid when that lies well
 * inside, else the best point of a coarse-to-fine grid search for the spot
 * furthest from any edge (pole of inaccessibility, approximately). */
static gj_pt_t label_point(const gj_map_t *m, const gj_poly_t *pg)
{
    uint32_t edges = 0;
    for (uint32_t r = pg->first; r < pg->first + pg->n; r++)
        edges += m->rings[r].n;
    uint32_t stride = edges > LABEL_EDGES ? edges / LABEL_EDGES + 1 : 1;
    const gj_ring_t *outer = &m->rings[pg->first];
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (uint32_t i = 0; i < outer->n; i++) {
        gj_pt_t q = m->pts[outer->first + i];
        x0 = fmin(x0, q.x * m->kx); x1 = fmax(x1, q.x * m->kx);
        y0 = fmin(y0, q.y); y1 = fmax(y1, q.y);
    }
    /* centroid of the outer ring minus its holes */
    double A = 0, SX = 0, SY = 0;
    for (uint32_t r = pg->first; r < pg->first + pg->n; r++) {
        double sx, sy, a = ring_area(m->pts + m->rings[r].first, m->rings[r].n, m->kx, &sx, &sy);
        double sign = (r == pg->first) == (a >= 0) ? 1 : -1;   /* holes subtract */
        A += sign * a;
        SX += sign * sx;
        SY += sign * sy;
    }
    double cx = A != 0 ? SX / A : (x0 + x1) / 2, cy = A != 0 ? SY / A : (y0 + y1) / 2;
    if (!isfinite(cx) || !isfinite(cy)) {
        cx = (x0 + x1) / 2;
        cy = (y0 + y1) / 2;
    }
    double dc = poly_dist(m, pg, cx, cy, stride);

    double bx = cx, by = cy, bd = dc;
    double w = x1 - x0, h = y1 - y0, cell = fmax(w, h) / 16;
    if (cell > 0) {
        for (double y = y0 + cell / 2; y < y1; y += cell)
            for (double x = x0 + cell / 2; x < x1; x += cell) {
                double d = poly_dist(m, pg, x, y, stride);
                if (d > bd) { bd = d; bx = x; by = y; }
            }
        for (int round = 0; round < 3; round++) {      /* refine around the best */
            double ox = bx, oy = by;
            cell /= 3;
            for (int j = -3; j <= 3; j++)
                for (int i = -3; i <= 3; i++) {
                    double x = ox + i * cell, y = oy + j * cell;
                    double d = poly_dist(m, pg, x, y, stride);
                    if (d > bd) { bd = d; bx = x; by = y; }
                }
        }
    }
    /* the centroid reads best when it is comfortably inside */
    if (dc > 0 && dc >= 0.6 * bd) {
        bx = cx;
        by = cy;
    }
    return (gj_pt_t){ m->kx > 0 ? bx / m->kx : bx, by };
}

/* A geographic map that crosses the antimeridian (Fiji, Russia, Kiribati,
 * or a Pacific map with both) has longitudes near +180 and near -180: its
 * bounding box would span the whole globe and the land would be squeezed
 * into slivers at both ends. When moving the negative longitudes by +360
 * brings the extent from more than half the globe down to at most half of
 * it, they are moved (so -179.8 becomes 180.2) and the map is continuous.
 * A map with land on both sides of the prime meridian keeps an extent over
 * 180 degrees after the move and is left as it is. */
static void unwrap_antimeridian(gj_map_t *m)
{
    double x0 = INFINITY, x1 = -INFINITY, s0 = INFINITY, s1 = -INFINITY;
    for (uint32_t i = 0; i < m->npts; i++) {
        gj_pt_t q = m->pts[i];
        if (fabs(q.x) > 180 || fabs(q.y) > 90)
            return;                             /* not lon/lat: projected data */
        double s = q.x < 0 ? q.x + 360 : q.x;
        x0 = fmin(x0, q.x); x1 = fmax(x1, q.x);
        s0 = fmin(s0, s);   s1 = fmax(s1, s);
    }
    if (!(x1 - x0 > 180 && s1 - s0 <= 180))
        return;
    for (uint32_t i = 0; i < m->npts; i++)
        if (m->pts[i].x < 0)
            m->pts[i].x += 360;
}

static void measure(gj_map_t *m)
{
    unwrap_antimeridian(m);
    m->minx = m->miny = INFINITY;
    m->maxx = m->maxy = -INFINITY;
    for (uint32_t i = 0; i < m->npts; i++) {
        m->minx = fmin(m->minx, m->pts[i].x); m->maxx = fmax(m->maxx, m->pts[i].x);
        m->miny = fmin(m->miny, m->pts[i].y); m->maxy = fmax(m->maxy, m->pts[i].y);
    }
    m->kx = 1;
    if (m->miny >= -90 && m->maxy <= 90 && m->minx >= -540 && m->maxx <= 540)
        m->kx = fmax(0.1, cos((m->miny + m->maxy) / 2 * M_PI / 180));
    for (uint32_t i = 0; i < m->npolys; i++) {
        gj_poly_t *pg = &m->polys[i];
        double a = 0;
        for (uint32_t r = pg->first; r < pg->first + pg->n; r++) {
            double ra = fabs(ring_area(m->pts + m->rings[r].first, m->rings[r].n, m->kx, NULL, NULL));
            a += r == pg->first ? ra : -ra;
        }
        pg->area = fmax(0, a);
    }
    for (int i = 0; i < m->nregions; i++) {
        gj_region_t *r = &m->regions[i];
        r->minx = r->miny = INFINITY;
        r->maxx = r->maxy = -INFINITY;
        uint32_t big = r->first;
        r->area = 0;
        for (uint32_t k = r->first; k < r->first + r->n; k++) {
            const gj_poly_t *pg = &m->polys[k];
            const gj_ring_t *o = &m->rings[pg->first];
            for (uint32_t j = 0; j < o->n; j++) {
                gj_pt_t q = m->pts[o->first + j];
                r->minx = fmin(r->minx, q.x); r->maxx = fmax(r->maxx, q.x);
                r->miny = fmin(r->miny, q.y); r->maxy = fmax(r->maxy, q.y);
            }
            r->area += pg->area;
            if (pg->area > m->polys[big].area)
                big = k;
        }
        r->label = label_point(m, &m->polys[big]);
    }
}

/* ---- entry points ------------------------------------------------------- */

/* Counts '[' and ',' outside strings, so a file far past the caps is refused
 * before cJSON builds a tree for it (about 80 bytes per node). */
static int prescan(const char *s, size_t len, ps_t *p)
{
    size_t open = 0, commas = 0;
    bool str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '[') {
            open++;
        } else if (c == ',') {
            commas++;
        }
    }
    if (open > (size_t)GJ_MAX_POINTS * 3 / 2 || commas > (size_t)GJ_MAX_POINTS * 4)
        return fail(p, "too large: more than %d positions", GJ_MAX_POINTS);
    return 0;
}

void gj_free(gj_map_t *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nregions; i++)
        free(m->regions[i].name);
    free(m->regions);
    free(m->polys);
    free(m->rings);
    free(m->pts);
    free(m->note);
    free(m);
}

gj_map_t *gj_parse(const char *text, size_t len, const char *name_key, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || !errlen) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    ps_t p = { .err = err, .errlen = errlen, .feature = -1, .name_key = name_key ? name_key : "name" };
    cJSON *root = NULL;
    if (!text || len > GJ_MAX_FILE_BYTES) {
        fail(&p, "file is larger than %u MiB", GJ_MAX_FILE_BYTES >> 20);
        return NULL;
    }
    if (prescan(text, len, &p) != 0)
        return NULL;
    p.m = calloc(1, sizeof *p.m);
    if (!p.m) {
        fail(&p, "out of memory");
        return NULL;
    }
    root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + len ? (size_t)(at - text) : 0;
        fail(&p, "not valid JSON (near byte %zu)", off);
        goto err;
    }
    if (!cJSON_IsObject(root)) {
        fail(&p, "GeoJSON must be an object, not %s", kind(root));
        goto err;
    }
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(root, "note");
    if (cJSON_IsString(note) && strlen(note->valuestring) <= 1024 &&
        bs_utf8_valid(note->valuestring, strlen(note->valuestring)))
        p.m->note = strdup(note->valuestring);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type)) {
        fail(&p, "GeoJSON has no \"type\" string");
        goto err;
    }
    if (strcmp(type->valuestring, "FeatureCollection") == 0) {
        const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "features");
        if (!cJSON_IsArray(fs)) {
            fail(&p, "\"features\" must be an array, not %s", kind(fs));
            goto err;
        }
        int i = 0;
        for (const cJSON *f = fs->child; f; f = f->next, i++) {
            if (i >= GJ_MAX_FEATURES) {
                p.feature = -1;
                fail(&p, "more than %d features", GJ_MAX_FEATURES);
                goto err;
            }
            p.feature = i;
            if (parse_feature(&p, f) != 0)
                goto err;
        }
    } else if (strcmp(type->valuestring, "Feature") == 0) {
        p.feature = 0;
        if (parse_feature(&p, root) != 0)
            goto err;
    } else {
        p.feature = 0;
        if (add_feature(&p, root, NULL) != 0)
            goto err;
    }
    p.feature = -1;
    if (p.m->nregions == 0) {
        fail(&p, "no Polygon or MultiPolygon features (%d skipped)", p.m->skipped);
        goto err;
    }
    cJSON_Delete(root);
    measure(p.m);
    return p.m;
err:
    cJSON_Delete(root);
    gj_free(p.m);
    return NULL;
}

gj_map_t *gj_load_file(const char *path, const char *name_key, char *err, size_t errlen)
{
    size_t n = 0;
    char *buf = bs_read_file(path, GJ_MAX_FILE_BYTES, &n, err, errlen);
    if (!buf) {
        if (errno == EFBIG)
            snprintf(err, errlen, "%s is larger than %u MiB", path, GJ_MAX_FILE_BYTES >> 20);
        return NULL;
    }
    gj_map_t *m = gj_parse(buf, n, name_key, err, errlen);
    free(buf);
    return m;
}

int gj_find(const gj_map_t *m, const char *name)
{
    if (!m || !name)
        return -1;
    for (int i = 0; i < m->nregions; i++)
        if (strcmp(m->regions[i].name, name) == 0)
            return i;
    return -1;
}

gj_proj_t gj_fit(const gj_map_t *m, double x, double y, double w, double h)
{
    gj_proj_t p = { 1, x, y, m->kx, m->minx, m->maxy };
    double mw = (m->maxx - m->minx) * m->kx, mh = m->maxy - m->miny;
    if (!(mw > 0) && !(mh > 0))
        return p;
    double sx = mw > 0 ? w / mw : INFINITY, sy = mh > 0 ? h / mh : INFINITY;
    p.s = fmin(sx, sy);
    p.ox = x + (w - mw * p.s) / 2;
    p.oy = y + (h - mh * p.s) / 2;
    return p;
}
