/*
 * bigscreen-feed — a small WebSocket feed server for operators and tests.
 *
 *   bigscreen-feed [--port N] [--bind ADDR] --demo [--seed S] [--tick SEC]
 *   bigscreen-feed [--port N] [--bind ADDR] --replay FILE.jsonl [--loop]
 *   bigscreen-feed [--port N] [--bind ADDR] --from URL [--layout FILE]
 *
 * --demo serves the built-in simulation: every tick, the very frame the
 * in-process "demo:" feed would apply (feeds/demo_sim.c) goes to every
 * client; a client that connects first gets the whole current state (the
 * same message array the screen saves as last-known values, led by an
 * empty snapshot).
 *
 * --replay sends the lines of a JSON-lines file, {"t": SECONDS, "msg": M}
 * (M a message or an array of them), at their offsets from the start to
 * every connected client; --loop starts over after the last line.
 *
 * --from relays any feed bigscreen understands (http(s)://, postgresql://,
 * mysql://, file:, nats://, ws(s)://, demo:) to many screens: one poller, one
 * query, however many screens connect. With --layout, URL is instead the id
 * of a feed in that layout and the feed's whole entry applies (map, queries,
 * headers, token, password, every, limits). The feed runs on its own thread
 * into a queue; every 50 ms what arrived is applied to the relay's store and
 * sent to every client as one frame.
 *
 * Every mode keeps a store of what it sent, and a client that connects gets
 * the whole current state first (the same message array the screen saves as
 * last-known values, led by an empty snapshot): a late screen of a replay
 * sees the t = 0 line too.
 *
 * Binds exactly 127.0.0.1 unless --bind names another numeric address
 * (listen.h: one address, one family; a bind that fails is an error). Exits cleanly on SIGINT or
 * SIGTERM. A client that falls more than CLIENT_QUEUE_MAX frames behind is
 * disconnected (it reconnects and gets a fresh state), so one slow screen
 * never makes the server grow.
 *
 * Thread: one — the lws service loop; timers are lws sul timers.
 */
#include "argv.h"
#include "clock.h"
#include "demo_sim.h"
#include "feed.h"
#include "layout.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "persist.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libwebsockets.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLIENT_QUEUE_MAX  1024
#define REPLAY_MAX_LINES  1000000
#define REPLAY_LINE_MAX   (1u << 20)
#define MAX_CLIENTS       256

/* A frame shared by every client queue that holds it. */
typedef struct frame {
    int    refs;
    size_t len;
    unsigned char data[];      /* LWS_PRE bytes, then len bytes of text */
} frame_t;

typedef struct qnode {
    struct qnode *next;
    frame_t      *fr;
} qnode_t;

typedef struct pss {
    struct pss  *next;
    struct lws  *wsi;
    qnode_t     *head, *tail;
    size_t       n;
    bool         kill;
} pss_t;

typedef struct {
    double t;
    char  *text;
    size_t len;
} rline_t;

static struct {
    struct lws_context     *ctx;
    pss_t                  *clients;
    int                     nclients;
    lws_sorted_usec_list_t  sul;
    double                  t0;
    /* demo */
    bool                    demo;
    uint64_t                seed;
    double                  tick;
    unsigned                k;
    demo_sim_t             *sim;
    store_t                *store;
    bs_limits_t             lim;
    /* replay */
    rline_t                *lines;
    size_t                  nlines, next_line;
    bool                    loop;
    double                  loop_base;
    /* relay */
    feed_t                 *from;
    feed_queue_t           *fq;
    /* counters */
    uint64_t                frames, sent, kicked;
} S;

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
    (void)sig;
    quit = 1;
    if (S.ctx)
        lws_cancel_service(S.ctx);
}

/* A new frame holding a copy of text; NULL on allocation failure. */
static frame_t *frame_new(const char *text, size_t len)
{
    frame_t *f = malloc(sizeof *f + LWS_PRE + len + 1);
    if (!f)
        return NULL;
    f->refs = 0;
    f->len = len;
    memcpy(f->data + LWS_PRE, text, len);
    f->data[LWS_PRE + len] = 0;
    return f;
}

static void frame_unref(frame_t *f)
{
    if (f && --f->refs <= 0)
        free(f);
}

/* Queues fr on one client; a client too far behind is marked for closing. */
static void enqueue(pss_t *p, frame_t *fr)
{
    if (p->kill)
        return;
    if (p->n >= CLIENT_QUEUE_MAX) {
        p->kill = true;
        S.kicked++;
        bs_log(BS_LOG_WARNING, "a client fell %d frames behind; disconnecting it", CLIENT_QUEUE_MAX);
        lws_callback_on_writable(p->wsi);
        return;
    }
    qnode_t *q = malloc(sizeof *q);
    if (!q)
        return;
    q->next = NULL;
    q->fr = fr;
    fr->refs++;
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    p->n++;
    lws_callback_on_writable(p->wsi);
}

static void broadcast(const char *text, size_t len)
{
    frame_t *fr = frame_new(text, len);
    if (!fr)
        return;
    fr->refs++;                       /* hold it while queueing */
    for (pss_t *p = S.clients; p; p = p->next)
        enqueue(p, fr);
    frame_unref(fr);
    S.frames++;
}

static void clear_queue(pss_t *p)
{
    while (p->head) {
        qnode_t *q = p->head;
        p->head = q->next;
        frame_unref(q->fr);
        free(q);
    }
    p->tail = NULL;
    p->n = 0;
}

/* ---- demo ---------------------------------------------------------------- */

static void store_sink(feed_update_t *u, void *ud)
{
    (void)ud;
    store_apply(S.store, u, bs_mono());
    feed_update_clear(u);
}

static void demo_tick(lws_sorted_usec_list_t *sul)
{
    char *text = demo_sim_tick(S.sim, S.k);
    if (text) {
        size_t len = strlen(text);
        feed_parse_frame(text, len, &S.lim, 0, store_sink, NULL, NULL, NULL, 0);
        broadcast(text, len);
        free(text);
    }
    S.k++;
    double due = S.t0 + S.k * S.tick, d = due - bs_mono();
    lws_sul_schedule(S.ctx, 0, sul, demo_tick, d > 0 ? (lws_usec_t)(d * 1e6) : 1);
}

/* ---- replay -------------------------------------------------------------- */

/* Reads FILE.jsonl into S.lines. 0, or -1 after a message naming the line. */
static int load_replay(const char *path)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    double last = 0;
    if (!fp) {
        bs_log(BS_LOG_ERR, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if ((size_t)n > REPLAY_LINE_MAX || S.nlines >= REPLAY_MAX_LINES) {
            bs_log(BS_LOG_ERR | BS_LOG_BARE, "%s:%d: line too long or too many lines", path, lineno);
            goto err;
        }
        cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "t");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "msg");
        if (!cJSON_IsObject(j) || !cJSON_IsNumber(t) || !isfinite(t->valuedouble) || t->valuedouble < 0 ||
            !(cJSON_IsObject(m) || cJSON_IsArray(m))) {
            bs_log(BS_LOG_ERR | BS_LOG_BARE, "%s:%d: expected {\"t\": seconds >= 0, \"msg\": message or array}", path, lineno);
            cJSON_Delete(j);
            goto err;
        }
        char *text = cJSON_PrintUnformatted(m);
        double at = t->valuedouble < last ? last : t->valuedouble;   /* keep order */
        cJSON_Delete(j);
        if (!text)
            goto err;
        rline_t *nl = realloc(S.lines, (S.nlines + 1) * sizeof *nl);
        if (!nl) {
            free(text);
            goto err;
        }
        S.lines = nl;
        S.lines[S.nlines++] = (rline_t){ at, text, strlen(text) };
        last = at;
    }
    free(line);
    fclose(fp);
    if (!S.nlines) {
        bs_log(BS_LOG_ERR, "%s holds no messages", path);
        return -1;
    }
    return 0;
err:
    free(line);
    fclose(fp);
    return -1;
}

static void replay_tick(lws_sorted_usec_list_t *sul)
{
    double now = bs_mono() - S.t0;
    while (S.next_line < S.nlines && S.loop_base + S.lines[S.next_line].t <= now + 1e-6) {
        /* kept in the store too, so a client that comes later gets it */
        feed_parse_frame(S.lines[S.next_line].text, S.lines[S.next_line].len, &S.lim, 0, store_sink, NULL,
                         NULL, NULL, 0);
        broadcast(S.lines[S.next_line].text, S.lines[S.next_line].len);
        S.next_line++;
    }
    if (S.next_line == S.nlines) {
        if (!S.loop)
            return;                    /* done; keep serving connections */
        /* the next round starts one second after the last line */
        S.loop_base += S.lines[S.nlines - 1].t + 1.0;
        S.next_line = 0;
    }
    double d = S.loop_base + S.lines[S.next_line].t - now;
    lws_sul_schedule(S.ctx, 0, sul, replay_tick, d > 0 ? (lws_usec_t)(d * 1e6) : 1);
}

/* ---- relay --------------------------------------------------------------- */

#define RELAY_BATCH 256

static void relay_tick(lws_sorted_usec_list_t *sul)
{
    feed_update_t batch[RELAY_BATCH];
    size_t n;
    while ((n = feed_queue_drain(S.fq, batch, RELAY_BATCH)) > 0) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON *m = arr ? feed_update_to_cjson(&batch[i]) : NULL;
            if (m)
                cJSON_AddItemToArray(arr, m);
            store_apply(S.store, &batch[i], bs_mono());   /* takes the update */
            feed_update_clear(&batch[i]);
        }
        char *text = arr ? cJSON_PrintUnformatted(arr) : NULL;
        if (text) {
            broadcast(text, strlen(text));
            free(text);
        }
        cJSON_Delete(arr);
        if (n < RELAY_BATCH)
            break;
    }
    lws_sul_schedule(S.ctx, 0, sul, relay_tick, 50 * 1000);
}

/* The relayed feed: url itself, or (with a layout) that layout's feed url.
 * 0, or -1 after a message. */
static int relay_setup(const char *url, const char *layout_file)
{
    feed_conf_t conf = { 0 }, *c = &conf;
    layout_t *l = NULL;
    char err[300];
    int rc = -1;
    if (layout_file) {
        diag_t d = { 0 };
        bool unreadable;
        l = layout_load_file(layout_file, &d, &unreadable);
        diag_log(&d);
        diag_clear(&d);
        if (!l)
            return -1;
        c = NULL;
        for (int i = 0; i < l->nfeeds; i++)
            if (strcmp(l->feeds[i].id, url) == 0)
                c = &l->feeds[i];
        if (!c) {
            bs_log(BS_LOG_ERR, "--from %s: %s has no feed \"%s\"", url, layout_file, url);
            goto out;
        }
    } else {
        conf.id = (char *)"from";
        conf.url = (char *)url;
        conf.lim = bs_limits_default();
        conf.stale_after = 60;
        conf.seed = 20261125;
        conf.tick = 1;
    }
    S.lim = c->lim;
    S.fq = feed_queue_new(65536);
    S.store = store_new(S.lim.history_len ? S.lim.history_len : 256, 100000);
    if (!S.fq || !S.store) {
        bs_log(BS_LOG_ERR, "out of memory");
        goto out;
    }
    S.from = feed_new(c, 0, S.fq, err, sizeof err);
    if (!S.from) {
        bs_log(BS_LOG_ERR, "--from %s: %s", url, err);
        goto out;
    }
    S.from->wall0_ms = bs_wall_ms();
    /* a relay passes everything on: subscribe to every subject (NATS) */
    feed_add_subscription(S.from, ">");
    if (l)
        for (int i = 0; i < l->nwidgets; i++)
            for (int b = 0; b < l->widgets[i]->nbinds; b++)
                feed_add_subscription(S.from, l->widgets[i]->binds[b].topic);
    rc = 0;
out:
    layout_free(l);
    return rc;
}

/* ---- server -------------------------------------------------------------- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    pss_t *p = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        if (S.nclients >= MAX_CLIENTS)
            return -1;
        memset(p, 0, sizeof *p);
        p->wsi = wsi;
        p->next = S.clients;
        S.clients = p;
        S.nclients++;
        if (S.store) {
            size_t n = 0;
            char *text = persist_serialise(S.store, bs_mono(), bs_wall_ms(), true, &n);
            if (text) {
                frame_t *fr = frame_new(text, n);
                if (fr)
                    enqueue(p, fr);
                free(text);
            }
        }
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (p->kill)
            return -1;
        if (p->head) {
            qnode_t *q = p->head;
            int w = lws_write(wsi, q->fr->data + LWS_PRE, q->fr->len, LWS_WRITE_TEXT);
            p->head = q->next;
            if (!p->head)
                p->tail = NULL;
            p->n--;
            frame_unref(q->fr);
            free(q);
            if (w < 0)
                return -1;
            S.sent++;
            if (p->head)
                lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_RECEIVE:
        break;                          /* subscriptions: everything is sent */
    case LWS_CALLBACK_CLOSED:
        for (pss_t **pp = &S.clients; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                S.nclients--;
                break;
            }
        clear_queue(p);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "bigscreen-feed", callback, sizeof(pss_t), 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void usage(FILE *f)
{
    fputs("usage: bigscreen-feed [--port N] [--bind ADDR] --demo [--seed S] [--tick SEC]\n"
          "       bigscreen-feed [--port N] [--bind ADDR] --replay FILE.jsonl [--loop]\n"
          "       bigscreen-feed [--port N] [--bind ADDR] --from URL [--layout FILE]\n"
          "\n"
          "  --port N        TCP port (default 8765)\n"
          "  --bind ADDR     numeric address to listen on, exactly (default 127.0.0.1; ::1 for IPv6)\n"
          "  --demo          serve the built-in simulation (the demo: feed's frames)\n"
          "  --seed S        simulation seed (default 20261125, as the demo: feed)\n"
          "  --tick SEC      seconds between simulated updates (default 1)\n"
          "  --replay FILE   send the JSON lines {\"t\": seconds, \"msg\": ...} of FILE\n"
          "  --loop          replay: start over after the last line\n"
          "  --from URL      relay any feed URL (http(s)://, postgresql://, mysql://, file:, nats://, ws://, demo:)\n"
          "  --layout FILE   with --from ID: relay the feed ID of FILE with all its options (map, queries, ...)\n"
          "  --help, --version (options also take the form --name=value)\n", f);
}

static void lws_log(int level, const char *line)
{
    (void)level;
    bs_log(BS_LOG_ERR, "lws: %s", line);
}

int main(int argc, char **argv)
{
    long port = 8765;
    const char *bind_addr = FEED_LISTEN_DEFAULT, *replay = NULL, *from = NULL, *layout_file = NULL;
    feed_listen_t where;
    char err[200], where_s[96];
    bs_log_init("bigscreen-feed");
    int rc = 1;
    S.seed = 20261125;
    S.tick = 1.0;
    argv_expand(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--version")) {
            printf("bigscreen-feed %s\n", BS_VERSION);
            return 0;
        } else if (!strcmp(o, "--demo")) {
            S.demo = true;
        } else if (!strcmp(o, "--loop")) {
            S.loop = true;
        } else if (!v) {
            bs_log(BS_LOG_ERR, "%s needs a value (see --help)", o);
            return 2;
        } else if (!strcmp(o, "--port")) {
            port = strtol(v, &end, 10);
            if (*end || end == v || port < 1 || port > 65535) {
                bs_log(BS_LOG_ERR, "--port %s: expected 1..65535", v);
                return 2;
            }
            i++;
        } else if (!strcmp(o, "--bind")) {
            bind_addr = v;
            i++;
        } else if (!strcmp(o, "--seed")) {
            errno = 0;
            S.seed = strtoull(v, &end, 10);
            if (errno || *end || end == v) {
                bs_log(BS_LOG_ERR, "--seed %s: expected a number", v);
                return 2;
            }
            i++;
        } else if (!strcmp(o, "--tick")) {
            S.tick = strtod(v, &end);
            if (*end || end == v || !(S.tick >= 0.01 && S.tick <= 3600)) {
                bs_log(BS_LOG_ERR, "--tick %s: expected seconds, 0.01..3600", v);
                return 2;
            }
            i++;
        } else if (!strcmp(o, "--replay")) {
            replay = v;
            i++;
        } else if (!strcmp(o, "--from")) {
            from = v;
            i++;
        } else if (!strcmp(o, "--layout")) {
            layout_file = v;
            i++;
        } else {
            bs_log(BS_LOG_ERR, "unknown option %s (see --help)", o);
            return 2;
        }
    }
    if (feed_listen_addr(bind_addr, &where, err, sizeof err) != 0) {
        bs_log(BS_LOG_ERR, "--bind %s", err);
        return 2;
    }
    where.port = (int)port;
    feed_listen_str(&where, where_s, sizeof where_s);
    if (S.demo + (replay != NULL) + (from != NULL) != 1) {
        bs_log(BS_LOG_ERR, "give exactly one of --demo, --replay and --from (see --help)");
        return 2;
    }
    if (layout_file && !from) {
        bs_log(BS_LOG_ERR, "--layout goes with --from ID (see --help)");
        return 2;
    }
    if (replay && load_replay(replay) != 0)
        goto out;
    if (replay) {
        S.lim = bs_limits_default();
        S.lim.frame_bytes = REPLAY_LINE_MAX;
        if (!(S.store = store_new(S.lim.history_len, 100000))) {
            bs_log(BS_LOG_ERR, "out of memory");
            goto out;
        }
    }
    if (from && relay_setup(from, layout_file) != 0)
        goto out;
    if (S.demo) {
        S.lim = bs_limits_default();
        S.sim = demo_sim_new(S.seed, bs_wall_ms(), S.tick);
        S.store = store_new(S.lim.history_len, 100000);
        if (!S.sim || !S.store) {
            bs_log(BS_LOG_ERR, "out of memory");
            goto out;
        }
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, lws_log);

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    feed_listen_apply(&where, &info);
    S.ctx = lws_create_context(&info);
    if (!S.ctx) {
        bs_log(BS_LOG_ERR, "cannot listen on %s", where_s);
        goto out;
    }
    printf("bigscreen-feed: listening on ws://%s/ (%s)\n", where_s,
           S.demo ? "demo" : replay ? "replay" : "relay");
    fflush(stdout);
    S.t0 = bs_mono();
    if (S.from && feed_start(S.from) != 0) {
        bs_log(BS_LOG_ERR, "cannot start the feed %s", from);
        goto out;
    }
    lws_sul_schedule(S.ctx, 0, &S.sul, S.demo ? demo_tick : replay ? replay_tick : relay_tick, 1);
    while (!quit)
        if (lws_service(S.ctx, 0) < 0)
            break;
    rc = 0;
    bs_log(BS_LOG_NOTICE, "stopping (%llu frames, %llu sent, %llu clients dropped)",
            (unsigned long long)S.frames, (unsigned long long)S.sent, (unsigned long long)S.kicked);
out:
    feed_free(S.from);                   /* joins the feed's thread */
    if (S.ctx)
        lws_context_destroy(S.ctx);      /* closes clients: CLOSED frees their queues */
    feed_queue_free(S.fq);
    for (size_t i = 0; i < S.nlines; i++)
        free(S.lines[i].text);
    free(S.lines);
    demo_sim_free(S.sim);
    store_free(S.store);
    return rc;
}
