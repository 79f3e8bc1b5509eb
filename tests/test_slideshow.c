/* test_slideshow.c — the slideshow's list (layout and topic) with its caps,
 * the image loader off the render thread, and the layered repaint: during a
 * fade only the picture is damaged, between fades nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imgcache.h"
#include "screen_fixture.h"

#define WALL0  FIXTURE_WALL0
#define DATA   BS_SOURCE "/tests/data"
#define LAYOUT DATA "/slideshow.json"

/* ---- the layout's list ---------------------------------------------------- */

#define SHOW(images) "{\"widgets\":[{\"id\":\"s\",\"type\":\"slideshow\",\"rect\":[0,0,400,300],\n" \
                     "\"images\":" images "}]}"

/* layout_load_text with the messages; NULL when it fails. */
static layout_t *load(const char *text, diag_t *d)
{
    return layout_load_text(DATA "/t.json", text, strlen(text), d);
}

static void expect_error(const char *text, int line, int col, const char *msg)
{
    diag_t d = { 0 };
    layout_t *l = load(text, &d);
    assert_null(l);
    assert_true(d.count >= 1);
    char want[300];
    snprintf(want, sizeof want, DATA "/t.json:%d:%d: ", line, col);
    if (strncmp(d.msgs[0], want, strlen(want)) != 0 || !strstr(d.msgs[0], msg))
        fail_msg("got \"%s\", want \"%s...%s\"", d.msgs[0], want, msg);
    diag_clear(&d);
}

/* What widget 0 shows, rows joined by '|'. */
static void text_of(const wdg_t *w, char *out, size_t len)
{
    wdg_text_t t = { 0 };
    w->cls->text(w, &t);
    snprintf(out, len, "%s", t.buf ? t.buf : "");
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = '|';
    free(t.buf);
}

static void list_shapes(void **st)
{
    (void)st;
    diag_t d = { 0 };
    layout_t *l = load(SHOW("[\"photo.jpg\", {\"src\": \"sample.png\", \"caption\": \"劳模风采\"}, {\"src\": \"emblem.svg\"}]"), &d);
    diag_print(&d, stderr);
    assert_non_null(l);
    char t[2048];
    text_of(l->widgets[0], t, sizeof t);
    assert_non_null(strstr(t, "1/3 photo.jpg"));
    assert_non_null(strstr(t, "2/3 sample.png 劳模风采"));
    assert_non_null(strstr(t, "3/3 emblem.svg"));
    layout_free(l);
    diag_clear(&d);
}

static void list_errors(void **st)
{
    (void)st;
    expect_error(SHOW("[\"photo.jpg\", 7]"), 2, 24, "must be a string (its \"src\") or an object");
    expect_error(SHOW("[{\"caption\": \"x\"}]"), 2, 11, "images[0] needs \"src\"");
    expect_error(SHOW("[\"photo.jpg\", \"no-such.png\"]"), 2, 24, "images[1]: cannot find \"no-such.png\"");
    expect_error(SHOW("[{\"src\": \"photo.jpg\", \"captoin\": \"x\"}]"), 2, 32, "did you mean \"caption\"");
    expect_error("{\"widgets\":[{\"id\":\"s\",\"type\":\"slideshow\",\"rect\":[0,0,400,300],\"images\":[\"photo.jpg\"],"
                 "\"interval\":2,\"fade\":2}]}", 1, 106, "\"fade\" (2 s) must be shorter than \"interval\" (2 s)");
    expect_error("{\"widgets\":[{\"id\":\"s\",\"type\":\"slideshow\",\"rect\":[0,0,400,300]}]}", 1, 30,
                 "give \"images\"");
}

/* 10,000 entries: one clear error at the list, nothing loaded. */
static void list_cap(void **st)
{
    (void)st;
    size_t cap = 10000 * 16 + 256;
    char *t = malloc(cap), *p = t;
    p += sprintf(p, "{\"widgets\":[{\"id\":\"s\",\"type\":\"slideshow\",\"rect\":[0,0,400,300],\n  \"images\":[");
    for (int i = 0; i < 10000; i++)
        p += sprintf(p, "%s\"photo.jpg\"", i ? "," : "");
    sprintf(p, "]}]}");
    expect_error(t, 2, 12, "\"images\" has 10000 items, more than 256");
    free(t);
}

static void png_header(const char *path, unsigned w, unsigned h)
{
    unsigned char b[33] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    for (int i = 0; i < 4; i++) {
        b[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        b[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    b[24] = 8;                    /* 8-bit RGBA; the CRC is left 0: the header is read before any check of it */
    b[25] = 6;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(b, 1, sizeof b, f);
    fclose(f);
}

/* A 100000×100000 PNG in the list is refused from its header when the
 * layout loads (check), counted, and nothing is decoded. */
static void huge_png_in_list(void **st)
{
    (void)st;
    char dir[] = "/tmp/slideshow-XXXXXX", path[300], text[600];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/huge.png", dir);
    png_header(path, 100000, 100000);
    wdg_image_stats_t a, b;
    wdg_image_stats(&a);
    snprintf(text, sizeof text, SHOW("[\"photo.jpg\", \"%s\"]"), path);
    expect_error(text, 2, 24, "is 100000x100000 pixels");    /* at the item, not the widget */
    wdg_image_stats(&b);
    assert_int_equal(b.refused, a.refused + 1);
    assert_int_equal(b.pixels, a.pixels);
    unlink(path);
    rmdir(dir);
}

/* ---- the loader ----------------------------------------------------------- */

static int wait_job(wdg_image_job_t *j, const wdg_image_t **im, char *err, size_t len)
{
    int st = WDG_IMG_PENDING;
    for (int i = 0; i < 500 && (st = wdg_image_job_poll(j, im, err, len)) == WDG_IMG_PENDING; i++)
        usleep(10000);
    return st;
}

/* Jobs are decoded by the loader thread: the caller gets PENDING at once
 * and the picture later; bad files fail with their reason and a count. */
static void loader_off_thread(void **st)
{
    (void)st;
    wdg_image_loader_sync(false);
    char dir[] = "/tmp/slideshow-XXXXXX", path[300], err[512];
    assert_non_null(mkdtemp(dir));
    const wdg_image_t *im = NULL;
    wdg_image_job_t *j = wdg_image_load(DATA "/photo.jpg", NULL, 200, 100);
    assert_non_null(j);
    assert_int_equal(wait_job(j, &im, err, sizeof err), WDG_IMG_READY);
    assert_non_null(im);
    assert_non_null(im->img);
    assert_true(im->iw >= 200 && im->ih >= 100 && im->iw <= 480);   /* shrunk to cover the box */
    wdg_image_job_free(j);

    wdg_image_stats_t a, b;
    wdg_image_stats(&a);
    snprintf(path, sizeof path, "%s/huge.png", dir);
    png_header(path, 100000, 100000);
    j = wdg_image_load(path, NULL, 200, 100);
    assert_int_equal(wait_job(j, &im, err, sizeof err), WDG_IMG_FAILED);
    assert_non_null(strstr(err, "100000x100000 pixels"));
    wdg_image_job_free(j);

    snprintf(path, sizeof path, "%s/ent.svg", dir);
    FILE *f = fopen(path, "w");
    fputs("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text>&b;</text></svg>", f);
    fclose(f);
    j = wdg_image_load(path, NULL, 200, 100);
    assert_int_equal(wait_job(j, &im, err, sizeof err), WDG_IMG_FAILED);
    assert_non_null(strstr(err, "entities"));
    wdg_image_job_free(j);

    j = wdg_image_load("no-such.png", DATA "/t.json", 200, 100);      /* found by the loader */
    assert_int_equal(wait_job(j, &im, err, sizeof err), WDG_IMG_FAILED);
    assert_non_null(strstr(err, "cannot find \"no-such.png\""));
    wdg_image_job_free(j);
    wdg_image_stats(&b);
    assert_int_equal(b.refused, a.refused + 3);

    for (int i = 0; i < 50; i++)          /* let go while queued or decoding: the loader frees them */
        wdg_image_job_free(wdg_image_load(DATA "/sample.png", NULL, 300 + i, 200));
    for (int i = 0; i < 500; i++) {
        wdg_image_stats(&b);
        if (b.pending == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(b.pending, 0);
    unlink(DATA "/../../nothing");
    snprintf(path, sizeof path, "%s/huge.png", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/ent.svg", dir);
    unlink(path);
    rmdir(dir);
}

/* ---- on a screen ---------------------------------------------------------- */

static long step(screen_t *s, double t)
{
    int64_t wall = WALL0 + (int64_t)(t * 1000);
    long px = screen_update(s, t, wall) ? damage_pixels(&s->damage) : 0;
    if (px)
        screen_paint(s, t, wall);
    return px;
}

/* Between fades nothing is repainted; during a fade only the picture's
 * rect (360 x 220 of the 400 x 300 panel, at 1:1). */
static void damage_follows_the_fade(void **st)
{
    (void)st;
    wdg_image_loader_sync(true);
    screen_t *s = fixture_screen(LAYOUT, 0, 0);
    for (double t = 0; t < 1.0; t += 1 / 60.0)
        step(s, t);
    long still = 0, fade = 0, fade_max = 0;
    for (double t = 1.0; t < 3.95; t += 1 / 60.0)
        still += step(s, t);
    for (double t = 4.0; t < 4.9; t += 1 / 60.0) {
        long px = step(s, t);
        fade += px > 0;
        fade_max = px > fade_max ? px : fade_max;
    }
    assert_int_equal(still, 0);
    assert_true(fade >= 50);                        /* every frame of the fade repaints */
    wdg_t *w = s->layout->widgets[0];
    long panel = (long)(w->rect.w * w->rect.h);
    if (fade_max > panel * 0.85)
        fail_msg("a fade frame repainted %ld px; the picture is under %ld", fade_max, (long)(panel * 0.85));
    char t[2048];
    text_of(w, t, sizeof t);
    assert_non_null(strstr(t, "* 1/3"));            /* still fading: the first is the one shown */
    for (double x = 4.9; x < 5.5; x += 1 / 60.0)
        step(s, x);
    text_of(w, t, sizeof t);
    assert_non_null(strstr(t, "* 2/3"));
    screen_free(s);
}

/* A topic's list: cut at 256 (said), names from a feed only relative and
 * without "..", an item of the wrong shape named. */
static void topic_list(void **st)
{
    (void)st;
    wdg_image_loader_sync(true);
    screen_t *s = fixture_screen(LAYOUT, 0, 0);
    size_t cap = 300 * 40 + 512;
    char *m = malloc(cap), *p = m;
    p += sprintf(p, "{\"topic\":\"gallery\",\"value\":[\"/etc/passwd\",\"../data/photo.jpg\",7,"
                    "{\"src\":\"sample.png\",\"caption\":\"从话题来\"}");
    for (int i = 4; i < 300; i++)
        p += sprintf(p, ",\"photo.jpg\"");
    sprintf(p, "]}");
    assert_true(feed_ingest(s->feeds[0], m, strlen(m)) > 0);
    free(m);
    for (double t = 0; t < 0.5; t += 1 / 60.0)
        step(s, t);
    char t[65536];
    text_of(s->layout->widgets[0], t, sizeof t);
    assert_non_null(strstr(t, "cut: 44"));
    assert_non_null(strstr(t, "1/256 passwd [failed: \"/etc/passwd\": a name from a feed must be relative"));
    assert_non_null(strstr(t, "2/256 photo.jpg [failed: \"../data/photo.jpg\": a name from a feed must be relative"));
    assert_non_null(strstr(t, "3/256  [failed: item 2 is neither a file name"));
    assert_non_null(strstr(t, "4/256 sample.png 从话题来"));
    for (double x = 0.5; x < 13.5; x += 1 / 60.0)   /* the error tiles and the good one take turns */
        step(s, x);
    text_of(s->layout->widgets[0], t, sizeof t);
    if (!strstr(t, "* 4/256 sample.png 从话题来 [ready]"))
        fail_msg("at 13.5 s the fourth is not shown: %.600s", t);
    screen_free(s);
}

/* A picture that takes a while to decode (a 4096 x 4096 PNG) never holds
 * up a frame: the frame that asks for it is drawn while it is still
 * loading (the render thread only queued it), "加载中" shows, and the
 * picture appears a few frames later. */
static void big_picture_off_the_render_thread(void **st)
{
    (void)st;
    wdg_image_loader_sync(false);
    char dir[] = "/tmp/slideshow-XXXXXX", png[300], lay[300], t[2048];
    assert_non_null(mkdtemp(dir));
    snprintf(png, sizeof png, "%s/big.png", dir);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4096, 4096);
    cairo_t *cr = cairo_create(img);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, 4096, 4096);
    cairo_pattern_add_color_stop_rgb(g, 0, 0.0, 0.3, 0.6);
    cairo_pattern_add_color_stop_rgb(g, 1, 0.0, 0.9, 1.0);
    cairo_set_source(cr, g);
    cairo_paint(cr);
    cairo_pattern_destroy(g);
    cairo_destroy(cr);
    assert_int_equal(cairo_surface_write_to_png(img, png), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(img);
    snprintf(lay, sizeof lay, "%s/big.json", dir);
    FILE *f = fopen(lay, "w");
    fprintf(f, "{\"canvas\":{\"width\":640,\"height\":360},\"feeds\":[{\"id\":\"main\",\"url\":\"demo:\"}],"
               "\"widgets\":[{\"id\":\"s\",\"type\":\"slideshow\",\"rect\":[20,20,400,300],"
               "\"images\":[\"big.png\"]}]}");
    fclose(f);
    screen_t *s = fixture_screen(lay, 0, 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    step(s, 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double first = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    text_of(s->layout->widgets[0], t, sizeof t);
    if (!strstr(t, "[loading]"))
        fail_msg("the first frame waited for the decode: %s", t);
    int frames = 1;
    double ready_at = 0;
    for (; frames < 2000; frames++) {          /* at most 2000 x 5 ms */
        usleep(5000);
        step(s, frames / 60.0);
        text_of(s->layout->widgets[0], t, sizeof t);
        if (strstr(t, "* 1/1")) {
            clock_gettime(CLOCK_MONOTONIC, &b);
            ready_at = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
            break;
        }
    }
    printf("# first frame %.1f ms while the 4096x4096 PNG decoded; shown after %d frames, %.0f ms\n",
           first * 1000, frames, ready_at * 1000);
    assert_true(ready_at > 0);
    screen_free(s);
    unlink(png);
    unlink(lay);
    rmdir(dir);
}

int main(void)
{
    setenv("BIGSCREEN_DATADIR", BS_SOURCE, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_shapes),
        cmocka_unit_test(list_errors),
        cmocka_unit_test(list_cap),
        cmocka_unit_test(huge_png_in_list),
        cmocka_unit_test(loader_off_thread),
        cmocka_unit_test(damage_follows_the_fade),
        cmocka_unit_test(topic_list),
        cmocka_unit_test(big_picture_off_the_render_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
