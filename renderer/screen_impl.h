/*
 * screen_impl.h — how screen.c's parts share one screen_t (private to
 * renderer/; the public interface is screen.h).
 *
 * The parts, each with one job:
 *   screen.c    life cycle (new, resize, reload, free) and the frame step
 *               screen_update(), which calls the parts below in order;
 *   bind.c      data in: the queue drained into the store, changed bindings
 *               delivered to widgets (cls->data), staleness, last-known values;
 *   schedule.c  what time decides: pages, the burn-in shift, the dark hours
 *               (pure functions of time; screen.c applies them);
 *   geometry.c  where the canvas (or a wall tile of it) goes on the output;
 *   compose.c   pixels out: the background, cached widget
 *               layers, damage from widgets (cls->tick, invalidation) and the
 *               paint of damaged areas (cls->draw_base, draw, draw_overlay);
 *   chrome.c    what the screen draws over the widgets: the connection
 *               banner, the reload error box, the statistics box;
 *   report.c    the run report as JSON.
 *
 * The widget interface (widgets/widget.h) is called from two places only:
 * bind.c (data) and compose.c (tick and the draw hooks).
 *
 * Thread: render thread, like everything in screen.h.
 */
#ifndef BS_SCREEN_IMPL_H
#define BS_SCREEN_IMPL_H

#include "screen.h"

#define INK_MARGIN      12        /* design units of glow around a widget */

/* ---- geometry.c: the canvas on the output ---- */
/* Fits the canvas (or this tile's share of it) to the output: sets sx, sy,
 * ox, oy and text_scale from out_w, out_h and the shift. */
void scr_fit(screen_t *s);
/* A design-unit rectangle grown by margin, in whole output pixels. */
irect_t scr_device_rect(const screen_t *s, rect_t r, double margin);
/* Sets cr's matrix to design units on the output. */
void scr_set_transform(const screen_t *s, cairo_t *cr);

/* ---- compose.c: background, layers, damage, paint ---- */
/* Paints the cached background for the current size and theme. */
void scr_paint_background(screen_t *s);
/* Drops every cached widget layer (frees, accepts none). */
void scr_layers_free(screen_t *s);
/* Drops every layer and makes room for one per widget. 0, or -1 (memory). */
int scr_layers_reset(screen_t *s);
/* What a frame gives to making what comes (other pages' layers, the next
 * page's still) when it has the time: the work stops once it is spent. */
#define PREPARE_BUDGET_S 0.003

/* Live screens with a running carousel, from the first painted frame on, a
 * step each frame within budget_s (at least one layer): makes the layers
 * of the widgets on the other pages, so that the first time a page is
 * prepared ahead it has only its still to make, not every layer (at 4K a
 * panel's layer took 45 ms: a frame dropped at each first change), then
 * touches the fade's two surfaces. Sets s->pages_made when all is done.
 * Returns the seconds it took. */
double scr_prepare_pages(screen_t *s, double now, int64_t wall_ms, double budget_s);

/* One frame of a cross-fade: over region rg of frame, each channel of
 * newp at e (0..1, in 256 steps) and of oldp at 1 - e, rounded:
 * (n·a + o·(256 - a) + 128) >> 8 with a = round(e·256). The three are ARGB32
 * surfaces of one size. */
void scr_fade_mix(cairo_surface_t *frame, cairo_surface_t *oldp, cairo_surface_t *newp, const cairo_region_t *rg,
                  double e);

/* dst = src OVER bg, n pixels of premultiplied ARGB32, each channel
 * s + bg·(255 − sα)/255 rounded as pixman's OVER: t = bg·(255 − sα) + 128,
 * (t + (t >> 8)) >> 8, the sum saturated at 255. */
void scr_over_row(uint32_t *restrict d, const uint32_t *restrict src, const uint32_t *restrict bg, int n);

/* The page changed: keeps the last frame to fade out from, when live. */
void scr_fade_begin(screen_t *s, double now);
/* Advances every widget to now and turns what became invalid into damage. */
void scr_collect_damage(screen_t *s, double now, int64_t wall_ms);
/* On a screen being prepared for a reload (screen_prep_t: not on the
 * display, owned by the thread preparing it): draws the layers of every
 * widget on its page, the still from them and s->bg when s->still is there,
 * and the whole frame into s->frame when that is there (noting where each
 * widget's marks are). Touches only s, its layout and its text cache. */
bool scr_prepare_all(screen_t *s, double now, int64_t wall_ms);   /* true: the frame is made */
#define PREPARE_AHEAD_S 1.5

/* Live screens, in the last PREPARE_AHEAD_S before a page change: brings
 * the layers of the next page's widgets up to date, within budget_s of
 * this frame, so the change itself only composes. */
void scr_prepare_ahead(screen_t *s, double now, int64_t wall_ms, double budget_s);

/* Where surface sf (placed at r.x, r.y on the output) has ink: the box of
 * its pixels with alpha, in output pixels; w 0 when it has none. */
irect_t scr_ink_box(cairo_surface_t *sf, irect_t r);
/* Brings widget i's cached layers up to date (remade where invalid). */
void scr_layer_current(screen_t *s, int i, draw_t *d);
/* What goes over widget i's layer each frame, into the clip of cr (output
 * pixels): its sliding strip (when strip is set), its marks, its top and
 * its stale badge. d->now is the time they are drawn at. */
void scr_paint_marks(screen_t *s, int i, cairo_t *cr, draw_t *d, bool strip);
/* Where w's sliding strip is at now: *st from the kind, its window in
 * whole output pixels (clipped to the output) and the output x of strip
 * x 0, rounded. false when w has none now, or it is unusable. */
bool scr_strip_place(const screen_t *s, const wdg_t *w, double now, wdg_strip_t *st, irect_t *clip, int *x0);
/* Draws strip space [from, to) of w's strip on cr (output pixels, clip
 * set by the caller) with strip x 0 at output x x0. */
void scr_strip_draw(const screen_t *s, const wdg_t *w, cairo_t *cr, draw_t *d, int x0, double from, double to);

/* ---- bind.c: queue → store → widgets ---- */
/* Sets the store's interest to the topics the layout binds. */
void scr_set_interest(screen_t *s);
/* Applies queued updates to the store, within a time budget when live. */
void scr_drain(screen_t *s, double now);
/* Hands each widget the bound values that changed since the last call. */
void scr_deliver(screen_t *s, double now);
/* Updates w's stale flag and data age; invalidates w when its badge changes. */
void scr_update_stale(screen_t *s, wdg_t *w, double now, int64_t wall_ms);
/* Loads last-known values and starts their writer (live screens). */
void scr_persist_setup(screen_t *s);
/* Finishes the save under way, or makes a whole one when the store changed
 * since the last save, and hands it to the writer (at exit). */
void scr_persist_save(screen_t *s, double now, int64_t wall_ms);
/* Saves every PERSIST_EVERY_S seconds (dark or lit). */
void scr_persist_tick(screen_t *s, double now, int64_t wall_ms);

/* ---- schedule.c: what time decides (pure functions of time) ---- */
/* Whether w is on the current page. */
bool scr_visible(const screen_t *s, const wdg_t *w);
/* The page shown at now (-1 when the layout has none). */
int scr_page_at(const layout_t *l, double now);
/* Seconds until the carousel next changes page at now, with that page in
 * *next; -1 (and *next -1) when it never does (one page, pinned). */
double scr_page_next(const layout_t *l, double now, int *next);
/* The burn-in guard's offset at time now, whole pixels. */
void scr_shift_at(const layout_t *l, double now, int *dx, int *dy);
/* Whether the schedule has the screen dark at wall time wall_ms. */
bool scr_dark_at(const layout_t *l, int64_t wall_ms);

/* ---- chrome.c: banner, error box, statistics box ---- */
/* Recomputes the connection banner; damages its band when the text changes. */
void scr_update_banner(screen_t *s);
/* Draws the chrome that meets damaged rectangle r (output pixels). */
void scr_draw_chrome(screen_t *s, draw_t *d, irect_t r);

#endif
