/* test_draw.c — the drawing kit's one-pass glow stroke (draw_glow_stroke)
 * against what it replaces: three wide strokes at 10 % and the line, stroked
 * by cairo with round caps and joins. The look must stay the same (within a
 * few levels, where the two antialiasing models differ on an edge), the
 * clip must hold, and the cases it hands back to cairo (dashes, a stretched
 * transform) must be exactly cairo's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "theme.h"

#define W 320
#define H 200

static const bs_color_t CYAN = { 0.0f, 0.9f, 1.0f, 1.0f, -1 };

static cairo_surface_t *canvas(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.03, 0.09, 0.25);     /* the panel's blue */
    cairo_paint(cr);
    cairo_destroy(cr);
    return s;
}

/* Tolerance: 72 levels on a few pixels and at most 150 pixels off by more
 * than 12; the wave below is steeper than any chart draws, where the two
 * antialiasing models part most. A wavy curve, a closed round rectangle, a zero-length segment (a dot)
 * and a sharp corner, in design units. */
static void shapes(cairo_t *cr)
{
    cairo_move_to(cr, 10, 100);
    for (int i = 0; i < 12; i++) {
        double x = 10 + i * 12;
        cairo_curve_to(cr, x + 4, 100 + 40 * sin(i), x + 8, 100 + 40 * cos(i * 1.7), x + 12, 100 + 30 * sin(i * 0.8));
    }
    draw_round_rect(cr, 170, 20, 120, 60, 8);
    cairo_move_to(cr, 200, 150);
    cairo_line_to(cr, 200, 150);
    cairo_move_to(cr, 230, 180);
    cairo_line_to(cr, 260, 120);
    cairo_line_to(cr, 290, 180);
}

/* What draw_glow_stroke looked like as four cairo strokes. */
static void reference(cairo_t *cr, bs_color_t c, double width, double glow)
{
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int i = 3; i >= 1; i--) {
        shapes(cr);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * 0.10);
        cairo_set_line_width(cr, width + glow * i / 1.5);
        cairo_stroke(cr);
    }
    shapes(cr);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
}

/* worst channel delta, and pixels differing by more than tol */
static int compare(cairo_surface_t *a, cairo_surface_t *b, int tol, long *over)
{
    cairo_surface_flush(a);
    cairo_surface_flush(b);
    const uint8_t *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
    int sa = cairo_image_surface_get_stride(a), worst = 0;
    *over = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W * 4; x++) {
            int dlt = abs(pa[y * sa + x] - pb[y * sa + x]);
            worst = dlt > worst ? dlt : worst;
            *over += (x % 4 == 0) && dlt > tol;      /* counted once per pixel, on blue */
        }
    return worst;
}

static void draw_both(double scale, bool dashed, bool clip, cairo_surface_t **fast, cairo_surface_t **ref,
                      double sx_extra)
{
    theme_t th;
    memset(&th, 0, sizeof th);
    *fast = canvas();
    *ref = canvas();
    for (int k = 0; k < 2; k++) {
        cairo_t *cr = cairo_create(k ? *ref : *fast);
        if (clip) {
            cairo_rectangle(cr, 40, 60, 200, 70);
            cairo_clip(cr);
        }
        cairo_scale(cr, scale * sx_extra, scale);
        if (dashed)
            cairo_set_dash(cr, (double[]){ 6, 4 }, 2, 0);
        if (k) {
            reference(cr, CYAN, 2.5, 4);
        } else {
            draw_t d = { .cr = cr, .scale = scale, .theme = &th };
            shapes(cr);
            draw_glow_stroke(&d, CYAN, 2.5, 4);
            assert_false(cairo_has_current_point(cr));      /* the path is consumed */
        }
        cairo_destroy(cr);
    }
}

/* The one-pass mask gives what the four strokes give. */
static void test_glow_matches_strokes(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        double scale = k ? 0.5 : 1.0;
        cairo_surface_t *fast, *ref;
        draw_both(scale, false, false, &fast, &ref, 1);
        long over;
        int worst = compare(fast, ref, 12, &over);
        if (worst > 72 || over > 150) {
            cairo_surface_write_to_png(fast, "/tmp/test-draw-fast.png");
            cairo_surface_write_to_png(ref, "/tmp/test-draw-ref.png");
            fail_msg("scale %.1f: worst delta %d, %ld pixels off by more than 12 (/tmp/test-draw-*.png)", scale,
                     worst, over);
        }
        cairo_surface_destroy(fast);
        cairo_surface_destroy(ref);
    }
}

/* Nothing outside the clip changes. */
static void test_glow_keeps_clip(void **state)
{
    (void)state;
    cairo_surface_t *fast, *ref, *blank = canvas();
    draw_both(1, false, true, &fast, &ref, 1);
    cairo_surface_flush(fast);
    const uint8_t *pf = cairo_image_surface_get_data(fast), *pb = cairo_image_surface_get_data(blank);
    int st = cairo_image_surface_get_stride(fast);
    long outside = 0, inside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            bool in = x >= 40 && x < 240 && y >= 60 && y < 130;
            bool diff = memcmp(pf + y * st + x * 4, pb + y * st + x * 4, 4) != 0;
            outside += !in && diff;
            inside += in && diff;
        }
    assert_int_equal(outside, 0);
    assert_true(inside > 500);
    long over;
    assert_true(compare(fast, ref, 12, &over) <= 72);
    cairo_surface_destroy(fast);
    cairo_surface_destroy(ref);
    cairo_surface_destroy(blank);
}

/* Dashes and a stretched transform are cairo's own strokes, exactly. */
static void test_glow_falls_back(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        cairo_surface_t *fast, *ref;
        draw_both(1, k == 0, false, &fast, &ref, k == 1 ? 1.3 : 1);
        long over;
        assert_int_equal(compare(fast, ref, 0, &over), 0);
        cairo_surface_destroy(fast);
        cairo_surface_destroy(ref);
    }
}

/* draw_ring gives what cairo's stroke of a circle gives, thin and thick,
 * and leaves the path alone. */
static void test_ring_matches_stroke(void **state)
{
    (void)state;
    theme_t th;
    memset(&th, 0, sizeof th);
    static const struct { double r, w, a; } rings[] = { { 6, 2, 0.9 }, { 30, 1.4, 0.5 }, { 22, 6, 1 }, { 3, 2, 1 } };
    for (double scale = 0.5; scale <= 2; scale *= 2) {
        cairo_surface_t *fast = canvas(), *ref = canvas();
        for (int k = 0; k < 2; k++) {
            cairo_t *cr = cairo_create(k ? ref : fast);
            cairo_scale(cr, scale, scale);
            cairo_move_to(cr, 1, 1);                 /* a path under way must survive */
            for (size_t i = 0; i < sizeof rings / sizeof rings[0]; i++) {
                double cx = 40 + 70 * (double)i + 0.3, cy = 50.7;
                if (k) {
                    cairo_new_path(cr);
                    cairo_arc(cr, cx, cy, rings[i].r, 0, 2 * M_PI);
                    cairo_set_source_rgba(cr, CYAN.r, CYAN.g, CYAN.b, rings[i].a);
                    cairo_set_line_width(cr, rings[i].w);
                    cairo_stroke(cr);
                } else {
                    draw_t d = { .cr = cr, .scale = scale, .theme = &th };
                    draw_ring(&d, cx, cy, rings[i].r, rings[i].w, CYAN, rings[i].a);
                    assert_true(cairo_has_current_point(cr));
                }
            }
            cairo_destroy(cr);
        }
        long over;
        int worst = compare(fast, ref, 12, &over);
        if (worst > 72 || over > 60) {
            cairo_surface_write_to_png(fast, "/tmp/test-draw-ring-fast.png");
            cairo_surface_write_to_png(ref, "/tmp/test-draw-ring-ref.png");
            fail_msg("scale %.1f: worst delta %d, %ld pixels off by more than 12", scale, worst, over);
        }
        cairo_surface_destroy(fast);
        cairo_surface_destroy(ref);
    }
}

/* A comet's tail: eight segments along a curve, thinning and fading
 * towards its end, brightening towards its head, and a zero-length one (a
 * dot). As cairo strokes them one after another with round caps. */
static int tail(double u, draw_seg_t *seg)
{
    int n = 0;
    for (int j = 0; j < 8; j++) {
        double t0 = u - 0.3 * (8 - j) / 8, t1 = u - 0.3 * (7 - j) / 8, f = (j + 1) / 8.0;
        double x0 = 20 + 300 * t0, y0 = 150 - 160 * t0 * (1 - t0) * 2, x1 = 20 + 300 * t1, y1 = 150 - 160 * t1 * (1 - t1) * 2;
        seg[n++] = (draw_seg_t){ x0, y0, x1, y1, 0.6 + 2.4 * f,
                                 { 1.0f, 0.8f + 0.2f * (float)f * 0.5f, 0.3f + 0.7f * (float)f * 0.5f, (float)(f * 0.95), -1 } };
    }
    seg[n++] = (draw_seg_t){ 100.3, 40.6, 100.3, 40.6, 5, { 1, 1, 1, 0.8f, -1 } };
    return n;
}

/* draw_trail gives what cairo's strokes of its segments give, in turn, at
 * three scales; inside a clip it draws only there; it leaves the path
 * alone, also where it falls back to cairo (a stretched transform). */
static void test_trail_matches_strokes(void **state)
{
    (void)state;
    theme_t th;
    memset(&th, 0, sizeof th);
    draw_seg_t seg[16];
    for (int pass = 0; pass < 4; pass++) {
        double scale = pass == 0 ? 0.5 : pass == 1 ? 1 : 2, sy = pass == 3 ? 1.5 : scale;
        cairo_surface_t *fast = canvas(), *ref = canvas();
        for (int k = 0; k < 2; k++) {
            cairo_t *cr = cairo_create(k ? ref : fast);
            cairo_scale(cr, scale, sy);
            for (double u = 0.35; u < 1.3; u += 0.3) {
                int n = tail(u, seg);
                if (k) {
                    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
                    for (int i = 0; i < n; i++) {
                        cairo_move_to(cr, seg[i].x0, seg[i].y0);
                        cairo_line_to(cr, seg[i].x1, seg[i].y1);
                        cairo_set_source_rgba(cr, seg[i].c.r, seg[i].c.g, seg[i].c.b, seg[i].c.a);
                        cairo_set_line_width(cr, seg[i].width);
                        cairo_stroke(cr);
                    }
                } else {
                    draw_t d = { .cr = cr, .scale = scale, .theme = &th };
                    cairo_move_to(cr, 1, 1);             /* a path under way must survive */
                    draw_trail(&d, seg, n);
                    assert_true(cairo_has_current_point(cr));
                    cairo_new_path(cr);
                }
            }
            cairo_destroy(cr);
        }
        long over;
        int worst = compare(fast, ref, 12, &over);
        if (worst > 48 || over > 12) {            /* measured: 31 and 8 */
            cairo_surface_write_to_png(fast, "/tmp/test-draw-trail-fast.png");
            cairo_surface_write_to_png(ref, "/tmp/test-draw-trail-ref.png");
            fail_msg("pass %d: worst delta %d, %ld pixels off by more than 12", pass, worst, over);
        }
        cairo_surface_destroy(fast);
        cairo_surface_destroy(ref);
    }
    /* clipped: the same pixels inside the clip, nothing outside */
    cairo_surface_t *whole = canvas(), *part = canvas(), *bare = canvas();
    for (int k = 0; k < 2; k++) {
        cairo_t *cr = cairo_create(k ? part : whole);
        if (k) {
            cairo_rectangle(cr, 110, 40, 90, 90);
            cairo_clip(cr);
        }
        draw_t d = { .cr = cr, .scale = 1, .theme = &th };
        draw_trail(&d, seg, tail(0.65, seg));
        cairo_destroy(cr);
    }
    cairo_surface_flush(whole);
    cairo_surface_flush(part);
    const uint8_t *pw = cairo_image_surface_get_data(whole), *pp = cairo_image_surface_get_data(part);
    const uint8_t *pb = cairo_image_surface_get_data(bare);
    int st = cairo_image_surface_get_stride(whole);
    long inside = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            bool in = x >= 110 && x < 200 && y >= 40 && y < 130;
            const uint8_t *want = in ? pw : pb;
            inside += in && memcmp(pw + y * st + x * 4, pb + y * st + x * 4, 4) != 0;
            if (memcmp(pp + y * st + x * 4, want + y * st + x * 4, 4) != 0)
                fail_msg("clipped trail differs at %d,%d (%s the clip)", x, y, in ? "inside" : "outside");
        }
    assert_true(inside > 50);                             /* the clip does hold part of it */
    cairo_surface_destroy(whole);
    cairo_surface_destroy(part);
    cairo_surface_destroy(bare);
}

/* A noisy background, so that every blend's rounding shows. */
static cairo_surface_t *noisy(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_surface_flush(s);
    uint8_t *p = cairo_image_surface_get_data(s);
    int st = cairo_image_surface_get_stride(s);
    uint32_t h = 12345;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            h = h * 1103515245u + 12345u;
            uint32_t a = 128 + (h >> 25), r = (h >> 8) & 0xff, g = (h >> 16) & 0xff, b = (h >> 3) & 0xff;
            r = r * a / 255;
            g = g * a / 255;
            b = b * a / 255;
            *(uint32_t *)(p + y * st + x * 4) = a << 24 | r << 16 | g << 8 | b;
        }
    cairo_surface_mark_dirty(s);
    return s;
}

static void paint_dot(cairo_t *cr, const void *arg)
{
    const double *v = arg;
    cairo_pattern_t *g = cairo_pattern_create_radial(0, 0, 0, 0, 0, v[0]);
    cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, 0.9);
    cairo_pattern_add_color_stop_rgba(g, 0.4, v[1], v[2], v[3], 0.7);
    cairo_pattern_add_color_stop_rgba(g, 1, v[1], v[2], v[3], 0);
    cairo_arc(cr, 0, 0, v[0], 0, 2 * M_PI);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

/* The marks of the map in both ways: rings of several sizes, widths and
 * alphas at odd positions, comets' tails and glowing dots. */
static void px_marks(draw_t *d, draw_px_t *px, double t)
{
    static const bs_color_t GOLD = { 1.0f, 0.78f, 0.3f, 1.0f, -1 };
    for (int i = 0; i < 9; i++) {
        double cx = 20 + i * 33.3 + t, cy = 40 + 13.7 * i, r = 2 + i * 3.1 + t, w = 0.8 + 0.4 * i;
        bs_color_t c = i % 2 ? CYAN : GOLD;
        if (px)
            draw_ring_px(px, d, cx, cy, r, w, c, 0.3 + 0.07 * i);
        else
            draw_ring(d, cx, cy, r, w, c, 0.3 + 0.07 * i);
    }
    draw_seg_t seg[16];
    for (double u = 0.35; u < 1.3; u += 0.3) {
        int n = tail(u + t * 0.01, seg);
        if (px)
            draw_trail_px(px, d, seg, n);
        else
            draw_trail(d, seg, n);
    }
    for (int i = 0; i < 6; i++) {
        double v[4] = { 3 + i, 1, 0.7, 0.2 }, x = 30 + 47.3 * i + t * 0.37, y = 160 - 17.1 * i;
        if (px)
            draw_sprite_px(px, d, x, y, v[0], paint_dot, v, sizeof v);
        else
            draw_sprite(d, x, y, v[0], paint_dot, v, sizeof v);
    }
}

/* The direct-pixel helpers give draw_ring's, draw_trail's and draw_sprite's
 * pixels byte for byte, inside a clip of several rectangles (as the
 * damage is) and nothing outside it, at two scales, straight into the
 * target and into a group (a surface with a device offset); where they
 * cannot (a stretched transform, an unaligned clip) they are the cairo
 * helpers. */
static void test_px_matches_cairo(void **state)
{
    (void)state;
    theme_t th;
    memset(&th, 0, sizeof th);
    for (int pass = 0; pass < 5; pass++) {
        double scale = pass == 1 ? 2 : pass == 2 ? 0.75 : 1, sy = pass == 4 ? 1.3 : scale;
        bool group = pass == 3, odd_clip = pass == 4;
        cairo_surface_t *sf[2] = { noisy(), noisy() };
        bool began = false;
        for (int k = 0; k < 2; k++) {
            cairo_t *cr = cairo_create(sf[k]);
            static const int rects[][4] = { { 0, 0, 90, 60 }, { 70, 40, 120, 90 }, { 200, 10, 110, 170 },
                                            { 10, 140, 60, 50 } };
            for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
                cairo_rectangle(cr, rects[i][0] + (odd_clip ? 0.5 : 0), rects[i][1], rects[i][2], rects[i][3]);
            cairo_clip(cr);
            if (group)
                cairo_push_group(cr);
            cairo_scale(cr, scale, sy);
            draw_t d = { .cr = cr, .scale = scale, .theme = &th };
            draw_px_t px;
            if (k) {
                began = draw_px_begin(&px, &d);
                for (double t = 0; t < 3; t += 0.7)
                    px_marks(&d, &px, t);
                draw_px_end(&px);
            } else {
                for (double t = 0; t < 3; t += 0.7)
                    px_marks(&d, NULL, t);
            }
            if (group) {
                cairo_pop_group_to_source(cr);
                cairo_identity_matrix(cr);
                cairo_paint(cr);
            }
            cairo_destroy(cr);
        }
        assert_true(began == !odd_clip);
        long over;
        int worst = compare(sf[0], sf[1], 0, &over);
        if (worst != 0) {
            cairo_surface_write_to_png(sf[0], "/tmp/test-draw-px-cairo.png");
            cairo_surface_write_to_png(sf[1], "/tmp/test-draw-px-direct.png");
            fail_msg("pass %d: worst delta %d, %ld pixels differ", pass, worst, over);
        }
        cairo_surface_destroy(sf[0]);
        cairo_surface_destroy(sf[1]);
    }
    draw_thread_release();
}

/* draw_mask_px against cairo_mask of the same A8 mask as a surface pattern
 * moved to (mx, my): nearest at whole offsets, bilinear at fractional ones
 * (the line's curve cache mid-slide), the mask partly off the target and
 * cut by a clip of several rectangles; byte for byte, over noisy pixels. */
static void test_mask_matches_cairo(void **state)
{
    (void)state;
    cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, 150, 90);
    cairo_t *mc = cairo_create(m);
    cairo_pattern_t *g = cairo_pattern_create_linear(0, 0, 0, 90);
    cairo_pattern_add_color_stop_rgba(g, 0, 1, 1, 1, 0.6);
    cairo_pattern_add_color_stop_rgba(g, 1, 1, 1, 1, 0);
    cairo_move_to(mc, 0, 90);
    for (int i = 0; i <= 15; i++)
        cairo_line_to(mc, i * 10, 40 + 30 * sin(i * 0.9));
    cairo_line_to(mc, 150, 90);
    cairo_set_source(mc, g);
    cairo_fill(mc);
    cairo_pattern_destroy(g);
    cairo_set_source_rgba(mc, 1, 1, 1, 1);
    cairo_move_to(mc, 2, 70);
    cairo_curve_to(mc, 50, 0, 100, 90, 148, 10);
    cairo_set_line_width(mc, 3);
    cairo_stroke(mc);
    cairo_destroy(mc);
    cairo_surface_flush(m);
    static const double offs[][2] = { { 40, 30 }, { 40.3, 30 }, { 40.75, 30 }, { -20.5, 120 }, { 230.1, -10 },
                                      { 12.999, 7 }, { -0.25, 0 } };
    bs_color_t col = { 0.2f, 0.85f, 1.0f, 1.0f, -1 };
    for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++) {
        cairo_surface_t *sf[2] = { noisy(), noisy() };
        for (int k = 0; k < 2; k++) {
            cairo_t *cr = cairo_create(sf[k]);
            static const int rects[][4] = { { 0, 0, 90, 60 }, { 70, 40, 120, 90 }, { 200, 10, 110, 170 },
                                            { 10, 140, 60, 50 } };
            for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
                cairo_rectangle(cr, rects[i][0], rects[i][1], rects[i][2], rects[i][3]);
            cairo_clip(cr);
            draw_t d = { .cr = cr, .scale = 1 };
            double mx = offs[o][0], my = offs[o][1];
            if (k) {
                draw_px_t px;
                assert_true(draw_px_begin(&px, &d));
                assert_true(draw_mask_px(&px, m, mx, my, col));
                draw_px_end(&px);
            } else {
                cairo_set_source_rgb(cr, col.r, col.g, col.b);
                cairo_pattern_t *mp = cairo_pattern_create_for_surface(m);
                cairo_matrix_t at;
                cairo_matrix_init_translate(&at, -mx, -my);
                cairo_pattern_set_matrix(mp, &at);
                cairo_pattern_set_filter(mp, mx != floor(mx) ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
                cairo_mask(cr, mp);
                cairo_pattern_destroy(mp);
            }
            cairo_destroy(cr);
        }
        long over;
        int worst = compare(sf[0], sf[1], 0, &over);
        if (worst != 0) {
            cairo_surface_write_to_png(sf[0], "/tmp/test-draw-mask-cairo.png");
            cairo_surface_write_to_png(sf[1], "/tmp/test-draw-mask-direct.png");
            fail_msg("mask at (%g, %g): worst delta %d, %ld pixels differ", offs[o][0], offs[o][1], worst, over);
        }
        cairo_surface_destroy(sf[0]);
        cairo_surface_destroy(sf[1]);
    }
    cairo_surface_destroy(m);
}

/* draw_mask_rows_px (a map's fills and borders) gives cairo_mask's pixels
 * exactly, for full, partial and empty coverage, with an opaque and a
 * translucent colour, one colour or one per row, inside a clip of several
 * rectangles. */
static void test_mask_rows_match_cairo(void **state)
{
    (void)state;
    cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, 157, 93);
    cairo_t *mc = cairo_create(m);
    cairo_set_source_rgba(mc, 1, 1, 1, 1);
    cairo_arc(mc, 60, 45, 38, 0, 2 * M_PI);
    cairo_fill(mc);
    cairo_set_source_rgba(mc, 1, 1, 1, 0.37);
    cairo_move_to(mc, 2, 80);
    cairo_curve_to(mc, 50, 0, 100, 90, 155, 10);
    cairo_set_line_width(mc, 9);
    cairo_stroke(mc);
    cairo_destroy(mc);
    cairo_surface_flush(m);
    const uint8_t *md = cairo_image_surface_get_data(m);
    int ms = cairo_image_surface_get_stride(m);
    static const double alphas[] = { 1.0, 0.61, 0.05 };
    for (size_t a = 0; a < sizeof alphas / sizeof alphas[0]; a++)
        for (int per_row = 0; per_row < 2; per_row++) {
            cairo_surface_t *sf[2] = { noisy(), noisy() };
            uint32_t rows[93];
            for (int j = 0; j < 93; j++) {
                bs_color_t c = { 0.55f, 0.92f - (per_row ? 0.006f * j : 0), 1.0f, 1.0f, -1 };
                rows[j] = draw_px_color(c, alphas[a]);
            }
            for (int k = 0; k < 2; k++) {
                cairo_t *cr = cairo_create(sf[k]);
                static const int rects[][4] = { { 0, 0, 90, 60 }, { 70, 40, 121, 90 }, { 200, 10, 110, 170 } };
                for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
                    cairo_rectangle(cr, rects[i][0], rects[i][1], rects[i][2], rects[i][3]);
                cairo_clip(cr);
                if (k) {
                    draw_t d = { .cr = cr, .scale = 1 };
                    draw_px_t px;
                    assert_true(draw_px_begin(&px, &d));
                    draw_mask_rows_px(&px, md, ms, 33, 21, 157, 93, rows, per_row ? 93 : 1);
                    draw_px_end(&px);
                } else {
                    for (int j = 0; j < (per_row ? 93 : 1); j++) {
                        cairo_save(cr);
                        if (per_row) {
                            cairo_rectangle(cr, 0, 21 + j, 400, 1);
                            cairo_clip(cr);
                        }
                        bs_color_t c = { 0.55f, 0.92f - (per_row ? 0.006f * j : 0), 1.0f, 1.0f, -1 };
                        cairo_set_source_rgba(cr, c.r, c.g, c.b, alphas[a]);
                        cairo_mask_surface(cr, m, 33, 21);
                        cairo_restore(cr);
                    }
                }
                cairo_destroy(cr);
            }
            if (!per_row) {          /* and the same mask as sparse runs (draw_spans_px) */
                cairo_surface_t *sf3 = noisy();
                cairo_t *cr = cairo_create(sf3);
                static const int rects[][4] = { { 0, 0, 90, 60 }, { 70, 40, 121, 90 }, { 200, 10, 110, 170 } };
                for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
                    cairo_rectangle(cr, rects[i][0], rects[i][1], rects[i][2], rects[i][3]);
                cairo_clip(cr);
                draw_t d = { .cr = cr, .scale = 1 };
                draw_px_t px;
                draw_spans_t sp;
                assert_true(draw_spans_from_a8(&sp, m, 33, 21));
                assert_true(sp.ncov < (size_t)157 * 93);      /* the empty runs left out */
                assert_true(draw_px_begin(&px, &d));
                draw_spans_px(&px, &sp, rows[0]);
                draw_px_end(&px);
                draw_spans_free(&sp);
                cairo_destroy(cr);
                long o3;
                int w3 = compare(sf[0], sf3, 0, &o3);
                if (w3 != 0) {
                    cairo_surface_write_to_png(sf3, "/tmp/test-draw-spans.png");
                    fail_msg("spans, alpha %g: worst delta %d, %ld pixels differ", alphas[a], w3, o3);
                }
                cairo_surface_destroy(sf3);
            }
            long over;
            int worst = compare(sf[0], sf[1], 0, &over);
            if (worst != 0) {
                cairo_surface_write_to_png(sf[0], "/tmp/test-draw-rows-cairo.png");
                cairo_surface_write_to_png(sf[1], "/tmp/test-draw-rows-direct.png");
                fail_msg("mask rows, alpha %g, per row %d: worst delta %d, %ld pixels differ", alphas[a], per_row,
                         worst, over);
            }
            cairo_surface_destroy(sf[0]);
            cairo_surface_destroy(sf[1]);
        }
    cairo_surface_destroy(m);
}

/* A line chart's area, filled with a vertical gradient through
 * draw_fill_vgrad_px, against cairo's linear gradient fill of the same
 * path: one level apart at most but on a few edge pixels (two; pixman's
 * gradient and the row's colour round differently), inside a clip of several rectangles, at 1× and 2×,
 * with the gradient's ends inside the path (held beyond them), and nothing
 * touched outside the clip. */
/* A context on sf clipped to three rectangles (two overlapping, one
 * apart), its origin a few pixels in and at scale: where the gradient
 * tests draw cairo's way and the direct way. */
static cairo_t *clipped_scaled(cairo_surface_t *sf, double scale)
{
    cairo_t *cr = cairo_create(sf);
    static const int rects[][4] = { { 0, 0, 120, 90 }, { 100, 60, 150, 130 }, { 260, 0, 60, 200 } };
    for (size_t i = 0; i < sizeof rects / sizeof rects[0]; i++)
        cairo_rectangle(cr, rects[i][0], rects[i][1], rects[i][2], rects[i][3]);
    cairo_clip(cr);
    cairo_translate(cr, 3, 2);
    cairo_scale(cr, scale, scale);
    return cr;
}

/* sf[0] (cairo's) and sf[1] (direct) at most max_worst levels apart and at
 * most 20 pixels more than one level apart; else both are written to
 * /tmp/test-draw-NAME-{cairo,direct}.png and the test fails. Frees both. */
static void expect_close(cairo_surface_t *sf[2], int max_worst, const char *name, double scale, size_t which)
{
    long over;
    int worst = compare(sf[0], sf[1], 1, &over);
    if (worst > max_worst || over > 20) {
        char a[128], b[128];
        snprintf(a, sizeof a, "/tmp/test-draw-%s-cairo.png", name);
        snprintf(b, sizeof b, "/tmp/test-draw-%s-direct.png", name);
        cairo_surface_write_to_png(sf[0], a);
        cairo_surface_write_to_png(sf[1], b);
        fail_msg("%s, scale %g, case %zu: worst delta %d, %ld pixels more than 1 off", name, scale, which, worst,
                 over);
    }
    cairo_surface_destroy(sf[0]);
    cairo_surface_destroy(sf[1]);
}

static void area_path(cairo_t *cr)
{
    cairo_move_to(cr, 10, 95);
    cairo_curve_to(cr, 40, 10, 70, 80, 100, 30);
    cairo_curve_to(cr, 120, 5, 140, 60, 150, 40);
    cairo_line_to(cr, 150, 95);
    cairo_close_path(cr);
}

static void test_vgrad_matches_cairo(void **state)
{
    (void)state;
    static const double scales[] = { 1.0, 2.0 };
    static const double ends[][2] = { { 20, 95 }, { 0, 60 } };   /* user y where alpha is a0 and 0 */
    for (size_t si = 0; si < 2; si++)
        for (size_t ei = 0; ei < 2; ei++) {
            cairo_surface_t *sf[2] = { noisy(), noisy() };
            for (int k = 0; k < 2; k++) {
                cairo_t *cr = clipped_scaled(sf[k], scales[si]);
                area_path(cr);
                double y0 = ends[ei][0], y1 = ends[ei][1], a0 = 0.42;
                if (k) {
                    draw_t d = { .cr = cr, .scale = 1 };
                    draw_px_t px;
                    assert_true(draw_px_begin(&px, &d));
                    assert_true(draw_fill_vgrad_px(&px, &d, CYAN, y0, a0, y1, 0));
                    draw_px_end(&px);
                    assert_false(cairo_has_current_point(cr));       /* the path is consumed */
                } else {
                    cairo_pattern_t *g = cairo_pattern_create_linear(0, y0, 0, y1);
                    cairo_pattern_add_color_stop_rgba(g, 0, CYAN.r, CYAN.g, CYAN.b, a0);
                    cairo_pattern_add_color_stop_rgba(g, 1, CYAN.r, CYAN.g, CYAN.b, 0);
                    cairo_set_source(cr, g);
                    cairo_fill(cr);
                    cairo_pattern_destroy(g);
                }
                cairo_destroy(cr);
            }
            expect_close(sf, 2, "vgrad", scales[si], ei);
        }
    /* a target it cannot take (an A8 mask, as the line's cache is): false,
     * the path kept for cairo */
    cairo_surface_t *a8 = cairo_image_surface_create(CAIRO_FORMAT_A8, W, H);
    cairo_t *cr = cairo_create(a8);
    area_path(cr);
    draw_t d = { .cr = cr, .scale = 1 };
    draw_px_t px;
    assert_false(draw_px_begin(&px, &d));
    assert_false(draw_fill_vgrad_px(&px, &d, CYAN, 0, 1, 90, 0));
    assert_true(cairo_has_current_point(cr));
    cairo_destroy(cr);
    cairo_surface_destroy(a8);
}

/* A donut's slice (an annular sector) and a pie's (to the centre), filled
 * with a radial gradient through draw_fill_rgrad_px, against cairo's radial
 * gradient fill of the same path: colour and alpha both change between the
 * stops, the gradient held beyond them; one level apart at most but on
 * twenty edge pixels, in a clip of several rectangles, at 1x and 2x. */
static void sector_path(cairo_t *cr, double cx, double cy, double ro, double ri, double a0, double a1)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, cx, cy, ro, a0, a1);
    if (ri > 0)
        cairo_arc_negative(cr, cx, cy, ri, a1, a0);
    else
        cairo_line_to(cr, cx, cy);
    cairo_close_path(cr);
}

static void test_rgrad_matches_cairo(void **state)
{
    (void)state;
    static const double scales[] = { 1.0, 2.0 };
    /* ring: inner and outer radius of the path, then of the gradient */
    static const double rings[][4] = { { 30, 80, 30, 80 }, { 0, 70, 10, 60 } };
    const bs_color_t c0 = { 0.0f, 0.9f * 0.55f, 0.7f, 0.9f, -1 }, c1 = { 1.0f, 0.83f, 0.30f, 1.0f, -1 };
    for (size_t si = 0; si < 2; si++)
        for (size_t ri = 0; ri < 2; ri++) {
            cairo_surface_t *sf[2] = { noisy(), noisy() };
            for (int k = 0; k < 2; k++) {
                cairo_t *cr = clipped_scaled(sf[k], scales[si]);
                double cx = 85, cy = 82;
                sector_path(cr, cx, cy, rings[ri][1], rings[ri][0], -2.9, 1.3);
                if (k) {
                    draw_t d = { .cr = cr, .scale = 1 };
                    draw_px_t px;
                    assert_true(draw_px_begin(&px, &d));
                    assert_true(draw_fill_rgrad_px(&px, &d, cx, cy, rings[ri][2], c0, rings[ri][3], c1));
                    draw_px_end(&px);
                    assert_false(cairo_has_current_point(cr));       /* the path is consumed */
                } else {
                    cairo_pattern_t *g = cairo_pattern_create_radial(cx, cy, rings[ri][2], cx, cy, rings[ri][3]);
                    cairo_pattern_add_color_stop_rgba(g, 0, c0.r, c0.g, c0.b, c0.a);
                    cairo_pattern_add_color_stop_rgba(g, 1, c1.r, c1.g, c1.b, c1.a);
                    cairo_set_source(cr, g);
                    cairo_fill(cr);
                    cairo_pattern_destroy(g);
                }
                cairo_destroy(cr);
            }
            /* edge pixels: cairo's gradient fill takes its coverage another
             * way than a solid fill does (a few levels, one pixel 12) */
            expect_close(sf, 16, "rgrad", scales[si], ri);
        }
    /* what it cannot take: the radii the wrong way round, a NaN centre; the
     * path kept for cairo */
    cairo_surface_t *sf = noisy();
    cairo_t *cr = cairo_create(sf);
    draw_t d = { .cr = cr, .scale = 1 };
    draw_px_t px;
    assert_true(draw_px_begin(&px, &d));
    sector_path(cr, 85, 82, 80, 30, 0, 1);
    assert_false(draw_fill_rgrad_px(&px, &d, 85, 82, 80, c0, 30, c1));
    assert_false(draw_fill_rgrad_px(&px, &d, NAN, 82, 30, c0, 80, c1));
    assert_true(cairo_has_current_point(cr));
    draw_px_end(&px);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
}

/* A picture for draw_picture: a slanted tab and a round bar, their look in
 * arg (counted, so the test sees when it is painted). */
typedef struct { double w, h; float a, zero; } pic_arg_t;   /* no padding: its bytes are the key */
static int painted;

static void paint_pic(draw_t *d, const void *arg)
{
    const pic_arg_t *p = arg;
    cairo_t *cr = d->cr;
    painted++;
    cairo_move_to(cr, 5, 0);
    cairo_line_to(cr, p->w * 0.3, 0);
    cairo_line_to(cr, p->w * 0.3 - 5, p->h);
    cairo_line_to(cr, 0, p->h);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, 1, 0.78, 0.2, p->a);
    cairo_fill(cr);
    draw_round_rect(cr, p->w * 0.4, p->h * 0.2, p->w * 0.6, p->h * 0.6, p->h * 0.3);
    cairo_set_source_rgba(cr, CYAN.r, CYAN.g, CYAN.b, 0.4);
    cairo_fill(cr);
}

/* draw_picture gives the pixels paint() gives at the same place (a
 * fractional one, under a clip), paints a look once and blits it after,
 * paints again when the look or the phase differs, paints straight in
 * under a stretched transform, and keeps its bytes under the cap. */
static void test_picture_is_painted_once(void **state)
{
    (void)state;
    theme_t th;
    memset(&th, 0, sizeof th);
    pic_arg_t a = { 120, 24, 0.9f };
    for (double scale = 0.75; scale <= 1.5; scale *= 2) {
        cairo_surface_t *pic = canvas(), *ref = canvas();
        painted = 0;
        for (int k = 0; k < 2; k++) {
            cairo_t *cr = cairo_create(k ? ref : pic);
            cairo_rectangle(cr, 0, 0, 200, 34);          /* a clip on whole pixels (as damage is) cutting a copy */
            cairo_clip(cr);
            cairo_scale(cr, scale, scale);
            draw_t d = { .cr = cr, .scale = scale, .theme = &th };
            for (int i = 0; i < 3; i++) {
                double x = 10.3, y = 5.6 + 25 * i;
                if (k) {
                    cairo_save(cr);
                    cairo_translate(cr, x, y);
                    paint_pic(&d, &a);
                    cairo_restore(cr);
                } else {
                    draw_picture(&d, x, y, a.w, a.h, paint_pic, &a, sizeof a);
                }
            }
            cairo_destroy(cr);
        }
        long over;
        int worst = compare(pic, ref, 2, &over);
        if (worst > 2) {
            cairo_surface_write_to_png(pic, "/tmp/test-draw-picture.png");
            cairo_surface_write_to_png(ref, "/tmp/test-draw-picture-ref.png");
            fail_msg("scale %.2f: a picture differs from painting it by %d levels", scale, worst);
        }
        cairo_surface_destroy(pic);
        cairo_surface_destroy(ref);
    }
    /* once per look and phase: the same place again paints nothing */
    cairo_surface_t *sf = canvas();
    cairo_t *cr = cairo_create(sf);
    draw_t d = { .cr = cr, .scale = 1, .theme = &th };
    painted = 0;
    draw_picture(&d, 10.5, 10.25, a.w, a.h, paint_pic, &a, sizeof a);
    draw_picture(&d, 30.5, 50.25, a.w, a.h, paint_pic, &a, sizeof a);     /* moved by whole pixels */
    assert_int_equal(painted, 1);
    draw_picture(&d, 30.5, 50.5, a.w, a.h, paint_pic, &a, sizeof a);      /* another phase */
    assert_int_equal(painted, 2);
    pic_arg_t b = a;
    b.a = 0.4f;                                                            /* another look */
    draw_picture(&d, 30.5, 50.5, b.w, b.h, paint_pic, &b, sizeof b);
    assert_int_equal(painted, 3);
    cairo_scale(cr, 1, 2);                                                  /* stretched: straight in */
    draw_picture(&d, 30.5, 50.5, a.w, a.h, paint_pic, &a, sizeof a);
    draw_picture(&d, 30.5, 50.5, a.w, a.h, paint_pic, &a, sizeof a);
    assert_int_equal(painted, 5);
    cairo_identity_matrix(cr);
    /* many large looks: the cache stays under its cap (each is 4 MB) */
    for (int i = 0; i < 12; i++) {
        pic_arg_t big = { 2000, 500, (float)i / 12 };
        draw_picture(&d, 0, 0, big.w, big.h, paint_pic, &big, sizeof big);
    }
    assert_int_equal(painted, 17);
    pic_arg_t big = { 2000, 500, 11.0f / 12 };
    draw_picture(&d, 0, 0, big.w, big.h, paint_pic, &big, sizeof big);    /* the newest is still there */
    assert_int_equal(painted, 17);
    cairo_destroy(cr);
    cairo_surface_destroy(sf);
    draw_thread_release();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glow_matches_strokes),
        cmocka_unit_test(test_glow_keeps_clip),
        cmocka_unit_test(test_glow_falls_back),
        cmocka_unit_test(test_ring_matches_stroke),
        cmocka_unit_test(test_trail_matches_strokes),
        cmocka_unit_test(test_px_matches_cairo),
        cmocka_unit_test(test_mask_matches_cairo),
        cmocka_unit_test(test_mask_rows_match_cairo),
        cmocka_unit_test(test_vgrad_matches_cairo),
        cmocka_unit_test(test_rgrad_matches_cairo),
        cmocka_unit_test(test_picture_is_painted_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
