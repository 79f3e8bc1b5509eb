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

/* A declared transform of a poller's mapping (feeds/map.c applies it):
 * topic ← path [→ pick → sort → top → sum | count] or topic ← 100·path/ratio. */
typedef enum { MAP_AGG_NONE = 0, MAP_AGG_SUM, MAP_AGG_COUNT, MAP_AGG_RATIO } map_agg_t;
typedef enum { MAP_SORT_NONE = 0, MAP_SORT_ASC, MAP_SORT_DESC } map_sort_t;

typedef struct {
    char      *topic;       /* where the result goes                         */
    char      *path;        /* bindings' path syntax: "data.office.0.v"       */
    char      *pick_name;   /* arrays of objects: {name: item[pick_name], ... */
    char      *pick_value;  /*                     value: item[pick_value]}   */
    map_sort_t sort;        /* sort an array by sort_by (or the items)       */
    char      *sort_by;     /* field of each item; NULL: "value" after pick   */
    int        top;         /* keep the first N items; 0 = all               */
    map_agg_t  agg;
    char      *agg_field;   /* SUM: field of each item (NULL: the items)      */
    char      *ratio_path;  /* RATIO: 100 · path / ratio_path                 */
} feed_map_t;

/* One SQL query of a database feed. */
typedef enum { QSHAPE_VALUE = 0, QSHAPE_ROW, QSHAPE_ROWS, QSHAPE_MAP } qshape_t;
typedef struct {
    char    *topic;
    char    *sql;
    qshape_t shape;
} feed_query_t;

#define FEED_MAX_MAPS     256
#define FEED_MAX_QUERIES  64
#define FEED_MAX_HEADERS  32

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
    /* pollers (http, sql, file) */
    double      every;        /* seconds between polls                         */
    double      timeout;      /* seconds: HTTP request / SQL statement+connect  */
    char       *body;         /* http: POST this body (GET when NULL)           */
    char       *password_env; /* sql: password from this environment variable  */
    char       *password_file;/* ... or from the first line of this file        */
    double      max_bytes;    /* http response / file / SQL result, bytes       */
    double      max_rows;     /* sql: most rows of one query                    */
    char       *format;       /* file: "json" or "csv" (default: by extension)  */
    char      **headers;      /* http: "Name: value" lines                      */
    size_t      nheaders;
    feed_map_t *maps;         /* topic ← path mapping of a JSON document        */
    size_t      nmaps;
    feed_query_t *queries;    /* sql                                            */
    size_t      nqueries;
} feed_conf_t;

void feed_conf_clear(feed_conf_t *c);
/* Deep copy of src into *dst (which is overwritten). 0, or -1 out of memory
 * (dst cleared). */
int feed_conf_copy(feed_conf_t *dst, const feed_conf_t *src);
/* True when a and b would make the same feed (every field equal). */
bool feed_conf_equal(const feed_conf_t *a, const feed_conf_t *b);

/* Parses the structured keys of a feed entry ("headers", "map", "queries")
 * from the layout's JSON object into c. Each problem goes to report(ud,
 * node, is_key, message) with the node it concerns (for file:line:col).
 * Returns the number of problems. Layout load time, any thread. */
struct cJSON;
typedef void (*feed_report_fn)(void *ud, const struct cJSON *node, bool is_key, const char *msg);
int feed_conf_parse_extra(const struct cJSON *feed, feed_conf_t *c, feed_report_fn report, void *ud);
extern const char *const feed_extra_keys[];   /* the keys it takes, NULL-terminated */

/* Counters and state, guarded by feed_t.lock. */
typedef struct {
    feed_state_t state;
    int64_t      since_ms;    /* wall ms when state last changed              */
    uint64_t     connects;    /* successful connections                      */
    uint64_t     retries;     /* attempts or connections that ended and were
                               * followed by a scheduled retry               */
    uint64_t     messages;    /* messages accepted                           */
    uint64_t     rejected;    /* messages or frames dropped                  */
    uint64_t     bytes;       /* payload bytes received                      */
    uint64_t     polls;       /* pollers: polls done (good or not)            */
    uint64_t     errors;      /* pollers: polls that failed                   */
    double       poll_ms;     /* pollers: duration of the last good poll      */
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
    /* The topics this back end publishes, when it knows them in advance (the
     * demo simulator); NULL otherwise. Only bindings to feeds that declare
     * topics are checked against them at load time.                         */
    const char *const *(*topics)(size_t *n);
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
    struct { uint64_t key; double t; } log_last[16]; /* feed_logf/_logt: last line per key (f->lock) */
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
void feed_status_retried(feed_t *f, uint64_t n);   /* adds n to st.retries */

/* The bearer token of a feed (token_env, or the first line of token_file),
 * malloc'd; NULL when none is configured (*bad = false) or when it cannot
 * be read or is malformed (*bad = true, *why says which — never the token).
 * The caller wipes (explicit_bzero) and frees it. */
#define FEED_TOKEN_MAX 4096
#define FEED_TOKEN_FILE_MAX (64u << 10)  /* a token file is read whole, up to this */
char *feed_read_token(const feed_conf_t *c, bool *bad, const char **why);

/* url for a log line, a report or an error message: the user info of
 * every authority ("user:pass@", "token@") replaced by "***@"; several
 * comma-separated URLs are each redacted. Writes into out (always
 * terminated, truncated to outlen) and returns out. */
const char *feed_url_redact(const char *url, char *out, size_t outlen);

/* Parses a frame and pushes what it holds into f->q, counting in f->st.
 * The common path for every back end that receives JSON text. */
int feed_ingest(feed_t *f, const char *buf, size_t len);

/* Pollers' common path: a JSON or CSV document (HTTP body, file) → updates.
 * With maps, the JSON document is mapped topic ← path (feeds/map.c);
 * without, it is protocol messages, or a plain {topic: value} object; CSV
 * is "topic,value" lines. Counts messages/rejections in f->st and logs the
 * first problem (rate-limited). Returns messages pushed, or -1 when the
 * whole document was unusable. */
typedef enum { DOC_JSON = 0, DOC_CSV } feed_doc_kind_t;
int feed_ingest_doc(feed_t *f, const char *buf, size_t len, feed_doc_kind_t kind, int64_t ts_ms);

/* A log line for feed f at most once per 10 s per feed and kind (kind is a
 * small integer naming the message: 0 = bad data, 1 = connection, ...). */
void feed_logf(feed_t *f, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same, rate-limited per topic (a mapping or query that fails says so
 * even while another one of the feed fails too). */
void feed_logt(feed_t *f, const char *topic, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Secrets (tokens, passwords): from the environment variable env, or the first
 * line of file. Same rules and wiping as feed_read_token(). */
char *feed_read_secret(const char *env, const char *file, bool *bad, const char **why);

extern const feed_backend_t feed_demo_backend;
extern const feed_backend_t feed_http_backend;
extern const feed_backend_t feed_https_backend;
extern const feed_backend_t feed_file_backend;
extern const feed_backend_t feed_pg_backend;     /* postgresql:// */
extern const feed_backend_t feed_pgalt_backend;  /* postgres://   */
extern const feed_backend_t feed_mysql_backend;  /* mysql://      */
extern const feed_backend_t feed_nats_backend;
extern const feed_backend_t feed_ws_backend;    /* ws://  (ws.c) */
extern const feed_backend_t feed_wss_backend;   /* wss:// (ws.c) */

#endif
