/*
 * window.h — the real screen: an SDL2 window (fullscreen by default) that
 * shows a screen_t, uploading only damaged areas to a streaming texture.
 * Thread: the main thread (SDL video requires it) is the render thread.
 */
#ifndef BS_WINDOW_H
#define BS_WINDOW_H

#include <signal.h>
#include "screen.h"

typedef struct {
    int    display;          /* SDL display index */
    int    win_w, win_h;     /* > 0: windowed at this size */
    double run_for;          /* > 0: quit after this many seconds */
    bool   stats;            /* print frame statistics every 10 s */
    const char *present;     /* "auto" (NULL), "gpu", "texture" or "surface" */
    const char *metrics;     /* "[ADDR:]PORT" or NULL: Prometheus text on it (metrics.h) */
} window_opts_t;

/* Set by SIGINT/SIGTERM handlers; the loops check it every frame. */
extern volatile sig_atomic_t bs_quit;
/* Set by the SIGHUP handler: the loops hand a reload of the layout file to
 * the watcher at the next frame (as a change to the file would). */
extern volatile sig_atomic_t bs_reload_asked;

/* Opens the window, builds the screen from l (taking ownership of l) and
 * runs the loop until quit. Returns the process exit code. */
int window_run(layout_t *l, const window_opts_t *o, int64_t wall_offset_ms);

/* A snapshot through the GPU compositor (--snapshot with --present gpu): a
 * hidden window's accelerated renderer composes the screen (not live: the
 * feeds stepped, as snapshot() in main.c does) at the frame steps up to
 * `at` (every 15th, then each of the last 120), with feeds stepped up to
 * data_until, so the textures are brought up to date damage by damage as
 * on a live screen; the last frame is read back
 * and written as PNG to path. For tests that compare it with the CPU's
 * snapshot. Takes ownership of l. Returns the process exit code. Test hook:
 * BIGSCREEN_TEST_GPU_RESET=1 drops every texture half-way (a device reset). */
int window_snapshot(layout_t *l, int w, int h, int64_t wall0_ms, double at, double data_until, const char *path);

/* The headless loop: the real feeds and the real frame loop without a
 * window, for run_for seconds; writes the report when report is set. */
int headless_run(layout_t *l, double run_for, const char *report, int64_t wall_offset_ms, const char *metrics);

#endif
