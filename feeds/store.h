/*
 * store.h — the topic store: last value, source time and history per topic.
 *
 * Thread: owned by the render thread alone (no lock). Feed threads never see
 * it; they reach it only through the queue.
 *
 * Ownership: store_apply() takes what the update owns. Entries and their
 * values stay valid until the next store_apply()/store_clear() — widgets
 * read them during a frame and copy what they keep.
 */
#ifndef BS_STORE_H
#define BS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "update.h"

typedef struct store_entry {
    char        *topic;
    bs_value_t  *value;       /* current value; never NULL in a live entry    */
    int64_t      ts_ms;       /* source time of the last change, 0 if none    */
    double       recv;        /* monotonic seconds when last applied          */
    uint64_t     version;     /* bumped on every change of this topic         */
    int          feed;        /* feed that last wrote it; -1 = loaded state   */
    /* history ring, oldest first from hist_head; hist_cap from the store      */
    bs_value_t **hist;
    int64_t     *hist_ts;
    size_t       hist_len, hist_head, hist_cap;
} store_entry_t;

typedef struct store store_t;

typedef struct {
    uint64_t applied;     /* updates that changed the store                   */
    uint64_t rejected;    /* updates refused (bad merge target, caps, skew)   */
    uint64_t skewed;      /* of those: source time too far in the future      */
    size_t   topics;      /* topics held now                                  */
} store_stats_t;

/* How far a source time ("ts") may be ahead of the screen's wall clock
 * before the update is refused as clock skew (see store_set_clock). */
#define STORE_SKEW_TOLERANCE_MS (5 * 60 * 1000)

/* hist_cap: history ring length per topic; max_topics: cap on topics.
 * NULL on allocation failure. */
store_t *store_new(size_t hist_cap, size_t max_topics);
void store_free(store_t *s);                   /* accepts NULL */

/* Applies u at monotonic time now; takes ownership of u's contents.
 * Returns 0 when the store changed, -1 when the update was rejected
 * (counted) — e.g. a MERGE into a non-object or a new topic past max_topics. */
int store_apply(store_t *s, feed_update_t *u, double now);

/* The screen's wall clock now (ms since the epoch) for the updates applied
 * next: a feed update (feed >= 0) whose source time is more than
 * STORE_SKEW_TOLERANCE_MS ahead of it is refused and counted as skewed.
 * 0 (the default) turns the check off (state loaded from disk, tests). */
void store_set_clock(store_t *s, int64_t wall_ms);

/* The entry for topic, or NULL. */
const store_entry_t *store_get(const store_t *s, const char *topic);

/* History item i (0 = oldest) of e, or NULL when out of range. */
const bs_value_t *store_hist(const store_entry_t *e, size_t i, int64_t *ts_ms);

/* Generation: bumped whenever any entry changes, appears or goes. */
uint64_t store_generation(const store_t *s);

/* Calls fn for every entry in an unspecified order. */
void store_foreach(const store_t *s, void (*fn)(const store_entry_t *e, void *ud), void *ud);

store_stats_t store_stats(const store_t *s);

/* Topics someone needs (the layout's bindings). Once the store is half
 * full, new topics that keep() refuses are turned away, so a flood of
 * unknown topics can never crowd out the ones on screen; below half, every
 * topic is kept (a hot reload may bind it later). keep may be NULL. */
void store_set_interest(store_t *s, bool (*keep)(const char *topic, void *ud), void *ud);

#endif
