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
 * Threads: cnats calls the message handler and the connection callbacks on
 * its own threads; they touch only the queue (feed_ingest) and the status
 * block. Reconnects are cnats' own: forever, every 500 ms. The first
 * connection is retried the same way when the server is not there yet.
 */
#include "feed.h"

#include <cjson/cJSON.h>
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

typedef struct {
    natsConnection   *nc;
    natsSubscription *subs[64];
    int               nsubs;
    atomic_bool       closed;    /* the library's last callback for this connection ran */
} nats_priv_t;

static int nats_check(const feed_conf_t *c, char *err, size_t errlen)
{
    const char *u = c->url + strlen("nats://");
    size_t host = strcspn(u, ":/");
    if (strncmp(c->url, "nats://", 7) != 0 || host == 0) {
        snprintf(err, errlen, "feed URL \"%s\" needs a host: nats://host[:port]", c->url);
        return -1;
    }
    if (u[host] == ':') {
        char *end;
        long port = strtol(u + host + 1, &end, 10);
        if (end == u + host + 1 || (*end && *end != '/') || port < 1 || port > 65535) {
            snprintf(err, errlen, "feed URL \"%s\": the port must be 1..65535", c->url);
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

static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    feed_t *f = closure;
    feed_status_set(f, FEED_UP, bs_wall_ms(), NULL);
    fprintf(stderr, "bigscreen: feed %s: connected to %s\n", f->conf.id, f->conf.url);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    feed_t *f = closure;
    if (natsConnection_IsClosed(nc))
        return;                        /* our own close at stop or exit, not a loss */
    feed_status_set(f, FEED_DOWN, bs_wall_ms(), "connection lost");
    fprintf(stderr, "bigscreen: feed %s: connection lost; reconnecting\n", f->conf.id);
}

/* The library's thread, last of all callbacks for the connection: nats_stop
 * may free what they use. */
static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    nats_priv_t *p = closure;
    atomic_store(&p->closed, true);
}

static int nats_start(feed_t *f)
{
    nats_priv_t *p = calloc(1, sizeof *p);
    natsOptions *opts = NULL;
    char *token = NULL;
    int rc = -1;
    if (!p)
        return -1;
    f->priv = p;
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    bool bad;
    const char *why = NULL;
    token = feed_read_token(&f->conf, &bad, &why);
    if (bad) {
        fprintf(stderr, "bigscreen: feed %s: %s\n", f->conf.id, why);
        goto err;
    }
    if (natsOptions_Create(&opts) != NATS_OK ||
        natsOptions_SetURL(opts, f->conf.url) != NATS_OK ||
        (token && natsOptions_SetToken(opts, token) != NATS_OK) ||
        natsOptions_SetMaxReconnect(opts, -1) != NATS_OK ||
        natsOptions_SetReconnectWait(opts, 500) != NATS_OK ||
        natsOptions_SetRetryOnFailedConnect(opts, true, on_connected, f) != NATS_OK ||
        natsOptions_SetDisconnectedCB(opts, on_disconnected, f) != NATS_OK ||
        natsOptions_SetReconnectedCB(opts, on_connected, f) != NATS_OK ||
        natsOptions_SetClosedCB(opts, on_closed, p) != NATS_OK)
        goto err;
    natsStatus st = natsConnection_Connect(&p->nc, opts);
    if (st == NATS_OK)
        on_connected(p->nc, f);
    else if (st != NATS_NOT_YET_CONNECTED) {
        fprintf(stderr, "bigscreen: feed %s: %s\n", f->conf.id, natsStatus_GetText(st));
        goto err;
    }
    for (size_t i = 0; i < f->n_subscribe && p->nsubs < 64; i++)
        if (natsConnection_Subscribe(&p->subs[p->nsubs], p->nc, f->subscribe[i], on_msg, f) == NATS_OK)
            p->nsubs++;
    rc = 0;
err:                                  /* one way out: the options and the token go either way */
    natsOptions_Destroy(opts);
    if (token) {
        explicit_bzero(token, strlen(token));
        free(token);
    }
    return rc;
}

static void nats_stop(feed_t *f)
{
    nats_priv_t *p = f->priv;
    if (!p)
        return;
    for (int i = 0; i < p->nsubs; i++) {
        natsSubscription_Unsubscribe(p->subs[i]);
        natsSubscription_Destroy(p->subs[i]);
    }
    if (p->nc) {
        natsConnection_Close(p->nc);
        natsConnection_Destroy(p->nc);
        /* callbacks run on the library's thread, queued: wait (bounded) for
         * the last one before freeing what they touch */
        for (int i = 0; i < 2000 && !atomic_load(&p->closed); i++)
            nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    free(p);
    f->priv = NULL;
}

const feed_backend_t feed_nats_backend = {
    .scheme = "nats",
    .check  = nats_check,
    .start  = nats_start,
    .stop   = nats_stop,
};
