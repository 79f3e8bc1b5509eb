/* feed.c — feed registry and the parts every back end shares. */
#include "feed.h"
#include "fileio.h"
#include "msg.h"

#include <errno.h>
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
};

const char *feed_state_name(feed_state_t s)
{
    static const char *const names[] = { "idle", "connecting", "up", "down" };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

void feed_conf_clear(feed_conf_t *c)
{
    if (!c)
        return;
    free(c->id);
    free(c->url);
    free(c->token_env);
    free(c->token_file);
    free(c->ca_file);
    memset(c, 0, sizeof *c);
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
            snprintf(err, errlen, "feed URL \"%s\" has no scheme (use demo:, ws:// or wss://)", c->url);
        else
            snprintf(err, errlen, "unknown feed scheme \"%.*s:\" (known: demo:, ws://, wss://, nats://)", (int)n, c->url);
        return -1;
    }
    return be->check ? be->check(c, err, errlen) : 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

feed_t *feed_new(const feed_conf_t *c, int index, feed_queue_t *q, char *err, size_t errlen)
{
    if (feed_check(c, err, errlen) != 0)
        return NULL;
    feed_t *f = calloc(1, sizeof *f);
    if (!f)
        goto oom;
    f->be = feed_backend_for(c->url);
    f->conf = *c;
    f->conf.id = dup_or_null(c->id);
    f->conf.url = dup_or_null(c->url);
    f->conf.token_env = dup_or_null(c->token_env);
    f->conf.token_file = dup_or_null(c->token_file);
    f->conf.ca_file = dup_or_null(c->ca_file);
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
    char *tok = NULL;
    size_t held = 0;                 /* bytes of tok to wipe on failure */
    *bad = false;
    if (c->token_env) {
        const char *v = getenv(c->token_env);
        if (!v || !*v) {
            *why = "the token environment variable is unset or empty";
            goto err;
        }
        tok = strndup(v, FEED_TOKEN_MAX + 1);
        held = tok ? strlen(tok) : 0;
    } else if (c->token_file) {
        /* the first line counts; the file is capped and never a FIFO */
        tok = bs_read_file(c->token_file, FEED_TOKEN_FILE_MAX, &held, NULL, 0);
        if (!tok) {
            *why = errno == EINVAL ? "the token file is not a regular file"
                 : errno == EFBIG  ? "the token file is too long" : "cannot open the token file";
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
        *why = "the token is empty or too long";
        goto err;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)tok[i] < 0x21 || (unsigned char)tok[i] > 0x7e) {
            *why = "the token has spaces or non-printable characters";
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

static void push_sink(feed_update_t *u, void *ud)
{
    feed_queue_push(ud, u);
}

int feed_ingest(feed_t *f, const char *buf, size_t len)
{
    feed_parse_counts_t c = {0};
    char err[160];
    int n = feed_parse_frame(buf, len, &f->conf.lim, f->index, push_sink, f->q, &c, err, sizeof err);
    feed_status_count(f, c.messages, c.rejected, len);
    if (c.rejected) {
        /* rate-limited: one line per feed per 10 s */
        static __thread time_t last;
        time_t now = time(NULL);
        if (now - last >= 10) {
            last = now;
            fprintf(stderr, "bigscreen: feed %s: dropped bad message: %s\n",
                    f->conf.id ? f->conf.id : "?", err);
        }
    }
    return n;
}
