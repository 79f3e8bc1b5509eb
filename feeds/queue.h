/*
 * queue.h — the bounded queue between feed threads and the render thread.
 *
 * Threads: any number of feed threads push; only the render thread drains.
 * One mutex guards the ring and the counters; it is held for a few pointer
 * moves only, so a push never waits on the render thread's work.
 *
 * Full queue: a SET for a topic that already has a pending SET replaces it
 * in place (latest wins, counted as coalesced). Any other update that finds
 * the queue full is dropped and counted; the queue never grows past its
 * capacity and never blocks.
 *
 * An idle render thread may sleep in feed_queue_wait() until the next push
 * (or a time), so a screen with nothing to draw does not wake every frame.
 */
#ifndef BS_QUEUE_H
#define BS_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "update.h"

typedef struct feed_queue feed_queue_t;

typedef struct {
    uint64_t pushed;      /* updates offered to the queue                     */
    uint64_t drained;     /* updates handed to the render thread              */
    uint64_t coalesced;   /* SETs merged into a pending SET of the same topic */
    uint64_t dropped;     /* updates lost because the queue was full          */
    size_t   depth;       /* updates pending now                              */
    size_t   high_water;  /* most updates pending at once                     */
} feed_queue_stats_t;

/* New queue holding at most cap updates. NULL on allocation failure. */
feed_queue_t *feed_queue_new(size_t cap);
/* Frees the queue and any updates still pending. Accepts NULL. */
void feed_queue_free(feed_queue_t *q);

/* Any thread. Takes ownership of *u (and zeroes it) whatever happens.
 * Returns true if queued or coalesced, false if dropped. */
bool feed_queue_push(feed_queue_t *q, feed_update_t *u);

/* Render thread. Moves up to max pending updates, oldest first, into out[];
 * the caller owns them. Returns how many. */
size_t feed_queue_drain(feed_queue_t *q, feed_update_t *out, size_t max);

/* Render thread: waits until an update is pending or the monotonic clock
 * (bs_mono()'s, seconds) reaches until, whichever comes first; true when
 * an update is pending. Returns at once if one already is. */
bool feed_queue_wait(feed_queue_t *q, double until);

/* Any thread: a consistent copy of the counters. */
feed_queue_stats_t feed_queue_stats(feed_queue_t *q);

#endif
