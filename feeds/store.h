/*
 * store.h — the topic store: last value, source time and history per topic.
 *
 * Thread: owned by the render thread alone (no lock). Feed threads never see
 * it; they reach it only through the queue.
 *
 * Ownership: store_apply() takes what the update owns. Entries and their
 * values stay valid until the next store_apply()/store_clear() — widgets
 * read them during a frame and copy what they keep.
 *
 * Budget: the store counts the bytes it holds (values, history, topics and
 * their bookkeeping, as allocated) and keeps them under a budget
 * (STORE_MAX_BYTES unless store_set_budget says otherwise). An update that
 * would go over first evicts the oldest history items store-wide (by
 * arrival; counted in evicted) down to 15/16 of the budget; when even that
 * is not enough room the update is refused (counted in over_budget and
 * rejected) and the old value stays. Each value's compact JSON length is
 * measured once, at apply, so the state saver knows sizes without walking
 * values (persist.h).
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
    /* bookkeeping kept by the store (read-only for others)                   */
    size_t       bytes;       /* bytes this entry holds, all included          */
    size_t       value_bytes; /* of those, the current value                   */
    size_t       value_json;  /* compact JSON length of value (jsonw.h)        */
    size_t      *hist_bytes, *hist_json;  /* per history slot, as above       */
    uint64_t    *hist_seq;    /* per history slot: store-wide arrival order    */
} store_entry_t;

typedef struct store store_t;

typedef struct {
    uint64_t applied;     /* updates that changed the store                   */
    uint64_t rejected;    /* updates refused (bad merge target, caps, skew)   */
    uint64_t skewed;      /* of those: source time too far in the future      */
    uint64_t over_budget; /* of those: no room under the byte budget          */
    uint64_t evicted;     /* history items dropped to stay under the budget   */
    size_t   topics;      /* topics held now                                  */
    size_t   bytes;       /* bytes held now (see Budget above)                */
    size_t   budget;      /* the budget                                       */
} store_stats_t;

/* Default byte budget of a store: far above what a wall screen holds (KBs),
 * small enough that its state file stays well under PERSIST_MAX_BYTES. */
#define STORE_MAX_BYTES (16u << 20)

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

/* Sets the byte budget (> 0). Takes effect at the next update; what is held
 * already is not evicted at once. */
void store_set_budget(store_t *s, size_t bytes);

/* The entry for topic, or NULL. */
const store_entry_t *store_get(const store_t *s, const char *topic);

/* History item i (0 = oldest) of e, or NULL when out of range. */
const bs_value_t *store_hist(const store_entry_t *e, size_t i, int64_t *ts_ms);
/* The same with its arrival sequence (increasing along the ring) and its
 * compact JSON length; seq and json may be NULL. */
const bs_value_t *store_hist_info(const store_entry_t *e, size_t i, int64_t *ts_ms, uint64_t *seq, size_t *json);

/* Walking the entries across frames (the state saver): a position is a
 * bucket and an ordinal in its chain, valid across store_apply() calls (new
 * topics join a chain at its end; a deleted one shifts those after it).
 * store_iter_get: the entry at *it or, past its chain, the first of the next
 * non-empty bucket (moving *it there); NULL at the end. */
typedef struct { size_t bucket, ord; } store_iter_t;
const store_entry_t *store_iter_get(const store_t *s, store_iter_t *it);
/* Finds topic's position; false when it is gone. */
bool store_iter_find(const store_t *s, const char *topic, store_iter_t *it);

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
