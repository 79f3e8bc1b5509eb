/* fuzz_widgets.c — libFuzzer target for every widget kind's data path: any
 * bytes, read as one JSON value (or, when they are no JSON, as a string),
 * are put on every binding slot of every widget of tests/fuzz/widgets.json
 * (one widget of each kind of the registry, checked at start), through the
 * topic store as a "set" and as "append"s, item by item when the value is
 * an array, and then frames are drawn at several moments of the
 * animations. Nothing may crash, hang (libFuzzer's -timeout; the corpus
 * runner's alarm) or trip ASan/UBSan.
 *
 * The screen lives across inputs, as on a wall: what one value leaves
 * behind (a counter easing from it, a history ring) meets the next.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled
 * Run:   build-fuzz/tests/fuzz/fuzz_widgets -timeout=10 -max_len=2048 tests/fuzz/corpus-widgets
 * The same file runs in `meson test` as a plain program (corpus_main.c)
 * over tests/fuzz/corpus-widgets, the known killers (fuzz-widgets-corpus).
 * FUZZ_WIDGETS_PNG=out.png writes the last frame, to look at it;
 * FUZZ_WIDGETS_LAYOUT=layouts/union-hall.json puts the values on that one.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "screen.h"

#ifndef BS_SOURCE
#define BS_SOURCE "."
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WALL0  1795573800000LL     /* 2026-11-25 10:30:00 +08:00 */
#define OUT_W  640
#define OUT_H  800

static screen_t *screen;
static double    clock_s;          /* the screen's time, on across inputs */

static void open_screen(void)
{
    setenv("BIGSCREEN_DATADIR", BS_SOURCE, 0);     /* fonts/, from any directory */
    const char *path = getenv("FUZZ_WIDGETS_LAYOUT");
    char def[4096];
    if (!path) {
        snprintf(def, sizeof def, "%s/tests/fuzz/widgets.json", BS_SOURCE);
        path = def;
    }
    diag_t d = { 0 };
    bool unreadable;
    layout_t *l = layout_load_file(path, &d, &unreadable);
    diag_print(&d, stderr);
    diag_clear(&d);
    if (!l)
        abort();
    /* every kind of the registry must be here, or it goes unfuzzed (another
     * layout, to look at a shipped screen, may have fewer) */
    for (const wdg_class_t *const *c = wdg_classes(); *c && path == def; c++) {
        bool found = false;
        for (int i = 0; i < l->nwidgets && !found; i++)
            found = l->widgets[i]->cls == *c;
        if (!found) {
            fprintf(stderr, "fuzz_widgets: %s has no widget of kind \"%s\"\n", path, (*c)->name);
            abort();
        }
    }
    char err[256];
    screen = screen_new(l, OUT_W, OUT_H, false, WALL0, err, sizeof err);
    if (!screen) {
        fprintf(stderr, "fuzz_widgets: %s: %s\n", path, err);
        abort();
    }
}

/* v placed so that bs_value_path(result, path) is a copy of v. */
static bs_value_t *wrap(const bs_value_t *v, const char *path)
{
    if (!path || !*path)
        return bs_value_dup(v);
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    bs_value_t *inner = wrap(v, dot ? dot + 1 : NULL);
    bs_value_t *o = bs_value_obj(1);
    if (!inner || !o || !(o->u.c.keys[0] = strndup(path, n))) {
        bs_value_free(inner);
        bs_value_free(o);
        return NULL;
    }
    o->u.c.items[0] = inner;
    return o;
}

/* Applies v (not taken) with op to every binding slot of every widget. */
static void put_everywhere(const bs_value_t *v, upd_op_t op, double now)
{
    const layout_t *l = screen->layout;
    for (int i = 0; i < l->nwidgets; i++) {
        const wdg_t *w = l->widgets[i];
        for (int b = 0; b < w->nbinds; b++) {
            feed_update_t u = { .op = op, .feed = 0, .ts_ms = WALL0 + (int64_t)(now * 1000) };
            u.topic = strdup(w->binds[b].topic);
            u.value = wrap(v, w->binds[b].path);
            if (!u.topic || !u.value) {
                feed_update_clear(&u);
                continue;
            }
            store_apply(screen->store, &u, now);
        }
    }
}

static void frame(double now)
{
    int64_t wall = WALL0 + (int64_t)(now * 1000);
    if (screen_update(screen, now, wall))
        screen_paint(screen, now, wall);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!screen)
        open_screen();
    bs_value_t *v = NULL;
    cJSON *j = cJSON_ParseWithLength((const char *)data, size);
    if (j) {
        bs_limits_t lim = bs_limits_default();
        char err[128];
        v = bs_value_from_cjson(j, &lim, 0, err, sizeof err);
        cJSON_Delete(j);
    } else if (bs_utf8_valid((const char *)data, size)) {
        v = bs_value_str((const char *)data, size);
    }
    if (!v)
        return 0;

    double t = clock_s += 1;
    put_everywhere(v, UPD_SET, t);
    frame(t);
    put_everywhere(v, UPD_APPEND, t + 0.2);
    put_everywhere(v, UPD_APPEND, t + 0.3);
    frame(t + 0.4);
    if (v->type == BS_ARR)                   /* a sequence: one item after another */
        for (uint32_t i = 0; i < v->n && i < 8; i++) {
            put_everywhere(v->u.c.items[i], UPD_SET, t + 0.5 + i * 0.05);
            frame(t + 0.5 + i * 0.05);
        }
    frame(t + 1.5);
    clock_s = t + 30;
    frame(clock_s);                          /* animations settled, boards scrolled */
    screen_repaint_all(screen, clock_s, WALL0 + (int64_t)(clock_s * 1000));
    const char *png = getenv("FUZZ_WIDGETS_PNG");   /* to look at what was drawn */
    if (png) {
        char err[256];
        if (screen_write_png(screen, png, err, sizeof err) < 0)
            fprintf(stderr, "fuzz_widgets: %s\n", err);
    }
    bs_value_free(v);
    return 0;
}
