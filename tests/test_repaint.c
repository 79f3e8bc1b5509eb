/* test_repaint.c — redrawing only what changed must give the same pixels as
 * redrawing everything. Runs layouts frame by frame on the deterministic
 * demo feed, painting only the damaged areas (cached layers, overlays,
 * overlay rects, page fades, the still frame remade where a layer changed),
 * and compares the result at several moments with a full repaint of the
 * same moment, which remakes every layer and the whole still frame. A stale pixel anywhere (a comet
 * left behind, a number not erased) fails. */
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
#include "screen_impl.h"

#define WALL0 FIXTURE_WALL0

/* Pixels differing by more than 2 in any channel. */
static long differing(cairo_surface_t *a, cairo_surface_t *b)
{
    return fixture_differing(a, b, 2);
}

/* A copy of what s->frame shows now (the caller destroys it). */
static cairo_surface_t *frame_copy(const screen_t *s)
{
    cairo_surface_t *c = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, s->out_w, s->out_h);
    cairo_t *cr = cairo_create(c);
    cairo_set_source_surface(cr, s->frame, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    return c;
}

static void check_layout(const char *path, double seconds)
{
    screen_t *s = fixture_screen(path, 1920 / 2, 1080 / 2);
    long frames = (long)(seconds * 60);
    for (long k = 0; k <= frames; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        screen_step_feeds(s, t);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (k > 0 && k % 150 == 0) {            /* every 2.5 s: compare */
            cairo_surface_t *inc = frame_copy(s);
            screen_repaint_all(s, t, wall);
            long bad = differing(inc, s->frame);
            if (bad > 0) {
                char out[256];
                snprintf(out, sizeof out, "/tmp/repaint-incremental-%ld.png", k);
                cairo_surface_write_to_png(inc, out);
                fail_msg("%s at %.2f s: %ld pixels differ between the incremental and the full repaint (%s)",
                         path, t, bad, out);
            }
            cairo_surface_destroy(inc);
        }
    }
    screen_free(s);
}

/* Pixels of a that differ from the w × h block of b at (bx, by). */
static long differing_at(cairo_surface_t *a, cairo_surface_t *b, int bx, int by)
{
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
    const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
    long n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 4; c++)
                if (abs(pa[y * sa + x * 4 + c] - pb[(y + by) * sb + (x + bx) * 4 + c]) > 2) {
                    if (getenv("REPAINT_DEBUG"))
                        fprintf(stderr, "  (%d,%d) channel %d: %d vs %d\n", x, y, c, pa[y * sa + x * 4 + c],
                                pb[(y + by) * sb + (x + bx) * 4 + c]);
                    n++;
                    break;
                }
    return n;
}

/* A 2 × 2 video wall: each tile shows its quarter of the canvas, and the
 * four put together are the whole screen, pixel for pixel. */
static void video_wall_tiles_add_up(void **st)
{
    (void)st;
    const char *path = BS_SOURCE "/layouts/union-hall.json";
    screen_t *whole = fixture_screen(path, 1920 / 2, 1080 / 2), *tiles[4];
    for (int i = 0; i < 4; i++) {
        screen_tile = (screen_tile_t){ 2, 2, i % 2, i / 2 };
        tiles[i] = fixture_screen(path, whole->out_w / 2, whole->out_h / 2);
    }
    screen_tile = (screen_tile_t){ 1, 1, 0, 0 };
    screen_t *all[5] = { whole, tiles[0], tiles[1], tiles[2], tiles[3] };
    for (long k = 0; k <= 6 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        for (int i = 0; i < 5; i++) {
            screen_step_feeds(all[i], t);
            if (screen_update(all[i], t, wall))
                screen_paint(all[i], t, wall);
        }
    }
    for (int i = 0; i < 4; i++) {
        long bad = differing_at(tiles[i]->frame, whole->frame, (i % 2) * whole->out_w / 2, (i / 2) * whole->out_h / 2);
        /* anti-aliasing of a shape cut by the tile's edge may move a few
         * pixels by a few levels; a misplaced tile moves thousands */
        long area = (long)tiles[i]->out_w * tiles[i]->out_h;
        if (bad > area / 10000)
            fail_msg("tile %d,%d: %ld pixels differ from its quarter of the whole screen", i % 2, i / 2, bad);
        screen_free(tiles[i]);
    }
    screen_free(whole);
}

/* The burn-in guard moves the whole picture by whole pixels, one step per
 * period: after the first period the frame is the first one moved right by
 * one pixel. */
static void pixel_shift_moves_everything(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/pixel-shift.json", 640, 300);
    screen_update(s, 5, WALL0 + 5000);
    screen_repaint_all(s, 5, WALL0 + 5000);
    assert_int_equal(s->shift_x, 0);
    cairo_surface_t *first = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 640, 300);
    cairo_t *cr = cairo_create(first);
    cairo_set_source_surface(cr, s->frame, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    screen_update(s, 15, WALL0 + 15000);
    screen_paint(s, 15, WALL0 + 15000);
    assert_int_equal(s->shift_x, 1);
    assert_int_equal(s->shift_y, 0);
    /* compare the first frame with the second one's pixels one to the right,
     * inside the canvas (the letterbox edge changes) */
    cairo_surface_t *moved = cairo_surface_create_for_rectangle(s->frame, 1, 0, 639, 300);
    cairo_surface_t *a = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 620, 300);
    cairo_surface_t *b = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 620, 300);
    cr = cairo_create(a);
    cairo_set_source_surface(cr, first, -10, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    cr = cairo_create(b);
    cairo_set_source_surface(cr, moved, -10, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    assert_int_equal(differing(a, b), 0);
    assert_true(differing(first, s->frame) > 1000);       /* and it did move */
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
    cairo_surface_destroy(moved);
    cairo_surface_destroy(first);
    screen_free(s);
}

static void union_hall(void **st)
{
    (void)st;
    check_layout(BS_SOURCE "/layouts/union-hall.json", 12);
}

static void lobby_portrait(void **st)
{
    (void)st;
    check_layout(BS_SOURCE "/layouts/union-lobby-portrait.json", 12);
}

/* Copies the frame (the incremental result) and compares it with a full
 * repaint of the same moment; fails with the moment's name. */
static void compare_now(screen_t *s, double t, int64_t wall, const char *what)
{
    cairo_surface_t *inc = frame_copy(s);
    screen_repaint_all(s, t, wall);
    long bad = differing(inc, s->frame);
    if (bad > 0) {
        char out[256];
        snprintf(out, sizeof out, "/tmp/repaint-layered-%.2f.png", t);
        cairo_surface_write_to_png(inc, out);
        char full[256];
        snprintf(full, sizeof full, "/tmp/repaint-layered-%.2f-full.png", t);
        cairo_surface_write_to_png(s->frame, full);
        fail_msg("layered path, %s (t = %.2f s): %ld pixels differ between the frame composed from damaged "
                 "rectangles and a full repaint (%s, %s)", what, t, bad, out, full);
    }
    cairo_surface_destroy(inc);
}

static void send(screen_t *s, const char *json)
{
    assert_true(feed_ingest(s->feeds[0], json, strlen(json)) > 0);     /* messages pushed */
}

/* A scripted run: messages at their times, a frame every 1/60 s for secs,
 * and at each check time the frame composed from damage compared with a
 * full repaint (compare_now). From stale_from s on (0: never) the wall
 * clock runs a minute ahead, so the data goes stale. */
typedef struct { double at; const char *msg; } script_ev_t;
typedef struct { double at; const char *what; } script_cmp_t;

static void run_script(screen_t *s, const script_ev_t *ev, size_t nev, const script_cmp_t *cmp, size_t ncmp,
                       double secs, double stale_from)
{
    size_t e = 0, c = 0;
    for (long k = 0; k <= lround(secs * 60); k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000) + (stale_from > 0 && t >= stale_from ? 61000 : 0);
        while (e < nev && ev[e].at <= t + 1e-9)
            send(s, ev[e++].msg);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (c < ncmp && cmp[c].at <= t + 1e-9) {
            compare_now(s, t, wall, cmp[c].what);
            c++;
        }
    }
    assert_int_equal(c, ncmp);
}

#define SNAPSHOT "[{\"topic\":\"live.rate\",\"value\":91.5},{\"topic\":\"live.members\",\"value\":128400}," \
    "{\"topic\":\"live.apps\",\"value\":9310},{\"topic\":\"live.visits\",\"value\":52000}," \
    "{\"topic\":\"live.rank\",\"value\":[{\"name\":\"临平区总工会\",\"score\":88},{\"name\":\"余杭工会\",\"score\":92}," \
    "{\"name\":\"上城职工\",\"score\":75},{\"name\":\"拱墅工会\",\"score\":60},{\"name\":\"西湖工会\",\"score\":55}]}," \
    "{\"topic\":\"live.series\",\"value\":[10,30,20,40,35,50,45,60,55,70]}," \
    "{\"topic\":\"live.regions\",\"value\":{\"临平\":80,\"南苑\":40,\"东湖\":60,\"星桥\":20}}," \
    "{\"topic\":\"live.headline\",\"value\":\"区总工会召开年度工作推进会\"}]"

/* The layered path, scripted: the benchmark's live screen with its page
 * carousel and fades on, fed message by message. At each step the frame
 * composed from damaged rectangles (bases, layers, marks clipped to old ∪
 * new, tops, badges) must equal a full repaint pixel for pixel: mid
 * count-up, mid tween retarget, mid glide (rows trading places), a line
 * easing in place, a map recolouring with its pulse (the whole map, then one
 * region through wdg_invalidate_area), a page fade both ways, stale on and
 * off. */
static void layered_script(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", 960, 540);
    s->live = true;                       /* page fades, as on a wall */
    script_ev_t ev[] = {
        { 0.0, SNAPSHOT },
        { 1.0, "{\"topic\":\"live.members\",\"value\":190000}" },          /* a count-up */
        { 1.2, "{\"topic\":\"live.members\",\"value\":260000}" },          /* retarget in flight */
        { 1.3, "{\"topic\":\"live.rate\",\"value\":86.2}" },               /* gauge arc sweeps back */
        { 1.6, "{\"topic\":\"live.rank\",\"value\":[{\"name\":\"临平区总工会\",\"score\":99},{\"name\":\"余杭工会\",\"score\":70},"
               "{\"name\":\"上城职工\",\"score\":80},{\"name\":\"拱墅工会\",\"score\":61},{\"name\":\"西湖工会\",\"score\":55}]}" },
        { 2.2, "{\"topic\":\"live.series\",\"value\":[12,28,25,38,30,55,40,66,50,80]}" },
        { 2.8, "{\"topic\":\"live.regions\",\"value\":{\"临平\":30,\"南苑\":90,\"东湖\":65,\"星桥\":20}}" },
        { 3.0, "{\"topic\":\"live.series\",\"value\":[12,28,25,38,30,55,40,66,50,80,500]}" },   /* the axis grows */
        { 3.2, "{\"topic\":\"live.rank\",\"value\":[{\"name\":\"临平区总工会\",\"score\":99},{\"name\":\"余杭工会\",\"score\":71},"
               "{\"name\":\"上城职工\",\"score\":80},{\"name\":\"拱墅工会\",\"score\":64},{\"name\":\"西湖工会\",\"score\":55}]}" },
        /* ^ the next page's board changes after its still was made ahead */
        { 3.5, "{\"topic\":\"live.regions\",\"value\":{\"临平\":30,\"南苑\":90,\"东湖\":50,\"星桥\":20}}" },  /* one region, same scale */
        { 10.0, SNAPSHOT },                                                    /* fresh: stale off */
    };
    script_cmp_t cmp[] = {
        { 0.5, "first count-up from zero" }, { 1.1, "mid count-up" }, { 1.35, "mid retarget, arc sweeping" },
        { 1.9, "mid glide, rows trading places" }, { 2.6, "line easing in place" },
        { 3.1, "map recolour and pulse; the line's axis remade" }, { 3.7, "one region recoloured (area invalidation)" }, { 3.9, "settled" },
        { 4.0 + 1 / 60.0, "the page change: its still made ahead" }, { 4.1, "early in the fade" },
        { 4.3, "page fade out" }, { 5.0, "the second page" }, { 8.3, "page fade back" },
        { 9.5, "stale on (badges, dimmed values)" }, { 10.4, "stale off, values counting again" },
        { 11.0, "settled again" },
    };
    /* from 9 s the wall clock runs a minute ahead: the data goes stale */
    run_script(s, ev, sizeof ev / sizeof ev[0], cmp, sizeof cmp / sizeof cmp[0], 11, 9);
    if (s->st.still_swaps < 2)
        fail_msg("%llu of the 2 page changes took the still made ahead", (unsigned long long)s->st.still_swaps);
    screen_free(s);
}

/* A scroll board: a data change and each frame of its scroll remake the
 * rows' area of its layer, not the header (a 4K board's header is a glowing
 * rule and its titles), and the frame still equals a full repaint: before
 * the first scroll, a change in place, mid-scroll, a change mid-scroll
 * (rows trading places), settled. */
#define BOARD_ROWS(a, b, c, d) "{\"topic\":\"t.rank\",\"value\":[{\"name\":\"临平区总工会\",\"score\":" #a "}," \
    "{\"name\":\"余杭工会\",\"score\":" #b "},{\"name\":\"上城职工\",\"score\":" #c "},"                        \
    "{\"name\":\"拱墅工会\",\"score\":" #d "},{\"name\":\"西湖工会\",\"score\":40}]}"

static void board_rows_repaint(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/board-test.json", 960, 540);
    static const struct { double at; const char *msg; } ev[] = {
        { 0.0, BOARD_ROWS(90, 80, 70, 60) },
        { 0.40, BOARD_ROWS(90, 81.5, 70, 60) },          /* one score, in place */
        { 1.30, BOARD_ROWS(70, 80, 91, 60) },            /* mid-scroll: rows trade places */
    };
    static const struct { double at; const char *what; } cmp[] = {
        { 0.30, "the board before any scroll" }, { 0.45, "a score changed in place" },
        { 1.20, "mid-scroll" }, { 1.40, "a change mid-scroll" }, { 1.90, "settled after the scroll" },
    };
    irect_t br = scr_device_rect(s, s->layout->widgets[0]->rect, 0);
    int top_seen = INT32_MAX;              /* the highest damage after the first frames */
    size_t e = 0, c = 0;
    for (long k = 0; k <= 120; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        while (e < sizeof ev / sizeof ev[0] && ev[e].at <= t + 1e-9)
            send(s, ev[e++].msg);
        if (screen_update(s, t, wall)) {
            for (int r = 0; k > 2 && r < s->damage.n; r++)
                top_seen = s->damage.r[r].y < top_seen ? s->damage.r[r].y : top_seen;
            screen_paint(s, t, wall);
        }
        if (c < sizeof cmp / sizeof cmp[0] && cmp[c].at <= t + 1e-9) {
            compare_now(s, t, wall, cmp[c].what);
            c++;
        }
    }
    assert_int_equal(c, sizeof cmp / sizeof cmp[0]);
    /* the panel's title and the header (over 60 px at this size) stay */
    if (top_seen < br.y + 60)
        fail_msg("the board's damage reached y = %d: its header (from y = %d) was repainted", top_seen, br.y);
    if (top_seen == INT32_MAX)
        fail_msg("the board never repainted after its first frames");
    screen_free(s);
}

/* The share of widget id's rectangle (with its ink margin) that its marks'
 * rectangles of the last frame cover (their sum: an overlap counts twice). */
static double marks_share(const screen_t *s, const char *id)
{
    for (int i = 0; i < s->layout->nwidgets; i++) {
        const wdg_t *w = s->layout->widgets[i];
        if (strcmp(w->id, id) != 0)
            continue;
        irect_t r = scr_device_rect(s, w->rect, INK_MARGIN);
        double sum = 0;
        for (int k = 0; k < s->layers[i].nmarks; k++)
            sum += (double)s->layers[i].marks[k].w * s->layers[i].marks[k].h;
        return sum / ((double)r.w * r.h);
    }
    fail_msg("no widget %s", id);
    return 1;
}

/* A 30-point series as the bench sends it: a random walk, shifted by one
 * per message (every point eases to its neighbour's height). */
static void send_series(screen_t *s, int from)
{
    char b[1024];
    size_t o = (size_t)snprintf(b, sizeof b, "{\"topic\":\"live.series\",\"value\":[");
    for (int i = from; i < from + 30; i++)
        o += (size_t)snprintf(b + o, sizeof b - o, "%s%d", i > from ? "," : "", 60 + (int)(20 * sin(i / 4.0)) + (i * 37) % 7);
    snprintf(b + o, sizeof b - o, "]}");
    send(s, b);
}

/* The line chart and the gauge repaint what moves, not their whole
 * rectangle: on ease frames (the series shifted by one, then again mid-ease;
 * the rate tweening) their marks cover a fraction of the widget, and the
 * frame composed from that damage equals a full repaint. */
static void line_gauge_marks_small(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", 1920, 1080);
    struct { double at; int series; const char *rate; } ev[] = {
        { 0, 0, NULL }, { 2.0, 1, "{\"topic\":\"live.rate\",\"value\":93.5}" },   /* a sweep up, colours kept */
        { 2.4, 2, "{\"topic\":\"live.rate\",\"value\":92.8}" },                  /* retargeted mid-sweep */
        { 3.8, 3, "{\"topic\":\"live.rate\",\"value\":93.1}" },                  /* a small step: a jump */
    };
    struct { double at; const char *what; bool gauge; } cmp[] = {
        { 2.2, "the series easing in place, the arc sweeping", true }, { 2.5, "both retargeted mid-way", true },
        { 3.8, "the arc's jump", false }, { 4.1, "easing again", false },
    };
    size_t e = 0, c = 0;
    send(s, SNAPSHOT);
    for (long k = 0; k <= 5 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        while (e < sizeof ev / sizeof ev[0] && ev[e].at <= t + 1e-9) {
            send_series(s, ev[e].series);
            if (ev[e].rate)
                send(s, ev[e].rate);
            e++;
        }
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (c < sizeof cmp / sizeof cmp[0] && cmp[c].at <= t + 1e-9) {
            double line = marks_share(s, "series"), gauge = marks_share(s, "gauge");
            printf("# %s (t = %.2f s): the line's marks cover %.1f %% of it, the gauge's %.1f %%\n", cmp[c].what, t,
                   line * 100, gauge * 100);
            if (line > 0.4)
                fail_msg("%s (t = %.2f s): the line's marks cover %.0f %% of the widget", cmp[c].what, t, line * 100);
            if (cmp[c].gauge && gauge > 0.3)
                fail_msg("%s (t = %.2f s): the gauge's marks cover %.0f %% of the widget", cmp[c].what, t, gauge * 100);
            compare_now(s, t, wall, cmp[c].what);
            c++;
        }
    }
    assert_int_equal(c, sizeof cmp / sizeof cmp[0]);
    screen_free(s);
}

/* The line's value axis grows (a point of 500 among 60s) and shrinks
 * back: the base is remade under its top row only (the ticks, labels and
 * plot), not the panel's frame and title round it, and the frame equals a
 * full repaint at the change and after. */
static void line_axis_base_area(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", 1920, 1080);
    send(s, SNAPSHOT);
    int li = -1;
    for (int i = 0; i < s->layout->nwidgets; i++)
        if (strcmp(s->layout->widgets[i]->id, "series") == 0)
            li = i;
    assert_true(li >= 0);
    irect_t wr = scr_device_rect(s, s->layout->widgets[li]->rect, 0);
    int changes = 0;
    for (long k = 0; k <= 4 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        bool change = k == 60 || k == 150;
        if (k == 60)
            send(s, "{\"topic\":\"live.series\",\"value\":[10,30,20,40,35,50,45,60,55,500]}");
        if (k == 150)
            send(s, "{\"topic\":\"live.series\",\"value\":[10,30,20,40,35,50,45,60,55,70]}");
        if (screen_update(s, t, wall)) {
            for (int r = 0; change && r < s->damage.n; r++) {
                irect_t d = s->damage.r[r];
                bool meets = d.x < wr.x + wr.w && d.x + d.w > wr.x && d.y < wr.y + wr.h && d.y + d.h > wr.y;
                if (meets && d.y < wr.y + 40)        /* the title is 44 units tall */
                    fail_msg("the axis change at t = %.2f s damaged y = %d: the panel's title (from y = %d) "
                             "was repainted", t, d.y, wr.y);
                changes += meets;
            }
            screen_paint(s, t, wall);
        }
        if (k == 61 || k == 100 || k == 151 || k == 200)
            compare_now(s, t, wall, k == 61 || k == 151 ? "the axis changed" : "after the axis change");
    }
    if (changes < 2)
        fail_msg("the axis changes damaged the line %d times", changes);
    screen_free(s);
}

/* Tests only (w_line.c): draw every line series directly, no curve cache. */
extern bool wdg_line_direct;

/* Pixels of widget id's rectangle differing by more than tol between a and b. */
static long widget_differing(const screen_t *s, const char *id, cairo_surface_t *a, cairo_surface_t *b, int tol)
{
    for (int i = 0; i < s->layout->nwidgets; i++) {
        const wdg_t *w = s->layout->widgets[i];
        if (strcmp(w->id, id) != 0)
            continue;
        irect_t r = irect_clip(scr_device_rect(s, w->rect, 0), s->out_w, s->out_h);
        int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
        const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
        long n = 0;
        for (int y = r.y; y < r.y + r.h; y++)
            for (int x = r.x; x < r.x + r.w; x++)
                for (int c = 0; c < 4; c++)
                    if (abs(pa[y * sa + x * 4 + c] - pb[y * sb + x * 4 + c]) > tol) {
                        n++;
                        break;
                    }
        return n;
    }
    fail_msg("no widget %s", id);
    return 0;
}

/* A rolling window (the series moved on by one item, then by two more
 * mid-slide) slides, drawn from the line's curve cache composited at the
 * slide's offset: at each step the frame composed from damage equals a full
 * repaint, and the full repaint equals one that draws the curve directly
 * at that offset (no pixel over the golden tolerance apart, of those more
 * than 40 may: the cache's bilinear filter softens edges by a fraction of a
 * pixel; a cache put half a pixel off gives 82-188 such pixels, one pixel
 * off 472-522, not moved 1980-6023). */
static void line_slide_from_cache(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", 1920, 1080);
    struct { double at; int series; } ev[] = { { 0, 0 }, { 2.0, 1 }, { 2.15, 3 }, { 3.5, 4 } };
    struct { double at; const char *what; } cmp[] = {
        { 2.0 + 1 / 60.0, "the slide's first frame" }, { 2.1, "mid-slide" }, { 2.2, "retargeted by two more" },
        { 2.4, "slowing down" }, { 2.9, "at rest" }, { 3.6, "sliding again" },
        { 4.0 + 1 / 60.0, "the frame it comes to rest" }, { 4.3, "at rest again" },
    };
    size_t e = 0, c = 0;
    send(s, SNAPSHOT);
    for (long k = 0; k <= 4.5 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        while (e < sizeof ev / sizeof ev[0] && ev[e].at <= t + 1e-9)
            send_series(s, ev[e++].series);
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (c < sizeof cmp / sizeof cmp[0] && cmp[c].at <= t + 1e-9) {
            compare_now(s, t, wall, cmp[c].what);        /* leaves the full repaint in s->frame */
            cairo_surface_t *cached = frame_copy(s);
            wdg_line_direct = true;
            screen_repaint_all(s, t, wall);
            wdg_line_direct = false;
            long bad = widget_differing(s, "series", cached, s->frame, 40);
            printf("# %s (t = %.2f s): %ld pixels of the line differ from drawing it directly\n", cmp[c].what, t, bad);
            if (getenv("REPAINT_PNG")) {
                char out[256];
                snprintf(out, sizeof out, "/tmp/line-slide-%.2f.png", t);
                cairo_surface_write_to_png(cached, out);
                snprintf(out, sizeof out, "/tmp/line-slide-%.2f-direct.png", t);
                cairo_surface_write_to_png(s->frame, out);
            }
            if (bad > 40)
                fail_msg("%s (t = %.2f s): the line from its cache differs from the line drawn directly in %ld "
                         "pixels", cmp[c].what, t, bad);
            cairo_surface_destroy(cached);
            screen_repaint_all(s, t, wall);              /* the frame as it was, for the next steps */
            c++;
        }
    }
    assert_int_equal(c, sizeof cmp / sizeof cmp[0]);
    screen_free(s);
}

/* Tests only (w_gauge.c): compute the gauge's arc per pixel, no picture. */
extern bool wdg_gauge_direct;

/* The gauge at 1000 msg/s: the rate changes every frame (its tween
 * retargeted each time), now and then across a threshold (the arc's colour
 * flips, and back: the pictures kept per colour) and sweeping far. At each
 * step the frame composed from damage equals a full repaint, and the full
 * repaint equals one that computes the arc per pixel (byte for byte: the
 * picture holds the same pixels, only the sector the end swept recomputed). */
static void gauge_arc_picture(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", 1920, 1080);
    send(s, SNAPSHOT);
    long checked = 0;
    for (long k = 0; k <= 4 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        if (k >= 30) {
            /* drifting about 90 (warn / good), a jump down to 60 at 2.5 s and back */
            double v = t >= 2.5 && t < 2.8 ? 60 + k % 3 : 90 + 1.5 * sin(k * 0.37) + 0.1 * (k % 5);
            char b[128];
            snprintf(b, sizeof b, "{\"topic\":\"live.rate\",\"value\":%.2f}", v);
            send(s, b);
        }
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (k >= 31 && k % 7 == 0) {
            compare_now(s, t, wall, "the rate changing every frame");
            cairo_surface_t *pic = frame_copy(s);
            wdg_gauge_direct = true;
            screen_repaint_all(s, t, wall);
            wdg_gauge_direct = false;
            long bad = widget_differing(s, "gauge", pic, s->frame, 0);
            if (bad > 0) {
                cairo_surface_write_to_png(pic, "/tmp/gauge-arc-picture.png");
                cairo_surface_write_to_png(s->frame, "/tmp/gauge-arc-direct.png");
                fail_msg("t = %.2f s: the arc from its picture differs from the arc computed per pixel in %ld pixels",
                         t, bad);
            }
            cairo_surface_destroy(pic);
            screen_repaint_all(s, t, wall);
            checked++;
        }
    }
    printf("# %ld frames checked\n", checked);
    screen_free(s);
}

/* Going stale and fresh again redraws no widget: the dim is the core's
 * veil over the layers, so the bases (panel, glow, labels) and the layers
 * stay as they are, and the frame composed from damage still equals a full
 * repaint, dimmed and not. */
static void stale_dims_without_redraw(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/golden/stale.json", 960, 300);
    const wdg_t *members = s->layout->widgets[0];
    uint64_t bases = 0, drawn = 0;
    for (long k = 0; k <= 14 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000);
        screen_step_feeds(s, t);
        if (k == 12 * 60)                 /* fresh data: the dim goes */
            send(s, "{\"topic\":\"members.realname\",\"value\":130000}");
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (k == 9 * 60) {                /* settled, fresh */
            assert_false(members->stale);
            bases = s->st.bases_drawn;
            drawn = s->st.widgets_drawn;
        }
        if (k == 11 * 60) {               /* stale since 10 s */
            assert_true(members->stale);
            assert_int_equal(s->st.bases_drawn, bases);
            assert_int_equal(s->st.widgets_drawn, drawn);
            compare_now(s, t, wall, "stale: dimmed by the veil");
            bases = s->st.bases_drawn;
            drawn = s->st.widgets_drawn;
        }
    }
    assert_false(members->stale);
    assert_int_equal(s->st.bases_drawn, bases);
    compare_now(s, 14, WALL0 + 14000, "fresh again: no veil");
    screen_free(s);
}

/* The map's own script on a test GeoJSON: ripples round points, a point
 * whose value changes (its boxes invalidated, old and new), a recolour of
 * one region (area invalidation), one of every region: the frame composed
 * from damage equals a full repaint at every step. */
static void map_script(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-test.json", 640, 480);
    script_ev_t ev[] = {
        { 0.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}" },
        { 0.0, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
               "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":40},{\"name\":\"站三\",\"lon\":120.11,\"lat\":30.13,\"value\":5}]}" },
        { 1.0, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
               "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":40},{\"name\":\"站三\",\"lon\":120.11,\"lat\":30.13,\"value\":9}]}" },
        { 2.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":35,\"丙\":30,\"丁\":40}}" },
        { 3.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":5,\"乙\":35,\"丙\":31,\"丁\":80}}" },
    };
    script_cmp_t cmp[] = {
        { 0.5, "ripples round three points" }, { 1.05, "a point's value changed (its boxes)" },
        { 1.6, "ripples again" }, { 2.05, "one region recoloured" }, { 3.05, "the scale moved: every region" },
        { 3.5, "settled, ripples" },
    };
    run_script(s, ev, sizeof ev / sizeof ev[0], cmp, sizeof cmp / sizeof cmp[0], 4, 0);
    screen_free(s);
}

/* The map's moving marks on a test GeoJSON at 1.5 pixels per unit: comets
 * (trails and head sprites at their quarter-pixel phases), landing and hub
 * rings, regions flashing and pulsing, points rippling, a recolour of one
 * region while two pulse: the frame composed from the marks' own boxes
 * (old ∪ new) equals a full repaint at every step. */
static void map_marks_script(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-fly-test.json", 960, 720);
    script_ev_t ev[] = {
        { 0.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}" },
        { 0.0, "{\"topic\":\"t.points\",\"value\":[{\"name\":\"站一\",\"lon\":120.05,\"lat\":30.15,\"value\":10},"
               "{\"name\":\"站二\",\"lon\":120.15,\"lat\":30.05,\"value\":40}]}" },
        { 1.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":21,\"丙\":31,\"丁\":40}}" },
        { 2.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":21,\"丙\":33,\"丁\":40}}" },
    };
    script_cmp_t cmp[] = {
        { 0.5, "comets, hub and landing rings, ripples" }, { 1.3, "two regions flashing and pulsing" },
        { 1.71, "pulse rings spreading" }, { 2.05, "one region recoloured while it pulses" },
        { 3.2, "pulses fading" }, { 4.0, "comets again" },
    };
    run_script(s, ev, sizeof ev / sizeof ev[0], cmp, sizeof cmp / sizeof cmp[0], 4, 0);
    screen_free(s);
}

/* Copies the w × h block at (x, y) of a frame (output pixels). */
static cairo_surface_t *crop(cairo_surface_t *src, int x, int y, int w, int h)
{
    cairo_surface_t *out = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(out);
    cairo_set_source_surface(cr, src, -x, -y);
    cairo_paint(cr);
    cairo_destroy(cr);
    return out;
}

/* One frame at t as a wall runs it: update, paint what is damaged; returns
 * the pixels that frame repainted. */
static uint64_t frame_at(screen_t *s, double t)
{
    uint64_t before = s->st.pixels;
    int64_t wall = WALL0 + (int64_t)(t * 1000);
    if (screen_update(s, t, wall))
        screen_paint(s, t, wall);
    return s->st.pixels - before;
}

/* Runs s's frames from frame k0 to k1 (at 60 fps); returns the pixels
 * they repainted and, in *drawn, the layer draws they made. */
static uint64_t frames_run(screen_t *s, long k0, long k1, uint64_t *drawn)
{
    uint64_t px = 0, d0 = s->st.widgets_drawn;
    for (long k = k0; k <= k1; k++)
        px += frame_at(s, k / 60.0);
    *drawn = s->st.widgets_drawn - d0;
    return px;
}

/* What a map's value change redraws: a change no pixel shows (a value
 * moving within its shade and its text) redraws no layer; a change of
 * the scale recolours the regions and the legend's numbers, not the
 * panel and title; a flyline target going and another coming redraws
 * their arcs. At every step the frame composed from damage equals a full
 * repaint. */
static void map_recolour_damage(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-damage-test.json", 640, 480);
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}");
    uint64_t drawn;
    frames_run(s, 0, 60, &drawn);
    compare_now(s, 1.0, WALL0 + 1000, "first values");
    frames_run(s, 61, 62, &drawn);
    /* 20 → 20.001: 1/30000 of the scale, the same text: nothing to redraw */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20.001,\"丙\":30,\"丁\":40}}");
    frames_run(s, 63, 64, &drawn);
    if (drawn > 0)
        fail_msg("a value change no pixel shows redrew the map's layer %llu times", (unsigned long long)drawn);
    compare_now(s, 64 / 60.0, WALL0 + 1067, "an invisible change");
    frames_run(s, 65, 100, &drawn);   /* half a second on: faster changes go with the marks (map_fast) */
    /* the scale moves (甲 10 → 5): every region and the legend, not the title */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":5,\"乙\":20.001,\"丙\":30,\"丁\":40}}");
    uint64_t px = frames_run(s, 101, 101, &drawn);
    const wdg_t *w = s->layout->widgets[0];
    irect_t r = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
    if (getenv("REPAINT_DEBUG"))
        fprintf(stderr, "scale moved: %llu of %d px\n", (unsigned long long)px, r.w * r.h);
    if (drawn == 0 || px >= (uint64_t)r.w * (uint64_t)r.h * 85 / 100)
        fail_msg("the scale moved: %llu layer draws, %llu of the widget's %d pixels repainted (want its regions "
                 "and legend, not its panel and title)", (unsigned long long)drawn, (unsigned long long)px, r.w * r.h);
    compare_now(s, 101 / 60.0, WALL0 + 1683, "the scale moved: every region recoloured");
    frames_run(s, 102, 140, &drawn);
    /* 乙 20 → 35 on the same scale: the flylines go to 丁 and 乙, not 丙 */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":5,\"乙\":35,\"丙\":30,\"丁\":40}}");
    frames_run(s, 141, 141, &drawn);
    compare_now(s, 141 / 60.0, WALL0 + 2350, "a flyline target gone, another come");
    frames_run(s, 142, 160, &drawn);
    compare_now(s, 160 / 60.0, WALL0 + 2667, "comets on the new arcs");
    screen_free(s);
}

/* Regions changing every frame (a feed at 1000 msg/s): after a few fast
 * changes the map's data goes with the marks, straight into the frame,
 * and no layer is drawn again while the storm lasts; the frame composed
 * from damage equals a full repaint mid-storm, with the scale moving and the
 * flylines' targets changing; once the storm is over only the comets are
 * repainted, and the map looks as the same values drawn in its layer (within
 * 2 levels a channel); a change after a pause draws the layer again, and
 * that frame too equals a full repaint. */
static void map_fast_storm(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-damage-test.json", 640, 480);
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}");
    uint64_t drawn, storm = 0;
    frames_run(s, 0, 60, &drawn);
    char msg[192];
    for (long k = 61; k <= 150; k++) {
        snprintf(msg, sizeof msg, "{\"topic\":\"t.regions\",\"value\":{\"甲\":%d,\"乙\":%.1f,\"丙\":30,\"丁\":%d}}",
                 5 + (int)(k % 7), 20 + (k % 40) * 0.7, 40 - (int)(k % 25));
        send(s, msg);
        frames_run(s, k, k, &drawn);
        if (k > 75)                     /* a sustained pace: a few changes in, with the marks */
            storm += drawn;
        if (k == 90 || k == 121 || k == 150)
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k * 1000 / 60), "regions changing every frame");
    }
    if (storm > 0)
        fail_msg("regions changing every frame drew the map's layer %llu times: their data should go with the "
                 "marks", (unsigned long long)storm);
    frames_run(s, 151, 170, &drawn);
    uint64_t px = frames_run(s, 171, 171, &drawn);
    const wdg_t *w = s->layout->widgets[0];
    irect_t r = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
    if (px * 4 > (uint64_t)r.w * (uint64_t)r.h)
        fail_msg("after the storm a frame repainted %llu of the map's %d pixels: want its comets only",
                 (unsigned long long)px, r.w * r.h);
    compare_now(s, 171 / 60.0, WALL0 + 2850, "after the storm: comets over the data");
    /* drawn with the marks it looks as drawn in the layer: a screen that got
     * the storm's last value alone (and drew it in its layer), at the same
     * time (the comets' places are the clock's) */
    frames_run(s, 172, 240, &drawn);
    screen_t *calm = fixture_screen(BS_SOURCE "/tests/data/map-damage-test.json", 640, 480);
    send(calm, msg);
    frames_run(calm, 0, 240, &drawn);
    long bad = differing(s->frame, calm->frame);
    if (bad > 0) {
        cairo_surface_write_to_png(s->frame, "/tmp/repaint-map-fast.png");
        cairo_surface_write_to_png(calm->frame, "/tmp/repaint-map-layer.png");
        fail_msg("the map drawn with the marks differs from the same values in its layer in %ld pixels "
                 "(/tmp/repaint-map-fast.png, /tmp/repaint-map-layer.png)", bad);
    }
    screen_free(calm);
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"甲\":7,\"乙\":33,\"丙\":30,\"丁\":22}}");
    frames_run(s, 241, 241, &drawn);
    if (drawn == 0)
        fail_msg("a change after a pause drew no layer: the map stayed with the marks");
    compare_now(s, 241 / 60.0, WALL0 + 4017, "a change after the storm: the layer again");
    frames_run(s, 242, 260, &drawn);
    compare_now(s, 260 / 60.0, WALL0 + 4333, "settled in the layer");
    screen_free(s);
}

#define FLIP_TOUR BS_SOURCE "/tests/data/flip-tour.json"

/* The flip KPI (数字翻牌器): one changed digit rolls its own tile and only
 * that tile is repainted; the frame composed from damaged rectangles equals
 * a full repaint mid-roll, with the change marker moving, and through a
 * storm of 1000 msg/s, after which the tiles stand on the latest value (as a
 * screen that got that value alone shows it). */
static void flip_rolls_changed_tiles(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(FLIP_TOUR, 960, 540);
    send(s, "[{\"topic\":\"t.kpi\",\"value\":1234567},{\"topic\":\"t.rate\",\"value\":91.5}]");
    long k = 0;
    for (; k <= 3 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 3.0, WALL0 + 3000, "flip tiles settled");
    send(s, "{\"topic\":\"t.kpi\",\"value\":1234568}");        /* the last digit only */
    uint64_t most = 0, total = 0;
    for (k = 3 * 60 + 1; k <= 3.6 * 60; k++) {
        double t = k / 60.0;
        uint64_t px = frame_at(s, t);
        most = px > most ? px : most;
        total += px;
        if (k == 3.25 * 60)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "one tile mid-roll");
    }
    /* a tile is 0.68 × 1.12 of the 50-unit size (34 × 56 px here) */
    assert_true(total > 0);
    if (most > 3 * 36 * 58)
        fail_msg("one digit rolling repainted %llu pixels in a frame: more than its tile", (unsigned long long)most);
    send(s, "{\"topic\":\"t.rate\",\"value\":92.3}");           /* two tiles and the marker */
    for (k = 3.6 * 60 + 1; k <= 4 * 60; k++) {
        frame_at(s, k / 60.0);
        if (k == 3.7 * 60)
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "two tiles and the change marker");
    }
    /* 1000 msg/s for 2 s: 17 values a frame, retargeting every roll in flight */
    int v = 1234568;
    char msg[96];
    for (k = 4 * 60 + 1; k <= 6 * 60; k++) {
        double t = k / 60.0;
        for (int m = 0; m < 17; m++) {
            snprintf(msg, sizeof msg, "{\"topic\":\"t.kpi\",\"value\":%d}", v += 7);
            send(s, msg);
        }
        if (frame_at(s, t) == 0)
            fail_msg("at %.2f s the storm repainted nothing: the rolls stalled", t);
        if (k % 30 == 0)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "tiles retargeted at 1000 msg/s");
    }
    for (k = 6 * 60 + 1; k <= 7.5 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 7.5, WALL0 + 7500, "after the storm");
    screen_t *fresh = fixture_screen(FLIP_TOUR, 960, 540);
    snprintf(msg, sizeof msg, "[{\"topic\":\"t.kpi\",\"value\":%d},{\"topic\":\"t.rate\",\"value\":92.3}]", v);
    send(fresh, msg);
    for (k = 0; k <= 3 * 60; k++)
        frame_at(fresh, k / 60.0);
    screen_repaint_all(fresh, 3.0, WALL0 + 3000);
    cairo_surface_t *a = crop(s->frame, 10, 10, 460, 130), *b = crop(fresh->frame, 10, 10, 460, 130);
    long bad = differing(a, b);
    if (bad > 0) {
        cairo_surface_write_to_png(a, "/tmp/repaint-flip-storm.png");
        cairo_surface_write_to_png(b, "/tmp/repaint-flip-fresh.png");
        fail_msg("after the storm the tiles differ from the latest value in %ld pixels (/tmp/repaint-flip-*.png)", bad);
    }
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
    screen_free(fresh);
    screen_free(s);
}

/* The map's tour: at each step the region it leaves and the one it lights
 * (with their callouts) are all that is redrawn, and while it eases from
 * one to the other (marks: the two regions fading, the callout gliding)
 * each frame composed from damage is the full repaint; a change of the
 * toured region's value, and regions losing their values, too. */
static void map_tour_script(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/data/map-tour-test.json", 640, 480);
    script_ev_t ev[] = {
        { 0.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":30,\"丁\":40}}" },
        { 4.5, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"乙\":20,\"丙\":33,\"丁\":40}}" },
        { 5.0, "{\"topic\":\"t.regions\",\"value\":{\"甲\":10,\"丁\":40}}" },
    };
    script_cmp_t cmp[] = {
        { 1.0, "the first region lit" }, { 2.02, "a step: the ease under way" }, { 2.15, "mid-ease: the callout gliding" },
        { 2.30, "the ease's end" }, { 2.40, "after the ease: the second lit, in the layer" },
        { 4.02, "a step: the third lit" }, { 4.2, "mid-ease again" },
        { 4.55, "the toured region's value changed" }, { 5.05, "two regions lost their values" },
        { 6.05, "a step after the loss" }, { 6.2, "mid-ease after the loss" }, { 8.05, "another" },
    };
    run_script(s, ev, sizeof ev / sizeof ev[0], cmp, sizeof cmp / sizeof cmp[0], 9, 0);
    screen_free(s);
}

/* FLIP_TOUR at 960 × 540 with its first data: a KPI, a rate, the donut's
 * four kinds and the bar's five months. */
static screen_t *flip_tour_screen(void)
{
    screen_t *s = fixture_screen(FLIP_TOUR, 960, 540);
    send(s, "[{\"topic\":\"t.kpi\",\"value\":1234567},{\"topic\":\"t.rate\",\"value\":91.5},"
            "{\"topic\":\"t.donut\",\"value\":{\"互助医疗\":1829,\"疗休养\":642,\"技能奖励\":421,\"法律援助\":239}},"
            "{\"topic\":\"t.bar\",\"value\":{\"1月\":238,\"2月\":196,\"3月\":284,\"4月\":301,\"5月\":322}}]");
    return s;
}

/* The donut's and the bar's auto-tour: a step repaints the slices / bands
 * and callouts it moves between, not the widget; between steps nothing is
 * repainted; mid-ease and after a step the frame composed from damage
 * equals a full repaint; new data keeps the highlight on the same name. */
static void tour_steps(void **st)
{
    (void)st;
    screen_t *s = flip_tour_screen();
    long k = 0;
    for (; k < 3.9 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "tour before a step");
    uint64_t quiet = 0;
    for (k = 3.9 * 60; k < 4 * 60; k++)
        quiet += frame_at(s, k / 60.0);
    assert_int_equal(quiet, 0);                    /* between steps: nothing */
    for (k = 4 * 60; k <= 4.45 * 60; k++) {
        double t = k / 60.0;
        frame_at(s, t);
        if (k == 4 * 60 + 6)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "tour mid-ease (donut slice, bar band, callouts)");
    }
    compare_now(s, 4.45, WALL0 + 4450, "tour after the step");
    for (k = 4.45 * 60 + 1; k < 6 * 60; k++)
        quiet += frame_at(s, k / 60.0);
    assert_int_equal(quiet, 0);
    /* the step's frames repainted parts of the two widgets (460 × 380 each) */
    uint64_t first = frame_at(s, 6.0);
    if (first == 0 || first > 2 * 460 * 380 * 6 / 10)
        fail_msg("a tour step repainted %llu pixels: not the parts it moves between", (unsigned long long)first);
    /* new data in another order: the highlight stays on its name */
    char *rep = screen_report(s, WALL0 + 6000);
    const char *don = strstr(rep, "巡览 ");
    assert_non_null(don);
    char was[64] = "";
    sscanf(don + strlen("巡览 "), "%63s", was);
    free(rep);
    send(s, "{\"topic\":\"t.donut\",\"value\":{\"法律援助\":239,\"技能奖励\":421,\"疗休养\":642,\"互助医疗\":1829}}");
    for (k = 6 * 60 + 1; k <= 6.2 * 60; k++)
        frame_at(s, k / 60.0);
    rep = screen_report(s, WALL0 + 6200);
    don = strstr(rep, "巡览 ");
    assert_non_null(don);
    char now_on[64] = "";
    sscanf(don + strlen("巡览 "), "%63s", now_on);
    free(rep);
    assert_string_equal(was, now_on);
    for (k = 6.2 * 60 + 1; k <= 7.5 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 7.5, WALL0 + 7500, "tour after reordered data, settled");
    screen_free(s);
}

#define RANK_TEST BS_SOURCE "/tests/data/rank-test.json"

/* The ranking's rows as a message: ten accounts, scores[i] for the i-th. */
static void send_rank(screen_t *s, const double *score)
{
    static const char *const names[10] = { "临平区总工会", "余杭工会", "上城职工", "拱墅工会", "西湖工会",
                                           "滨江工会", "萧山工会", "富阳工会", "临安工会", "桐庐工会" };
    char msg[2048];
    size_t o = (size_t)snprintf(msg, sizeof msg, "{\"topic\":\"t.rank\",\"value\":[");
    for (int i = 0; i < 10; i++)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s{\"name\":\"%s\",\"value\":%.1f}", i ? "," : "", names[i],
                              score[i]);
    snprintf(msg + o, sizeof msg - o, "]}");
    send(s, msg);
}

/* The most pixels one frame repainted over [t0, t1), comparing the frame
 * composed from damage with a full repaint at cmp (what). */
static uint64_t most_between(screen_t *s, double t0, double t1, double cmp, const char *what)
{
    uint64_t most = 0;
    for (long k = lround(t0 * 60); k < lround(t1 * 60); k++) {
        double t = k / 60.0;
        uint64_t px = frame_at(s, t);
        most = px > most ? px : most;
        if (k == lround(cmp * 60))
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), what);
    }
    return most;
}

/* The ranking repaints what changed in it: one row's new value, its bar and
 * number (never the whole list, nor the row's badge and name); a new top
 * value, every bar and number but not the rows around them; two rows
 * trading places, those two rows. A row here is 540 × 48 units (960 × 540
 * output: 1 px per unit). */
static void ranking_repaints_changed_rows(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(RANK_TEST, 960, 540);
    double score[10] = { 99, 90, 81, 72, 63, 54, 45, 36, 27, 18 };
    send_rank(s, score);
    for (long k = 0; k < 2 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 2.0, WALL0 + 2000, "ranking settled");
    const uint64_t row = 540 * 48;
    score[5] = 56;                                   /* one row, in its place, max unchanged */
    send_rank(s, score);
    uint64_t one = most_between(s, 2.0, 2.1, 2.05, "one row's bar starting to move");
    uint64_t later = most_between(s, 2.1, 3.0, 2.3, "one row's bar and value moving");
    one = later > one ? later : one;
    /* the bar's end (a 16-unit cap and what it swept in a frame) and the
     * digits that changed (a 20-unit number: cells of 12 × 29 units), where
     * they were and are: a few thousand pixels, not the bar and number's
     * 330 × 29 band */
    if (one == 0 || one > row / 8)
        fail_msg("one row's new value repainted %llu pixels in a frame: more than its bar's end and the "
                 "digits that changed (a row is %llu)", (unsigned long long)one, (unsigned long long)row);
    score[0] = 120;                                  /* a new top: every bar rescales */
    send_rank(s, score);
    uint64_t all = most_between(s, 3.0, 4.0, 3.3, "every bar rescaling");
    if (all == 0 || all > 10 * row / 2)
        fail_msg("a rescale repainted %llu pixels in a frame: more than the bars and values "
                 "(the list is %llu)", (unsigned long long)all, (unsigned long long)(10 * row));
    score[3] = 60;                                   /* rows 4 and 5 trade places */
    send_rank(s, score);
    uint64_t swap = most_between(s, 4.0, 5.0, 4.3, "two rows trading places");
    if (swap == 0 || swap > 3 * row)
        fail_msg("two rows trading places repainted %llu pixels in a frame: more than those rows",
                 (unsigned long long)swap);
    compare_now(s, 5.0, WALL0 + 5000, "ranking settled again");
    /* a feed that changes every row every frame (1000 msg/s): the tweens
     * retarget, each frame repaints bars' ends and changed digits */
    uint64_t most = 0;
    for (long k = 5 * 60 + 1; k <= 6 * 60; k++) {
        for (int i = 1; i < 10; i++)             /* no two meet, the top stays */
            score[i] += 0.04;
        send_rank(s, score);
        double t = k / 60.0;
        uint64_t px = frame_at(s, t);
        if (k > 5 * 60 + 1)      /* the first frame repaints the last glide's rows once more */
            most = px > most ? px : most;
        if (k == 5 * 60 + 30 || k == 5 * 60 + 31)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "every row retargeting every frame");
    }
    if (most > 10 * row / 8)
        fail_msg("every row retargeting each frame repainted %llu pixels in a frame: more than bars' ends "
                 "and digits (the list is %llu)", (unsigned long long)most, (unsigned long long)(10 * row));
    for (long k = 6 * 60 + 1; k <= 7 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 7.0, WALL0 + 7000, "ranking settled after the flood");
    screen_free(s);
}

/* Twelve accounts, scores[i] for the i-th: the 11th glides in and out of
 * view at the list's foot, so its changes are marks too. */
static void send_rank12(screen_t *s, const double *score)
{
    char msg[4096];
    size_t o = (size_t)snprintf(msg, sizeof msg, "{\"topic\":\"t.rank\",\"value\":[");
    for (int i = 0; i < 12; i++)
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s{\"name\":\"账号%02d\",\"value\":%.1f}", i ? "," : "",
                              i, score[i]);
    snprintf(msg + o, sizeof msg - o, "]}");
    send(s, msg);
}

/* More changed boxes than the core keeps for a widget's marks (each of 11
 * rows: its bar's end and two runs of digits, 33 boxes): they are joined
 * into fewer, never given up for all of the list; and two rows trading
 * places repaint the bands of their ink (badge, name, bar, number) where
 * they were and are, not the empty space between rows. */
static void ranking_many_changes_fit(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(RANK_TEST, 960, 540);
    double score[12];
    for (int i = 0; i < 12; i++)
        score[i] = 95 - 7 * i;
    send_rank12(s, score);                       /* the first count-up from 0: two runs of digits a frame */
    frame_at(s, 0);
    frame_at(s, 1 / 60.0);                       /* the list drawn whole: it had nothing yet */
    const uint64_t row = 540 * 48;
    uint64_t most = most_between(s, 2 / 60.0, 1.0, 0.2, "eleven rows counting up from 0");
    if (most == 0 || most > 10 * row / 3)
        fail_msg("eleven rows counting up repainted %llu pixels in a frame: more than their bars' ends and "
                 "digits (the list is %llu)", (unsigned long long)most, (unsigned long long)(10 * row));
    for (long k = 60; k < 2 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 2.0, WALL0 + 2000, "twelve rows settled");
    for (int i = 0; i < 12; i++)                 /* every bar rescales, every number falls */
        score[i] *= 0.2;
    send_rank12(s, score);
    most = most_between(s, 2.0, 3.0, 2.2, "eleven rows' bars and digits");
    if (most == 0 || most > 10 * row / 3)
        fail_msg("eleven rows falling repainted %llu pixels in a frame: more than their bars' ends and "
                 "digits (the list is %llu)", (unsigned long long)most, (unsigned long long)(10 * row));
    score[3] = score[4] - 0.5;                   /* rows 4 and 5 trade places */
    send_rank12(s, score);
    uint64_t swap = most_between(s, 3.0, 4.0, 3.3, "two rows trading places, their ink bands");
    if (swap == 0 || swap > 19 * row / 10)        /* two rows' whole rects, both places: 2.1 rows */
        fail_msg("two rows trading places repainted %llu pixels in a frame: more than the bands of their ink "
                 "(a row is %llu)", (unsigned long long)swap, (unsigned long long)row);
    compare_now(s, 4.0, WALL0 + 4000, "settled after the swap");
    screen_free(s);
}

#define TICKER_TEST BS_SOURCE "/tests/data/ticker-test.json"

/* The ticker's moving headlines damage their ink where it was and is (each
 * headline's glyphs and bullet, in the rows they cover), not the whole
 * band of the window with the gaps between headlines; the frame equals a
 * full repaint as they scroll, as a new one joins, through a pause. */
static void ticker_damages_its_ink(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(TICKER_TEST, 960, 540);
    send(s, "{\"topic\":\"t.news\",\"value\":[\"区总工会召开年度工作推进会\",\"会员日知识竞答开赛\","
            "\"Union news: 12 courses online\"]}");
    struct { double at; const char *what; } cmp[] = {
        { 0.7, "entering from the right" }, { 1.6, "the first at rest, the others in view" },
        { 2.3, "all moving" }, { 2.31, "one frame later" }, { 3.0, "a new headline joined" }, { 3.4, "moving on" },
    };
    size_t c = 0;
    double most = 0;
    for (long k = 0; k <= 4 * 60; k++) {
        double t = k / 60.0;
        if (k == 170)
            send(s, "{\"topic\":\"t.news\",\"value\":\"职工疗休养线上申请通道开放\"}");
        uint64_t px = frame_at(s, t);
        double share = marks_share(s, "news");
        if (px > 0 && t > 0.1 && k != 170)      /* not the frames the list came: all of it, once */
            most = share > most ? share : most;
        if (c < sizeof cmp / sizeof cmp[0] && cmp[c].at <= t + 1e-9) {
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), cmp[c].what);
            c++;
        }
    }
    assert_int_equal(c, sizeof cmp / sizeof cmp[0]);
    printf("# the ticker's marks covered at most %.1f %% of it\n", most * 100);
    if (most > 0.3)          /* the whole band of the window: 42 % */
        fail_msg("the ticker's marks covered %.0f %% of the widget: more than its headlines' ink", most * 100);
    screen_free(s);
}

#define KPI_TEST BS_SOURCE "/tests/data/kpi-test.json"

static void send_kpi(screen_t *s, const char *topic, double v)
{
    char msg[128];
    snprintf(msg, sizeof msg, "{\"topic\":\"%s\",\"value\":%.2f}", topic, v);
    send(s, msg);
}

/* A count-style KPI repaints the digits that changed: "128,400" to
 * "128,417" two digits (a 54-unit number: cells of 32 × 73 units, here 1
 * px per unit), not its row (355 × 74); at 1000 msg/s a small step every
 * frame repaints only its changed digits; a count-up and a rate crossing a
 * threshold (its colour and the target bar) compose to the full repaint. */
static void kpi_repaints_changed_digits(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(KPI_TEST, 960, 540);
    send_kpi(s, "t.members", 128400);
    send_kpi(s, "t.rate", 91.5);
    long k = 0;
    for (; k <= 3 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 3.0, WALL0 + 3000, "kpis settled");
    send_kpi(s, "t.members", 128417);                 /* a step under 0.5 %: no count-up */
    uint64_t two = frame_at(s, 3.0 + 1 / 60.0);
    compare_now(s, 3.0 + 1 / 60.0, WALL0 + 3016, "two digits changed");
    if (two == 0 || two > 12000)
        fail_msg("\"128,400\" to \"128,417\" repainted %llu pixels: more than two digits' cells (the number's "
                 "row is about 28000)", (unsigned long long)two);
    double members = 128417, rate = 91.5;
    uint64_t most = 0;
    for (k = 3 * 60 + 2; k <= 4 * 60; k++) {          /* a step every frame, as at 1000 msg/s */
        members += 3;
        rate += 0.05;
        send_kpi(s, "t.members", members);
        send_kpi(s, "t.rate", rate);
        uint64_t px = frame_at(s, k / 60.0);
        most = px > most ? px : most;
        if (k == 3 * 60 + 30)
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "a small step every frame");
    }
    /* two numbers, up to three digits each (a carry), and the rate's bar end */
    if (most > 2 * 16000)
        fail_msg("a small step every frame repainted %llu pixels in a frame: more than the digits that changed",
                 (unsigned long long)most);
    send_kpi(s, "t.members", 190000);                 /* a count-up ... */
    send_kpi(s, "t.rate", 85);                        /* ... and a rate falling under its threshold */
    for (k = 4 * 60 + 1; k <= 6 * 60; k++) {
        double t = k / 60.0;
        frame_at(s, t);
        if (k == 4 * 60 + 20 || k == 4 * 60 + 50)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "mid count-up, colour changed");
        if (k == 4 * 60 + 30)
            send_kpi(s, "t.members", 99000);          /* retargeted in flight, one digit fewer */
    }
    compare_now(s, 6.0, WALL0 + 6000, "kpis settled again");
    screen_free(s);
}

/* The title's clock: each second repaints the clock's box, not the banner
 * (the banner, its glow and the title are the base); after a minute the
 * date's box too; the frame composed from damage equals a full repaint. */
static void title_clock_repaints_its_box(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(BS_SOURCE "/tests/golden/title.json", 1280, 110);
    frame_at(s, 0);                                 /* the first frame: everything */
    uint64_t most = 0, sum = 0;
    int ticks = 0;
    for (long k = 1; k <= 62 * 60; k++) {
        uint64_t px = frame_at(s, k / 60.0);
        if (px) {
            ticks++;
            sum += px;
            most = px > most ? px : most;
        }
        if (k == 30 * 60 + 1 || k == 60 * 60 + 1)
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000.0), "the title after a tick");
    }
    /* one repaint a second; the clock's box is about 200 × 54 design units
     * (here 1:1), the date's 312 × 43, both at the minute; the banner is
     * 1280 × 100 */
    if (ticks < 60 || ticks > 64)
        fail_msg("the title repainted in %d frames over 62 s: not once a second", ticks);
    if (most > 1280 * 100 / 4)
        fail_msg("a tick of the title's clock repainted %llu pixels (the banner is %d): not the clock's box",
                 (unsigned long long)most, 1280 * 100);
    (void)sum;
    screen_free(s);
}

/* The donut's sweep to new values: the legend and the total show where the
 * slices go, so each frame of the sweep remakes and repaints the ring's box
 * only, not the widget (460 × 380); mid-sweep and after it the frame
 * composed from damage equals a full repaint. */
static void donut_sweep_repaints_its_ring(void **st)
{
    (void)st;
    screen_t *s = flip_tour_screen();
    long k = 0;
    for (; k < 1.5 * 60; k++)
        frame_at(s, k / 60.0);
    send(s, "{\"topic\":\"t.donut\",\"value\":{\"互助医疗\":1200,\"疗休养\":900,\"技能奖励\":700,\"法律援助\":500}}");
    frame_at(s, k++ / 60.0);                       /* the data frame: the legend and the total too */
    uint64_t most = 0, sum = 0;
    int moving = 0;
    for (; k < 2.8 * 60; k++) {
        double t = k / 60.0;
        uint64_t px = frame_at(s, t);
        most = px > most ? px : most;
        sum += px;
        moving += px > 0;
        if (k == 1.5 * 60 + 12)
            compare_now(s, t, WALL0 + (int64_t)(t * 1000), "donut mid-sweep");
    }
    compare_now(s, 2.8, WALL0 + 2800, "donut after its sweep");
    print_message("donut sweep: %d frames moved, %llu pixels a frame on average, at most %llu (the widget: %d)\n",
                  moving, (unsigned long long)(moving ? sum / (uint64_t)moving : 0), (unsigned long long)most,
                  460 * 380);
    if (moving < 10)
        fail_msg("the donut's slices did not sweep (%d frames)", moving);
    if (sum / (uint64_t)moving > 460 * 380 / 2)
        fail_msg("the donut's sweep repainted %llu pixels a frame: not the ring's box",
                 (unsigned long long)(sum / (uint64_t)moving));
    screen_free(s);
}

#define PL_TEST BS_SOURCE "/tests/data/progress-liquid-test.json"

/* The widget named id's index in s's layout. */
static int widget_index(const screen_t *s, const char *id)
{
    for (int i = 0; i < s->layout->nwidgets; i++)
        if (strcmp(s->layout->widgets[i]->id, id) == 0)
            return i;
    fail_msg("no widget %s", id);
    return -1;
}

/* Progress and liquid are layered: a row growing repaints that row (its
 * bar, value and percentage), never the whole list, and redraws no layer
 * (the panel, tracks and targets are the base); a liquid's level moving
 * within its colour band repaints the vessel and redraws no layer (its
 * rings take the threshold colour: crossing it redraws the layer once).
 * Stale on and off redraw no layer. At each step the frame composed from
 * damage equals a full repaint. */
static void progress_liquid_layered(void **st)
{
    (void)st;
    screen_t *s = fixture_screen(PL_TEST, 960, 540);
    send(s, "[{\"topic\":\"t.a\",\"value\":73},{\"topic\":\"t.b\",\"value\":31},{\"topic\":\"t.c\",\"value\":6},"
            "{\"topic\":\"t.d\",\"value\":2},{\"topic\":\"t.e\",\"value\":9},{\"topic\":\"t.rate\",\"value\":86.5}]");
    uint64_t most = 0;
    for (long k = 0; k < 30; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 29 / 60.0, WALL0 + 483, "first growth from zero");
    for (long k = 30; k < 3 * 60; k++)
        frame_at(s, k / 60.0);
    compare_now(s, 179 / 60.0, WALL0 + 2983, "settled");
    int gi = widget_index(s, "goals");
    irect_t gr = scr_device_rect(s, s->layout->widgets[gi]->rect, 0);
    uint64_t list = (uint64_t)gr.w * (uint64_t)gr.h, drawn0 = s->st.widgets_drawn, bases0 = s->st.bases_drawn;
    send(s, "{\"topic\":\"t.b\",\"value\":44}");                          /* one row grows */
    for (long k = 3 * 60; k < 4 * 60; k++) {
        frame_at(s, k / 60.0);
        uint64_t px = 0;                                              /* the damage within the list */
        for (int r = 0; r < s->damage.n; r++) {
            irect_t a = s->damage.r[r];
            int x0 = a.x > gr.x ? a.x : gr.x, y0 = a.y > gr.y ? a.y : gr.y;
            int x1 = a.x + a.w < gr.x + gr.w ? a.x + a.w : gr.x + gr.w, y1 = a.y + a.h < gr.y + gr.h ? a.y + a.h : gr.y + gr.h;
            px += x1 > x0 && y1 > y0 ? (uint64_t)(x1 - x0) * (uint64_t)(y1 - y0) : 0;
        }
        most = px > most ? px : most;
        if (k == 3 * 60 + 20) {                                       /* (a full repaint remakes all) */
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "one row growing");
            drawn0 = s->st.widgets_drawn;
            bases0 = s->st.bases_drawn;
        }
    }
    if (most == 0 || most > list / 3)
        fail_msg("one progress row growing repainted %llu pixels in a frame (the list is %llu): not its row",
                 (unsigned long long)most, (unsigned long long)list);
    if (s->st.widgets_drawn != drawn0 || s->st.bases_drawn != bases0)
        fail_msg("a progress row growing redrew %llu layers and %llu bases: its marks only, over the cached base",
                 (unsigned long long)(s->st.widgets_drawn - drawn0), (unsigned long long)(s->st.bases_drawn - bases0));
    send(s, "{\"topic\":\"t.a\",\"value\":73.2}");                        /* a jump too small to animate */
    frame_at(s, 4.0);
    compare_now(s, 4.0, WALL0 + 4000, "a row's value jumping");
    drawn0 = s->st.widgets_drawn;
    bases0 = s->st.bases_drawn;
    send(s, "{\"topic\":\"t.rate\",\"value\":88.1}");                     /* the level, same colour band */
    for (long k = 4 * 60 + 1; k < 5 * 60; k++) {
        frame_at(s, k / 60.0);
    }
    if (s->st.widgets_drawn != drawn0 || s->st.bases_drawn != bases0)
        fail_msg("a liquid level moving within its colour band redrew %llu layers: only its marks",
                 (unsigned long long)(s->st.widgets_drawn - drawn0));
    compare_now(s, 5.0 - 1 / 60.0, WALL0 + 4983, "the level moving, waves");
    send(s, "{\"topic\":\"t.rate\",\"value\":93.4}");                     /* crosses 90: recoloured */
    send(s, "{\"topic\":\"t.regions\",\"value\":{\"临平\":80,\"南苑\":40,\"东湖\":60,\"星桥\":20}}");
    for (long k = 5 * 60; k < 6 * 60; k++) {
        frame_at(s, k / 60.0);
        if (k == 5 * 60 + 30) {
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "the liquid recoloured, bars growing");
            drawn0 = s->st.widgets_drawn;
            send(s, "{\"topic\":\"t.regions\",\"value\":{\"临平\":80,\"南苑\":45,\"东湖\":62,\"星桥\":30}}");
        }
        if (k == 5 * 60 + 40) {                  /* three of four bars ease: their columns, not the plot */
            double sh = marks_share(s, "bars");
            print_message("# bars growing: their marks cover %.1f %% of the widget\n", sh * 100);
            if (sh > 0.35)                       /* all of the plot: 46 % */
                fail_msg("three bars growing: their marks cover %.0f %% of the widget, not their columns", sh * 100);
        }
        if (k == 5 * 60 + 50)
            compare_now(s, k / 60.0, WALL0 + (int64_t)(k / 60.0 * 1000), "bars growing on the same axis");
        if (k == 5 * 60 + 49 && s->st.widgets_drawn != drawn0)
            fail_msg("bars growing on the same axis redrew %llu layers: only their marks",
                     (unsigned long long)(s->st.widgets_drawn - drawn0));
    }
    uint64_t stale_drawn = 0;
    for (long k = 6 * 60; k < 7 * 60; k++) {                             /* stale from 6 s: a minute on */
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000) + 61000;
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        if (k == 6 * 60 + 30) {
            drawn0 = s->st.widgets_drawn;
            compare_now(s, t, wall, "stale on (both dimmed)");
            stale_drawn -= s->st.widgets_drawn - drawn0;            /* the full repaint's */
        }
        if (k == 6 * 60)
            stale_drawn -= s->st.widgets_drawn;
    }
    send(s, "[{\"topic\":\"t.a\",\"value\":80},{\"topic\":\"t.rate\",\"value\":94}]");   /* fresh again */
    for (long k = 7 * 60; k < 8 * 60; k++) {
        double t = k / 60.0;
        int64_t wall = WALL0 + (int64_t)(t * 1000) + 61000;
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
    }
    stale_drawn += s->st.widgets_drawn;
    compare_now(s, 8.0 - 1 / 60.0, WALL0 + 7983 + 61000, "stale off, a row growing again");
    if (stale_drawn != 0)
        fail_msg("stale on and off (and a value in the same band) redrew %llu layers of progress and liquid: "
                 "the veil only", (unsigned long long)stale_drawn);
    screen_free(s);
}

int main(void)
{
    setenv("BIGSCREEN_DATADIR", BS_SOURCE, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(union_hall),
        cmocka_unit_test(lobby_portrait),
        cmocka_unit_test(video_wall_tiles_add_up),
        cmocka_unit_test(pixel_shift_moves_everything),
        cmocka_unit_test(layered_script),
        cmocka_unit_test(board_rows_repaint),
        cmocka_unit_test(line_axis_base_area),
        cmocka_unit_test(stale_dims_without_redraw),
        cmocka_unit_test(line_gauge_marks_small),
        cmocka_unit_test(line_slide_from_cache),
        cmocka_unit_test(gauge_arc_picture),
        cmocka_unit_test(map_script),
        cmocka_unit_test(map_marks_script),
        cmocka_unit_test(map_recolour_damage),
        cmocka_unit_test(map_fast_storm),
        cmocka_unit_test(map_tour_script),
        cmocka_unit_test(flip_rolls_changed_tiles),
        cmocka_unit_test(tour_steps),
        cmocka_unit_test(donut_sweep_repaints_its_ring),
        cmocka_unit_test(ranking_repaints_changed_rows),
        cmocka_unit_test(ranking_many_changes_fit),
        cmocka_unit_test(ticker_damages_its_ink),
        cmocka_unit_test(title_clock_repaints_its_box),
        cmocka_unit_test(kpi_repaints_changed_digits),
        cmocka_unit_test(progress_liquid_layered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
