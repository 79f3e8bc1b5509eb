/*
 * damage.h — the list of screen areas to redraw this frame, in output pixels.
 *
 * As in LVGL's refresher: areas are clipped to the screen, an area inside
 * another is dropped, two areas are joined when their union costs less
 * than the two (a rectangle costs its pixels plus a 1/DAMAGE_RECT_SHARE
 * of the screen's: each one is a blit, an upload and a clip of its own for
 * every widget it meets), and when the list is full a new area joins the one it grows
 * least (never the whole screen for a few small moving marks).
 * Thread: render thread only.
 */
#ifndef BS_DAMAGE_H
#define BS_DAMAGE_H

#include <stdbool.h>

#define DAMAGE_MAX 64
#define DAMAGE_RECT_SHARE 2048  /* a rectangle's own work: 1/2048 of the screen's pixels (32 × 32 at 1080p) */

typedef struct { int x, y, w, h; } irect_t;

typedef struct {
    irect_t r[DAMAGE_MAX];
    int     n;
    int     screen_w, screen_h;
    bool    full;           /* the whole screen is damaged */
    long    rect_cost;      /* pixels a rectangle's own work is worth (DAMAGE_RECT_SHARE) */
} damage_t;

void damage_reset(damage_t *d, int screen_w, int screen_h);
/* Adds an area (clipped; empty areas are ignored). */
void damage_add(damage_t *d, irect_t r);
void damage_add_full(damage_t *d);
/* Sum of the areas' pixels (for stats). */
long damage_pixels(const damage_t *d);

irect_t irect_union(irect_t a, irect_t b);
/* r clipped to a w × h screen; w or h of the result <= 0 when nothing is left. */
irect_t irect_clip(irect_t r, int w, int h);
bool irect_intersects(irect_t a, irect_t b);
bool irect_contains(irect_t outer, irect_t inner);

#endif
