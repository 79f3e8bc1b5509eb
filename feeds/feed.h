/*
 * feed.h — feed back ends: where updates come from.
 *
 * A back end is one const struct of function pointers, chosen by the URL's
 * scheme (demo:, ws://, wss://, file:). The registry in feed.c is the only
 * list of back ends.
 *
 * Threads: start() may spawn the feed's own thread; that thread touches only
 * the feed's private state, the queue (feed_queue_push) and the status block
 * (through feed_status_*, which take f->lock). The render thread reads the
 * status through feed_status_get() and never touches priv.
 */
#ifndef BS_FEED_H
#define BS_FEED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "queue.h"
#include "value.h"

typedef enum {
    FEED_IDLE = 0,     /* not started                                   */
    FEED_CONNECTING,   /* trying (first time or after a loss)           */
    FEED_UP,           /* connected, data may flow                      */
    FEED_DOWN,         /* lost; a retry is scheduled                    */
} feed_state_t;

const char *feed_state_name(feed_state_t s);

/* One feed entry of a layout. Strings are owned by the conf. */
typedef struct {
    char       *id;           /* name used by --feed ID=URL and bindings     */
    char       *url;
    char       *token_env;    /* bearer token from this environment variable */
    char       *token_file;   /* ... or from this file                        */
    char       *ca_file;      /* TLS: CA bundle instead of the system store   */
    bool        insecure;     /* TLS: skip verification (logged loudly)       */
    double      stale_after;  /* seconds; default for bindings on this feed   */
    uint64_t    seed;         /* demo: simulator seed                         */
    double      tick;         /* demo: seconds between simulated updates      */
    bs_limits_t lim;
} feed_conf_t;

void feed_conf_clear(feed_conf_t *c);

/* Counters and state, guarded by feed_t.lock. */
typedef struct {
    feed_state_t state;
    int64_t      since_ms;    /* wall ms when state last changed              */
    uint64_t     connects;    /* successful connections                      */
    uint64_t     messages;    /* messages accepted                           */
    uint64_t     rejected;    /* messages or frames dropped                  */
    uint64_t     bytes;       /* payload bytes received                      */
    char         error[160];  /* last error, for the log and the banner       */
} feed_status_t;

typedef struct feed feed_t;

typedef struct feed_backend {
    const char *scheme;       /* "demo", "ws", ...                            */
    /* Layout load time: is the URL usable? 0, or -1 with err filled.         */
    int  (*check)(const feed_conf_t *c, char *err, size_t errlen);
    /* Start producing updates into f->q (may spawn a thread). 0 or -1.       */
    int  (*start)(feed_t *f);
    /* Stop and join; after it returns the back end pushes nothing more.      */
    void (*stop)(feed_t *f);
    /* Deterministic mode (snapshots, tests): push every update due up to
     * simulated time t seconds, on the caller's thread. NULL if the back end
     * cannot be simulated (a live socket); such feeds stay idle then.        */
    void (*step)(feed_t *f, double t);
} feed_backend_t;

struct feed {
    const feed_backend_t *be;
    feed_conf_t           conf;
    int                   index;      /* feed number in the layout            */
    feed_queue_t         *q;          /* not owned                            */
    char                **subscribe;  /* topic patterns from the bindings     */
    size_t                n_subscribe;
    int64_t               wall0_ms;   /* wall clock at t = 0 (demo timestamps)*/
    pthread_mutex_t       lock;       /* guards st                            */
    feed_status_t         st;
    void                 *priv;       /* back end's own state                 */
};

/* The back end for url, or NULL if its scheme is unknown. */
const feed_backend_t *feed_backend_for(const char *url);

/* Checks a conf (scheme known, back end's check). 0 or -1 with err. */
int feed_check(const feed_conf_t *c, char *err, size_t errlen);

/* New feed for conf (copied). q is borrowed. NULL with err on failure. */
feed_t *feed_new(const feed_conf_t *c, int index, feed_queue_t *q, char *err, size_t errlen);
int  feed_start(feed_t *f);
void feed_stop(feed_t *f);
void feed_free(feed_t *f);                 /* stops first; accepts NULL */
void feed_add_subscription(feed_t *f, const char *pattern);

/* Status helpers (any thread). */
feed_status_t feed_status_get(feed_t *f);
void feed_status_set(feed_t *f, feed_state_t s, int64_t wall_ms, const char *error);
void feed_status_count(feed_t *f, uint64_t messages, uint64_t rejected, uint64_t bytes);

/* The bearer token of a feed (token_env, or the first line of token_file),
 * malloc'd; NULL when none is configured (*bad = false) or when it cannot
 * be read or is malformed (*bad = true, *why says which — never the token).
 * The caller wipes (explicit_bzero) and frees it. */
#define FEED_TOKEN_MAX 4096
#define FEED_TOKEN_FILE_MAX (64u << 10)  /* a token file is read whole, up to this */
char *feed_read_token(const feed_conf_t *c, bool *bad, const char **why);

/* Parses a frame and pushes what it holds into f->q, counting in f->st.
 * The common path for every back end that receives JSON text. */
int feed_ingest(feed_t *f, const char *buf, size_t len);

extern const feed_backend_t feed_demo_backend;
extern const feed_backend_t feed_nats_backend;
extern const feed_backend_t feed_ws_backend;    /* ws://  (ws.c) */
extern const feed_backend_t feed_wss_backend;   /* wss:// (ws.c) */

#endif
