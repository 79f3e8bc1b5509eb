/*
 * bench_ingest.c — how many messages per second the feed path takes in.
 *
 *   1. feed thread alone: feed_ingest (UTF-8 check, cJSON parse, plain C
 *      updates, queue push) of demo-like frames, nobody draining (the
 *      queue coalesces: latest wins per topic);
 *   2. the whole path while rendering: a feed thread ingests as fast as it
 *      can into the screen's queue while this thread runs the union-hall
 *      screen at 60 fps (drain within the 4 ms budget → store → widgets →
 *      paint), for a few seconds; prints messages ingested and applied per
 *      second and the frame-time percentiles;
 *   3. the same with the feed thread paced like a busy live server
 *      (5,000 messages/s) to show nothing is lost below saturation.
 *
 * Prints figures; asserts nothing. bench_ingest [SECONDS] [LAYOUT]
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "screen_fixture.h"

#define MSGS_PER_FRAME 20

static void sleep_until(double t)
{
    double d = t - bs_mono();
    if (d <= 0)
        return;
    struct timespec ts = { (time_t)d, (long)((d - (time_t)d) * 1e9) };
    nanosleep(&ts, NULL);
}

/* A frame of MSGS_PER_FRAME messages on the union-hall topics. */
static size_t make_frame(char *buf, size_t cap, unsigned k)
{
    static const char *const topics[] = {
        "office.rate", "members.realname", "apply.total", "jobs.postings", "wechat.position",
        "courses.cloud", "training.online", "quiz.member_day", "benefit.holiday", "lectures",
    };
    size_t o = 0;
    o += (size_t)snprintf(buf + o, cap - o, "[");
    for (int i = 0; i < MSGS_PER_FRAME; i++) {
        unsigned n = k * MSGS_PER_FRAME + (unsigned)i;
        if (i % 10 == 9)
            o += (size_t)snprintf(buf + o, cap - o, "%s{\"topic\":\"apply.kinds\",\"value\":{\"职工互助医疗\":%u,"
                                  "\"疗休养\":%u,\"技能奖励\":%u,\"法律援助\":%u},\"ts\":%u}", i ? "," : "",
                                  1000 + n % 97, 500 + n % 31, 300 + n % 17, 100 + n % 7, 1000000 + n);
        else
            o += (size_t)snprintf(buf + o, cap - o, "%s{\"topic\":\"%s\",\"value\":%u.%u,\"ts\":%u}", i ? "," : "",
                                  topics[n % 10], 50 + n % 50, n % 10, 1000000 + n);
    }
    o += (size_t)snprintf(buf + o, cap - o, "]");
    return o;
}

typedef struct {
    feed_t     *f;
    atomic_bool stop;
    double      rate;          /* messages per second; 0 = as fast as possible */
    uint64_t    frames;
} producer_t;

static void *producer(void *arg)
{
    producer_t *p = arg;
    char buf[8192];
    double t0 = bs_mono();
    for (unsigned k = 0; !atomic_load(&p->stop); k++) {
        size_t n = make_frame(buf, sizeof buf, k);
        feed_ingest(p->f, buf, n);
        p->frames++;
        if (p->rate > 0)
            sleep_until(t0 + (k + 1) * MSGS_PER_FRAME / p->rate);
    }
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Runs the screen at 60 fps for secs with a producer at rate; prints. */
static void run_with_render(const char *path, double secs, double rate)
{
    screen_t *s = fixture_screen(path, 0, 0);
    producer_t p = { .f = s->feeds[0], .rate = rate };
    atomic_init(&p.stop, false);
    s->live = true;                        /* drain with the live time budget */
    int nframes = (int)(secs * 60);
    double *ft = calloc((size_t)nframes, sizeof *ft);
    pthread_t th;
    pthread_create(&th, NULL, producer, &p);
    double t0 = bs_mono();
    for (int k = 0; k < nframes; k++) {
        double a = bs_mono(), now = a - t0;
        int64_t wall = FIXTURE_WALL0 + (int64_t)(now * 1000);
        if (screen_update(s, now, wall))
            screen_paint(s, now, wall);
        ft[k] = (bs_mono() - a) * 1e3;
        sleep_until(t0 + (k + 1) / 60.0);
    }
    double el = bs_mono() - t0;
    atomic_store(&p.stop, true);
    pthread_join(th, NULL);
    feed_status_t st = feed_status_get(s->feeds[0]);
    feed_queue_stats_t qs = feed_queue_stats(s->q);
    qsort(ft, (size_t)nframes, sizeof *ft, cmp_d);
    printf("%s feed + 60 fps render (%.0f s):\n", rate > 0 ? "paced" : "flat-out", el);
    printf("  ingested by the feed thread:    %10.0f msgs/s (%llu frames of %d)\n",
           st.messages / el, (unsigned long long)p.frames, MSGS_PER_FRAME);
    printf("  applied to the store:           %10.0f updates/s (coalesced %llu, dropped %llu)\n",
           s->st.updates / el, (unsigned long long)qs.coalesced, (unsigned long long)qs.dropped);
    printf("  frame time p50 %.2f ms, p99 %.2f ms, max %.2f ms; frames over budget %llu of %d\n",
           ft[nframes / 2], ft[nframes * 99 / 100], ft[nframes - 1],
           (unsigned long long)s->st.budget_hits, nframes);
    free(ft);
    screen_free(s);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 4;
    const char *path = argc > 2 ? argv[2] : BS_SOURCE "/layouts/union-hall.json";
    if (!(secs > 0))
        secs = 4;

    /* 1. the feed thread alone */
    {
        feed_queue_t *q = feed_queue_new(8192);
        feed_conf_t c = { .id = "bench", .url = "demo:", .lim = bs_limits_default() };
        char err[128];
        feed_t *f = feed_new(&c, 0, q, err, sizeof err);
        char buf[8192];
        unsigned k = 0;
        double t0 = bs_mono();
        while (bs_mono() - t0 < secs / 2)
            for (int i = 0; i < 100; i++, k++) {
                size_t n = make_frame(buf, sizeof buf, k);
                feed_ingest(f, buf, n);
            }
        double el = bs_mono() - t0;
        feed_status_t st = feed_status_get(f);
        printf("feed thread alone (parse + queue):  %10.0f msgs/s, %.1f MB/s of JSON\n",
               st.messages / el, st.bytes / el / 1e6);
        feed_free(f);
        feed_queue_free(q);
    }
    run_with_render(path, secs, 0);
    run_with_render(path, secs, 5000);
    return 0;
}
