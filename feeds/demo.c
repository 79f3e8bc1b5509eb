/*
 * demo.c — the "demo:" feed back end: the simulation, fed through the same
 * parser, queue and store as a network feed.
 *
 * Live mode: a thread of its own ticks every conf.tick seconds of the
 * monotonic clock. Deterministic mode (step): the caller's thread pushes
 * every tick due up to simulated time t.
 */
#include "feed.h"
#include "demo_sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    demo_sim_t     *sim;
    pthread_t       thread;
    bool            running;
    pthread_mutex_t lock;      /* guards quit */
    pthread_cond_t  cond;
    bool            quit;
    unsigned        next_tick; /* step mode */
} demo_priv_t;

static int demo_check(const feed_conf_t *c, char *err, size_t errlen)
{
    if (strcmp(c->url, "demo:") != 0) {
        snprintf(err, errlen, "demo feed URL must be exactly \"demo:\", not \"%s\"", c->url);
        return -1;
    }
    return 0;
}

static demo_priv_t *priv_new(feed_t *f)
{
    demo_priv_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->sim = demo_sim_new(f->conf.seed, f->wall0_ms, f->conf.tick);
    if (!p->sim) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    return p;
}

static void push_tick(feed_t *f, demo_priv_t *p, unsigned k)
{
    char *text = demo_sim_tick(p->sim, k);
    if (!text)
        return;
    feed_ingest(f, text, strlen(text));
    free(text);
}

static void *demo_thread(void *arg)
{
    feed_t *f = arg;
    demo_priv_t *p = f->priv;
    struct timespec t0, due;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    feed_status_set(f, FEED_UP, (int64_t)time(NULL) * 1000, NULL);
    /* the simulation's clock follows the real wall clock from now on */
    for (unsigned k = 0;; k++) {
        push_tick(f, p, k);
        double at = (k + 1) * (f->conf.tick > 0 ? f->conf.tick : 1.0);
        due = t0;
        due.tv_sec += (time_t)at;
        due.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
        if (due.tv_nsec >= 1000000000L) {
            due.tv_sec++;
            due.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&p->lock);
        while (!p->quit && pthread_cond_timedwait(&p->cond, &p->lock, &due) != ETIMEDOUT)
            ;
        bool quit = p->quit;
        pthread_mutex_unlock(&p->lock);
        if (quit)
            break;
    }
    return NULL;
}

static int demo_start(feed_t *f)
{
    demo_priv_t *p = priv_new(f);
    if (!p)
        return -1;
    f->priv = p;
    if (pthread_create(&p->thread, NULL, demo_thread, f) != 0) {
        demo_sim_free(p->sim);
        free(p);
        f->priv = NULL;
        return -1;
    }
    p->running = true;
    return 0;
}

static void demo_stop(feed_t *f)
{
    demo_priv_t *p = f->priv;
    if (!p)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->lock);
        p->quit = true;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
    demo_sim_free(p->sim);
    free(p);
    f->priv = NULL;
}

static void demo_step(feed_t *f, double t)
{
    demo_priv_t *p = f->priv;
    if (!p) {
        if (!(p = priv_new(f)))
            return;
        f->priv = p;
        feed_status_set(f, FEED_UP, f->wall0_ms, NULL);
    }
    double tick = f->conf.tick > 0 ? f->conf.tick : 1.0;
    while (p->next_tick * tick <= t + 1e-9)
        push_tick(f, p, p->next_tick++);
}

const feed_backend_t feed_demo_backend = {
    .scheme = "demo",
    .check  = demo_check,
    .start  = demo_start,
    .stop   = demo_stop,
    .step   = demo_step,
    .topics = demo_sim_topics,
};
