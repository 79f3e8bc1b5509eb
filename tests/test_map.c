/* test_map.c — the map's points, inset, tour and region masks on a test
 * GeoJSON (tests/data/map-test.geojson: four squares), fed message by
 * message through the feed's parser: hostile points are dropped and
 * counted, caps hold, moving marks damage only their own small boxes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_fixture.h"

#define WALL0 FIXTURE_WALL0
#define LAYOUT BS_SOURCE "/tests/data/map-test.json"

static void send(screen_t *s, const char *json)
{
    assert_true(feed_ingest(s->feeds[0], json, strlen(json)) > 0);
}

/* Runs s from t0 to t1 at 60 fps, painting what is damaged. */
static void run(screen_t *s, double t0, double t1)
{
    for (double t = t0; t <= t1 + 1e-9; t += 1 / 60.0) {
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
    }
}

/* Line `row` of what widget 0 shows (its text), into out. */
static bool text_row(screen_t *s, const char *prefix, char *out, size_t len)
{
    const wdg_t *w = s->layout->widgets[0];
    wdg_text_t t = { 0 };
    w->cls->text(w, &t);
    bool found = false;
    char *save = NULL;
    for (char *line = t.buf ? strtok_r(t.buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            snprintf(out, len, "%s", line);
            found = true;
            break;
        }
    free(t.buf);
    return found;
}

#define REGIONS "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}"

/* Points with no position, a position that is not a longitude, one far off
 * the map, one that is not an object, and a non-finite value: three are
 * shown, the rest counted by what was wrong. */
static void points_hostile(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(LAYOUT, 640, 480);
    send(s, REGIONS);
    send(s, "{\"topic\":\"t.points\",\"value\":["
            "{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
            "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":1e300},"
            "{\"name\":\"站三\",\"lon\":120.12,\"lat\":30.12,\"value\":\"many\"},"
            "{\"name\":\"无位置\",\"value\":3},"
            "{\"name\":\"文字\",\"lon\":\"东经120\",\"lat\":30.1},"
            "{\"name\":\"超界\",\"lon\":500,\"lat\":30.1},"
            "{\"name\":\"纬度\",\"lon\":120.1,\"lat\":-91},"
            "{\"name\":\"远处\",\"lon\":10,\"lat\":50},"
            "17, null, \"x\"]}");
    run(s, 0, 0.2);
    char row[256];
    assert_true(text_row(s, "points ", row, sizeof row));
    assert_string_equal(row, "points 3 shown, 7 bad position, 1 off the map, 0 over the cap of 512");
    /* the one with the huge value is first and labelled; the one without a number last */
    assert_true(text_row(s, "point ", row, sizeof row));
    assert_string_equal(row, "point 站二");
    /* not an array at all: nothing shown, one bad */
    send(s, "{\"topic\":\"t.points\",\"value\":{\"name\":\"x\"}}");
    run(s, 0.2, 0.3);
    assert_true(text_row(s, "points ", row, sizeof row));
    assert_string_equal(row, "points 0 shown, 1 bad position, 0 off the map, 0 over the cap of 512");
    screen_free(s);
}

/* 600 points: 512 kept (the first ones), 88 counted over the cap. */
static void points_cap(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(LAYOUT, 640, 480);
    size_t cap = 64 * 1024, n = 0;
    char *msg = malloc(cap);
    n += (size_t)snprintf(msg + n, cap - n, "{\"topic\":\"t.points\",\"value\":[");
    for (int i = 0; i < 600; i++)
        n += (size_t)snprintf(msg + n, cap - n, "%s{\"name\":\"p%d\",\"lon\":%.4f,\"lat\":%.4f,\"value\":%d}",
                              i ? "," : "", i, 120.0 + (i % 25) * 0.008, 30.0 + (i / 25) * 0.008, i);
    snprintf(msg + n, cap - n, "]}");
    send(s, REGIONS);
    send(s, msg);
    free(msg);
    run(s, 0, 0.2);
    char row[256];
    assert_true(text_row(s, "points ", row, sizeof row));
    assert_string_equal(row, "points 512 shown, 0 bad position, 0 off the map, 88 over the cap of 512");
    assert_true(text_row(s, "point ", row, sizeof row));
    assert_string_equal(row, "point p511");                 /* the largest kept */
    screen_free(s);
}

/* Ripples are moving marks: at each of their steps only their small boxes
 * are repainted, the cached layer is not redrawn, and the repainted area is
 * a small part of the map's. */
static void ripples_damage_only_themselves(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(LAYOUT, 640, 480);
    send(s, REGIONS);
    send(s, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
            "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":40}]}");
    run(s, 0, 1);
    uint64_t drawn = s->st.widgets_drawn, px = s->st.pixels, painted = s->st.painted;
    run(s, 1 + 1 / 60.0, 3);
    /* they do move, a step of about half a unit at a time (10 to 30 steps
     * a second each): not every frame of the 120 */
    uint64_t frames = s->st.painted - painted;
    if (frames < 20 || frames > 100)
        fail_msg("%llu of 120 frames repainted the ripples (want them stepping, 20 .. 100)",
                 (unsigned long long)frames);
    assert_int_equal(s->st.widgets_drawn, drawn);             /* the layer stays cached */
    double per_frame = (double)(s->st.pixels - px) / (double)(s->st.painted - painted);
    /* two ripples of about 40 px radius: old ∪ new well under 5 % of 640 × 480 */
    if (per_frame > 0.05 * 640 * 480)
        fail_msg("ripple frames repaint %.0f pixels each", per_frame);
    screen_free(s);
}

#define FLY_LAYOUT BS_SOURCE "/tests/data/map-fly-test.json"

/* Frames from t0 to t1: the most pixels one of them repainted, and the
 * frames painted, into *most and *frames; the cached layer's redraws are
 * counted as drawn. */
static void run_marks(screen_t *s, double t0, double t1, uint64_t *most, uint64_t *frames)
{
    *most = 0;
    *frames = 0;
    for (double t = t0; t <= t1 + 1e-9; t += 1 / 60.0) {
        uint64_t px = s->st.pixels;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        if (screen_update(s, t, wall)) {
            screen_paint(s, t, wall);
            (*frames)++;
        }
        if (s->st.pixels - px > *most)
            *most = s->st.pixels - px;
    }
}

/* Every moving mark of the map at once (three comets with their landing
 * ripples, the centre's rings, two opposite regions pulsing, two points
 * rippling) repaints only its own boxes, old and new: no frame repaints
 * anything like the whole map, and the cached layer is not redrawn. The
 * two pulses are two boxes round their rings, not one box round both (that
 * was 22 % of the map a frame); a region's flash (its first 0.8 s) covers
 * that region alone (one box round both flashes was 43 %). */
static void moving_marks_damage_only_themselves(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(FLY_LAYOUT, 640, 480);
    send(s, REGIONS);
    send(s, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
            "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":40}]}");
    run(s, 0, 1);
    /* 乙 and 丙 (opposite corners) change; the scale and the flylines' order stay */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":21,\"丙\":31,\"丁\":40}}");
    run(s, 1, 1.1);
    uint64_t most, frames, drawn = s->st.widgets_drawn;
    run_marks(s, 1.1 + 1 / 60.0, 1.7, &most, &frames);        /* flashing: one region's box each */
    assert_true(frames >= 30);
    const double map = 640.0 * 480;
    if (most > 0.35 * map)                                    /* two of four quarters, and the comets */
        fail_msg("while two regions flash a frame repainted %.0f %% of the map", most * 100 / map);
    run(s, 1.7 + 1 / 60.0, 2.0);                              /* the flashes end */
    run_marks(s, 2.0 + 1 / 60.0, 3.4, &most, &frames);        /* rings, comets, ripples */
    assert_true(frames >= 80);                                /* they do move */
    assert_int_equal(s->st.widgets_drawn, drawn);             /* the layer stays cached */
    if (most > 0.15 * map)
        fail_msg("pulses, comets and ripples repainted %.0f %% of the map in a frame", most * 100 / map);
    run(s, 3.4 + 1 / 60.0, 3.6);                              /* the pulses end */
    run_marks(s, 3.6 + 1 / 60.0, 5, &most, &frames);          /* comets and ripples */
    if (most > 0.1 * map)
        fail_msg("comets and ripples repainted %.0f %% of the map in a frame", most * 100 / map);
    screen_free(s);
}

/* A region whose value changes every frame (a feed at 1000 msg/s) goes on
 * with its pulse, as a tween retargets: it flashes once every `pulse`
 * seconds (2.5), not without end. Between its flashes (0.8 s each) only
 * the rings, comets and ripples are repainted; the value moves within its
 * shade and its text (20 .. 20.0019), so no layer is redrawn. */
static void pulse_goes_on_under_a_storm(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(FLY_LAYOUT, 640, 480);
    send(s, REGIONS);
    run(s, 0, 1);
    uint64_t flash_px = 0, calm_px = 0;
    for (long k = 61; k <= 60 * 3; k++) {                 /* 1 .. 3 s: a change every frame */
        char msg[160];
        snprintf(msg, sizeof msg, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":%.4f,\"丙\":30,\"丁\":40}}",
                 20 + (k % 20) * 0.0001);
        send(s, msg);
        double t = k / 60.0;
        uint64_t px = s->st.pixels;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (t > 1.1 && t < 1.7)
            flash_px += s->st.pixels - px;                 /* its flash, started at 1 s */
        if (t > 2.0 && t < 2.6)
            calm_px += s->st.pixels - px;                  /* the same pulse's rings only */
    }
    /* restarted by every message, it would flash all the time: calm ≈ flash */
    if (calm_px * 10 > flash_px * 6)
        fail_msg("a region changing every frame repainted %llu px in 0.6 s after its flash against %llu during it: "
                 "its pulse restarts with every message", (unsigned long long)calm_px, (unsigned long long)flash_px);
    screen_free(s);
}

/* The tour lights the regions in turn on its grid (floor(t / 2) mod 4, in
 * the file's order), shows the name and value, and eases from one region
 * to the next: over WDG_TOUR_EASE the region left fades, the next comes up
 * and the callout glides between their places, as marks, each frame
 * repainting the two regions and the callout's path, not the map; the
 * cached layer is redrawn twice (the old highlight out as the ease starts,
 * the new one in as it ends), in part; between steps nothing is painted. */
static void tour_steps_and_damage(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-tour-test.json", 640, 480);
    send(s, REGIONS);
    run(s, 0, 1);
    char row[256];
    assert_true(text_row(s, "tour ", row, sizeof row));
    assert_string_equal(row, "tour 甲 10");
    uint64_t drawn = s->st.widgets_drawn, painted = s->st.painted;
    run(s, 1 + 1 / 60.0, 1.95);
    assert_int_equal(s->st.painted, painted);                 /* nothing moves between steps */
    uint64_t most, frames;
    run_marks(s, 1.95 + 1 / 60.0, 2.2, &most, &frames);
    assert_true(text_row(s, "tour ", row, sizeof row));
    assert_string_equal(row, "tour 乙 20");
    assert_true(frames >= 10);                                /* it moves, frame by frame */
    if (most > 0.6 * 640 * 480)
        fail_msg("a frame of the tour's ease repainted %.0f %% of the map", most * 100.0 / (640 * 480));
    run(s, 2.2 + 1 / 60.0, 2.6);                              /* the ease ends */
    assert_int_equal(s->st.widgets_drawn - drawn, 2);         /* its layer, in part, twice */
    painted = s->st.painted;
    run(s, 2.6 + 1 / 60.0, 3.9);
    assert_int_equal(s->st.painted, painted);                 /* and it rests */
    run(s, 2.2, 6.1);
    assert_true(text_row(s, "tour ", row, sizeof row));
    assert_string_equal(row, "tour 丁 40");
    /* the toured region's value changes: the callout follows */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":35}}");
    run(s, 6.1, 6.3);
    assert_true(text_row(s, "tour ", row, sizeof row));
    assert_string_equal(row, "tour 丁 35");
    /* two regions lose their values: the tour goes on through the two left */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"丁\":35}}");
    run(s, 6.3, 8.1);
    assert_true(text_row(s, "tour ", row, sizeof row));
    assert_true(strcmp(row, "tour 甲 10") == 0 || strcmp(row, "tour 丁 35") == 0);
    screen_free(s);
}

/* A tour of 0.5 s is refused when the layout loads (1 to 3600 s). */
static void tour_bad_period(void **st)
{
    (void)st;
    const char *js = "{\"canvas\":{\"width\":100,\"height\":100},\"feeds\":[{\"id\":\"t\",\"url\":\"ws://127.0.0.1:9/\"}],"
                     "\"widgets\":[{\"id\":\"m\",\"type\":\"map\",\"rect\":[0,0,100,100],\"bind\":\"x\","
                     "\"geojson\":\"" BS_SOURCE "/tests/data/map-test.geojson\",\"tour\":0.5}]}";
    diag_t d = { 0 };
    layout_t *l = layout_load_text("tour.json", js, strlen(js), &d);
    assert_null(l);
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    diag_print(&d, f);
    fclose(f);
    diag_clear(&d);
    if (!strstr(buf, "tour.json:1:") || !strstr(buf, "\"tour\" is 0.5"))
        fail_msg("no file:line:col message for the tour: %s", buf);
}

/* Loads a one-map layout with extra keys; returns what diag printed (the
 * layout must fail) in buf. */
static void load_fails(const char *extra, char *buf, size_t len)
{
    char js[2048];
    snprintf(js, sizeof js,
             "{\"canvas\":{\"width\":100,\"height\":100},\"feeds\":[{\"id\":\"t\",\"url\":\"ws://127.0.0.1:9/\"}],\n"
             "\"widgets\":[\n  {\"id\":\"m\",\"type\":\"map\",\"rect\":[0,0,100,100],\"bind\":\"x\","
             "\"geojson\":\"%s/tests/data/map-test.geojson\"%s}]}", BS_SOURCE, extra);
    diag_t d = { 0 };
    layout_t *l = layout_load_text("inset.json", js, strlen(js), &d);
    assert_null(l);
    FILE *f = fmemopen(buf, len, "w");
    diag_print(&d, f);
    fclose(f);
    diag_clear(&d);
}

/* The inset follows the main GeoJSON's rules: a missing file, a malformed
 * one (the feature and what is wrong), a highlight not in it, and inset
 * keys without an inset each fail the layout at the widget's
 * file:line:col. */
static void inset_errors(void **st)
{
    (void)st;
    static const struct { const char *extra, *want; } cases[] = {
        { ",\"inset\":\"no-such-inset.geojson\"", "\"inset\": cannot find \"no-such-inset.geojson\"" },
        { ",\"inset\":\"" BS_SOURCE "/tests/data/map-inset-bad.geojson\"",
          "feature 0: polygon 0 ring 0 has 2 positions" },
        { ",\"inset\":\"" BS_SOURCE "/tests/data/map-inset-test.geojson\",\"inset_highlight\":\"无此岛\"",
          "\"inset_highlight\": no region named \"无此岛\"" },
        { ",\"inset_title\":\"南海诸岛\"", "\"inset_title\" needs \"inset\"" },
        { ",\"inset\":\"" BS_SOURCE "/tests/data/map-inset-test.geojson\",\"inset_size\":0.9", "inset_size" },
        { ",\"inset\":\"" BS_SOURCE "/tests/data/map-inset-test.geojson\",\"inset_corner\":\"middle\"", "inset_corner" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[4096];
        load_fails(cases[i].extra, buf, sizeof buf);
        if (!strstr(buf, "inset.json:3:") || !strstr(buf, cases[i].want))
            fail_msg("case %zu: want inset.json:3:...%s, got: %s", i, cases[i].want, buf);
    }
}

/* A good inset loads; points that fall in its box are not drawn there (the
 * frame over the box is the same with and without them). */
static void inset_hides_points(void **st)
{
    (void)st;
    const char *path = BS_SOURCE "/tests/data/map-inset-layout.json";
    screen_t *s = fixture_screen(path, 640, 480);
    send(s, REGIONS);
    run(s, 0, 0.5);
    screen_repaint_all(s, 0.5, WALL0 + 500);
    cairo_surface_t *before = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 640, 480);
    cairo_t *cr = cairo_create(before);
    cairo_set_source_surface(cr, s->frame, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    /* the lower right corner of the squares: under the inset box */
    send(s, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"角\",\"lon\":120.195,\"lat\":30.005,\"value\":9}]}");
    run(s, 0.5, 1.0);
    screen_repaint_all(s, 1.0, WALL0 + 1000);
    char row[256];
    assert_true(text_row(s, "points ", row, sizeof row));
    assert_string_equal(row, "points 1 shown, 0 bad position, 0 off the map, 0 over the cap of 512");
    assert_int_equal(fixture_differing(before, s->frame, 2), 0);
    cairo_surface_destroy(before);
    screen_free(s);
}

int main(void)
{
    setenv("BIGSCREEN_DATADIR", BS_SOURCE, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_hostile),
        cmocka_unit_test(points_cap),
        cmocka_unit_test(ripples_damage_only_themselves),
        cmocka_unit_test(moving_marks_damage_only_themselves),
        cmocka_unit_test(pulse_goes_on_under_a_storm),
        cmocka_unit_test(tour_steps_and_damage),
        cmocka_unit_test(tour_bad_period),
        cmocka_unit_test(inset_errors),
        cmocka_unit_test(inset_hides_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
