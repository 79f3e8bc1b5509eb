/*
 * http.c — the "http://" and "https://" feed back ends: poll a URL every
 * `every` seconds with libcurl and turn the body into updates.
 *
 * The body goes through feed_ingest_doc(): mapped topic ← path with the
 * feed's "map", or taken as feed-protocol messages (or a {topic: value}
 * object) without one; "format": "csv" reads topic,value lines. GET, or
 * POST with "body"; "headers" are sent as given; a bearer token from
 * token_env / token_file is read at every poll and never logged. TLS is
 * verified against the system store (or ca_file) unless "insecure".
 * ETag / Last-Modified are kept and sent back (If-None-Match /
 * If-Modified-Since); a 304 re-applies the last body, so its values stay
 * fresh. A response over max_bytes is cut off while it arrives and dropped.
 * Failures back off (poller.h) and leave the last values in the store.
 *
 * Thread: one per feed (poller.h); the curl handle lives and dies on it.
 */
#include "feed.h"
#include "poller.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "log.h"

#define HTTP_DEFAULT_EVERY   30.0
#define HTTP_DEFAULT_TIMEOUT 10.0
#define HTTP_DEFAULT_MAX     (8.0 * 1024 * 1024)
#define HTTP_HEADER_MAX      512

typedef struct {
    feed_poller_t poll;
    feed_t       *f;
    CURL         *curl;
    /* the response being received */
    char         *buf;
    size_t        len, cap, max;
    bool          over;
    char          etag[HTTP_HEADER_MAX];
    char          lastmod[HTTP_HEADER_MAX];
    char          ctype[128];
    /* the last good body, re-applied on 304 */
    char         *last;
    size_t        last_len;
} http_priv_t;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int http_check(const feed_conf_t *c, char *err, size_t errlen)
{
    char shown[256];                  /* the URL as messages show it: no user info */
    feed_url_redact(c->url, shown, sizeof shown);
    bool tls = strncmp(c->url, "https://", 8) == 0;
    const char *h = c->url + (tls ? 8 : 7);
    if (!tls && strncmp(c->url, "http://", 7) != 0)
        goto bad;
    size_t host = strcspn(h, ":/?#");
    if (host == 0 || strchr(c->url, ' ') || strchr(c->url, '@'))
        goto bad;
    if (h[host] == ':') {
        char *end;
        long port = strtol(h + host + 1, &end, 10);
        if (end == h + host + 1 || (*end && *end != '/' && *end != '?') || port < 1 || port > 65535) {
            snprintf(err, errlen, "feed URL \"%s\": the port must be 1..65535", shown);
            return -1;
        }
    }
    if (!tls && (c->ca_file || c->insecure)) {
        snprintf(err, errlen, "feed \"%s\": ca_file/insecure are for https:// (and wss://) feeds", c->id ? c->id : "?");
        return -1;
    }
    if (c->nqueries) {
        snprintf(err, errlen, "feed \"%s\": \"queries\" are for postgresql:// and mysql:// feeds", c->id ? c->id : "?");
        return -1;
    }
    if (c->format && strcmp(c->format, "json") != 0 && strcmp(c->format, "csv") != 0) {
        snprintf(err, errlen, "feed \"%s\": \"format\" must be json or csv", c->id ? c->id : "?");
        return -1;
    }
    if (c->format && !strcmp(c->format, "csv") && c->nmaps) {
        snprintf(err, errlen, "feed \"%s\": \"map\" reads JSON documents, not CSV", c->id ? c->id : "?");
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "feed URL \"%s\" must look like http[s]://host[:port][/path] (no user:password@: use "
             "token_env or token_file)", shown);
    return -1;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    http_priv_t *p = ud;
    size_t len = size * n;
    if (p->len + len > p->max) {
        p->over = true;
        return 0;                           /* aborts the transfer */
    }
    if (p->len + len + 1 > p->cap) {
        size_t nc = p->cap ? p->cap : 16384;
        while (nc < p->len + len + 1)
            nc *= 2;
        if (nc > p->max + 1)
            nc = p->max + 1;
        char *nb = realloc(p->buf, nc);
        if (!nb)
            return 0;
        p->buf = nb;
        p->cap = nc;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
    p->buf[p->len] = '\0';
    return len;
}

/* Keeps "Name: value" of the headers we need (value trimmed). */
static void keep_header(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t'))
        v++, vl--;
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl < cap) {
        memcpy(out, v, vl);
        out[vl] = '\0';
    }
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    http_priv_t *p = ud;
    size_t len = size * n;
    if (len > 5 && strncmp(data, "HTTP/", 5) == 0)
        p->ctype[0] = '\0';                 /* a new response (after a redirect) */
    keep_header(data, len, "ETag", p->etag, sizeof p->etag);
    keep_header(data, len, "Last-Modified", p->lastmod, sizeof p->lastmod);
    keep_header(data, len, "Content-Type", p->ctype, sizeof p->ctype);
    return len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    http_priv_t *p = ud;
    return feed_poller_stopping(&p->poll);   /* non-zero aborts */
}

/* One request. 0 good (applied), -1 failed with why. */
static int poll_once(http_priv_t *p, char *why, size_t whylen)
{
    feed_t *f = p->f;
    const feed_conf_t *c = &f->conf;
    struct curl_slist *hl = NULL;
    char *token = NULL, line[HTTP_HEADER_MAX + 32];
    int rc = -1;
    bool bad;
    const char *tw = NULL;
    token = feed_read_token(c, &bad, &tw);
    if (bad) {
        snprintf(why, whylen, "%s", tw);
        return -1;
    }
    for (size_t i = 0; i < c->nheaders; i++)
        hl = curl_slist_append(hl, c->headers[i]);
    if (token) {
        size_t n = strlen(token) + 32;
        char *auth = malloc(n);
        if (auth) {
            snprintf(auth, n, "Authorization: Bearer %s", token);
            hl = curl_slist_append(hl, auth);
            explicit_bzero(auth, n);
            free(auth);
        }
        explicit_bzero(token, strlen(token));
        free(token);
    }
    if (p->etag[0] && p->last) {
        snprintf(line, sizeof line, "If-None-Match: %s", p->etag);
        hl = curl_slist_append(hl, line);
    }
    if (p->lastmod[0] && p->last) {
        snprintf(line, sizeof line, "If-Modified-Since: %s", p->lastmod);
        hl = curl_slist_append(hl, line);
    }
    double timeout = c->timeout > 0 ? c->timeout : HTTP_DEFAULT_TIMEOUT;
    p->len = 0;
    p->over = false;
    p->max = (size_t)(c->max_bytes > 0 ? c->max_bytes : HTTP_DEFAULT_MAX);
    char old_etag[HTTP_HEADER_MAX], old_lastmod[HTTP_HEADER_MAX];
    memcpy(old_etag, p->etag, sizeof old_etag);
    memcpy(old_lastmod, p->lastmod, sizeof old_lastmod);
    p->etag[0] = p->lastmod[0] = '\0';
    CURL *h = p->curl;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    if (c->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout * 1000 < 10000 ? timeout * 1000 : 10000));
    rc = (int)curl_easy_perform(h);
    curl_slist_free_all(hl);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    if (rc != CURLE_OK) {
        if (p->over || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(why, whylen, "response over the %zu byte cap (max_bytes), dropped", p->max);
        else
            snprintf(why, whylen, "%s", curl_easy_strerror((CURLcode)rc));
        memcpy(p->etag, old_etag, sizeof old_etag);
        memcpy(p->lastmod, old_lastmod, sizeof old_lastmod);
        if (p->over || rc == CURLE_FILESIZE_EXCEEDED)
            feed_status_count(f, 0, 1, p->len);
        return -1;
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code == 304 && p->last) {
        memcpy(p->etag, old_etag, sizeof old_etag);
        memcpy(p->lastmod, old_lastmod, sizeof old_lastmod);
        /* unchanged: the last body again, so its values count as fresh */
        feed_ingest_doc(f, p->last, p->last_len,
                        c->format && !strcmp(c->format, "csv") ? DOC_CSV : DOC_JSON, 0);
        return 0;
    }
    if (code < 200 || code > 299) {
        snprintf(why, whylen, "HTTP %ld%s", code,
                 code == 401 || code == 403 ? " (check the token)" : code == 404 ? " (check the URL)" : "");
        memcpy(p->etag, old_etag, sizeof old_etag);
        memcpy(p->lastmod, old_lastmod, sizeof old_lastmod);
        return -1;
    }
    bool csv = c->format ? !strcmp(c->format, "csv") : strncasecmp(p->ctype, "text/csv", 8) == 0 && !c->nmaps;
    int n = feed_ingest_doc(f, p->buf ? p->buf : "", p->len, csv ? DOC_CSV : DOC_JSON, 0);
    if (n < 0) {
        snprintf(why, whylen, "the response is not usable %s", csv ? "CSV" : "JSON");
        p->etag[0] = p->lastmod[0] = '\0';   /* ask for the whole body again */
        return -1;
    }
    /* keep the body for a 304 (only when the server validates) */
    if (p->etag[0] || p->lastmod[0]) {
        char *nl = realloc(p->last, p->len + 1);
        if (nl) {
            memcpy(nl, p->buf ? p->buf : "", p->len);
            nl[p->len] = '\0';
            p->last = nl;
            p->last_len = p->len;
        }
    } else {
        free(p->last);
        p->last = NULL;
    }
    return 0;
}

static void *http_thread(void *arg)
{
    feed_t *f = arg;
    http_priv_t *p = f->priv;
    double every = f->conf.every > 0 ? f->conf.every : HTTP_DEFAULT_EVERY;
    while (!feed_poller_stopping(&p->poll)) {
        char why[256] = "";
        double t0 = bs_mono();
        int rc = poll_once(p, why, sizeof why);
        double dt = bs_mono() - t0;
        if (feed_poller_stopping(&p->poll))
            break;
        feed_status_poll(f, rc == 0, dt);
        double next = rc == 0 ? feed_poll_ok(&p->poll, f, every) : feed_poll_fail(&p->poll, f, every, why);
        if (rc == 0)
            next -= dt;                     /* every s from start to start */
        if (!feed_poller_wait(&p->poll, next))
            break;
    }
    return NULL;
}

static int http_start(feed_t *f)
{
    pthread_once(&curl_once, curl_init_once);
    http_priv_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->f = f;
    p->curl = curl_easy_init();
    if (!p->curl)
        goto err;
    CURL *h = p->curl;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, p);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, p);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, p);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");   /* the cap counts decoded bytes */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "bigscreen/" BS_VERSION);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)(f->conf.max_bytes > 0 ? f->conf.max_bytes : HTTP_DEFAULT_MAX));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, f->conf.insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, f->conf.insecure ? 0L : 2L);
    if (f->conf.ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, f->conf.ca_file);
    if (f->conf.insecure)
        bs_log(BS_LOG_WARNING, "feed %s: TLS certificates are not checked (insecure: true)",
                f->conf.id);
    f->priv = p;
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    if (feed_poller_start(&p->poll, http_thread, f) != 0)
        goto err;
    return 0;
err:
    if (p->curl)
        curl_easy_cleanup(p->curl);
    free(p);
    f->priv = NULL;
    return -1;
}

static void http_stop(feed_t *f)
{
    http_priv_t *p = f->priv;
    if (!p)
        return;
    feed_poller_stop(&p->poll);
    curl_easy_cleanup(p->curl);
    free(p->buf);
    free(p->last);
    free(p);
    f->priv = NULL;
}

const feed_backend_t feed_http_backend = {
    .scheme = "http",
    .check  = http_check,
    .start  = http_start,
    .stop   = http_stop,
};

const feed_backend_t feed_https_backend = {
    .scheme = "https",
    .check  = http_check,
    .start  = http_start,
    .stop   = http_stop,
};
