/*
 * screen_fixture.h — the one way tests and benchmarks open a layout as a
 * deterministic screen (no feed threads, the snapshot clock).
 */
#ifndef BS_SCREEN_FIXTURE_H
#define BS_SCREEN_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "screen.h"

#define FIXTURE_WALL0 1795573800000LL     /* 2026-11-25 10:30:00 +08:00 */

/* Loads path and makes a w × h screen (w or h <= 0: the canvas size) on
 * the deterministic demo feed. Prints the problems and exits on failure:
 * a fixture that cannot load is a broken test. */
static inline screen_t *fixture_screen(const char *path, int w, int h)
{
    diag_t d = { 0 };
    bool unreadable;
    layout_t *l = layout_load_file(path, &d, &unreadable);
    diag_print(&d, stderr);
    diag_clear(&d);
    if (!l)
        exit(1);
    if (w <= 0 || h <= 0) {
        w = l->width;
        h = l->height;
    }
    char err[256];
    screen_t *s = screen_new(l, w, h, false, FIXTURE_WALL0, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s: %s\n", path, err);
        exit(1);
    }
    return s;
}

/* Pixels of a and b (same size, ARGB32) differing by more than tol in any
 * channel; each pixel counted once. */
static inline long fixture_differing(cairo_surface_t *a, cairo_surface_t *b, int tol)
{
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
    const unsigned char *pa = cairo_image_surface_get_data(a), *pb = cairo_image_surface_get_data(b);
    long n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w * 4; x += 4)
            for (int ch = 0; ch < 4; ch++)
                if (abs(pa[y * sa + x + ch] - pb[y * sb + x + ch]) > tol) {
                    n++;
                    break;
                }
    return n;
}

#endif
