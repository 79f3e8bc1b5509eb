/*
 * widget.h — widget kinds and instances.
 *
 * A widget kind is one const wdg_class_t in one file of widgets/, listed in
 * the registry (registry.c), the only list of kinds. The core allocates an
 * instance of cls->size bytes, zeroed, whose first member is a wdg_t; the
 * kind never allocates its own instance.
 *
 * Lifecycle (all on the render thread):
 *   core: calloc → defaults from cls->opts → layout keys parsed →
 *   cls->init() (cross-option checks) → per frame: cls->data() when a bound
 *   topic changed, cls->tick() to advance animations → cls->draw() when the
 *   widget is invalid → cls->destroy() → core frees options and instance.
 *
 * Layers (as LVGL's draw layers; the core composes them, in output pixels):
 *   base   the panel and title (drawn by the core when cls->panel names the
 *          kind's "frame" option and it is on) and cls->draw_base(): what
 *          changes only with the layout, the size or an axis range. Cached;
 *          remade after wdg_invalidate_base(), or that part of it after
 *          wdg_invalidate_base_area().
 *   layer  cls->draw() over the base: what changes with the data but does
 *          not move. Cached; remade after wdg_invalidate() (all of it) or
 *          wdg_invalidate_area() (that part only).
 *   marks  cls->draw_overlay(): what moves (numbers counting, arcs sweeping,
 *          bars gliding, curves sliding, marquees), drawn every frame the
 *          kind calls wdg_invalidate_overlay(), clipped to the damage. The
 *          kind reports the rectangles its marks cover at a time
 *          (cls->overlay_rects); the core damages where they were and where
 *          they are, and in each damaged rectangle blits the layer, draws the
 *          marks, then the top. Cost follows the changed area.
 *   strip  cls->strip()/draw_strip(): marks that only slide (a marquee's
 *          headlines), drawn under the marks. The core translates the strip
 *          by whole output pixels, so a GPU compositor (renderer/gpu.c) can
 *          draw it once into a texture and move the texture, with the same
 *          pixels as the software path that draws it into each damaged
 *          rectangle.
 *   top    cls->draw_top(): static, over the marks (a target marker over a
 *          moving arc). Cached with the base.
 * A kind that draws everything in draw() works as before: one cached layer.
 *
 * Rules, as in LVGL: setters compare, then invalidate; draw() only reads
 * state (it gets a const pointer); animation is a pure function of state and
 * the time passed in, so a snapshot at time t is deterministic.
 */
#ifndef BS_WIDGET_H
#define BS_WIDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "draw.h"
#include "opt.h"
#include "store.h"

#define WDG_MAX_BINDS 16

typedef struct {
    char    *topic;       /* owned */
    char    *path;        /* owned; NULL = the whole value */
    uint64_t seen;        /* entry version last delivered */
    bool     present;     /* entry existed at last delivery */
} wdg_bind_t;

typedef struct wdg wdg_t;

/* Text a widget shows, for reports and tests: one line per row. */
typedef struct {
    char  *buf;
    size_t len, used;
} wdg_text_t;
void wdg_text_add(wdg_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A further picture of a kind for docs/widgets.md: tests/golden/NAME.json
 * snapshotted to docs/widgets/NAME.png (tools/gen-docs), under a caption. */
typedef struct {
    const char *name, *caption;
} wdg_picture_t;

/* Where a sliding strip of marks is at a time (cls->strip). Strip space:
 * x from 0 to len design units, y as in the widget; the strip's x 0 goes
 * at design x `x` (the core rounds that to a whole output pixel). */
typedef struct {
    rect_t   clip;       /* design units: the window it shows through (edges rounded to pixels) */
    double   len;        /* design units of content, x in [0, len) of strip space */
    double   x;          /* design x of the strip's x 0 at that time */
    uint64_t gen;        /* changes whenever what the strip shows changes (not where) */
} wdg_strip_t;

/* One mark of cls->overlay_marks: where it is (design units) and a key
 * that changes whenever its pixels there may. */
typedef struct {
    rect_t   r;
    uint64_t key;
} wdg_mark_t;

typedef struct wdg_class {
    const char      *name;       /* the "type" in layouts                      */
    const char      *doc;        /* one paragraph for docs/widgets.md          */
    size_t           size;       /* instance size; starts with wdg_t           */
    const opt_def_t *opts;       /* kind-specific options                      */
    bool             bindable;   /* accepts "bind"                             */
    bool             bind_optional; /* bindable, but "bind" may be left out    */

    /* After options are parsed: check combinations, set up state, add extra
     * bindings with wdg_add_bind(). 0, or -1 with a message in err. */
    int  (*init)(wdg_t *w, char *err, size_t errlen);
    /* Frees what init/data allocated (options are freed by the core). */
    void (*destroy)(wdg_t *w);
    /* Bound value changed: slot = binding index, v = value at the binding's
     * path (NULL when the topic or path is gone), e = the store entry (NULL
     * when gone). Copy what must be kept. Call wdg_invalidate on change. */
    void (*data)(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now);
    /* Advance time-based state to now; invalidate if the look changed. */
    void (*tick)(wdg_t *w, double now, int64_t wall_ms);
    /* Optional, with tick: called after tick(w, now, wall_ms), the earliest
     * time (on now's clock) at which tick() could change the look again
     * with no new data: now while anything moves (a tween, a marquee), the
     * next second for a clock, INFINITY when only data can. The core lets
     * an idle screen sleep until then (or until data comes). Without it a
     * kind that ticks is ticked every frame. Must not change w. */
    double (*next_tick)(const wdg_t *w, double now, int64_t wall_ms);
    /* Draw into d at w->rect. Must not change w. Draw hooks run on the
     * render thread, or on the reload thread for a layout not yet shown
     * (screen.h, screen_prep): what they share with other widgets (caches,
     * SVG handles: wdg_svg_render) must be safe from two threads. The core keeps what draw()
     * makes in a cached layer and repaints it only after wdg_invalidate(). */
    void (*draw)(const wdg_t *w, draw_t *d);
    /* Optional: what never changes with data or time (a panel, a map's
     * slab), drawn under draw() from a second cached layer that is remade
     * only when the output size or the layout changes. */
    void (*draw_base)(const wdg_t *w, draw_t *d);
    /* Optional: the moving part (a marquee's text, a map's flylines, waves),
     * drawn over the cached layer every frame the widget calls
     * wdg_invalidate_overlay(), without redrawing the layer. */
    void (*draw_overlay)(const wdg_t *w, draw_t *d);
    /* Optional: where draw_overlay() draws at time now, in design units, so
     * a moving overlay repaints only that much of the screen (the core adds
     * where it drew last time). Without it the whole rect is repainted. */
    rect_t (*overlay_rect)(const wdg_t *w, double now);
    /* Optional, instead of overlay_rect: the rectangles (design units) the
     * marks cover at time now, at most max of them into out; returns how
     * many. Must not change w. */
    int  (*overlay_rects)(const wdg_t *w, double now, rect_t *out, int max);
    /* Optional, instead of overlay_rects: the marks at time now, each a
     * rectangle with a key saying how it looks there (wdg_mark_t). The core
     * compares the list with last frame's, slot by slot: a slot whose
     * rectangle and key are unchanged is not repainted; any other, where it
     * was and where it is. So a kind steps a slow mark (a ring spreading
     * half a unit at a time, a flash fading in 16 steps): it draws it at its
     * step's time and keeps its key until the next step. Whatever a kind
     * draws from `now` itself gets a key that changes every frame
     * (wdg_mark_key_now). Must not change w. */
    int  (*overlay_marks)(const wdg_t *w, double now, wdg_mark_t *out, int max);
    /* Optional, with draw_strip: where the sliding strip is at now (see
     * wdg_strip_t); false when there is nothing to show. Must not change w.
     * The core damages it through overlay_rects like any marks. */
    bool (*strip)(const wdg_t *w, double now, wdg_strip_t *out);
    /* Draws the strip's content in strip space (x 0 = the strip's start, y
     * as in the widget); only [from, to) is needed (the core clips), and
     * content outside [0, len) is never asked for. Must not change w and
     * may depend only on what strip()'s gen covers. */
    void (*draw_strip)(const wdg_t *w, draw_t *d, double from, double to);
    /* Optional: the static top layer, drawn over the marks; cached with the
     * base and remade with it. */
    void (*draw_top)(const wdg_t *w, draw_t *d);
    /* Optional, snapshots only (never on a live screen): bring what does
     * not come from the program's clock (a video's frame) to time now,
     * for output at scale pixels per design unit, just before the snapshot
     * is painted; invalidates w when the look changed. May block, with a
     * timeout of its own. */
    void (*settle)(wdg_t *w, double now, double scale);
    /* Offset in the instance of the kind's bool "frame" option: while it is
     * on, the core draws the standard panel with the title bar
     * (draw_panel) into the base, and the kind draws inside
     * draw_panel_content(). 0: the kind draws its own panel, if any. */
    size_t panel;
    /* With panel: the core's panel has no title bar (the kind shows the
     * title itself, e.g. a KPI's label). */
    bool panel_untitled;
    /* What the widget shows, as text. */
    void (*text)(const wdg_t *w, wdg_text_t *out);
    /* Optional: further pictures for the docs, ended by { NULL }. */
    const wdg_picture_t *pictures;
} wdg_class_t;

struct wdg {
    const wdg_class_t *cls;
    /* from the layout */
    char       *id;
    char       *title;
    rect_t      rect;            /* design units */
    double      stale_after;     /* seconds; 0 = never stale */
    int         feed;            /* feed index of the bindings, -1 = any */
    int         page;            /* -1 = on every page */
    wdg_bind_t  binds[WDG_MAX_BINDS];
    int         nbinds;
    /* runtime, owned by the core */
    bool        invalid;         /* the layer needs redrawing */
    bool        overlay_invalid; /* only the overlay moved */
    bool        base_invalid;    /* the base (and top) need redrawing */
    bool        area_invalid;    /* only inval_area of the layer needs redrawing */
    rect_t      inval_area;      /* design units; valid while area_invalid */
    bool        base_area_invalid; /* only base_area of the base (and the layer there) */
    rect_t      base_area;       /* design units; valid while base_area_invalid */
    bool        stale;           /* data older than stale_after; kinds draw as if
                                    fresh: the core dims a stale widget (a veil
                                    over its layers, renderer/compose.c) */
    double      data_age;        /* seconds since the newest bound data */
    int64_t     data_wall_ms;    /* source time of the newest bound data (0 = none yet) */
    bool        has_data;
    bool        live;            /* on a live screen (real time, feeds on threads);
                                    false in snapshots, where time is stepped */
    bool        shown;           /* on the page on screen (set before each tick) */
    /* The layout file's path, set by the loader for init() to resolve file
     * options (see wdg_find_file). Borrowed; valid during init() only. */
    const char *layout_file;
    /* Set by a failing init() when its error is about one member of the
     * widget's object, or one item of a list member (err_item ≥ 0): the
     * loader then reports file:line:col there, not at the widget's "type".
     * err_key is a static string; err_item is -1 for the member itself. */
    const char *err_key;
    int         err_item;
};

/* Marks w for redraw this frame (its cached layer and its overlay). */
static inline void wdg_invalidate(wdg_t *w) { w->invalid = true; }
/* Marks only w's overlay for redraw: the cached layer is reused. */
static inline void wdg_invalidate_overlay(wdg_t *w) { w->overlay_invalid = true; }
/* Marks w's base for redraw (an axis range, a label changed): base, top and
 * layer are remade and the whole widget repainted. */
static inline void wdg_invalidate_base(wdg_t *w) { w->base_invalid = w->invalid = true; }
/* Marks part of w's layer for redraw (design units, as LVGL's
 * lv_obj_invalidate_area): that part of the layer is remade with draw()
 * clipped to it, and only that part of the screen repainted. Areas of one
 * frame are joined. */
void wdg_invalidate_area(wdg_t *w, rect_t area);
/* Marks part of w's base for redraw (design units; an axis's ticks and
 * labels that changed): that part of the base is remade with draw_base()
 * (and the core's panel) clipped to it, the layer over it there, the top
 * whole, and that part of the screen repainted; the panel's frame and
 * title outside it are not redrawn. Areas of one frame are joined. */
void wdg_invalidate_base_area(wdg_t *w, rect_t area);
/* A mark's key for what is drawn from the time itself: changes every
 * frame (cls->overlay_marks). */
static inline uint64_t wdg_mark_key_now(double now)
{
    uint64_t k;
    memcpy(&k, &now, sizeof k);
    return k;
}
/* The start of the step of a clock running `rate` steps a second that t
 * falls in, and that step's number: a slow mark drawn at wdg_step_t() keeps
 * its pixels, and its key wdg_step_n(), for the whole step. */
static inline double wdg_step_t(double t, double rate) { return floor(t * rate) / rate; }
static inline uint64_t wdg_step_n(double t, double rate) { return (uint64_t)(int64_t)floor(t * rate); }
/* Whether a rectangle (design units) from a kind's geometry is usable:
 * finite and of bounded size. */
bool wdg_rect_ok(rect_t r);

/* Adds a binding; returns its slot or -1 when full. path may be NULL. */
int wdg_add_bind(wdg_t *w, const char *topic, const char *path);

/* The registry: the class named name, or NULL. */
const wdg_class_t *wdg_class_find(const char *name);
/* All classes, NULL-terminated. */
const wdg_class_t *const *wdg_classes(void);

/* Keys every widget takes, in addition to its class's options. */
extern const char *const wdg_common_keys[];

/* Helpers for kinds */
/* The number a value holds (see bs_value_number), or NAN. */
double wdg_number(const bs_value_t *v);
/* Where an animation towards `to` should start: at `shown`, or at `to`
 * itself (no animation) when the step is under 0.5 % of span — a counter
 * going up by 3 or a rate moving by 0.1 would otherwise keep a widget
 * redrawing every frame for a change nobody can see move. */
double wdg_anim_from(double shown, double to, double span);
/* Ease-out cubic between a and b for t in [0, 1]. */
double wdg_ease(double a, double b, double t);

/* The one tween every kind animates a number with: an ease-out cubic from
 * `from` to `to` over `dur` seconds from `t0`. A pure function of time, so
 * a snapshot at t is deterministic. */
typedef struct {
    double from, to, t0, dur;
    bool   set;                  /* has had a value */
} wdg_tween_t;
/* The value at time now (to once finished; NAN before the first value). */
double wdg_tween_at(const wdg_tween_t *t, double now);
/* Whether the value still moves at now. */
bool wdg_tween_running(const wdg_tween_t *t, double now);
/* Sends the tween towards `to` at now. The first value starts at `start`
 * (a count-up from 0, a gauge from min); later ones start where the value
 * is shown, or jump when the step is under 0.5 % of span (wdg_anim_from).
 * Retargets without restarting: a tween in flight keeps its clock and
 * bends towards the new value from where it is, so a value that changes
 * every frame glides instead of restarting its count-up per message. A
 * non-finite `to` or dur <= 0 jumps. Returns true when the value shown
 * at now changed or will move. */
bool wdg_tween_to(wdg_tween_t *t, double to, double now, double dur, double start, double span);
/* Charts with several data series: the main "bind" is slot 0 and each
 * entry of a "series" option list (parsed by wdg_series_opts into
 * wdg_series_t records) is bound as slot 1, 2, ... */
#define WDG_MAX_SERIES 6
typedef struct {
    char      *bind, *path, *name;
    bs_color_t color;            /* alpha 0: take the palette's */
} wdg_series_t;
extern const opt_def_t wdg_series_opts[];
/* Binds every entry of series; 0, or -1 with a message in err. */
int wdg_bind_series(wdg_t *w, const bs_list_t *series, char *err, size_t errlen);
/* Colour of series s (0 = main, which takes main_color). */
bs_color_t wdg_series_color(const bs_list_t *series, int s, bs_color_t main_color, const draw_t *d);
/* Legend name of extra series s >= 1: its name, else its topic. */
const char *wdg_series_name(const bs_list_t *series, int s);
/* A round axis step for about n divisions of range (1, 2, 2.5, 5 × 10^k). */
double wdg_nice_step(double range, int n);

/* Resolves a file named in an option: absolute as is, else relative to the
 * layout file's directory, then to the data directories (datadir.h) and
 * their layouts/. 0 with the path in out, or -1 with out holding the
 * directories searched (for the error message). */
int wdg_find_file(const wdg_t *w, const char *name, char *out, size_t len);

#endif
