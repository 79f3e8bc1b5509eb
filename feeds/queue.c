/* queue.c — bounded, coalescing queue (see queue.h for the thread rules). */
#include "queue.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct feed_queue {
    pthread_mutex_t    lock;   /* guards everything below */
    feed_update_t     *ring;
    size_t             cap, head, len;
    feed_queue_stats_t st;
    pthread_cond_t     more;   /* signalled by a push while the render thread waits */
    bool               waiting;
};

feed_queue_t *feed_queue_new(size_t cap)
{
    if (cap == 0)
        return NULL;
    feed_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(cap, sizeof *q->ring);
    if (!q->ring)
        goto err;
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        goto err;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0 || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&q->more, &ca) != 0) {
        pthread_mutex_destroy(&q->lock);
        goto err;
    }
    pthread_condattr_destroy(&ca);
    q->cap = cap;
    return q;
err:
    free(q->ring);
    free(q);
    return NULL;
}

void feed_queue_free(feed_queue_t *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->len; i++)
        feed_update_clear(&q->ring[(q->head + i) % q->cap]);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->more);
    free(q->ring);
    free(q);
}

/* With the lock held: the pending SET for topic, or NULL. O(len): it runs
 * only when the queue is full, which is rare and bounded by cap. */
static feed_update_t *pending_set(feed_queue_t *q, const char *topic)
{
    for (size_t i = q->len; i-- > 0;) {
        feed_update_t *p = &q->ring[(q->head + i) % q->cap];
        if (p->op == UPD_SET && p->topic && strcmp(p->topic, topic) == 0)
            return p;
        /* an older SET behind a non-SET of the same topic must not jump it */
        if (p->topic && strcmp(p->topic, topic) == 0)
            return NULL;
    }
    return NULL;
}

bool feed_queue_push(feed_queue_t *q, feed_update_t *u)
{
    feed_update_t victim = {0};
    bool ok = true;

    pthread_mutex_lock(&q->lock);
    q->st.pushed++;
    if (q->len < q->cap) {
        q->ring[(q->head + q->len) % q->cap] = *u;
        q->len++;
        if (q->len > q->st.high_water)
            q->st.high_water = q->len;
    } else {
        feed_update_t *p = (u->op == UPD_SET && u->topic) ? pending_set(q, u->topic) : NULL;
        if (p) {
            victim = *p;          /* free outside the lock */
            *p = *u;
            q->st.coalesced++;
        } else {
            victim = *u;
            q->st.dropped++;
            ok = false;
        }
    }
    if (q->waiting)
        pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);

    memset(u, 0, sizeof *u);
    feed_update_clear(&victim);
    return ok;
}

size_t feed_queue_drain(feed_queue_t *q, feed_update_t *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&q->lock);
    while (n < max && q->len > 0) {
        out[n++] = q->ring[q->head];
        memset(&q->ring[q->head], 0, sizeof q->ring[q->head]);
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    q->st.drained += n;
    pthread_mutex_unlock(&q->lock);
    return n;
}

bool feed_queue_wait(feed_queue_t *q, double until)
{
    struct timespec ts;
    double whole = floor(until);
    ts.tv_sec = (time_t)whole;
    ts.tv_nsec = (long)((until - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&q->lock);
    q->waiting = true;
    int rc = 0;
    while (q->len == 0 && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&q->more, &q->lock, &ts);
    q->waiting = false;
    bool any = q->len > 0;
    pthread_mutex_unlock(&q->lock);
    return any;
}

feed_queue_stats_t feed_queue_stats(feed_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    feed_queue_stats_t s = q->st;
    s.depth = q->len;
    pthread_mutex_unlock(&q->lock);
    return s;
}
