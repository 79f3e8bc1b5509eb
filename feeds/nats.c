/*
 * nats.c — the "nats://" feed back end: fan-out of the same messages through
 * a NATS server (cnats, Debian's libnats).
 *
 * Subjects are topics: the feed subscribes to every topic the layout binds.
 * A payload is either a protocol message object ({"topic": ..., "value":
 * ...}, the same as over WebSocket) or the topic's new value itself (any
 * JSON; text that is not JSON is taken as a string). Either way it becomes
 * a frame for feed_ingest(), so it goes through the very parser, caps,
 * queue and store a WebSocket feed uses.
 *
 * Connection life cycle, as for ws://: reconnects are cnats' own, forever,
 * the first connection too; the library asks retry_delay() before every
 * new round of attempts — that is the one retry point: it counts the retry,
 * marks the feed DOWN (at boot as after a loss) and answers with the same
 * backoff as ws (0.25 .. 3 s + jitter). A connect attempt (TCP and the
 * server's INFO) times out after NATS_TIMEOUT_MS; a server that stops
 * answering PINGs is stale after about 3 * NATS_PING_MS. A watchdog thread
 * checks every second for what the callbacks could miss: a connection the
 * library closed for good (it starts a fresh one), a feed shown up while
 * the library says it is not connected, a boot attempt that never
 * reported, a reconnect loop that went quiet (no attempt, no retry round
 * for NATS_STUCK_MS: a fresh connection). Credentials in the URL (nats://user:pass@host) never reach a
 * log line, a report or an error message (feed_url_redact).
 *
 * Threads: cnats calls the message handler and the connection callbacks on
 * its own threads; they touch only the queue (feed_ingest), the status
 * block and the atomics of the priv. The watchdog thread owns nc and subs
 * between start and stop (start and stop touch them only before it exists
 * and after it is joined). The library may call back for a connection after
 * Close returned (an attempt in progress ends first): the priv is freed
 * only once every connection has had its on_closed (close_conn waits for
 * it, bounded), or else parked, never freed.
 */
#include "feed.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

#define NATS_TIMEOUT_MS   3000
#define NATS_PING_MS      4000
#define NATS_PINGS_OUT    2
#define NATS_SUBS_MAX     64
#define NATS_SHOWN_MAX    256
/* Not connected and no word from the library (no retry round, no connect)
 * for this long: its reconnect loop is stuck; the watchdog starts afresh.
 * Longer than two attempts' timeouts and the longest backoff with jitter. */
#define NATS_STUCK_MS     (2 * NATS_TIMEOUT_MS + 3600 + 2000)
/* How long a stop waits for the library's last callback of a connection
 * (an attempt in progress ends within NATS_TIMEOUT_MS). */
#define NATS_CLOSE_WAIT_MS (2 * NATS_TIMEOUT_MS + 2000)

static const int64_t backoff_ms[] = { 250, 500, 1000, 2000, 3000 };

typedef struct {
    feed_t           *f;
    natsOptions      *opts;        /* kept: a fresh start uses them again */
    natsConnection   *nc;
    natsSubscription *subs[NATS_SUBS_MAX];
    int               nsubs;
    _Atomic(natsConnection *) live; /* the connection whose close is a loss */
    atomic_bool       lost;        /* the library closed `live` by itself */
    atomic_bool       gone;        /* parked after a stop: callbacks touch nothing */
    atomic_int        closed_cbs;  /* on_closed calls so far (any connection) */
    int               opened;      /* connections made so far (each ends in one on_closed) */
    atomic_uint       seed;        /* jitter */
    pthread_t         thread;
    bool              running;
    pthread_mutex_t   mu;          /* guards quit, with cv */
    pthread_cond_t    cv;
    bool              quit;
    double            t0;          /* bs_mono() when the current connection began */
    _Atomic int64_t   heard_ms;    /* bs_mono() in ms of the library's last sign of progress */
    char              shown[NATS_SHOWN_MAX];   /* the URL, redacted */
} nats_priv_t;

/* Checks nats://[user[:pass]@]host[:port][/] — one server (a cluster tells
 * its clients about its other members). Error messages show the URL with
 * its user info redacted. */
static int nats_check(const feed_conf_t *c, char *err, size_t errlen)
{
    char shown[NATS_SHOWN_MAX];
    feed_url_redact(c->url, shown, sizeof shown);
    if (strncmp(c->url, "nats://", 7) != 0) {
        snprintf(err, errlen, "feed URL \"%s\" must start with nats://", shown);
        return -1;
    }
    for (const char *ch = c->url; *ch; ch++)
        if ((unsigned char)*ch <= 0x20 || (unsigned char)*ch >= 0x7f) {
            snprintf(err, errlen, "feed URL \"%s\" contains a space or a non-ASCII/control character", shown);
            return -1;
        }
    const char *a = c->url + 7;
    size_t alen = strcspn(a, "/?#");
    if (a[alen] && strcmp(a + alen, "/") != 0) {
        snprintf(err, errlen, "feed URL \"%s\": a NATS URL has no path (subjects come from the bindings)", shown);
        return -1;
    }
    if (memchr(a, ',', alen)) {
        snprintf(err, errlen, "feed URL \"%s\": give one server (a NATS cluster tells the client about the others)",
                 shown);
        return -1;
    }
    const char *host = a;
    for (size_t i = 0; i < alen; i++)
        if (a[i] == '@')
            host = a + i + 1;
    size_t hlen = (size_t)(a + alen - host), name;
    const char *port_s = NULL;
    if (hlen && host[0] == '[') {
        const char *rb = memchr(host, ']', hlen);
        name = rb ? (size_t)(rb - host - 1) : 0;
        if (!rb || name == 0 || strspn(host + 1, "0123456789abcdefABCDEF:.") < name ||
            (rb + 1 < host + hlen && rb[1] != ':')) {
            snprintf(err, errlen, "feed URL \"%s\": bad [IPv6] host", shown);
            return -1;
        }
        if (rb + 1 < host + hlen)
            port_s = rb + 2;
    } else {
        const char *colon = memchr(host, ':', hlen);
        name = colon ? (size_t)(colon - host) : hlen;
        if (colon)
            port_s = colon + 1;
        for (size_t i = 0; i < name; i++)
            if (!isalnum((unsigned char)host[i]) && host[i] != '-' && host[i] != '.' && host[i] != '_') {
                snprintf(err, errlen, "feed URL \"%s\": bad character '%c' in the host", shown, host[i]);
                return -1;
            }
    }
    if (name == 0) {
        snprintf(err, errlen, "feed URL \"%s\" needs a host: nats://host[:port]", shown);
        return -1;
    }
    if (port_s) {
        size_t pl = (size_t)(a + alen - port_s);
        long v = 0;
        for (size_t i = 0; i < pl && i < 6; i++)
            v = isdigit((unsigned char)port_s[i]) ? v * 10 + (port_s[i] - '0') : -1000000;
        if (pl == 0 || pl > 5 || v < 1 || v > 65535) {
            snprintf(err, errlen, "feed URL \"%s\": the port must be 1..65535", shown);
            return -1;
        }
    }
    if (c->ca_file || c->insecure) {
        snprintf(err, errlen, "feed \"%s\": ca_file/insecure are for wss:// feeds", c->id ? c->id : "?");
        return -1;
    }
    return 0;
}

/* One NATS message → one protocol frame through the shared ingest path. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    feed_t *f = closure;
    (void)nc;
    (void)sub;
    const char *data = natsMsg_GetData(msg);
    int len = natsMsg_GetDataLength(msg);
    const char *subject = natsMsg_GetSubject(msg);
    if (len < 0 || (size_t)len > f->conf.lim.frame_bytes) {
        feed_status_count(f, 0, 1, len > 0 ? (uint64_t)len : 0);
        natsMsg_Destroy(msg);
        return;
    }
    cJSON *payload = cJSON_ParseWithLength(data ? data : "", (size_t)len);
    if (payload && cJSON_IsObject(payload) && cJSON_GetObjectItemCaseSensitive(payload, "topic")) {
        feed_ingest(f, data, (size_t)len);                 /* a whole message object */
    } else {
        if (!payload) {                                   /* plain text: a string value */
            char *text = strndup(data ? data : "", (size_t)len);
            payload = text ? cJSON_CreateString(text) : NULL;
            free(text);
        }
        cJSON *m = cJSON_CreateObject();
        char *frame = NULL;
        if (m && payload) {
            cJSON_AddStringToObject(m, "topic", subject);
            cJSON_AddItemToObject(m, "value", payload);
            payload = NULL;
            frame = cJSON_PrintUnformatted(m);
        }
        if (frame)
            feed_ingest(f, frame, strlen(frame));
        else
            feed_status_count(f, 0, 1, (uint64_t)len);
        free(frame);
        cJSON_Delete(m);
    }
    cJSON_Delete(payload);
    natsMsg_Destroy(msg);
}

/* The library did something (a connect, a retry round, a loss). */
static void heard(nats_priv_t *p)
{
    atomic_store(&p->heard_ms, (int64_t)(bs_mono() * 1e3));
}

static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    nats_priv_t *p = closure;
    if (atomic_load(&p->gone))
        return;
    heard(p);
    feed_status_set(p->f, FEED_UP, bs_wall_ms(), "");
    bs_log(BS_LOG_NOTICE, "feed %s: connected to %s", p->f->conf.id, p->shown);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    nats_priv_t *p = closure;
    if (atomic_load(&p->gone) || natsConnection_IsClosed(nc))
        return;                        /* our own close at stop or exit, not a loss */
    heard(p);
    feed_status_set(p->f, FEED_DOWN, bs_wall_ms(), "connection lost");
    bs_log(BS_LOG_WARNING, "feed %s: connection lost; reconnecting", p->f->conf.id);
}

/* The library's thread, last of all callbacks for a connection. A close we
 * did not ask for (live is ours until stop) is a loss the watchdog repairs. */
static void on_closed(natsConnection *nc, void *closure)
{
    nats_priv_t *p = closure;
    if (nc && nc == atomic_load(&p->live))
        atomic_store(&p->lost, true);
    atomic_fetch_add(&p->closed_cbs, 1);
}

/* The one retry point: the library is about to wait before its next round
 * of attempts (after a failed connect at boot, or a loss). Counts the
 * retry, shows the feed DOWN and answers the backoff in ms. */
static int64_t retry_delay(natsConnection *nc, int attempts, void *closure)
{
    (void)nc;
    nats_priv_t *p = closure;
    if (atomic_load(&p->gone))
        return backoff_ms[4];
    heard(p);
    feed_status_t st = feed_status_get(p->f);
    feed_status_retried(p->f, 1);
    if (st.state != FEED_DOWN) {
        feed_status_set(p->f, FEED_DOWN, bs_wall_ms(), st.state == FEED_UP ? "connection lost" : "cannot connect");
        bs_log(BS_LOG_WARNING, "feed %s: %s %s; retrying", p->f->conf.id,
                st.state == FEED_UP ? "connection lost:" : "cannot connect to", p->shown);
    }
    int i = attempts < 1 ? 0 : attempts > 5 ? 4 : attempts - 1;
    unsigned s = atomic_fetch_add(&p->seed, 2654435761u) * 1103515245u + 12345u;
    return backoff_ms[i] + (int64_t)((s >> 8) % (unsigned)(backoff_ms[i] / 5 + 1));
}

/* A new connection with p->opts, and its subscriptions (which cnats keeps
 * across its reconnects). 0, or -1 (logged) with no connection. */
static int open_conn(nats_priv_t *p)
{
    feed_t *f = p->f;
    p->t0 = bs_mono();
    heard(p);
    p->nsubs = 0;
    atomic_store(&p->lost, false);
    natsStatus st = natsConnection_Connect(&p->nc, p->opts);
    if (st == NATS_OK) {
        on_connected(p->nc, p);
    } else if (st != NATS_NOT_YET_CONNECTED) {
        bs_log(BS_LOG_WARNING, "feed %s: %s", f->conf.id, natsStatus_GetText(st));
        p->nc = NULL;
        return -1;
    }
    p->opened++;
    atomic_store(&p->live, p->nc);
    for (size_t i = 0; i < f->n_subscribe && p->nsubs < NATS_SUBS_MAX; i++)
        if (natsConnection_Subscribe(&p->subs[p->nsubs], p->nc, f->subscribe[i], on_msg, f) == NATS_OK)
            p->nsubs++;
    return 0;
}

/* Closes and frees the connection and its subscriptions, then waits
 * (bounded) until every connection made so far has had its on_closed: the
 * library's callbacks for a connection may still come after Close returns
 * (its reconnect thread finishes an attempt in progress first: up to
 * NATS_TIMEOUT_MS against a server that accepts and never answers), and
 * they touch p. False when the wait ran out: p must then not be freed. */
static bool close_conn(nats_priv_t *p)
{
    atomic_store(&p->live, NULL);
    for (int i = 0; i < p->nsubs; i++) {
        natsSubscription_Unsubscribe(p->subs[i]);
        natsSubscription_Destroy(p->subs[i]);
    }
    p->nsubs = 0;
    if (p->nc) {
        natsConnection_Close(p->nc);
        natsConnection_Destroy(p->nc);
        p->nc = NULL;
    }
    double until = bs_mono() + NATS_CLOSE_WAIT_MS / 1e3;
    while (atomic_load(&p->closed_cbs) < p->opened && bs_mono() < until)
        nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
    return atomic_load(&p->closed_cbs) >= p->opened;
}

/* Every second, what the callbacks could miss (see the top of the file). */
static void *watchdog(void *arg)
{
    nats_priv_t *p = arg;
    feed_t *f = p->f;
    pthread_mutex_lock(&p->mu);
    while (!p->quit) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (p->quit)
            break;
        pthread_mutex_unlock(&p->mu);
        feed_status_t st = feed_status_get(f);
        if (!p->nc || atomic_load(&p->lost)) {
            bs_log(BS_LOG_WARNING, "feed %s: %s; starting a new connection", f->conf.id,
                    p->nc ? "the library closed the connection" : "no connection");
            close_conn(p);
            feed_status_retried(f, 1);
            feed_status_set(f, FEED_DOWN, bs_wall_ms(), "connection closed");
            open_conn(p);
        } else if (natsConnection_Status(p->nc) != NATS_CONN_STATUS_CONNECTED &&
                   bs_mono() * 1e3 - (double)atomic_load(&p->heard_ms) > NATS_STUCK_MS) {
            bs_log(BS_LOG_WARNING, "feed %s: not connected and no attempt for %.0f s; starting a new connection",
                   f->conf.id, (bs_mono() * 1e3 - (double)atomic_load(&p->heard_ms)) / 1e3);
            close_conn(p);
            feed_status_retried(f, 1);
            feed_status_set(f, FEED_DOWN, bs_wall_ms(), "connect attempts stalled");
            open_conn(p);
        } else if (natsConnection_Status(p->nc) != NATS_CONN_STATUS_CONNECTED) {
            if (st.state == FEED_UP ||
                (st.state == FEED_CONNECTING && bs_mono() - p->t0 > 2.0 * NATS_TIMEOUT_MS / 1000))
                feed_status_set(f, FEED_DOWN, bs_wall_ms(), "not connected");
        }
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Priv blocks whose connection's last callback never came within
 * NATS_CLOSE_WAIT_MS: kept (reachable, never freed) so that a late callback
 * finds live memory; their callbacks see `gone` and touch nothing else. */
static nats_priv_t *parked[16];
static atomic_int   n_parked;

static void priv_free(nats_priv_t *p)
{
    natsOptions_Destroy(p->opts);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

/* A stop whose wait for the library ran out (logged): true when p is kept
 * in `parked` (from now on its callbacks return at once), false when the
 * list is full and it must be freed after all. */
static bool park(nats_priv_t *p)
{
    bs_log(BS_LOG_WARNING, "feed %s: the NATS library did not finish closing within %d ms; "
           "its state is kept", p->f->conf.id, NATS_CLOSE_WAIT_MS);
    atomic_store(&p->gone, true);
    int i = atomic_fetch_add(&n_parked, 1);
    if (i >= (int)(sizeof parked / sizeof parked[0]))
        return false;
    parked[i] = p;
    return true;
}

static int nats_start(feed_t *f)
{
    nats_priv_t *p = calloc(1, sizeof *p);
    char *token = NULL;
    int rc = -1;
    if (!p)
        return -1;
    p->f = f;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    atomic_init(&p->seed, (unsigned)(bs_wall_ms() ^ (uintptr_t)p));
    feed_url_redact(f->conf.url, p->shown, sizeof p->shown);
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    bool bad;
    const char *why = NULL;
    token = feed_read_token(&f->conf, &bad, &why);
    if (bad) {
        bs_log(BS_LOG_ERR, "feed %s: %s", f->conf.id, why);
        goto err;
    }
    bool userinfo = strcmp(p->shown, f->conf.url) != 0;
    if (userinfo)
        bs_log(BS_LOG_WARNING, "feed %s: credentials in the URL (shown as ***); prefer token_env or "
                "token_file, which stay out of the layout and of `ps`", f->conf.id);
    if (token || userinfo)
        bs_log(BS_LOG_WARNING, "feed %s: the %s goes over nats:// to %s without TLS unless the "
                "server requires it — anyone on the path can read it", f->conf.id,
                token ? "token" : "password", p->shown);
    if (natsOptions_Create(&p->opts) != NATS_OK ||
        natsOptions_SetURL(p->opts, f->conf.url) != NATS_OK ||
        (token && natsOptions_SetToken(p->opts, token) != NATS_OK) ||
        natsOptions_SetTimeout(p->opts, NATS_TIMEOUT_MS) != NATS_OK ||
        natsOptions_SetPingInterval(p->opts, NATS_PING_MS) != NATS_OK ||
        natsOptions_SetMaxPingsOut(p->opts, NATS_PINGS_OUT) != NATS_OK ||
        natsOptions_SetMaxReconnect(p->opts, -1) != NATS_OK ||
        natsOptions_SetCustomReconnectDelay(p->opts, retry_delay, p) != NATS_OK ||
        natsOptions_SetRetryOnFailedConnect(p->opts, true, on_connected, p) != NATS_OK ||
        natsOptions_SetDisconnectedCB(p->opts, on_disconnected, p) != NATS_OK ||
        natsOptions_SetReconnectedCB(p->opts, on_connected, p) != NATS_OK ||
        natsOptions_SetClosedCB(p->opts, on_closed, p) != NATS_OK)
        goto err;
    if (open_conn(p) != 0)
        goto err;
    if (pthread_create(&p->thread, NULL, watchdog, p) != 0) {
        if (!close_conn(p) && park(p))
            p = NULL;
        goto err;
    }
    p->running = true;
    f->priv = p;
    rc = 0;
err:                                  /* one way out: the token goes either way */
    if (token) {
        explicit_bzero(token, strlen(token));
        free(token);
    }
    if (rc != 0 && p)
        priv_free(p);
    return rc;
}

static void nats_stop(feed_t *f)
{
    nats_priv_t *p = f->priv;
    if (!p)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->quit = true;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    if (close_conn(p) || !park(p))
        priv_free(p);
    f->priv = NULL;
}

const feed_backend_t feed_nats_backend = {
    .scheme = "nats",
    .check  = nats_check,
    .start  = nats_start,
    .stop   = nats_stop,
};
