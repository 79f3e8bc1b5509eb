/*
 * poller.h — what the polling back ends (http, sql, file) share: their thread,
 * an interruptible wait, backoff with jitter, and the feed's state and log
 * lines around each poll.
 *
 * Threads: feed_poller_start() spawns the feed's thread, which runs fn(f)
 * until feed_poller_stopping(); feed_poller_stop() (the owner's thread) asks
 * it to end, wakes any wait and joins. The stop flag is an atomic, so a
 * transfer in progress can check it (curl's progress callback does).
 */
#ifndef BS_POLLER_H
#define BS_POLLER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "feed.h"

typedef struct {
    pthread_t       th;
    bool            started;
    pthread_mutex_t mu;         /* guards the condition wait */
    pthread_cond_t  cv;
    atomic_bool     stop;
    int             wake_fd;    /* eventfd: readable once stop is asked     */
    int             failures;   /* consecutive failed polls (feed thread) */
    bool            failing;    /* the last poll failed (feed thread)      */
} feed_poller_t;

/* Starts fn(f) on a new thread. 0, or -1 (nothing started). */
int  feed_poller_start(feed_poller_t *p, void *(*fn)(void *), feed_t *f);
/* Asks the thread to end, wakes it and joins. Accepts a never-started poller. */
void feed_poller_stop(feed_poller_t *p);
bool feed_poller_stopping(feed_poller_t *p);
/* An fd that becomes readable when the thread is asked to stop, for back ends
 * that wait in poll() on their own fds (the file watcher). */
int  feed_poller_fd(feed_poller_t *p);
/* Sleeps up to seconds on the monotonic clock; false when asked to stop. */
bool feed_poller_wait(feed_poller_t *p, double seconds);

/* Seconds to wait after the n-th consecutive failure (n >= 1) of a feed that
 * polls every `every` s: 0.5, 1, 2, 4 ... up to max(every, 30), ±20 % jitter. */
double feed_backoff(int n, double every);

/* After a good poll: the feed is up (counted as a connect when it was not),
 * a "recovered" line when it had failed. Returns the delay to the next poll. */
double feed_poll_ok(feed_poller_t *p, feed_t *f, double every);
/* After a failed poll: the feed is down with why (no secrets in it), one
 * log line per 10 s. Returns the backoff delay to the next try. */
double feed_poll_fail(feed_poller_t *p, feed_t *f, double every, const char *why);

/* Counts one poll and its duration in f's status. */
void feed_status_poll(feed_t *f, bool ok, double seconds);

#endif
