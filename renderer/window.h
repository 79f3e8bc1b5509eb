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
    const char *present;     /* "auto" (NULL), "gpu" or "surface" */
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

/* The headless loop: the real feeds and the real frame loop without a
 * window, for run_for seconds; writes the report when report is set. */
int headless_run(layout_t *l, double run_for, const char *report, int64_t wall_offset_ms, const char *metrics);

#endif
