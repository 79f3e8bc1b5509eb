/* test_geojson.c — the GeoJSON loader: good files, holes, islands, the
 * shipped stylised map, a synthetic province, and each malformed case with
 * the message it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geojson.h"

#ifndef BS_SOURCE
#define BS_SOURCE "."
#endif

#define SQ(x0, y0, x1, y1) "[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1 "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]"
#define FC(...) "{\"type\":\"FeatureCollection\",\"features\":[" __VA_ARGS__ "]}"
#define POLY(name, rings) "{\"type\":\"Feature\",\"properties\":{\"name\":\"" name "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" rings "]}}"

/* ---- good input ----------------------------------------------------------- */

typedef struct {
    const char *json;
    int regions, polys, rings, skipped;
    const char *first_name;
} good_t;

static const good_t good[] = {
    { FC(POLY("临平", SQ(120, 30, 121, 31))), 1, 1, 1, 0, "临平" },
    /* a hole */
    { FC(POLY("湖", SQ(0, 0, 10, 10) "," SQ(4, 4, 6, 6))), 1, 1, 2, 0, "湖" },
    /* an island: a MultiPolygon of two */
    { FC("{\"type\":\"Feature\",\"properties\":{\"name\":\"岛\"},\"geometry\":{\"type\":\"MultiPolygon\","
         "\"coordinates\":[[" SQ(0, 0, 4, 4) "],[" SQ(6, 0, 7, 1) "]]}}"), 1, 2, 2, 0, "岛" },
    /* a bare geometry and a single Feature */
    { "{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]}", 1, 1, 1, 0, "" },
    { POLY("单", SQ(0, 0, 1, 1)), 1, 1, 1, 0, "单" },
    /* GeometryCollection of polygons; Point and LineString skipped; null geometry skipped */
    { FC("{\"type\":\"Feature\",\"properties\":{\"name\":\"群\"},\"geometry\":{\"type\":\"GeometryCollection\","
         "\"geometries\":[{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]},"
         "{\"type\":\"Point\",\"coordinates\":[0,0]}]}},"
         "{\"type\":\"Feature\",\"properties\":null,\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,1]}},"
         "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}},"
         "{\"type\":\"Feature\",\"properties\":{},\"geometry\":null}"), 1, 1, 1, 3, "群" },
    /* numeric names, unclosed triangle, extra altitude */
    { FC("{\"type\":\"Feature\",\"properties\":{\"name\":330110},\"geometry\":{\"type\":\"Polygon\","
         "\"coordinates\":[[[0,0,5],[1,0,5],[0,1,5]]]}}"), 1, 1, 1, 0, "330110" },
};

static void test_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char err[256] = "";
        gj_map_t *m = gj_parse(good[i].json, strlen(good[i].json), NULL, err, sizeof err);
        if (!m)
            fail_msg("good case %zu: %s", i, err);
        assert_int_equal(m->nregions, good[i].regions);
        assert_int_equal(m->npolys, good[i].polys);
        assert_int_equal(m->nrings, good[i].rings);
        assert_int_equal(m->skipped, good[i].skipped);
        assert_string_equal(m->regions[0].name, good[i].first_name);
        gj_free(m);
    }
}

static void test_hole_area_and_label(void **state)
{
    (void)state;
    const char *j = "{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 10, 10) "," SQ(3, 3, 7, 7) "]}";
    char err[256];
    gj_map_t *m = gj_parse(j, strlen(j), NULL, err, sizeof err);
    assert_non_null(m);
    double kx = m->kx;
    assert_true(fabs(m->regions[0].area - (100 - 16) * kx) < 1e-6);
    /* the centroid (5, 5) is in the hole: the label must go elsewhere, inside */
    gj_pt_t l = m->regions[0].label;
    assert_true(l.x > 0 && l.x < 10 && l.y > 0 && l.y < 10);
    assert_false(l.x > 3 && l.x < 7 && l.y > 3 && l.y < 7);
    gj_free(m);
}

static void test_label_in_concave(void **state)
{
    (void)state;
    /* a U: the centroid falls in the notch */
    const char *j = "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[7,10],[7,2],[3,2],[3,10],[0,10],[0,0]]]}";
    char err[256];
    gj_map_t *m = gj_parse(j, strlen(j), NULL, err, sizeof err);
    assert_non_null(m);
    gj_pt_t l = m->regions[0].label;
    bool in_notch = l.x > 3 && l.x < 7 && l.y > 2;
    assert_false(in_notch);
    assert_true(l.x > 0 && l.x < 10 && l.y > 0 && l.y < 10);
    gj_free(m);
}

static void test_label_largest_island(void **state)
{
    (void)state;
    const char *j = "{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQ(20, 0, 21, 1) "],[" SQ(0, 0, 8, 8) "]]}";
    char err[256];
    gj_map_t *m = gj_parse(j, strlen(j), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->regions[0].label.x < 8);
    assert_true(m->regions[0].minx == 0 && m->regions[0].maxx == 21);
    gj_free(m);
}

static void test_fit(void **state)
{
    (void)state;
    const char *j = "{\"type\":\"Polygon\",\"coordinates\":[" SQ(1000, 1000, 1100, 1050) "]}";
    char err[256];
    gj_map_t *m = gj_parse(j, strlen(j), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->kx == 1);                   /* projected data: no squeeze */
    gj_proj_t p = gj_fit(m, 0, 0, 400, 400);   /* 100 × 50 → 400 × 200, centred */
    gj_pt_t a = gj_project(&p, (gj_pt_t){ 1000, 1050 }), b = gj_project(&p, (gj_pt_t){ 1100, 1000 });
    assert_true(fabs(a.x - 0) < 1e-9 && fabs(a.y - 100) < 1e-9);
    assert_true(fabs(b.x - 400) < 1e-9 && fabs(b.y - 300) < 1e-9);
    gj_free(m);
}

static void test_stylised_file(void **state)
{
    (void)state;
    static const char *const towns[] = { "临平", "南苑", "东湖", "星桥", "乔司", "运河", "崇贤",
                                         "塘栖", "良渚", "仁和", "瓶窑", "闲林", "仓前", "五常" };
    char err[256];
    gj_map_t *m = gj_load_file(BS_SOURCE "/layouts/linping-stylised.geojson", NULL, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(m->nregions, 14);
    for (size_t i = 0; i < 14; i++) {
        int r = gj_find(m, towns[i]);
        assert_true(r >= 0);
        const gj_region_t *g = &m->regions[r];
        assert_true(g->label.x >= g->minx && g->label.x <= g->maxx);
        assert_true(g->label.y >= g->miny && g->label.y <= g->maxy);
    }
    assert_non_null(m->note);
    assert_non_null(strstr(m->note, "STYLISED"));
    assert_int_equal(m->regions[gj_find(m, "乔司")].n, 2);          /* an island */
    assert_int_equal(m->polys[m->regions[gj_find(m, "闲林")].first].n, 2);   /* a lake */
    assert_true(m->kx > 0.8 && m->kx < 0.9);                        /* cos 30.4° */
    gj_free(m);
}

static void test_synthetic_province(void **state)
{
    (void)state;
    char err[256];
    gj_map_t *m = gj_load_file(BS_SOURCE "/tests/data/synthetic-province.geojson", NULL, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_true(m->nregions > 60);
    assert_int_equal(m->skipped, 2);                     /* a Point and a LineString */
    assert_int_equal(m->regions[gj_find(m, "群岛县")].n, 7);
    assert_int_equal(m->regions[gj_find(m, "礁石乡")].n, 2);
    assert_true(gj_find(m, "飞地镇") >= 0);
    gj_free(m);
}

/* ---- malformed input: each with its message ------------------------------ */

typedef struct {
    const char *json;
    const char *msg;         /* substring of the error */
} bad_t;

static const bad_t bad[] = {
    { "", "not valid JSON" },
    { "[1,2]", "GeoJSON must be an object, not an array" },
    { "{\"type\":\"FeatureCollection\"}", "\"features\" must be an array, not missing" },
    { "{\"features\":[]}", "no \"type\"" },
    { FC(""), "no Polygon or MultiPolygon features" },
    { FC("1"), "feature 0: a feature must be an object" },
    { FC(POLY("a", SQ(0, 0, 1, 1)) ",{\"type\":\"Feat\",\"geometry\":null}"), "feature 1: \"type\" must be \"Feature\"" },
    { FC("{\"type\":\"Feature\",\"properties\":{}}"), "feature 0: feature has no \"geometry\"" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":5}}"),
      "feature 0: coordinates must be an array of rings" },
    { FC(POLY("a", SQ(0, 0, 1, 1)) "," POLY("b", SQ(0, 0, 1, 1)) ","
         "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[0,0],[1,1],[1,0]]}}"),
      "feature 2: coordinates must be an array of rings" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\"}}"), "feature 0: Polygon has no \"coordinates\"" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[]}}"), "feature 0: polygon 0 has no rings" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1]]]}}"),
      "feature 0: polygon 0 ring 0 has 2 positions" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,\"x\"],[1,0]]]}}"),
      "feature 0: polygon 0 ring 0 position 1 must be [longitude, latitude] numbers" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1e300,1],[1,0]]]}}"),
      "position 1 must be [longitude, latitude]" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) ",7]}}"),
      "feature 0: coordinates must be an array of rings" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]}}"),
      "feature 0: MultiPolygon coordinates must be an array of polygons" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":{}}}"),
      "feature 0: MultiPolygon coordinates must be an array of polygons" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Circle\",\"coordinates\":[]}}"),
      "feature 0: geometry type \"Circle\" is not a GeoJSON type" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"coordinates\":[]}}"), "feature 0: geometry has no \"type\"" },
    { FC("{\"type\":\"Feature\",\"geometry\":[]}"), "feature 0: geometry must be an object or null" },
    { FC("{\"type\":\"Feature\",\"geometry\":{\"type\":\"GeometryCollection\"}}"), "feature 0: \"geometries\" must be an array" },
    { FC("{\"type\":\"Feature\",\"properties\":[],\"geometry\":null}"), "feature 0: \"properties\" must be an object or null" },
    { FC("{\"type\":\"Feature\",\"properties\":{\"name\":\"\xff\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]}}"),
      "feature 0: properties.name must be valid UTF-8" },
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        gj_map_t *m = gj_parse(bad[i].json, strlen(bad[i].json), NULL, err, sizeof err);
        if (m) {
            gj_free(m);
            fail_msg("bad case %zu was accepted", i);
        }
        if (!strstr(err, bad[i].msg))
            fail_msg("bad case %zu: got \"%s\", want \"%s\"", i, err, bad[i].msg);
    }
}

static void test_nesting_and_caps(void **state)
{
    (void)state;
    char err[256];
    /* GeometryCollections nested too deep */
    char deep[2048] = "";
    for (int i = 0; i < 10; i++)
        strcat(deep, "{\"type\":\"GeometryCollection\",\"geometries\":[");
    strcat(deep, "{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]}");
    for (int i = 0; i < 10; i++)
        strcat(deep, "]}");
    assert_null(gj_parse(deep, strlen(deep), NULL, err, sizeof err));
    assert_non_null(strstr(err, "nested deeper"));

    /* more than GJ_MAX_FEATURES features */
    size_t cap = (GJ_MAX_FEATURES + 2) * 40 + 100;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t u = (size_t)snprintf(s, cap, "{\"type\":\"FeatureCollection\",\"features\":[");
    for (int i = 0; i <= GJ_MAX_FEATURES; i++)
        u += (size_t)snprintf(s + u, cap - u, "%s{\"type\":\"Feature\",\"geometry\":null}", i ? "," : "");
    u += (size_t)snprintf(s + u, cap - u, "]}");
    assert_null(gj_parse(s, u, NULL, err, sizeof err));
    assert_non_null(strstr(err, "more than 5000 features"));
    free(s);

    /* a file too large is refused before parsing */
    assert_null(gj_parse("{}", (size_t)GJ_MAX_FILE_BYTES + 1, NULL, err, sizeof err));
    assert_non_null(strstr(err, "larger than"));

    /* a missing file */
    assert_null(gj_load_file("/nonexistent/x.geojson", NULL, err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));

    /* another name property */
    const char *j = "{\"type\":\"Feature\",\"properties\":{\"NAME_CHN\":\"余杭\"},\"geometry\":"
                    "{\"type\":\"Polygon\",\"coordinates\":[" SQ(0, 0, 1, 1) "]}}";
    gj_map_t *m = gj_parse(j, strlen(j), "NAME_CHN", err, sizeof err);
    assert_non_null(m);
    assert_string_equal(m->regions[0].name, "余杭");
    gj_free(m);
}

/* ---- real data: Natural Earth 1:110m countries (tests/data/NATURAL-EARTH.md) */

/* Even-odd point-in-polygon over every ring of polygon pi (holes excluded). */
static bool in_poly(const gj_map_t *m, uint32_t pi, gj_pt_t p)
{
    bool in = false;
    const gj_poly_t *pg = &m->polys[pi];
    for (uint32_t r = pg->first; r < pg->first + pg->n; r++) {
        const gj_pt_t *q = m->pts + m->rings[r].first;
        uint32_t n = m->rings[r].n;
        for (uint32_t i = 0, j = n - 1; i < n; j = i++)
            if ((q[i].y > p.y) != (q[j].y > p.y) &&
                p.x < (q[j].x - q[i].x) * (p.y - q[i].y) / (q[j].y - q[i].y) + q[i].x)
                in = !in;
    }
    return in;
}

/* Every label lies inside its region's largest polygon (not in a hole). */
static void assert_labels_inside(const gj_map_t *m)
{
    for (int i = 0; i < m->nregions; i++) {
        const gj_region_t *r = &m->regions[i];
        uint32_t big = r->first;
        for (uint32_t k = r->first; k < r->first + r->n; k++)
            if (m->polys[k].area > m->polys[big].area)
                big = k;
        if (!in_poly(m, big, r->label))
            fail_msg("label of %s (%g, %g) is outside its polygon", r->name, r->label.x, r->label.y);
    }
}

/* The projection puts every position inside the rect and fills it along
 * one axis (aspect kept, centred). */
static void assert_fits(const gj_map_t *m, double x, double y, double w, double h)
{
    gj_proj_t p = gj_fit(m, x, y, w, h);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (uint32_t i = 0; i < m->npts; i++) {
        gj_pt_t q = gj_project(&p, m->pts[i]);
        x0 = fmin(x0, q.x); x1 = fmax(x1, q.x);
        y0 = fmin(y0, q.y); y1 = fmax(y1, q.y);
    }
    const double e = 1e-6;
    assert_true(x0 >= x - e && x1 <= x + w + e && y0 >= y - e && y1 <= y + h + e);
    assert_true(fabs((x1 - x0) - w) < e || fabs((y1 - y0) - h) < e);
    assert_true(fabs((x0 - x) - (x + w - x1)) < e && fabs((y0 - y) - (y + h - y1)) < e);
}

static void test_natural_earth_southern_africa(void **state)
{
    (void)state;
    char err[256];
    gj_map_t *m = gj_load_file(BS_SOURCE "/tests/data/natural-earth-southern-africa.geojson", "NAME_EN", err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(m->nregions, 8);
    assert_int_equal(m->skipped, 0);
    assert_true(m->kx > 0.9 && m->kx < 0.95);                /* cos 22.7° */
    assert_true(m->minx > 11 && m->maxx < 51);               /* no antimeridian move */

    /* South Africa: one polygon with a hole, and the hole is Lesotho */
    const gj_region_t *za = &m->regions[gj_find(m, "South Africa")];
    const gj_region_t *ls = &m->regions[gj_find(m, "Lesotho")];
    assert_int_equal(za->n, 1);
    const gj_poly_t *zp = &m->polys[za->first];
    assert_int_equal(zp->n, 2);
    assert_int_equal(ls->n, 1);
    const gj_ring_t *hole = &m->rings[zp->first + 1];
    const gj_ring_t *lso = &m->rings[m->polys[ls->first].first];
    assert_int_equal(hole->n, lso->n);
    for (uint32_t i = 0; i < hole->n; i++) {                 /* the same points, in reverse order */
        gj_pt_t a = m->pts[hole->first + i], b = m->pts[lso->first + (lso->n - 1 - i)];
        assert_true(a.x == b.x && a.y == b.y);
    }
    /* the hole's area is taken out: Lesotho's area is what South Africa lost */
    double outer = 0;
    {
        const gj_ring_t *o = &m->rings[zp->first];
        for (uint32_t i = 0, j = o->n - 1; i < o->n; j = i++)
            outer += (m->pts[o->first + j].x * m->kx) * m->pts[o->first + i].y -
                     (m->pts[o->first + i].x * m->kx) * m->pts[o->first + j].y;
        outer = fabs(outer) / 2;
    }
    assert_true(fabs(outer - ls->area - za->area) < 1e-9);
    /* Lesotho's label is in the hole, South Africa's is not */
    assert_false(in_poly(m, za->first, ls->label));
    assert_true(in_poly(m, ls->first, ls->label));
    assert_true(in_poly(m, za->first, za->label));
    assert_int_equal(m->regions[gj_find(m, "Madagascar")].n, 1);  /* an island on its own */
    assert_labels_inside(m);
    assert_fits(m, 10, 20, 760, 640);
    assert_fits(m, 0, 0, 300, 1000);
    gj_free(m);
}

static void test_natural_earth_islands_antimeridian(void **state)
{
    (void)state;
    char err[256];
    gj_map_t *m = gj_load_file(BS_SOURCE "/tests/data/natural-earth-maritime-asia.geojson", "NAME_EN", err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(m->nregions, 8);
    static const struct { const char *name; int polys; } isl[] = {
        { "Indonesia", 13 }, { "Philippines", 7 }, { "Papua New Guinea", 4 }, { "Malaysia", 2 },
        { "Vanuatu", 2 }, { "Fiji", 3 }, { "East Timor", 1 }, { "Brunei", 1 },
    };
    for (size_t i = 0; i < sizeof isl / sizeof isl[0]; i++) {
        int r = gj_find(m, isl[i].name);
        assert_true(r >= 0);
        assert_int_equal(m->regions[r].n, isl[i].polys);
    }
    /* Fiji's islands lie on both sides of 180°: the map is unwrapped so
     * that it spans 95°E .. 180.2°E instead of the whole globe */
    assert_true(m->minx > 95 && m->minx < 96);
    assert_true(m->maxx > 180 && m->maxx < 181);
    const gj_region_t *fj = &m->regions[gj_find(m, "Fiji")];
    assert_true(fj->minx > 177 && fj->maxx < 181);
    assert_true(fj->label.x > 177 && fj->label.x < 181);
    assert_labels_inside(m);
    assert_fits(m, 0, 0, 800, 600);
    assert_fits(m, 50, 50, 400, 900);
    gj_free(m);
}

static void test_antimeridian_rules(void **state)
{
    (void)state;
    char err[256];
    /* pieces at 179..180 and -180..-179: moved, one continuous map */
    const char *a = FC(POLY("东", SQ(179, -17, 180, -16)) "," POLY("西", SQ(-180, -17, -179, -16)));
    gj_map_t *m = gj_parse(a, strlen(a), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->minx == 179 && m->maxx == 181);
    assert_true(m->regions[1].minx == 180 && m->regions[1].maxx == 181);
    gj_free(m);
    /* land on both sides of the prime meridian as well: left as it is */
    const char *b = FC(POLY("a", SQ(-10, 0, 10, 10)) "," POLY("b", SQ(170, 0, 180, 10)) "," POLY("c", SQ(-180, 0, -170, 10)));
    m = gj_parse(b, strlen(b), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->minx == -180 && m->maxx == 180);
    gj_free(m);
    /* the Americas alone (all negative) are not moved */
    const char *c = FC(POLY("a", SQ(-120, 30, -70, 45)));
    m = gj_parse(c, strlen(c), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->minx == -120 && m->maxx == -70);
    gj_free(m);
    /* projected data (|x| > 180) is never moved */
    const char *d = FC(POLY("a", SQ(-200, 0, -150, 10)) "," POLY("b", SQ(150, 0, 200, 10)));
    m = gj_parse(d, strlen(d), NULL, err, sizeof err);
    assert_non_null(m);
    assert_true(m->minx == -200 && m->maxx == 200);
    gj_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_hole_area_and_label),
        cmocka_unit_test(test_label_in_concave),
        cmocka_unit_test(test_label_largest_island),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_stylised_file),
        cmocka_unit_test(test_synthetic_province),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_nesting_and_caps),
        cmocka_unit_test(test_natural_earth_southern_africa),
        cmocka_unit_test(test_natural_earth_islands_antimeridian),
        cmocka_unit_test(test_antimeridian_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
