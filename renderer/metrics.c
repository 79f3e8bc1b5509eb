/* metrics.c — Prometheus text on a loopback port (see metrics.h). */
#include "metrics.h"
#include "feed.h"
#include "listen.h"
#include "log.h"
#include "video.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX          16384
#define METRICS_TIMEOUT_S 3
#define METRICS_CONN_MAX  128

struct metrics {
    struct lws_context *ctx;
    pthread_t           thread;
    volatile int        quit;
    pthread_mutex_t     lock;     /* guards snap */
    feed_listen_t       where;    /* info.iface points here: lives as long as ctx */
    metrics_snapshot_t  snap;
};

typedef struct {
    unsigned char *buf;           /* LWS_PRE + body */
    size_t         len;
} pss_t;

typedef struct {
    char  *s;
    size_t len, cap;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
    if (o->len >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->s + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = o->len + (size_t)n < o->cap ? o->len + (size_t)n : o->cap - 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Resident memory of this process, bytes, from /proc (0 if unknown). */
static long long rss_bytes(void)
{
    long long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * 4096;
}

/* The whole exposition text for snap into o. */
static void render(const metrics_snapshot_t *sn, out_t *o)
{
    put(o, "# HELP bigscreen_uptime_seconds Seconds since the screen started.\n"
           "# TYPE bigscreen_uptime_seconds gauge\nbigscreen_uptime_seconds %.1f\n", sn->uptime_s);
    put(o, "# TYPE bigscreen_frames_total counter\nbigscreen_frames_total %llu\n", (unsigned long long)sn->frames);
    put(o, "# TYPE bigscreen_frames_painted_total counter\nbigscreen_frames_painted_total %llu\n",
        (unsigned long long)sn->painted);
    put(o, "# HELP bigscreen_drawn_pixels_total Pixels painted by Cairo: damaged areas, layers remade, marks.\n"
           "# TYPE bigscreen_drawn_pixels_total counter\nbigscreen_drawn_pixels_total %llu\n",
        (unsigned long long)sn->drawn_px);
    put(o, "# HELP bigscreen_frames_late_total Frames that finished after their deadline.\n"
           "# TYPE bigscreen_frames_late_total counter\nbigscreen_frames_late_total %llu\n",
        (unsigned long long)sn->late);
    put(o, "# HELP bigscreen_frames_dropped_total Frame slots skipped to catch up.\n"
           "# TYPE bigscreen_frames_dropped_total counter\nbigscreen_frames_dropped_total %llu\n",
        (unsigned long long)sn->dropped);
    double w[METRICS_SAMPLES];
    int n = sn->nwork < METRICS_SAMPLES ? sn->nwork : METRICS_SAMPLES;
    memcpy(w, sn->work_ms, (size_t)n * sizeof w[0]);
    qsort(w, (size_t)n, sizeof w[0], cmp_double);
    put(o, "# HELP bigscreen_frame_work_seconds Work per frame over the last %d frames.\n"
           "# TYPE bigscreen_frame_work_seconds summary\n", n);
    static const double qs[] = { 0.5, 0.9, 0.99 };
    for (int i = 0; i < 3; i++)
        put(o, "bigscreen_frame_work_seconds{quantile=\"%g\"} %.6f\n", qs[i],
            n ? w[(int)(qs[i] * (n - 1) + 0.5)] / 1000 : 0.0);
    put(o, "# TYPE bigscreen_page gauge\nbigscreen_page %d\n", sn->page);
    put(o, "# HELP bigscreen_stale_widgets Widgets showing data older than their stale_after.\n"
           "# TYPE bigscreen_stale_widgets gauge\nbigscreen_stale_widgets %d\n", sn->stale_widgets);
    put(o, "# HELP bigscreen_feed_up 1 while the feed is connected.\n# TYPE bigscreen_feed_up gauge\n");
    for (int i = 0; i < sn->nfeeds && i < METRICS_FEEDS; i++)
        put(o, "bigscreen_feed_up{feed=\"%s\",state=\"%s\"} %d\n", sn->feeds[i].id,
            feed_state_name((feed_state_t)sn->feeds[i].state), sn->feeds[i].state == FEED_UP);
    static const char *const names[] = { "connects", "retries", "messages", "rejected", "bytes", "polls",
                                         "poll_errors" };
    for (int k = 0; k < 7; k++) {
        put(o, "# TYPE bigscreen_feed_%s_total counter\n", names[k]);
        for (int i = 0; i < sn->nfeeds && i < METRICS_FEEDS; i++) {
            uint64_t v = k == 0 ? sn->feeds[i].connects : k == 1 ? sn->feeds[i].retries
                       : k == 2 ? sn->feeds[i].messages : k == 3 ? sn->feeds[i].rejected
                       : k == 4 ? sn->feeds[i].bytes : k == 5 ? sn->feeds[i].polls : sn->feeds[i].errors;
            put(o, "bigscreen_feed_%s_total{feed=\"%s\"} %llu\n", names[k], sn->feeds[i].id, (unsigned long long)v);
        }
    }
    put(o, "# HELP bigscreen_feed_poll_seconds Duration of the last good poll (pollers).\n"
           "# TYPE bigscreen_feed_poll_seconds gauge\n");
    for (int i = 0; i < sn->nfeeds && i < METRICS_FEEDS; i++)
        put(o, "bigscreen_feed_poll_seconds{feed=\"%s\"} %.6f\n", sn->feeds[i].id, sn->feeds[i].poll_ms / 1000);
    put(o, "# TYPE bigscreen_queue_depth gauge\nbigscreen_queue_depth %zu\n", sn->q_depth);
    put(o, "# TYPE bigscreen_queue_pushed_total counter\nbigscreen_queue_pushed_total %llu\n",
        (unsigned long long)sn->q_pushed);
    put(o, "# TYPE bigscreen_queue_coalesced_total counter\nbigscreen_queue_coalesced_total %llu\n",
        (unsigned long long)sn->q_coalesced);
    put(o, "# TYPE bigscreen_queue_dropped_total counter\nbigscreen_queue_dropped_total %llu\n",
        (unsigned long long)sn->q_dropped);
    put(o, "# TYPE bigscreen_store_topics gauge\nbigscreen_store_topics %zu\n", sn->topics);
    put(o, "# TYPE bigscreen_store_applied_total counter\nbigscreen_store_applied_total %llu\n",
        (unsigned long long)sn->applied);
    put(o, "# TYPE bigscreen_store_rejected_total counter\nbigscreen_store_rejected_total %llu\n",
        (unsigned long long)sn->store_rejected);
    put(o, "# HELP bigscreen_store_skewed_total Updates refused: source time too far ahead of the screen's clock.\n"
           "# TYPE bigscreen_store_skewed_total counter\nbigscreen_store_skewed_total %llu\n",
        (unsigned long long)sn->store_skewed);
    put(o, "# HELP bigscreen_store_over_budget_total Updates refused: no room under the store's byte budget.\n"
           "# TYPE bigscreen_store_over_budget_total counter\nbigscreen_store_over_budget_total %llu\n",
        (unsigned long long)sn->store_over_budget);
    put(o, "# HELP bigscreen_store_evicted_total History items dropped to stay under the byte budget.\n"
           "# TYPE bigscreen_store_evicted_total counter\nbigscreen_store_evicted_total %llu\n",
        (unsigned long long)sn->store_evicted);
    put(o, "# HELP bigscreen_text_cache_bytes Bytes of cached text masks (capped).\n"
           "# TYPE bigscreen_text_cache_bytes gauge\nbigscreen_text_cache_bytes %zu\n", sn->text_cache_bytes);
    put(o, "# HELP bigscreen_layer_bytes Bytes of cached widget layers (capped).\n"
           "# TYPE bigscreen_layer_bytes gauge\nbigscreen_layer_bytes %zu\n", sn->layer_bytes);
    put(o, "# HELP bigscreen_store_bytes Bytes the topic store holds.\n"
           "# TYPE bigscreen_store_bytes gauge\nbigscreen_store_bytes %zu\n", sn->store_bytes);
    put(o, "# TYPE bigscreen_resident_memory_bytes gauge\nbigscreen_resident_memory_bytes %lld\n", rss_bytes());
    wdg_video_stats_t vs;                  /* atomics of the video widgets: read here directly */
    wdg_video_stats(&vs);
    put(o, "# HELP bigscreen_video_playing Video widgets with a decoder running.\n"
           "# TYPE bigscreen_video_playing gauge\nbigscreen_video_playing %llu\n", (unsigned long long)vs.playing);
    put(o, "# HELP bigscreen_video_frames_total Video frames rendered.\n"
           "# TYPE bigscreen_video_frames_total counter\nbigscreen_video_frames_total %llu\n",
        (unsigned long long)vs.frames);
    put(o, "# HELP bigscreen_video_errors_total Video attempts that failed (corrupt file, refused or silent stream).\n"
           "# TYPE bigscreen_video_errors_total counter\nbigscreen_video_errors_total %llu\n",
        (unsigned long long)vs.errors);
    put(o, "# HELP bigscreen_video_drops_total Video streams that dropped after showing frames.\n"
           "# TYPE bigscreen_video_drops_total counter\nbigscreen_video_drops_total %llu\n",
        (unsigned long long)vs.drops);
    put(o, "# HELP bigscreen_video_retries_total Video reopenings after a failure.\n"
           "# TYPE bigscreen_video_retries_total counter\nbigscreen_video_retries_total %llu\n",
        (unsigned long long)vs.retries);
}

/* Every reason may come without per-session data: lws allocates it only
 * once a connection is bound to the protocol, so a connect-and-close, a TLS
 * hello, random bytes or an idle socket that times out are closed (and
 * reported here) with user == NULL. */
static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    pss_t *pss = user;
    metrics_t *m = lws_context_user(lws_get_context(wsi));
    if (!pss || !m)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        if (!in || strcmp(in, "/metrics") != 0) {
            if (lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "try /metrics"))
                return -1;
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        metrics_snapshot_t snap;
        pthread_mutex_lock(&m->lock);
        snap = m->snap;
        pthread_mutex_unlock(&m->lock);
        free(pss->buf);
        pss->buf = malloc(LWS_PRE + BODY_MAX);
        if (!pss->buf)
            return -1;
        out_t o = { (char *)pss->buf + LWS_PRE, 0, BODY_MAX };
        render(&snap, &o);
        pss->len = o.len;
        unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
        if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8",
                                        pss->len, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
            return 1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!pss->buf)
            break;
        if (lws_write(wsi, pss->buf + LWS_PRE, pss->len, LWS_WRITE_HTTP_FINAL) != (int)pss->len)
            return 1;
        free(pss->buf);
        pss->buf = NULL;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        free(pss->buf);
        pss->buf = NULL;
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "http", callback, sizeof(pss_t), 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void *serve(void *arg)
{
    metrics_t *m = arg;
    while (!m->quit)
        if (lws_service(m->ctx, 0) < 0)
            break;
    return NULL;
}

metrics_t *metrics_start(const char *spec)
{
    char err[200], where[96];
    metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_mutex_init(&m->lock, NULL);
    if (feed_listen_parse(spec, &m->where, err, sizeof err) != 0) {
        bs_log(BS_LOG_ERR, "--metrics %s", err);
        goto err;
    }
    feed_listen_str(&m->where, where, sizeof where);
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    feed_listen_apply(&m->where, &info);
    info.protocols = protocols;
    info.user = m;
    /* a client that says nothing is hung up on after a few seconds, and no
     * more than METRICS_CONN_MAX are open at once (the rest wait in the
     * kernel's backlog): a scan or a flood costs a bounded few fds */
    info.timeout_secs = METRICS_TIMEOUT_S;
    info.timeout_secs_ah_idle = METRICS_TIMEOUT_S;
    info.fd_limit_per_thread = METRICS_CONN_MAX + 4;
    m->ctx = lws_create_context(&info);
    if (!m->ctx) {
        bs_log(BS_LOG_ERR, "--metrics: cannot listen on %s", where);
        goto err;
    }
    if (pthread_create(&m->thread, NULL, serve, m) != 0) {
        lws_context_destroy(m->ctx);
        goto err;
    }
    bs_log(BS_LOG_INFO, "metrics on http://%s/metrics", where);
    return m;
err:
    pthread_mutex_destroy(&m->lock);
    free(m);
    return NULL;
}

void metrics_stop(metrics_t *m)
{
    if (!m)
        return;
    m->quit = 1;
    lws_cancel_service(m->ctx);
    pthread_join(m->thread, NULL);
    lws_context_destroy(m->ctx);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_publish(metrics_t *m, const metrics_snapshot_t *snap)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->snap = *snap;
    pthread_mutex_unlock(&m->lock);
}
