/*
 * ws.c — the "ws://" and "wss://" feed back end (libwebsockets client).
 *
 * Shape (the libwebsockets minimal ws-client pattern):
 *   - each feed owns one lws_context, serviced by the feed's own thread;
 *     start() creates the context and the thread, stop() raises a flag,
 *     wakes the loop with lws_cancel_service() and joins;
 *   - the connection struct (ws_priv_t) owns its retry timer and count;
 *     callbacks find it through the context user pointer;
 *   - backoff is data (`retry` below); every way a connection can end goes
 *     to one retry point, conn_ended() → schedule_retry(): connect error,
 *     close, idle hang-up, and the ends lws 4.1 reports only as
 *     CLOSED_CLIENT_HTTP or WSI_DESTROY (a connect whose upgrade is never
 *     answered times out that way, with no CONNECTION_ERROR); the first
 *     connect is scheduled, not called; retries never run out;
 *   - a watchdog (a sul timer every second) re-arms a retry if the feed
 *     ever has neither a connection nor a retry scheduled, and abandons an
 *     attempt that is still not established after WS_STUCK_S.
 *
 * Data path: text frames are reassembled across fragments into a buffer of
 * at most conf.lim.frame_bytes; a frame that would exceed it is dropped
 * whole and counted (the connection stays up), binary frames likewise.
 * A complete frame goes to feed_ingest() (cJSON parse on this thread, plain
 * C updates into the bounded queue). The state machine for the banner:
 * CONNECTING until the first success, UP while connected, DOWN from the
 * first loss until the next success (retries do not move since_ms).
 *
 * Thread: everything below runs on the feed thread, except ws_start and
 * ws_stop (caller's thread), which touch the priv only before the thread
 * exists or after it has been joined, plus the atomic quit flag.
 */
#include "clock.h"
#include "feed.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WS_HOST_MAX      253
#define WS_PATH_MAX      1024
#define WS_SUBSCRIBE_MAX (64 * 1024)
#define WS_RX_CHUNK      (64 * 1024)
#define LOG_EVERY_S      10
#define WS_TIMEOUT_S     5        /* TCP connect; the server's answer to the upgrade */
#define WS_WATCHDOG_US   (1000 * 1000)
#define WS_STUCK_S       (2 * WS_TIMEOUT_S + 2)

/* Backoff: quick first retries (a restarted server is back within a second),
 * then at most 3 s apart, plus up to 20 % jitter so a fleet of screens does
 * not reconnect in lock step. An idle connection is PINGed after 5 s and
 * hung up (→ retry) when nothing valid came for 10 s, which also ends a
 * server that stalls in the middle of a frame. */
static const uint32_t backoff_ms[] = { 250, 500, 1000, 2000, 3000 };

static const lws_retry_bo_t retry = {
    .retry_ms_table          = backoff_ms,
    .retry_ms_table_count    = LWS_ARRAY_SIZE(backoff_ms),
    .conceal_count           = LWS_RETRY_CONCEAL_ALWAYS,
    .secs_since_valid_ping   = 5,
    .secs_since_valid_hangup = 10,
    .jitter_percent          = 20,
};

typedef struct {
    feed_t                 *f;
    struct lws_context     *ctx;
    struct lws             *wsi;
    lws_sorted_usec_list_t  sul;          /* the retry timer */
    lws_sorted_usec_list_t  watchdog;     /* every second: is a connect pending? */
    uint16_t                retry_count;  /* consecutive failures */
    bool                    retry_pending;/* sul holds a scheduled connect_client */
    bool                    established;  /* wsi reached CLIENT_ESTABLISHED */
    double                  attempt_t;    /* bs_mono() when wsi's attempt began */
    uint64_t                rearms;       /* times the watchdog had to step in */
    bool                    warned_plain; /* the token-over-ws:// warning was given */
    pthread_t               thread;
    bool                    running;
    atomic_bool             quit;
    bool                    was_up;       /* UP at least once: losses are DOWN */
    /* the URL, split */
    bool                    tls;
    int                     port;
    char                    host[WS_HOST_MAX + 3];
    char                    path[WS_PATH_MAX + 1];
    /* handshake: the bearer token lives here only between connect and
     * the handshake callback, then it is wiped */
    char                   *token;
    /* subscribe message, built once at start; LWS_PRE bytes in front */
    unsigned char          *sub;
    size_t                  sub_len;
    bool                    sub_pending;
    /* the frame being reassembled */
    char                   *buf;
    size_t                  len, cap;
    size_t                  skipped;      /* bytes of a dropped frame so far */
    bool                    dropping;     /* the current frame is being dropped */
    const char             *drop_why;
    time_t                  last_log;
} ws_priv_t;

/* One log line per feed per LOG_EVERY_S seconds at most; `force` bypasses
 * the limit (state changes, the insecure-TLS warning). */
static void plog(ws_priv_t *p, int level, bool force, const char *fmt, const char *a, const char *b)
{
    time_t now = time(NULL);
    if (!force && now - p->last_log < LOG_EVERY_S)
        return;
    p->last_log = now;
    char line[512];
    snprintf(line, sizeof line, fmt, a ? a : "", b ? b : "");
    bs_log(level, "feed %s: %s", p->f->conf.id ? p->f->conf.id : "?", line);
}

/* ---- URL ----------------------------------------------------------------- */

/* Splits ws[s]://host[:port][/path] into p's fields. 0, or -1 with err.
 * Accepts [v6] literals; refuses user info, fragments, spaces and control
 * characters, and sizes past the caps. */
static int split_url(const char *url, bool *tls, char *host, size_t hostlen, int *port,
                     char *path, size_t pathlen, char *err, size_t errlen)
{
    const char *rest;
    char shown[256];                  /* the URL as error messages show it */
    feed_url_redact(url, shown, sizeof shown);
    if (strncmp(url, "ws://", 5) == 0) {
        *tls = false;
        rest = url + 5;
    } else if (strncmp(url, "wss://", 6) == 0) {
        *tls = true;
        rest = url + 6;
    } else {
        snprintf(err, errlen, "feed URL \"%.200s\" must start with ws:// or wss://", shown);
        return -1;
    }
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            snprintf(err, errlen, "feed URL \"%.200s\" contains a space or a non-ASCII/control character "
                     "(percent-encode it)", shown);
            return -1;
        }
    size_t hl = strcspn(rest, "/?#");
    const char *auth_end = rest + hl;
    if (memchr(rest, '@', hl)) {
        snprintf(err, errlen, "feed URL \"%.200s\": user info in the URL is not supported "
                 "(use token_env or token_file)", shown);
        return -1;
    }
    const char *port_s = NULL;
    size_t name_len;
    if (rest[0] == '[') {
        const char *rb = memchr(rest, ']', hl);
        if (!rb) {
            snprintf(err, errlen, "feed URL \"%.200s\": unterminated [IPv6] host", shown);
            return -1;
        }
        name_len = (size_t)(rb - rest - 1);
        if (name_len == 0 || strspn(rest + 1, "0123456789abcdefABCDEF:.") < name_len) {
            snprintf(err, errlen, "feed URL \"%.200s\": bad IPv6 host", shown);
            return -1;
        }
        if (rb + 1 < auth_end) {
            if (rb[1] != ':') {
                snprintf(err, errlen, "feed URL \"%.200s\": junk after the [IPv6] host", shown);
                return -1;
            }
            port_s = rb + 2;
        }
        if (name_len >= hostlen) {
            snprintf(err, errlen, "feed URL \"%.200s\": host too long", shown);
            return -1;
        }
        memcpy(host, rest + 1, name_len);
    } else {
        const char *colon = memchr(rest, ':', hl);
        name_len = colon ? (size_t)(colon - rest) : hl;
        if (colon)
            port_s = colon + 1;
        if (name_len == 0) {
            snprintf(err, errlen, "feed URL \"%.200s\" has no host", shown);
            return -1;
        }
        if (name_len > WS_HOST_MAX || name_len >= hostlen) {
            snprintf(err, errlen, "feed URL \"%.200s\": host longer than %d characters", shown, WS_HOST_MAX);
            return -1;
        }
        for (size_t i = 0; i < name_len; i++)
            if (!isalnum((unsigned char)rest[i]) && rest[i] != '-' && rest[i] != '.' && rest[i] != '_') {
                snprintf(err, errlen, "feed URL \"%.200s\": bad character '%c' in the host", shown, rest[i]);
                return -1;
            }
        memcpy(host, rest, name_len);
    }
    host[name_len] = '\0';
    *port = *tls ? 443 : 80;
    if (port_s) {
        size_t pl = (size_t)(auth_end - port_s);
        long v = 0;
        if (pl == 0 || pl > 5 || strspn(port_s, "0123456789") < pl) {
            snprintf(err, errlen, "feed URL \"%.200s\": the port must be a number 1..65535", shown);
            return -1;
        }
        for (size_t i = 0; i < pl; i++)
            v = v * 10 + (port_s[i] - '0');
        if (v < 1 || v > 65535) {
            snprintf(err, errlen, "feed URL \"%.200s\": port %ld is outside 1..65535", shown, v);
            return -1;
        }
        *port = (int)v;
    }
    if (strchr(auth_end, '#')) {
        snprintf(err, errlen, "feed URL \"%.200s\": a #fragment makes no sense for a feed", shown);
        return -1;
    }
    const char *pth = *auth_end ? auth_end : "/";
    size_t pl = strlen(pth);
    if (pl > WS_PATH_MAX || pl >= pathlen) {
        snprintf(err, errlen, "feed URL \"%.200s\": path longer than %d characters", shown, WS_PATH_MAX);
        return -1;
    }
    if (pth[0] == '?') {            /* ws://host?x=1 → /?x=1 */
        path[0] = '/';
        memcpy(path + 1, pth, pl + 1);
        if (pl + 1 >= pathlen)
            return -1;
    } else {
        memcpy(path, pth, pl + 1);
    }
    return 0;
}

static int ws_check(const feed_conf_t *c, char *err, size_t errlen)
{
    bool tls;
    int port;
    char host[WS_HOST_MAX + 3], path[WS_PATH_MAX + 2];
    if (split_url(c->url, &tls, host, sizeof host, &port, path, sizeof path, err, errlen) != 0)
        return -1;
    if (c->token_env && c->token_file) {
        snprintf(err, errlen, "feed \"%s\": give token_env or token_file, not both", c->id ? c->id : "?");
        return -1;
    }
    if (!tls && (c->ca_file || c->insecure)) {
        snprintf(err, errlen, "feed \"%s\": ca_file/insecure only apply to wss:// URLs", c->id ? c->id : "?");
        return -1;
    }
    return 0;
}

/* ---- token --------------------------------------------------------------- */


static void wipe_token(ws_priv_t *p)
{
    if (p->token) {
        explicit_bzero(p->token, strlen(p->token));
        free(p->token);
        p->token = NULL;
    }
}

/* ---- connection life cycle ---------------------------------------------- */

static void connect_client(lws_sorted_usec_list_t *sul);

/* The one retry point. Forgets the current connection, marks the feed
 * DOWN and schedules connect_client after the backoff — once: a second call
 * before that connect runs changes nothing. Never gives up: the count is
 * clamped to the table so the "conceal" budget of the policy never runs
 * out. Does not touch any wsi (it may be in the middle of being freed). */
static void schedule_retry(ws_priv_t *p, const char *why)
{
    wipe_token(p);
    p->wsi = NULL;
    p->established = false;
    if (atomic_load(&p->quit) || p->retry_pending)
        return;
    bool change;
    pthread_mutex_lock(&p->f->lock);
    change = p->f->st.state != FEED_DOWN;
    pthread_mutex_unlock(&p->f->lock);
    /* CONNECTING (boot) stays CONNECTING only until the first failure */
    feed_status_set(p->f, FEED_DOWN, bs_wall_ms(), why);
    if (change)
        plog(p, BS_LOG_WARNING, true, "connection %s%s; retrying", p->was_up ? "lost: " : "failed: ", why);
    else
        plog(p, BS_LOG_WARNING, false, "still down (%s%s); retrying", why, NULL);
    if (p->retry_count >= retry.retry_ms_table_count)
        p->retry_count = retry.retry_ms_table_count - 1;
    feed_status_retried(p->f, 1);
    p->retry_pending = true;
    lws_retry_sul_schedule(p->ctx, 0, &p->sul, &retry, connect_client, &p->retry_count);
}

/* A connection ended, by whichever callback lws chose to say so. Only the
 * current one counts: the later reports of an end already handled (lws may
 * send CONNECTION_ERROR, then CLOSED_CLIENT_HTTP, then WSI_DESTROY for one
 * wsi) find p->wsi already cleared and are ignored. */
static void conn_ended(ws_priv_t *p, struct lws *wsi, const char *why)
{
    if (wsi && wsi == p->wsi)
        schedule_retry(p, why);
}

/* Every second: the safety net under the callbacks. A feed that has no
 * connection and no retry scheduled (an end lws never reported) gets one;
 * an attempt that is not established WS_STUCK_S after it began is
 * abandoned — forgotten, not touched, since a wsi whose end was missed may
 * be gone already; lws's own timeouts close it, and its late reports are
 * ignored by conn_ended(). */
static void watchdog(lws_sorted_usec_list_t *sul)
{
    ws_priv_t *p = lws_container_of(sul, ws_priv_t, watchdog);
    if (atomic_load(&p->quit))
        return;
    if (!p->wsi && !p->retry_pending) {
        p->rearms++;
        plog(p, BS_LOG_WARNING, true, "watchdog: no connection and no retry scheduled; retrying%s%s", NULL, NULL);
        schedule_retry(p, "watchdog re-armed the retry");
    } else if (p->wsi && !p->established && bs_mono() - p->attempt_t > WS_STUCK_S) {
        p->rearms++;
        plog(p, BS_LOG_WARNING, true, "watchdog: connection attempt stuck; abandoning it and retrying%s%s", NULL, NULL);
        schedule_retry(p, "connection attempt stuck");
    }
    lws_sul_schedule(p->ctx, 0, &p->watchdog, watchdog, WS_WATCHDOG_US);
}

static void connect_client(lws_sorted_usec_list_t *sul)
{
    ws_priv_t *p = lws_container_of(sul, ws_priv_t, sul);
    feed_t *f = p->f;
    p->retry_pending = false;
    if (atomic_load(&p->quit))
        return;
    bool bad;
    const char *why = NULL;
    wipe_token(p);
    p->token = feed_read_token(&f->conf, &bad, &why);
    if (bad) {
        schedule_retry(p, why);
        return;
    }
    if (p->token && !p->tls && !p->warned_plain) {
        p->warned_plain = true;       /* once per feed, not once per retry */
        plog(p, BS_LOG_WARNING, true, "the bearer token goes over plain ws:// to %s — anyone on the path can read "
             "it and forge this screen's data; use wss://%s", f->conf.url, NULL);
    }
    if (p->tls && f->conf.insecure)
        plog(p, BS_LOG_WARNING, true, "TLS certificate verification is OFF for %s (\"insecure\": true) — "
             "anyone on the path can forge this screen's data%s", f->conf.url, NULL);
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = p->ctx;
    i.address = p->host;
    i.port = p->port;
    i.path = p->path;
    i.host = p->host;
    i.origin = p->host;
    i.ssl_connection = p->tls ? LCCSCF_USE_SSL : 0;
    if (p->tls && f->conf.insecure)
        i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                            LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    i.protocol = NULL;                       /* no subprotocol is negotiated */
    i.local_protocol_name = "bigscreen-feed";
    i.pwsi = &p->wsi;
    i.retry_and_idle_policy = &retry;
    i.userdata = p;
    p->established = false;
    p->attempt_t = bs_mono();
    /* lws stores the wsi in p->wsi before it can report anything for it;
     * a failure inside the call is reported (or not) and then returns NULL */
    if (!lws_client_connect_via_info(&i)) {
        p->wsi = NULL;
        if (!p->retry_pending)
            schedule_retry(p, "cannot start a connection");
    }
}

/* A whole frame was dropped: count it and say why (rate-limited). */
static void drop_frame(ws_priv_t *p)
{
    feed_status_count(p->f, 0, 1, p->skipped);
    plog(p, BS_LOG_WARNING, false, "dropped a frame: %s%s", p->drop_why, NULL);
}

/* Appends a chunk of the current frame; switches to dropping when the
 * frame would exceed the cap. */
static void take_chunk(ws_priv_t *p, const char *in, size_t len)
{
    size_t capb = p->f->conf.lim.frame_bytes;
    if (p->dropping) {
        p->skipped += len;
        return;
    }
    if (len > capb - p->len || p->len + len > capb) {
        p->dropping = true;
        p->drop_why = "frame over the frame_bytes cap";
        p->skipped = p->len + len;
        p->len = 0;
        return;
    }
    if (p->len + len + 1 > p->cap) {
        size_t ncap = p->cap ? p->cap : 4096;
        while (ncap < p->len + len + 1)
            ncap *= 2;
        if (ncap > capb + 1)
            ncap = capb + 1;
        char *nb = realloc(p->buf, ncap);
        if (!nb) {
            p->dropping = true;
            p->drop_why = "out of memory";
            p->skipped = p->len + len;
            p->len = 0;
            return;
        }
        p->buf = nb;
        p->cap = ncap;
    }
    memcpy(p->buf + p->len, in, len);
    p->len += len;
}

/* End of a frame: ingest it, then give back a big buffer. */
static void end_frame(ws_priv_t *p)
{
    if (p->dropping) {
        drop_frame(p);
    } else {
        p->buf[p->len] = '\0';
        feed_ingest(p->f, p->buf, p->len);
    }
    p->len = 0;
    p->skipped = 0;
    p->dropping = false;
    if (p->cap > 4 * WS_RX_CHUNK) {       /* one huge frame must not pin memory */
        free(p->buf);
        p->buf = NULL;
        p->cap = 0;
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    ws_priv_t *p = lws_context_user(lws_get_context(wsi));
    (void)user;
    if (!p)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (p->token) {
            unsigned char **pp = in, *end = *pp + len;
            size_t n = strlen(p->token) + 8;
            char *hv = malloc(n);
            int rc = -1;
            if (hv) {
                snprintf(hv, n, "Bearer %s", p->token);
                rc = lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                                  (unsigned char *)hv, (int)strlen(hv), pp, end);
                explicit_bzero(hv, n);
                free(hv);
            }
            wipe_token(p);
            if (rc)
                return -1;            /* → CONNECTION_ERROR → retry */
        }
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[128];
        snprintf(why, sizeof why, "%.120s", in ? (const char *)in : "connection error");
        conn_ended(p, wsi, why);
        return 0;
    }
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        /* the upgrade was never answered (timed out) or the server hung up */
        conn_ended(p, wsi, "no answer to the upgrade request");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* the last word on any wsi: if it is still ours, it ended unreported */
        conn_ended(p, wsi, "connection ended");
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (wsi != p->wsi)
            return -1;                /* an attempt we gave up on */
        wipe_token(p);
        p->established = true;
        p->retry_count = 0;
        p->len = p->skipped = 0;
        p->dropping = false;
        feed_status_set(p->f, FEED_UP, bs_wall_ms(), "");
        if (p->was_up)
            plog(p, BS_LOG_NOTICE, true, "reconnected to %s%s", p->f->conf.url, NULL);
        else
            plog(p, BS_LOG_NOTICE, true, "connected to %s%s", p->f->conf.url, NULL);
        p->was_up = true;
        p->sub_pending = p->sub != NULL;
        if (p->sub_pending)
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (p->sub_pending) {
            /* lws_write masks the payload in place: send a fresh copy */
            unsigned char *tx = malloc(LWS_PRE + p->sub_len);
            p->sub_pending = false;
            if (!tx)
                return -1;
            memcpy(tx + LWS_PRE, p->sub + LWS_PRE, p->sub_len);
            int w = lws_write(wsi, tx + LWS_PRE, p->sub_len, LWS_WRITE_TEXT);
            free(tx);
            if (w < (int)p->sub_len)
                return -1;
        }
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (lws_is_first_fragment(wsi)) {
            p->len = p->skipped = 0;
            p->dropping = false;
            if (lws_frame_is_binary(wsi)) {
                p->dropping = true;
                p->drop_why = "binary frame (the protocol is UTF-8 JSON text)";
            }
        }
        take_chunk(p, in, len);
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi))
            end_frame(p);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        conn_ended(p, wsi, "closed");
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "bigscreen-feed", callback, 0, WS_RX_CHUNK, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---- lws logging --------------------------------------------------------- */

/* lws's own errors, rate-limited (they repeat on every retry). */
static void lws_log(int level, const char *line)
{
    static _Atomic time_t last;
    static atomic_int burst;
    (void)level;
    time_t now = time(NULL);
    if (now - atomic_load(&last) >= LOG_EVERY_S) {
        atomic_store(&last, now);
        atomic_store(&burst, 0);
    }
    if (atomic_fetch_add(&burst, 1) < 3)
        bs_log(BS_LOG_ERR, "lws: %s", line);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static void set_log(void)
{
    /* errors only: lws's info/debug levels would print handshake headers,
     * and with them the bearer token */
    lws_set_log_level(LLL_ERR, lws_log);
}

/* ---- back end ------------------------------------------------------------ */

/* Builds {"subscribe":[...]} with LWS_PRE bytes of headroom. 0 or -1. */
static int build_subscribe(ws_priv_t *p)
{
    feed_t *f = p->f;
    if (!f->n_subscribe)
        return 0;
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "subscribe") : NULL;
    char *text = NULL;
    if (!arr)
        goto err;
    for (size_t i = 0; i < f->n_subscribe; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(f->subscribe[i]));
    text = cJSON_PrintUnformatted(root);
    if (!text)
        goto err;
    size_t n = strlen(text);
    if (n > WS_SUBSCRIBE_MAX) {
        plog(p, BS_LOG_WARNING, true, "subscription list too long; not sending it%s%s", NULL, NULL);
        goto done;
    }
    p->sub = malloc(LWS_PRE + n + 1);
    if (!p->sub)
        goto err;
    memcpy(p->sub + LWS_PRE, text, n + 1);
    p->sub_len = n;
done:
    free(text);
    cJSON_Delete(root);
    return 0;
err:
    free(text);
    cJSON_Delete(root);
    return -1;
}

static void priv_free(ws_priv_t *p)
{
    if (!p)
        return;
    wipe_token(p);
    free(p->sub);
    free(p->buf);
    free(p);
}

static void *ws_thread(void *arg)
{
    ws_priv_t *p = arg;
    /* the first connect is scheduled, not called */
    p->retry_pending = true;
    lws_sul_schedule(p->ctx, 0, &p->sul, connect_client, 1);
    lws_sul_schedule(p->ctx, 0, &p->watchdog, watchdog, WS_WATCHDOG_US);
    while (!atomic_load(&p->quit))
        if (lws_service(p->ctx, 0) < 0)
            break;
    return NULL;
}

static int ws_start(feed_t *f)
{
    char err[256];
    ws_priv_t *p = calloc(1, sizeof *p);
    if (!p) {
        bs_log(BS_LOG_ERR, "feed %s: out of memory", f->conf.id);
        return -1;
    }
    p->f = f;
    atomic_init(&p->quit, false);
    if (split_url(f->conf.url, &p->tls, p->host, sizeof p->host, &p->port, p->path, sizeof p->path,
                  err, sizeof err) != 0) {
        bs_log(BS_LOG_ERR, "feed %s: %s", f->conf.id, err);
        goto err;
    }
    if (build_subscribe(p) != 0) {
        bs_log(BS_LOG_ERR, "feed %s: out of memory", f->conf.id);
        goto err;
    }
    pthread_once(&log_once, set_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = p;
    /* the connection, lws's wake-up pipe, and room for attempts the
     * watchdog abandoned while lws has not closed them yet */
    info.fd_limit_per_thread = 1 + 1 + 6;
    info.timeout_secs = WS_TIMEOUT_S;
    info.connect_timeout_secs = WS_TIMEOUT_S;
    if (p->tls) {
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = f->conf.ca_file;    /* NULL: the system store */
    }
    p->ctx = lws_create_context(&info);
    if (!p->ctx) {
        bs_log(BS_LOG_ERR, "feed %s: cannot create the libwebsockets context", f->conf.id);
        goto err;
    }
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    f->priv = p;
    if (pthread_create(&p->thread, NULL, ws_thread, p) != 0) {
        bs_log(BS_LOG_ERR, "feed %s: cannot start its thread: %s", f->conf.id, strerror(errno));
        lws_context_destroy(p->ctx);
        f->priv = NULL;
        goto err;
    }
    p->running = true;
    return 0;
err:
    priv_free(p);
    return -1;
}

static void ws_stop(feed_t *f)
{
    ws_priv_t *p = f->priv;
    if (!p)
        return;
    if (p->running) {
        atomic_store(&p->quit, true);
        lws_cancel_service(p->ctx);
        pthread_join(p->thread, NULL);
    }
    /* the thread is gone: destroying here is destroying on the owner's behalf */
    lws_context_destroy(p->ctx);
    priv_free(p);
    f->priv = NULL;
}

const feed_backend_t feed_ws_backend = {
    .scheme = "ws",
    .check  = ws_check,
    .start  = ws_start,
    .stop   = ws_stop,
    .step   = NULL,
};

const feed_backend_t feed_wss_backend = {
    .scheme = "wss",
    .check  = ws_check,
    .start  = ws_start,
    .stop   = ws_stop,
    .step   = NULL,
};
