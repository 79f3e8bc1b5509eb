/*
 * screen.h — one running layout: feeds, queue, topic store, widgets, damage
 * and the output surface. The same code drives the window, headless runs
 * and snapshots.
 *
 * Thread: everything here runs on the render thread, except the feeds'
 * own threads, which touch only the queue and their status blocks.
 *
 * Per frame: screen_update() drains the queue (within a budget), applies
 * updates to the store, delivers changed bindings to widgets, advances
 * animations and collects damage; screen_paint() redraws only the damaged
 * areas into the output surface.
 */
#ifndef BS_SCREEN_H
#define BS_SCREEN_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>
#include "damage.h"
#include "feed.h"
#include "layout.h"
#include "store.h"
#include "text.h"

typedef struct {
    uint64_t frames;          /* screen_update calls                         */
    uint64_t painted;         /* frames that painted something               */
    uint64_t widgets_drawn;   /* widget draw calls                           */
    uint64_t bases_drawn;     /* widget bases (with their tops) remade       */
    uint64_t pixels;          /* damaged pixels repainted                    */
    uint64_t still_px;        /* pixels of the still remade (compose.c)      */
    uint64_t still_swaps;     /* page changes that took a still made ahead   */
    uint64_t drawn_px;        /* pixels Cairo painted: the frame's damaged
                                 areas, widget layers remade and, composing
                                 on the GPU, marks and strips (renderer/gpu.c) */
    uint64_t updates;         /* updates drained from the queue              */
    uint64_t budget_hits;     /* frames that left updates queued (budget)    */
    uint64_t late;            /* frames that finished past their deadline,   */
    uint64_t dropped;         /* frame slots skipped: both counted by the
                                 loop that paces (window.c), 0 in snapshots  */
    uint64_t slept;           /* frame slots an idle screen slept through
                                 (screen_idle_slot): nothing could change    */
    double   worst_late_ms;   /* the most a frame finished past its deadline:
                                 a render thread that waited on something
                                 shows here as a stall of seconds, a loaded
                                 machine as tens of milliseconds             */
    /* hot reloads: the frame that swaps a new layout in (its work: the swap,
     * the update and the paint), counted by the loop that paces */
    uint64_t reload_frames;   /* frames that swapped a layout in             */
    uint64_t reload_late;     /* of them late, and frame slots they dropped  */
    uint64_t reload_dropped;
    double   reload_worst_ms; /* the longest such frame, wall clock          */
    double   reload_worst_cpu_ms; /* and in the render thread's CPU time     */
    double   reload_swap_ms;  /* the longest swap alone                      */
} screen_stats_t;

/* A widget's cached layers (see widget.h, "Layers"), in output pixels. */
#define LAYER_MAX_MARKS 64
typedef struct {
    cairo_surface_t *surf;          /* base + draw(); NULL when the kind has no draw() */
    cairo_surface_t *base;          /* core panel + draw_base(); NULL if none */
    cairo_surface_t *top;           /* draw_top(), cut to its ink; NULL if none */
    cairo_surface_t *veil;          /* while stale, a kind with draw(): the background and
                                       base under the widget, the stale dim's source (compose.c) */
    irect_t          r;             /* where they go on the output */
    size_t           bytes;         /* held by the surfaces above */
    bool             cached;        /* surfaces made (false: over budget, drawn straight) */
    bool             valid;         /* surf current */
    bool             base_valid;    /* base and top current */
    irect_t          solid;         /* the part of r no other widget's rectangle (ink margin
                                       included) meets on a page they share: there base (else
                                       surf) is made over the background, opaque, and the
                                       still takes it by a copy; w 0: none (compose.c) */
    irect_t          redo;          /* part of surf to remake (area invalidation); w 0: none */
    bool             redo_base;     /* and of the base, the top then remade whole
                                       (wdg_invalidate_base_area) */
    irect_t          marks[LAYER_MAX_MARKS];   /* where the marks were last drawn */
    uint64_t         mark_keys[LAYER_MAX_MARKS]; /* and how they looked (cls->overlay_marks) */
    int              nmarks;
    bool             marks_keyed;   /* mark_keys hold keys (else all marks count as changed) */
    bool             in_still;      /* the still frame holds this layer (compose.c) */
    irect_t          top_ink;       /* where top has ink, output pixels; w 0: none */
    int              top_x, top_y;  /* where top's pixel 0, 0 goes (it holds its ink box) */
    irect_t          up;            /* part of the blit surface (surf, else base) changed
                                       since the GPU compositor uploaded it; w 0: none */
    bool             strip_tex;     /* the GPU compositor moves the strip as a texture,
                                       so the strip's moves damage nothing */
    bool             in_next;       /* the next page's still (still_next) holds this layer */
    irect_t          next_chg;      /* part of the blit surface remade since it was put
                                       in still_next; w 0: none (compose.c) */
    double           prep_t;        /* now when scr_prepare_ahead last made it (0: never) */
} layer_t;

typedef struct screen {
    layout_t        *layout;        /* owned */
    store_t         *store;
    feed_queue_t    *q;
    feed_t          *feeds[LAYOUT_MAX_FEEDS];
    int              nfeeds;
    bool             feed_down[LAYOUT_MAX_FEEDS]; /* this frame: feed i is down */
    text_cache_t    *tc;
    bool             live;          /* feeds run on their threads */
    int64_t          wall0_ms;      /* wall clock at now = 0 */
    /* output */
    int              out_w, out_h;
    double           sx, sy, ox, oy, text_scale;
    int              shift_x, shift_y; /* burn-in guard offset now, pixels */
    bool             dark;          /* outside screen_on..screen_off: black */
    cairo_surface_t *frame;         /* ARGB32, out_w × out_h */
    cairo_surface_t *bg;            /* cached background */
    cairo_surface_t *still;         /* background + visible layers, no marks (compose.c) */
    bool             still_valid;   /* false: remade whole at the next paint */
    /* the still of the next page, made ahead over the frames before a page
     * change, within each frame's spare time, and taken as the still at the
     * change (compose.c, scr_prepare_ahead); NULL until a carousel needs it */
    cairo_surface_t *still_next;
    int              still_next_page;  /* the page it is for; meaningful while still_next_on */
    bool             still_next_on;    /* still_next is being made for still_next_page */
    cairo_region_t  *next_todo;        /* what of still_next is not yet made */
    /* within screen_paint only: where the still is remade and the frame
     * takes the same pixels (the damage outside overlaps), the rows are
     * written to the frame too while hot (dual_out: its pixels), and
     * dual_done collects what was (compose.c, still_update) */
    uint8_t         *dual_out;
    cairo_region_t  *dual_rg, *dual_done;
    uint32_t         still_next_lgen, still_next_bggen;   /* layers_gen, bg_gen it was made for */
    damage_t         damage;
    layer_t         *layers;        /* one per widget of the layout */
    size_t           layer_bytes;   /* held by layers, capped */
    bool             damage_consumed; /* painted; reset at the next update */
    int              page;          /* current page, -1 when there are none */
    bool             marks_refresh; /* whole screen repainted: note where every mark is */
    cairo_surface_t *trans_old;     /* the last frame of the page fading out */
    cairo_surface_t *trans_new;     /* the page fading in, composed from damage */
    cairo_surface_t *trans_spare;   /* the surface the frame takes at the fade's first mix;
                                       NULL once taken (compose.c, scr_fade_begin) */
    cairo_region_t  *trans_region;  /* where the two pages differ: mixed (NULL: everywhere) */
    bool             trans_shown;   /* the fade has shown a frame */
    double           trans_t0;      /* when the cross-fade began */
    bool             trans_active;
    int              trans_page_old; /* the page fading out (GPU composition) */
    /* GPU composition (renderer/gpu.c) instead of screen_paint: then the
     * frame surface is not kept, a fade or a strip's move sets `moved`
     * instead of damaging the screen, and the generations tell the
     * compositor when layers or the background were remade */
    bool             compose_gpu;
    bool             moved;         /* something moves this frame without damage */
    uint32_t         layers_gen;    /* scr_layers_reset calls */
    uint32_t         bg_gen;        /* scr_paint_background calls */
    uint64_t         store_gen;     /* store generation last delivered */
    const char     **wanted;        /* bound topics, sorted (borrowed from the layout) */
    size_t           nwanted;
    screen_stats_t   st;
    /* last-known values (persist.h): NULL when off */
    struct persist_writer *persist;
    double           persist_next;  /* now (s) of the next save */
    uint64_t         persist_gen;   /* store generation last saved */
    struct persist_saver *saving;   /* a save under way, a step per frame; NULL: none */
    uint64_t         saving_gen;    /* store generation when it began */
    uint64_t         state_cut;     /* history items/topics left out of saves (cap) */
    int              persist_loaded; /* entries loaded at start */
    double           last_now;      /* times of the last screen_update */
    int64_t          last_wall;
    /* connection banner: "" when every feed is fine */
    char             banner[160];
    /* a broken hot reload: "file:line:col: ..." lines shown over the last
     * good screen until the file is fixed; NULL when none */
    char            *reload_errors;
    /* the optional frame statistics box (--stats): "" when off */
    char             hud[200];
    uint64_t         reloads;       /* good reloads applied */
    bool             hold_deliver;  /* a prepared reload's swap frame: data waits a frame */
    bool             pages_made;    /* the other pages' layers made (scr_prepare_pages) */
    int              pages_next;    /* the next widget scr_prepare_pages looks at */
    int              touch_which, touch_row;   /* the fade surface it touches (0 new, 1 spare), its next row */
    /* where paint time goes (bigscreen-bench BENCH_PROFILE=1): NULL when
     * off; else wall seconds per stage (SCR_PROF_*), then per widget (the
     * still copied under its damage, its marks, strip, top and badge),
     * summed over frames */
    double          *prof;
} screen_t;

enum { SCR_PROF_STILL, SCR_PROF_COPY, SCR_PROF_CHROME, SCR_PROF_FADE, SCR_PROF_N };

/* Video wall: this process shows tile (col, row) of a cols × rows wall,
 * i.e. that part of the canvas, fitted to its own output. {1,1,0,0} (the
 * default) shows the whole canvas. Set by main() before screens are made. */
typedef struct { int cols, rows, col, row; } screen_tile_t;
extern screen_tile_t screen_tile;

/* Directory for last-known values of live screens (persist.h); NULL: off.
 * Set by main() before screens are made; snapshots never use it. */
extern const char *screen_state_dir;

/* Takes ownership of l (also on failure). live: start feed threads; else
 * feeds are stepped by screen_step_feeds (deterministic). NULL with err. */
screen_t *screen_new(layout_t *l, int out_w, int out_h, bool live, int64_t wall0_ms,
                     char *err, size_t errlen);
void screen_free(screen_t *s);                 /* accepts NULL */

/* Changes the output size (window resized); damages everything. 0 or -1. */
int screen_resize(screen_t *s, int out_w, int out_h);

/* Deterministic mode: feeds push every update due up to t seconds. */
void screen_step_feeds(screen_t *s, double t);

/* One frame of state at time now (seconds since start). Returns true when
 * something needs painting. */
bool screen_update(screen_t *s, double now, int64_t wall_ms);
/* Paints the damaged areas. Afterwards s->damage says what changed. */
void screen_paint(screen_t *s, double now, int64_t wall_ms);
/* After the frame at now (screen_update, then screen_paint): the earliest
 * time at which a frame could show something new with no new data — now
 * (the next frame) while anything moves, else when a clock turns, data goes
 * stale, a page changes, the burn-in guard steps or the dark hours begin or
 * end; INFINITY when only data can change the screen. A loop may sleep
 * until then or until the queue has data (feed_queue_wait on s->q), and
 * then start its next frame on its usual frame clock. */
double screen_next_wake(const screen_t *s, double now, int64_t wall_ms);

/* The longest an idle loop sleeps (a feed going down, a reload ready, a
 * quit asked for: what does not come through the queue is seen by then). */
#define SCREEN_IDLE_MAX_S 0.25

/* For a pacing loop, after its frame: next is the frame slot it would
 * sleep until (monotonic seconds, one period after the frame's), anim0 the
 * monotonic time of the screen's time 0. When the screen can show nothing
 * new before a later slot (screen_next_wake, at most SCREEN_IDLE_MAX_S
 * ahead), waits for it or for data in the queue, whichever is first, and
 * returns the slot to start the next frame at: the first on the same frame
 * clock at or after the wait ended (slots passed are counted as slept, not
 * dropped). Else returns next without waiting. Render thread. */
double screen_idle_slot(screen_t *s, double next, double period, double anim0, double now, int64_t wall_ms);

/* Hot reload: replaces the layout with nl (taking it) between frames. The
 * topic store and, when their settings are unchanged, the feeds and their
 * connections carry over; widgets get the current data at once, with their
 * animations settled. 0, or -1 with err (the old layout stays). */
int screen_reload(screen_t *s, layout_t *nl, double now, char *err, size_t errlen);

/* What a hot reload leaves to another thread, so that the swap on the render
 * thread neither opens fonts nor starts or joins feed threads (a NATS
 * feed's first connect resolves its host). Feeds in start[] are set up and
 * subscribed, and already belong to the screen (which reads their status);
 * the rest is no longer the screen's. */
typedef struct {
    feed_t       *start[LAYOUT_MAX_FEEDS];  /* to start */
    int           nstart;
    feed_t       *stop[LAYOUT_MAX_FEEDS];   /* to stop and free (joins their threads) */
    int           nstop;
    text_cache_t *tc;                       /* to free */
    layout_t     *layout;                   /* to free */
    layer_t      *layers;                   /* to free, with their surfaces (nlayers) */
    int           nlayers;
    cairo_surface_t *surfaces[4];           /* to destroy (no longer drawn by anyone) */
} screen_chores_t;

/* The swap of a hot reload (render thread): as screen_reload, with the text
 * cache for nl's fonts made beforehand elsewhere (tc, taken; NULL: made here
 * if the fonts changed), and the slow rest written into *ch for
 * screen_chores_run on another thread. *ch is filled even on failure. */
int screen_reload_prepared(screen_t *s, layout_t *nl, text_cache_t *tc, double now, screen_chores_t *ch,
                           char *err, size_t errlen);
/* A reload's new screen made ready off the render thread, so that the swap
 * and the first frame after it fit in a frame (a frame that repaints every
 * widget of union-hall at 1080p takes ~55 ms). Three steps, each on one
 * thread, ownership handed over between them (reload.c's lock orders them):
 *   1. render thread, screen_prep_begin: the new layout nl (taken) on a
 *      screen of its own, given the data of s's store as it is now;
 *   2. the reload thread, screen_prep_draw: the text cache (when none was
 *      made ahead), the background, every layer of the widgets on the page
 *      shown, and the still composed from them. It touches nothing of s:
 *      the cairo surfaces it draws into are its own until handed over, and
 *      nl's widgets are drawn by no other thread meanwhile;
 *   3. render thread, screen_reload_prep: the swap, which takes the
 *      surfaces as they are and delivers only what changed since step 1.
 * A widget kind's draw hooks may therefore run on the reload thread, for
 * widgets not on screen; they must not write state shared with other
 * widgets without a lock (see widgets/widget.h). */
typedef struct screen_prep screen_prep_t;
/* Step 1 (render thread). NULL when out of memory (nl and tc are then not
 * taken). tc: nl's fonts opened ahead, or NULL (step 2 opens them). */
screen_prep_t *screen_prep_begin(screen_t *s, layout_t *nl, text_cache_t *tc, double now, int64_t wall_ms);
/* Step 2 (the thread holding p; never the render thread's screen). A
 * failure leaves p undrawn and the swap does the work as without it. */
void screen_prep_draw(screen_prep_t *p);
/* Step 3 (render thread): as screen_reload_prepared, with p's layers,
 * background and still taken when they fit the screen as it is now (same
 * size, shift and page); p is freed. */
int screen_reload_prep(screen_t *s, screen_prep_t *p, double now, screen_chores_t *ch, char *err, size_t errlen);
/* Frees p and what it holds (any thread that holds it; accepts NULL). */
void screen_prep_free(screen_prep_t *p);
/* Any thread: starts, stops and frees what *ch lists, then clears it. */
void screen_chores_run(screen_chores_t *ch);
/* The text cache size a screen uses (for caches made ahead of a reload). */
#define SCREEN_TEXT_CACHE_BYTES ((size_t)64 << 20)
/* Sets the text of the frame statistics box in the top-left corner ("" hides
 * it); the box is repainted only when its text changes. */
void screen_set_hud(screen_t *s, const char *text);
/* Shows (errors non-NULL, copied) or clears the reload error overlay. */
void screen_set_reload_errors(screen_t *s, const char *errors);

/* Snapshots: lets the widgets shown at now whose look does not follow the
 * program's clock (a video's frame) bring it to now (cls->settle), before
 * screen_repaint_all. Blocks up to each widget's own timeout. */
void screen_settle(screen_t *s, double now);

/* Redraws every widget and paints the whole output (snapshots, tests,
 * benchmarks): what a first frame costs. */
void screen_repaint_all(screen_t *s, double now, int64_t wall_ms);

/* Writes the output surface as PNG. 0, or -1 with err. */
int screen_write_png(screen_t *s, const char *path, char *err, size_t errlen);

/* The run report (see README "Report format"): malloc'd JSON text. */
char *screen_report(screen_t *s, int64_t wall_ms);

#endif
