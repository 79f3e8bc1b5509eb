/* bind.c — data in: queue → store → bindings → widgets, staleness of bound
 * data, and last-known values on disk (see screen_impl.h). */
#include "clock.h"
#include "log.h"
#include "screen_impl.h"
#include "persist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_BATCH     256
#define DRAIN_BUDGET_S  0.004     /* at most 4 ms of a frame applying updates */
#define PERSIST_EVERY_S 5.0       /* save last-known values at most this often */
#define SAVE_STEP_BYTES (256u << 10) /* state text serialised per frame while saving */

const char *screen_state_dir;

/* ---- bound topics --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool topic_wanted(const char *topic, void *ud)
{
    const screen_t *s = ud;
    return bsearch(&topic, s->wanted, s->nwanted, sizeof *s->wanted, cmp_str) != NULL;
}

/* The sorted set of topics the layout's widgets bind; the store keeps room
 * for them whatever a feed floods it with. */
void scr_set_interest(screen_t *s)
{
    const layout_t *l = s->layout;
    size_t n = 0;
    for (int i = 0; i < l->nwidgets; i++)
        n += (size_t)l->widgets[i]->nbinds;
    free(s->wanted);
    s->wanted = calloc(n ? n : 1, sizeof *s->wanted);
    s->nwanted = 0;
    if (!s->wanted) {
        store_set_interest(s->store, NULL, NULL);
        return;
    }
    for (int i = 0; i < l->nwidgets; i++)
        for (int b = 0; b < l->widgets[i]->nbinds; b++)
            s->wanted[s->nwanted++] = l->widgets[i]->binds[b].topic;
    qsort(s->wanted, s->nwanted, sizeof *s->wanted, cmp_str);
    store_set_interest(s->store, topic_wanted, s);
}

/* ---- per frame ------------------------------------------------------------ */

void scr_drain(screen_t *s, double now)
{
    feed_update_t batch[DRAIN_BATCH];
    double t0 = s->live ? bs_mono() : 0;
    size_t n;
    while ((n = feed_queue_drain(s->q, batch, DRAIN_BATCH)) > 0) {
        for (size_t i = 0; i < n; i++)
            store_apply(s->store, &batch[i], now);
        s->st.updates += n;
        if (n < DRAIN_BATCH)
            break;
        if (s->live && bs_mono() - t0 > DRAIN_BUDGET_S) {
            s->st.budget_hits++;      /* the rest waits for the next frame */
            break;
        }
    }
}

void scr_deliver(screen_t *s, double now)
{
    uint64_t gen = store_generation(s->store);
    if (gen == s->store_gen)
        return;
    s->store_gen = gen;
    for (int i = 0; i < s->layout->nwidgets; i++) {
        wdg_t *w = s->layout->widgets[i];
        for (int b = 0; b < w->nbinds; b++) {
            wdg_bind_t *bd = &w->binds[b];
            const store_entry_t *e = store_get(s->store, bd->topic);
            if (e ? (bd->present && bd->seen == e->version) : !bd->present)
                continue;
            bd->present = e != NULL;
            bd->seen = e ? e->version : 0;
            const bs_value_t *v = e ? bs_value_path(e->value, bd->path) : NULL;
            if (w->cls->data)
                w->cls->data(w, b, v, e, now);
        }
    }
}

void scr_update_stale(screen_t *s, wdg_t *w, double now, int64_t wall_ms)
{
    if (w->nbinds == 0 || w->stale_after <= 0)
        return;
    /* one look-up per binding, every frame: when its data came (per topic
     * the earlier of its source time and its arrival, so a source clock
     * running ahead cannot keep a value fresh; the newest of them); values
     * loaded from disk (feed -1) stay stale until fresh data comes; data
     * from a feed that is down (a failed poll, a lost connection) is old
     * news at once, not only after stale_after */
    int64_t t = 0;
    bool loaded = false, down = false;
    for (int b = 0; b < w->nbinds; b++) {
        const store_entry_t *e = store_get(s->store, w->binds[b].topic);
        if (!e)
            continue;
        int64_t tb = wall_ms - (int64_t)llround((now - e->recv) * 1000);
        if (e->ts_ms && e->ts_ms < tb)
            tb = e->ts_ms;
        if (tb > t)
            t = tb;
        loaded = loaded || (s->persist_loaded && e->feed < 0);
        down = down || (e->feed >= 0 && e->feed < s->nfeeds && s->feed_down[e->feed]);
    }
    w->has_data = t != 0;
    double age = t ? (wall_ms - t) / 1000.0 : 0;
    bool stale = t && (age > w->stale_after || loaded || down);
    /* the badge shows whole seconds/minutes: redraw when its text changes */
    long bucket_old = (long)(w->data_age < 60 ? w->data_age : 60 + w->data_age / 60);
    long bucket_new = (long)(age < 60 ? age : 60 + age / 60);
    if (stale != w->stale) {            /* dimmed or not: the core's veil over the layers (compose.c) */
        if (scr_visible(s, w))
            damage_add(&s->damage, scr_device_rect(s, w->rect, INK_MARGIN));
    } else if (stale && bucket_old != bucket_new && scr_visible(s, w))   /* only the badge's text */
        damage_add(&s->damage, scr_device_rect(s, (rect_t){ w->rect.x, w->rect.y, w->rect.w, 42 }, 2));
    w->stale = stale;
    w->data_age = age;
    w->data_wall_ms = t;
}

/* ---- last-known values ---------------------------------------------------- */

/* Last-known values: loads the layout's state file into the store (entries
 * come in with feed = -1, so they show as stale until fresh data arrives)
 * and starts the writer. A state file that is there but refused (unreadable,
 * not a regular file, too big, not JSON) is moved aside and said once; when
 * it cannot be moved, nothing is saved, so it is never overwritten. Problems
 * are logged; the screen runs without. */
void scr_persist_setup(screen_t *s)
{
    char err[512];
    char *path = persist_path(screen_state_dir, s->layout->file ? s->layout->file : "layout");
    if (!path)
        return;
    int n = persist_load(s->store, path, &s->layout->feeds[0].lim, 0, err, sizeof err);
    if (n < 0) {                       /* refused: keep it for a person, never overwrite it */
        char aside[1100];
        if (persist_move_aside(path, aside, sizeof aside) == 0) {
            bs_log(BS_LOG_WARNING, "last-known values not loaded: %s; the file was moved aside to %s",
                    err, aside);
        } else {
            bs_log(BS_LOG_WARNING, "last-known values not loaded: %s; it cannot be moved aside (%s), so "
                    "values will not be saved over it", err, strerror(errno));
            free(path);
            return;
        }
    }
    s->persist_loaded = n > 0 ? n : 0;
    s->persist_gen = store_generation(s->store);
    s->persist_next = PERSIST_EVERY_S;
    s->persist = persist_writer_new(path, err, sizeof err);
    if (!s->persist)
        bs_log(BS_LOG_WARNING, "last-known values will not be saved: %s", err);
    free(path);
}

/* One step of the save under way (step bytes of text); when it is complete
 * the text goes to the writer thread, which does the file I/O and fsync. */
static void save_step(screen_t *s, double now, int64_t wall_ms, size_t step)
{
    int rc = persist_saver_step(s->saving, s->store, now, wall_ms, step);
    if (rc == 0)
        return;
    size_t len = 0;
    char *text = rc == 1 ? persist_saver_take(s->saving, &len) : NULL;
    uint64_t hist, topics;
    persist_saver_cuts(s->saving, &hist, &topics);
    if ((hist || topics) && !s->state_cut)
        bs_log(BS_LOG_WARNING, "last-known values: %llu history items and %llu topics left out to keep "
                "the state file under %u MiB", (unsigned long long)hist, (unsigned long long)topics,
                PERSIST_MAX_BYTES >> 20);
    s->state_cut += hist + topics;
    persist_saver_free(s->saving);
    s->saving = NULL;
    if (!text)
        return;                        /* out of memory: the next save tries again */
    persist_writer_submit(s->persist, text, len);
    s->persist_gen = s->saving_gen;
}

/* A save begins when the store changed since the last one. */
static bool save_begin(screen_t *s)
{
    uint64_t gen = store_generation(s->store);
    if (gen == s->persist_gen || !(s->saving = persist_saver_new(false)))
        return false;
    s->saving_gen = gen;
    return true;
}

void scr_persist_save(screen_t *s, double now, int64_t wall_ms)
{
    if (s->persist && (s->saving || save_begin(s)))
        save_step(s, now, wall_ms, SIZE_MAX);
}

/* Every PERSIST_EVERY_S a save begins; it is written SAVE_STEP_BYTES per
 * frame (a few KB for a wall screen: one step; a store at its byte budget:
 * some dozens of frames), so the frame rate holds while saving. */
void scr_persist_tick(screen_t *s, double now, int64_t wall_ms)
{
    if (!s->persist)
        return;
    if (s->saving) {
        save_step(s, now, wall_ms, SAVE_STEP_BYTES);
    } else if (now >= s->persist_next) {   /* dark or lit, the values are kept */
        if (save_begin(s))
            save_step(s, now, wall_ms, SAVE_STEP_BYTES);
        s->persist_next = now + PERSIST_EVERY_S;
    }
}
