/*
 * reload.h — hot reload of the layout file.
 *
 * A watcher thread waits on inotify for changes to the layout file (editors
 * often write a new file and rename it over the old one, so the directory is
 * watched), waits for the writes to settle, reads and checks the file, and
 * posts the result: a new layout_t, or the problems as text. The render
 * thread picks the result up between frames with reload_poll(), which never
 * blocks (a trylock), so a slow disk never stalls a frame.
 *
 * The watcher also opens the fonts of a new layout (when they changed) and,
 * after the swap, starts the new feeds and stops, joins and frees the old
 * ones (reload_give), so the render thread's swap is memory work only.
 *
 * A good layout then makes a second trip: the render thread hands it the
 * current data (screen_prep_begin) and gives it back (reload_prepare); the
 * watcher draws the new screen's layers, background and still
 * (screen_prep_draw) and posts it again; the swap takes those pixels, so
 * the first frame after it repaints no widget.
 *
 * Threads: the watcher owns the file reading and parsing; the slots and the
 * chores are guarded by reload_t.lock; ownership of a posted layout or
 * prepared screen passes to whoever takes it from reload_poll(), and of a
 * prepared screen handed to reload_prepare() to the watcher.
 */
#ifndef BS_RELOAD_H
#define BS_RELOAD_H

#include "layout.h"
#include "screen.h"

typedef struct reload reload_t;

typedef struct {
    screen_prep_t *prep;    /* a new screen drawn ahead (reload_prepare), to
                             * swap in with screen_reload_prep (caller owns) */
    layout_t *layout;       /* a new good layout (caller owns), or NULL      */
    char     *errors;       /* malloc'd "file:line:col: ..." lines, or NULL  */
    text_cache_t *tc;       /* the new layout's fonts opened ahead when they
                             * changed (caller owns), or NULL                */
} reload_result_t;

/* Starts watching path. NULL (with a message on stderr) if inotify or the
 * thread cannot be had; the screen then simply runs without hot reload. */
reload_t *reload_start(const char *path);
/* Feed URL overrides ("ID=URL", from --feed) to apply to every reloaded
 * layout as to the first one. The strings must outlive the watchers. Call
 * before reload_start. */
void reload_set_feed_overrides(const char *const *ov, int n);
/* The page pinned by --page (NULL: none), kept across reloads likewise. */
void reload_set_page(const char *page);
/* Render thread: asks the watcher to read the file now (SIGHUP), without
 * waiting for it. 0, or -1 when r is NULL (hot reload off). */
int reload_request(reload_t *r);
/* Render thread: hands p (screen_prep_begin of a layout reload_poll gave)
 * to the watcher, which draws it (screen_prep_draw) and posts it back for
 * reload_poll; never waits. Ownership of p passes with it. */
void reload_prepare(reload_t *r, screen_prep_t *p);
/* Render thread: hands what a swap left (screen_reload_prepared) to the
 * watcher, which starts, stops and frees it; never waits. With r NULL the
 * chores run here. */
void reload_give(reload_t *r, screen_chores_t *ch);
/* Stops the watcher (running the chores still given) and frees what is
 * pending. Accepts NULL. */
void reload_stop(reload_t *r);
/* Render thread: true when a result was waiting (moved into *out). */
bool reload_poll(reload_t *r, reload_result_t *out);

#endif
