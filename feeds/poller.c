/* poll.c — the pollers' thread, waits and backoff (see poller.h). */
#include "poller.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

typedef struct {
    void *(*fn)(void *);
    feed_t *f;
} start_t;

int feed_poller_start(feed_poller_t *p, void *(*fn)(void *), feed_t *f)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&p->stop, false);
    p->failures = 0;
    p->failing = false;
    p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->wake_fd < 0 || pthread_create(&p->th, NULL, fn, f) != 0) {
        if (p->wake_fd >= 0)
            close(p->wake_fd);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return -1;
    }
    p->started = true;
    return 0;
}

void feed_poller_stop(feed_poller_t *p)
{
    if (!p || !p->started)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    uint64_t one = 1;
    if (write(p->wake_fd, &one, sizeof one) < 0)
        (void)0;                       /* the flag is set either way */
    pthread_join(p->th, NULL);
    close(p->wake_fd);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    p->started = false;
}

bool feed_poller_stopping(feed_poller_t *p)
{
    return atomic_load(&p->stop);
}

int feed_poller_fd(feed_poller_t *p)
{
    return p->wake_fd;
}

bool feed_poller_wait(feed_poller_t *p, double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!(seconds > 0))
        seconds = 0;
    if (seconds > 86400)
        seconds = 86400;
    double whole = floor(seconds);
    ts.tv_sec += (time_t)whole;
    ts.tv_nsec += (long)((seconds - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!atomic_load(&p->stop))
        if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&p->mu);
    return !atomic_load(&p->stop);
}

double feed_backoff(int n, double every)
{
    double cap = every > 30 ? every : 30;
    double d = 0.5 * pow(2, n > 1 ? (n - 1 > 20 ? 20 : n - 1) : 0);
    if (d > cap)
        d = cap;
    /* ±20 % jitter, so a hall of screens does not retry in step */
    unsigned r = (unsigned)(bs_mono() * 1e6) ^ (unsigned)(size_t)&d;
    r = r * 1103515245u + 12345u;
    double j = ((r >> 8) % 4001) / 10000.0 - 0.2;
    return d * (1 + j);
}

double feed_poll_ok(feed_poller_t *p, feed_t *f, double every)
{
    feed_status_t st = feed_status_get(f);
    if (st.state != FEED_UP)
        feed_status_set(f, FEED_UP, bs_wall_ms(), "");
    if (p->failing)
        bs_log(BS_LOG_NOTICE, "feed %s: recovered after %d failed %s", f->conf.id, p->failures,
                p->failures == 1 ? "try" : "tries");
    p->failing = false;
    p->failures = 0;
    return every;
}

double feed_poll_fail(feed_poller_t *p, feed_t *f, double every, const char *why)
{
    p->failures++;
    p->failing = true;
    feed_status_set(f, FEED_DOWN, bs_wall_ms(), why);
    double d = feed_backoff(p->failures, every);
    feed_logf(f, 1, "%s; retrying in %.1f s (try %d)", why, d, p->failures);
    return d;
}

void feed_status_poll(feed_t *f, bool ok, double seconds)
{
    pthread_mutex_lock(&f->lock);
    f->st.polls++;
    if (ok)
        f->st.poll_ms = seconds * 1000;
    else
        f->st.errors++;
    pthread_mutex_unlock(&f->lock);
}
