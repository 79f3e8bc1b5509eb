/* feed.c — feed registry and the parts every back end shares. */
#include "feed.h"
#include "fileio.h"
#include "log.h"
#include "map.h"
#include "msg.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The only list of feed back ends. */
static const feed_backend_t *const backends[] = {
    &feed_demo_backend,
    &feed_ws_backend,
    &feed_wss_backend,
    &feed_nats_backend,
    &feed_http_backend,
    &feed_https_backend,
    &feed_file_backend,
    &feed_pg_backend,
    &feed_pgalt_backend,
    &feed_mysql_backend,
};

const char *feed_state_name(feed_state_t s)
{
    static const char *const names[] = { "idle", "connecting", "up", "down" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

const feed_backend_t *feed_backend_for(const char *url)
{
    if (!url)
        return NULL;
    size_t n = strcspn(url, ":");
    if (url[n] != ':')
        return NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strlen(backends[i]->scheme) == n && strncmp(url, backends[i]->scheme, n) == 0)
            return backends[i];
    return NULL;
}

int feed_check(const feed_conf_t *c, char *err, size_t errlen)
{
    const feed_backend_t *be = feed_backend_for(c->url);
    if (!be) {
        size_t n = strcspn(c->url, ":");
        if (c->url[n] != ':')
            snprintf(err, errlen, "feed URL \"%s\" has no scheme (use demo:, ws://, wss://, nats://, http://, "
                     "https://, file:, postgresql:// or mysql://)", c->url);
        else
            snprintf(err, errlen, "unknown feed scheme \"%.*s:\" (known: demo:, ws://, wss://, nats://, http://, "
                     "https://, file:, postgresql://, mysql://)", (int)n, c->url);
        return -1;
    }
    return be->check ? be->check(c, err, errlen) : 0;
}

feed_t *feed_new(const feed_conf_t *c, int index, feed_queue_t *q, char *err, size_t errlen)
{
    if (feed_check(c, err, errlen) != 0)
        return NULL;
    feed_t *f = calloc(1, sizeof *f);
    if (!f)
        goto oom;
    f->be = feed_backend_for(c->url);
    if (feed_conf_copy(&f->conf, c) != 0) {
        free(f);
        goto oom;
    }
    f->index = index;
    f->q = q;
    pthread_mutex_init(&f->lock, NULL);
    return f;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

int feed_start(feed_t *f)
{
    return f->be->start ? f->be->start(f) : 0;
}

void feed_stop(feed_t *f)
{
    if (f && f->be->stop)
        f->be->stop(f);
}

void feed_free(feed_t *f)
{
    if (!f)
        return;
    feed_stop(f);
    for (size_t i = 0; i < f->n_subscribe; i++)
        free(f->subscribe[i]);
    free(f->subscribe);
    feed_conf_clear(&f->conf);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void feed_add_subscription(feed_t *f, const char *pattern)
{
    for (size_t i = 0; i < f->n_subscribe; i++)
        if (strcmp(f->subscribe[i], pattern) == 0)
            return;
    char **n = realloc(f->subscribe, (f->n_subscribe + 1) * sizeof *n);
    if (!n)
        return;
    f->subscribe = n;
    if ((n[f->n_subscribe] = strdup(pattern)))
        f->n_subscribe++;
}

feed_status_t feed_status_get(feed_t *f)
{
    pthread_mutex_lock(&f->lock);
    feed_status_t s = f->st;
    pthread_mutex_unlock(&f->lock);
    return s;
}

void feed_status_set(feed_t *f, feed_state_t s, int64_t wall_ms, const char *error)
{
    pthread_mutex_lock(&f->lock);
    if (f->st.state != s) {
        f->st.state = s;
        f->st.since_ms = wall_ms;
    }
    if (s == FEED_UP)
        f->st.connects++;
    if (error)
        snprintf(f->st.error, sizeof f->st.error, "%s", error);
    pthread_mutex_unlock(&f->lock);
}

void feed_status_retried(feed_t *f, uint64_t n)
{
    pthread_mutex_lock(&f->lock);
    f->st.retries += n;
    pthread_mutex_unlock(&f->lock);
}

void feed_status_count(feed_t *f, uint64_t messages, uint64_t rejected, uint64_t bytes)
{
    pthread_mutex_lock(&f->lock);
    f->st.messages += messages;
    f->st.rejected += rejected;
    f->st.bytes += bytes;
    pthread_mutex_unlock(&f->lock);
}

/* The bearer token from the environment or the first line of the token
 * file, malloc'd; NULL when none is configured (*bad = false) or when it
 * cannot be read or is malformed (*bad = true, why says which — never the
 * token itself). */
char *feed_read_token(const feed_conf_t *c, bool *bad, const char **why)
{
    return feed_read_secret(c->token_env, c->token_file, bad, why);
}

char *feed_read_secret(const char *env, const char *file, bool *bad, const char **why)
{
    char *tok = NULL;
    size_t held = 0;                 /* bytes of tok to wipe on failure */
    *bad = false;
    if (env) {
        const char *v = getenv(env);
        if (!v || !*v) {
            *why = "the environment variable is unset or empty";
            goto err;
        }
        tok = strndup(v, FEED_TOKEN_MAX + 1);
        held = tok ? strlen(tok) : 0;
    } else if (file) {
        /* the first line counts; the file is capped and never a FIFO */
        tok = bs_read_file(file, FEED_TOKEN_FILE_MAX, &held, NULL, 0);
        if (!tok) {
            *why = errno == EINVAL ? "the file is not a regular file"
                 : errno == EFBIG  ? "the file is too long" : "cannot open the file";
            goto err;
        }
    } else {
        return NULL;
    }
    if (!tok) {
        *why = "out of memory";
        goto err;
    }
    tok[strcspn(tok, "\r\n")] = '\0';
    size_t n = strlen(tok);
    if (held > n) {                  /* what followed the first line */
        explicit_bzero(tok + n, held - n);
        held = n;
    }
    if (n == 0 || n > FEED_TOKEN_MAX) {
        *why = "it is empty or too long";
        goto err;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e) {
            *why = "it has spaces or non-printable characters";
            goto err;
        }
    return tok;
err:
    if (tok) {
        explicit_bzero(tok, held);
        free(tok);
    }
    *bad = true;
    return NULL;
}

const char *feed_url_redact(const char *url, char *out, size_t outlen)
{
    size_t o = 0;
    if (!outlen)
        return out;
    if (!url)
        url = "";
#define PUT(ch) do { if (o + 1 < outlen) out[o++] = (ch); } while (0)
    for (const char *c = url; *c;) {
        if (c[0] == ':' && c[1] == '/' && c[2] == '/') {
            PUT(':'); PUT('/'); PUT('/');
            c += 3;
            size_t auth = strcspn(c, "/?#,");
            const char *at = NULL;
            for (size_t i = 0; i < auth; i++)
                if (c[i] == '@')
                    at = c + i;
            if (at) {
                for (const char *r = "***@"; *r; r++)
                    PUT(*r);
                c = at + 1;
            }
            continue;
        }
        PUT(*c);
        c++;
    }
#undef PUT
    out[o] = '\0';
    return out;
}

static void push_sink(feed_update_t *u, void *ud)
{
    feed_queue_push(ud, u);
}

static int ingest_with(feed_t *f, const char *buf, size_t len, const bs_limits_t *lim)
{
    feed_parse_counts_t c = {0};
    char err[160];
    int n = feed_parse_frame(buf, len, lim, f->index, push_sink, f->q, &c, err, sizeof err);
    feed_status_count(f, c.messages, c.rejected, len);
    if (c.rejected)
        feed_logf(f, 0, "dropped bad message: %s", err);   /* one line per feed per 10 s */
    return n;
}

int feed_ingest(feed_t *f, const char *buf, size_t len)
{
    return ingest_with(f, buf, len, &f->conf.lim);
}

/* One line unless the same key spoke in the last 10 s. The table keeps the
 * 16 keys heard last; an older one is forgotten (and may speak again). */
static void vlog(feed_t *f, uint64_t key, const char *fmt, va_list ap)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = ts.tv_sec + ts.tv_nsec / 1e9;
    const size_t n = sizeof f->log_last / sizeof f->log_last[0];
    pthread_mutex_lock(&f->lock);
    size_t slot = 0;
    for (size_t i = 0; i < n; i++) {
        if (f->log_last[i].key == key) {
            slot = i;
            break;
        }
        if (f->log_last[i].t < f->log_last[slot].t)
            slot = i;                          /* the oldest, if the key is new */
    }
    bool say = f->log_last[slot].key != key || now - f->log_last[slot].t >= 10;
    if (say) {
        f->log_last[slot].key = key;
        f->log_last[slot].t = now;
    }
    pthread_mutex_unlock(&f->lock);
    if (!say)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    bs_log(BS_LOG_WARNING, "feed %s: %s", f->conf.id ? f->conf.id : "?", line);
}

void feed_logf(feed_t *f, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(f, (uint64_t)kind + 1, fmt, ap);
    va_end(ap);
}

void feed_logt(feed_t *f, const char *topic, const char *fmt, ...)
{
    uint64_t h = 1469598103934665603ull;           /* FNV-1a */
    for (const char *p = topic ? topic : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    va_list ap;
    va_start(ap, fmt);
    vlog(f, h | (1ull << 63), fmt, ap);
    va_end(ap);
}

/* ---- documents (pollers) ------------------------------------------------ */

static bs_value_t *doc_value(const cJSON *j, const bs_limits_t *flim, char *err, size_t errlen)
{
    /* the document itself may be bigger than one value may: caps on the
     * mapped values apply after mapping; here only strings, depth and a
     * generous item count (the byte cap already bounds the whole) */
    bs_limits_t dl = *flim;
    dl.depth = 64;
    dl.items = 1000000;
    return bs_value_from_cjson(j, &dl, 0, err, errlen);
}

typedef struct {
    feed_t  *f;
    int64_t  ts;
    uint64_t msgs;
} emit_ctx_t;

static int emit_set(const char *topic, bs_value_t *v, void *ud)
{
    emit_ctx_t *e = ud;
    feed_update_t u = { .op = UPD_SET, .feed = e->f->index, .ts_ms = e->ts, .value = v };
    if (!(u.topic = strdup(topic))) {
        bs_value_free(v);
        return -1;
    }
    feed_queue_push(e->f->q, &u);
    e->msgs++;
    return 0;
}

int feed_ingest_doc(feed_t *f, const char *buf, size_t len, feed_doc_kind_t kind, int64_t ts_ms)
{
    char err[256] = "";
    emit_ctx_t e = { f, ts_ms, 0 };
    uint64_t rejected = 0;
    int rc = -1;
    cJSON *root = NULL;
    bs_value_t *doc = NULL;
    if (kind == DOC_CSV) {
        if (feed_csv_parse(buf, len, &f->conf.lim, emit_set, &e, err, sizeof err) < 0) {
            feed_status_count(f, 0, 1, len);
            feed_logf(f, 0, "bad CSV, last values kept: %s", err);
            return -1;
        }
        feed_status_count(f, e.msgs, 0, len);
        return (int)e.msgs;
    }
    if (!f->conf.nmaps) {
        /* protocol messages, or a plain {topic: value} object */
        const char *endp = NULL;
        if (!bs_utf8_valid(buf, len) || !(root = cJSON_ParseWithLengthOpts(buf, len, &endp, 0))) {
            feed_status_count(f, 0, 1, len);
            feed_logf(f, 0, "invalid JSON, last values kept");
            return -1;
        }
        bool protocol = cJSON_IsArray(root) || cJSON_GetObjectItemCaseSensitive(root, "topic") ||
                        cJSON_GetObjectItemCaseSensitive(root, "op");
        if (protocol || !cJSON_IsObject(root)) {
            cJSON_Delete(root);
            /* the document's own cap (max_bytes) was applied by the caller */
            bs_limits_t lim = f->conf.lim;
            if (len > lim.frame_bytes)
                lim.frame_bytes = len;
            return ingest_with(f, buf, len, &lim);
        }
        for (const cJSON *m = root->child; m; m = m->next) {
            size_t tl = strlen(m->string);
            bool ok = tl > 0 && tl <= f->conf.lim.topic_len && bs_utf8_valid(m->string, tl);
            for (size_t i = 0; ok && i < tl; i++)
                ok = (unsigned char)m->string[i] >= 0x20;
            bs_value_t *v = ok ? bs_value_from_cjson(m, &f->conf.lim, 1, err, sizeof err) : NULL;
            if (!ok)
                snprintf(err, sizeof err, "bad topic name \"%.40s\"", m->string);
            if (!v) {
                rejected++;
                feed_logf(f, 0, "dropped a value: %s", err);
                continue;
            }
            emit_set(m->string, v, &e);
        }
        rc = (int)e.msgs;
        goto out;
    }
    if (!bs_utf8_valid(buf, len) || !(root = cJSON_ParseWithLength(buf, len))) {
        feed_status_count(f, 0, 1, len);
        feed_logf(f, 0, "invalid JSON, last values kept");
        return -1;
    }
    if (!(doc = doc_value(root, &f->conf.lim, err, sizeof err))) {
        feed_status_count(f, 0, 1, len);
        feed_logf(f, 0, "unusable document, last values kept: %s", err);
        goto out_free;
    }
    for (size_t i = 0; i < f->conf.nmaps; i++) {
        bs_value_t *v = feed_map_apply(&f->conf.maps[i], doc, &f->conf.lim, err, sizeof err);
        if (!v) {
            rejected++;
            feed_logt(f, f->conf.maps[i].topic, "%s; its last value kept", err);
            continue;
        }
        emit_set(f->conf.maps[i].topic, v, &e);
    }
    rc = (int)e.msgs;
out:
    feed_status_count(f, e.msgs, rejected, len);
out_free:
    bs_value_free(doc);
    cJSON_Delete(root);
    return rc;
}
