/*
 * test_compose.c — the composition core's pixel loops (renderer/compose.c)
 * against their definitions, on widths and offsets that reach both the
 * vector body and the scalar tail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "screen_impl.h"

/* Random pixels; with premul, valid premultiplied ones (each channel at
 * most alpha, alphas 255 and 0 often), else anything (channels at 255
 * often: the largest sums). */
static cairo_surface_t *noise_of(int w, int h, uint32_t seed, bool premul)
{
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_surface_flush(sf);
    uint8_t *p = cairo_image_surface_get_data(sf);
    int stride = cairo_image_surface_get_stride(sf);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            seed = seed * 1664525u + 1013904223u;
            uint32_t v = seed ^ (seed >> 13);
            if (!premul && x % 7 == 0)
                v |= 0xffffffu;
            if (premul) {
                uint32_t a = x % 5 == 0 ? 255 : x % 5 == 1 ? 0 : (seed >> 24) & 255;
                v = a << 24;
                for (int c = 0; c < 24; c += 8) {
                    seed = seed * 1664525u + 1013904223u;
                    v |= (a ? (seed >> 16) % (a + 1) : 0) << c;
                }
            }
            memcpy(p + (size_t)y * (size_t)stride + (size_t)x * 4, &v, 4);
        }
    cairo_surface_mark_dirty(sf);
    return sf;
}

static cairo_surface_t *noise(int w, int h, uint32_t seed)
{
    return noise_of(w, h, seed, false);
}

static uint32_t px(cairo_surface_t *sf, int x, int y)
{
    uint32_t v;
    memcpy(&v, cairo_image_surface_get_data(sf) + (size_t)y * (size_t)cairo_image_surface_get_stride(sf) + (size_t)x * 4,
           4);
    return v;
}

/* Every pixel of the region is (n·a + o·(256 − a) + 128) >> 8 per channel;
 * every pixel outside it is left as it was. */
static void fade_mix_exact(void **st)
{
    (void)st;
    const int w = 83, h = 9;
    cairo_surface_t *o = noise(w, h, 1), *n = noise(w, h, 2), *f = noise(w, h, 3), *f0 = noise(w, h, 3);
    const double es[] = { 0, 0.001, 0.25, 0.5, 0.73, 0.999, 1 };
    for (size_t k = 0; k < sizeof es / sizeof es[0]; k++) {
        cairo_rectangle_int_t rs[] = { { 1, 0, 37, 3 }, { 0, 3, 83, 2 }, { 50, 5, 3, 4 }, { 77, 6, 6, 3 } };
        cairo_region_t *rg = cairo_region_create_rectangles(rs, 4);
        scr_fade_mix(f, o, n, rg, es[k]);
        uint32_t a = (uint32_t)lround(es[k] * 256), b = 256 - a;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                bool in = cairo_region_contains_point(rg, x, y);
                uint32_t got = px(f, x, y), nv = px(n, x, y), ov = px(o, x, y), want = 0;
                for (int c = 0; c < 32; c += 8)
                    want |= ((((nv >> c) & 255) * a + ((ov >> c) & 255) * b + 128) >> 8) << c;
                if (!in)
                    want = px(f0, x, y);
                if (got != want)
                    fail_msg("e %.3f, pixel %d,%d (%s the region): %08x, want %08x", es[k], x, y, in ? "in" : "outside",
                             got, want);
            }
        cairo_region_destroy(rg);
    }
    cairo_surface_destroy(o);
    cairo_surface_destroy(n);
    cairo_surface_destroy(f);
    cairo_surface_destroy(f0);
}

/* scr_over_row (the still composed in one pass) against cairo's own
 * OVER of the same layer over the same background, pixel for pixel, on
 * widths that reach the vector body and the scalar tail. */
static void over_row_is_cairos(void **st)
{
    (void)st;
    const int w = 67, h = 11;
    cairo_surface_t *bg = noise_of(w, h, 7, true), *src = noise_of(w, h, 8, true), *want = noise_of(w, h, 7, true);
    for (int y = 0; y < h; y++) {                   /* an opaque background, as the still's */
        uint8_t *p = cairo_image_surface_get_data(bg) + (size_t)y * (size_t)cairo_image_surface_get_stride(bg);
        uint8_t *q = cairo_image_surface_get_data(want) + (size_t)y * (size_t)cairo_image_surface_get_stride(want);
        for (int x = 0; x < w; x++)
            p[x * 4 + 3] = q[x * 4 + 3] = 255;
    }
    cairo_surface_mark_dirty(bg);
    cairo_surface_mark_dirty(want);
    cairo_t *cr = cairo_create(want);
    cairo_set_source_surface(cr, src, 0, 0);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_flush(want);
    uint32_t got[67];
    for (int y = 0; y < h; y++) {
        const uint32_t *b = (const uint32_t *)(const void *)(cairo_image_surface_get_data(bg) +
                                                            (size_t)y * (size_t)cairo_image_surface_get_stride(bg));
        const uint32_t *sp = (const uint32_t *)(const void *)(cairo_image_surface_get_data(src) +
                                                             (size_t)y * (size_t)cairo_image_surface_get_stride(src));
        int from = y % 5, n = w - from - y;          /* offsets and lengths vary by row */
        memset(got, 0, sizeof got);
        scr_over_row(got + from, sp + from, b + from, n);
        for (int x = from; x < from + n; x++)
            if (got[x] != px(want, x, y))
                fail_msg("pixel %d,%d: layer %08x over %08x gave %08x, cairo %08x", x, y, sp[x], b[x], got[x],
                         px(want, x, y));
    }
    cairo_surface_destroy(bg);
    cairo_surface_destroy(src);
    cairo_surface_destroy(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fade_mix_exact),
        cmocka_unit_test(over_row_is_cairos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
