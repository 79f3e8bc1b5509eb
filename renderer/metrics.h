/*
 * metrics.h — the screen's health as Prometheus text on a loopback port
 * (`--metrics [ADDR:]PORT`): frames, late and dropped frames, frame-time quantiles,
 * feed state, reconnects, messages, queue and store counters, memory.
 *
 * Threads: an lws server on a thread of its own answers GET /metrics. The
 * render thread hands over a snapshot with metrics_publish() (a copy under a
 * mutex, a few hundred bytes, twice a second); it never waits on a client.
 */
#ifndef BS_METRICS_H
#define BS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_SAMPLES 256
#define METRICS_FEEDS   8

typedef struct {
    double   uptime_s;
    uint64_t frames, painted, late, dropped;
    uint64_t drawn_px;            /* pixels Cairo painted (screen_stats_t.drawn_px) */
    double   work_ms[METRICS_SAMPLES];   /* recent frame work times */
    int      nwork;
    int      page;
    int      stale_widgets;
    int      nfeeds;
    struct {
        char     id[64];
        int      state;                  /* feed_state_t */
        uint64_t connects, retries, messages, rejected, bytes;
        uint64_t polls, errors;          /* pollers */
        double   poll_ms;                /* last good poll */
    } feeds[METRICS_FEEDS];
    uint64_t q_pushed, q_coalesced, q_dropped;
    size_t   q_depth, topics;
    uint64_t applied, store_rejected;
    uint64_t store_skewed;      /* of the rejected: source time too far ahead */
    uint64_t store_over_budget, store_evicted;
    size_t   store_bytes;
    size_t   text_cache_bytes, layer_bytes;   /* the renderer's two capped caches */
} metrics_snapshot_t;

typedef struct metrics metrics_t;

/* Serves GET /metrics on spec, "[ADDR:]PORT" (feed_listen_parse; the
 * address defaults to 127.0.0.1 and is bound exactly). NULL (message on
 * stderr) if spec is bad or it cannot listen. */
metrics_t *metrics_start(const char *spec);
void metrics_stop(metrics_t *m);                         /* accepts NULL */
/* Render thread: the figures to serve from now on. */
void metrics_publish(metrics_t *m, const metrics_snapshot_t *snap);

#endif
