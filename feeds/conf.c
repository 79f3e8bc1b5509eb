/*
 * conf.c — the parts of a feed entry that are more than scalars: "headers",
 * "map" and "queries" (parsed here, where their types live), and copying and
 * comparing whole confs. The scalar keys are parsed by the layout loader's
 * option table (renderer/layout.c).
 */
#include "feed.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const feed_extra_keys[] = { "limits", "headers", "map", "queries", NULL };

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void map_clear(feed_map_t *m)
{
    free(m->topic);
    free(m->path);
    free(m->pick_name);
    free(m->pick_value);
    free(m->sort_by);
    free(m->agg_field);
    free(m->ratio_path);
    memset(m, 0, sizeof *m);
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
    free(c->body);
    free(c->password_env);
    free(c->password_file);
    free(c->format);
    for (size_t i = 0; i < c->nheaders; i++)
        free(c->headers[i]);
    free(c->headers);
    for (size_t i = 0; i < c->nmaps; i++)
        map_clear(&c->maps[i]);
    free(c->maps);
    for (size_t i = 0; i < c->nqueries; i++) {
        free(c->queries[i].topic);
        free(c->queries[i].sql);
    }
    free(c->queries);
    memset(c, 0, sizeof *c);
}

#define DUP(field)                                   \
    do {                                             \
        d->field = dup_or_null(s->field);            \
        if (s->field && !d->field)                   \
            goto err;                                \
    } while (0)

int feed_conf_copy(feed_conf_t *dst, const feed_conf_t *src)
{
    feed_conf_t *d = dst;
    const feed_conf_t *s = src;
    *d = *s;
    d->id = d->url = d->token_env = d->token_file = d->ca_file = NULL;
    d->body = d->password_env = d->password_file = d->format = NULL;
    d->headers = NULL;
    d->maps = NULL;
    d->queries = NULL;
    d->nheaders = d->nmaps = d->nqueries = 0;
    DUP(id);
    DUP(url);
    DUP(token_env);
    DUP(token_file);
    DUP(ca_file);
    DUP(body);
    DUP(password_env);
    DUP(password_file);
    DUP(format);
    if (s->nheaders) {
        if (!(d->headers = calloc(s->nheaders, sizeof *d->headers)))
            goto err;
        for (; d->nheaders < s->nheaders; d->nheaders++)
            if (!(d->headers[d->nheaders] = strdup(s->headers[d->nheaders])))
                goto err;
    }
    if (s->nmaps) {
        if (!(d->maps = calloc(s->nmaps, sizeof *d->maps)))
            goto err;
        for (; d->nmaps < s->nmaps; d->nmaps++) {
            feed_map_t *dm = &d->maps[d->nmaps];
            const feed_map_t *sm = &s->maps[d->nmaps];
            *dm = *sm;
            dm->topic = dup_or_null(sm->topic);
            dm->path = dup_or_null(sm->path);
            dm->pick_name = dup_or_null(sm->pick_name);
            dm->pick_value = dup_or_null(sm->pick_value);
            dm->sort_by = dup_or_null(sm->sort_by);
            dm->agg_field = dup_or_null(sm->agg_field);
            dm->ratio_path = dup_or_null(sm->ratio_path);
            if (!dm->topic || (sm->path && !dm->path)) {
                d->nmaps++;
                goto err;
            }
        }
    }
    if (s->nqueries) {
        if (!(d->queries = calloc(s->nqueries, sizeof *d->queries)))
            goto err;
        for (; d->nqueries < s->nqueries; d->nqueries++) {
            feed_query_t *q = &d->queries[d->nqueries];
            q->shape = s->queries[d->nqueries].shape;
            q->topic = strdup(s->queries[d->nqueries].topic);
            q->sql = strdup(s->queries[d->nqueries].sql);
            if (!q->topic || !q->sql) {
                d->nqueries++;
                goto err;
            }
        }
    }
    return 0;
err:
    feed_conf_clear(d);
    return -1;
}
#undef DUP

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool feed_conf_equal(const feed_conf_t *a, const feed_conf_t *b)
{
    if (!(same_str(a->id, b->id) && same_str(a->url, b->url) && same_str(a->token_env, b->token_env) &&
          same_str(a->token_file, b->token_file) && same_str(a->ca_file, b->ca_file) &&
          a->insecure == b->insecure && a->seed == b->seed && a->tick == b->tick &&
          memcmp(&a->lim, &b->lim, sizeof a->lim) == 0 && a->every == b->every && a->timeout == b->timeout &&
          same_str(a->body, b->body) && same_str(a->password_env, b->password_env) &&
          same_str(a->password_file, b->password_file) && a->max_bytes == b->max_bytes &&
          a->max_rows == b->max_rows && same_str(a->format, b->format) && a->nheaders == b->nheaders &&
          a->nmaps == b->nmaps && a->nqueries == b->nqueries))
        return false;
    for (size_t i = 0; i < a->nheaders; i++)
        if (strcmp(a->headers[i], b->headers[i]) != 0)
            return false;
    for (size_t i = 0; i < a->nmaps; i++) {
        const feed_map_t *x = &a->maps[i], *y = &b->maps[i];
        if (!same_str(x->topic, y->topic) || !same_str(x->path, y->path) || !same_str(x->pick_name, y->pick_name) ||
            !same_str(x->pick_value, y->pick_value) || x->sort != y->sort || !same_str(x->sort_by, y->sort_by) ||
            x->top != y->top || x->agg != y->agg || !same_str(x->agg_field, y->agg_field) ||
            !same_str(x->ratio_path, y->ratio_path))
            return false;
    }
    for (size_t i = 0; i < a->nqueries; i++)
        if (strcmp(a->queries[i].topic, b->queries[i].topic) != 0 || strcmp(a->queries[i].sql, b->queries[i].sql) != 0 ||
            a->queries[i].shape != b->queries[i].shape)
            return false;
    return true;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct {
    feed_report_fn report;
    void          *ud;
    int            n;
} rep_t;

static void bad(rep_t *r, const cJSON *node, bool is_key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(rep_t *r, const cJSON *node, bool is_key, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->n++;
    if (r->report)
        r->report(r->ud, node, is_key, msg);
}

/* A topic as the protocol takes it: 1..128 bytes, no control characters. */
static bool topic_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128 || !bs_utf8_valid(t, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20)
            return false;
    return true;
}

/* A string member of o at most max bytes into *out (strdup). 0 absent or
 * good, -1 reported. */
static int get_str(rep_t *r, const cJSON *m, size_t max, char **out)
{
    if (!cJSON_IsString(m) || strlen(m->valuestring) > max) {
        bad(r, m, false, "\"%s\" must be a string of at most %zu bytes", m->string, max);
        return -1;
    }
    free(*out);
    *out = strdup(m->valuestring);
    return *out ? 0 : -1;
}

static void parse_headers(rep_t *r, const cJSON *h, feed_conf_t *c)
{
    if (!cJSON_IsObject(h)) {
        bad(r, h, false, "\"headers\" must be an object {\"Name\": \"value\"}");
        return;
    }
    for (const cJSON *m = h->child; m; m = m->next) {
        size_t kl = strlen(m->string);
        bool name_ok = kl > 0 && kl <= 64;
        for (size_t i = 0; name_ok && i < kl; i++) {
            unsigned char ch = (unsigned char)m->string[i];
            name_ok = ch > 0x20 && ch < 0x7f && ch != ':';
        }
        if (!name_ok) {
            bad(r, m, true, "header name \"%s\" must be 1..64 printable characters without ':'", m->string);
            continue;
        }
        if (strcasecmp(m->string, "Authorization") == 0) {
            bad(r, m, true, "put no Authorization header in a layout: use token_env or token_file");
            continue;
        }
        if (!cJSON_IsString(m) || strlen(m->valuestring) > 1024 || strpbrk(m->valuestring, "\r\n")) {
            bad(r, m, false, "header \"%s\" must be a one-line string of at most 1024 bytes", m->string);
            continue;
        }
        if (c->nheaders == FEED_MAX_HEADERS) {
            bad(r, m, false, "more than %d headers", FEED_MAX_HEADERS);
            return;
        }
        char **n = realloc(c->headers, (c->nheaders + 1) * sizeof *n);
        if (!n)
            return;
        c->headers = n;
        size_t len = kl + strlen(m->valuestring) + 3;
        if (!(n[c->nheaders] = malloc(len)))
            return;
        snprintf(n[c->nheaders++], len, "%s: %s", m->string, m->valuestring);
    }
}

static void parse_map_entry(rep_t *r, const cJSON *o, feed_conf_t *c)
{
    if (!cJSON_IsObject(o)) {
        bad(r, o, false, "a \"map\" entry must be an object {\"topic\": ..., \"path\": ...}");
        return;
    }
    if (c->nmaps == FEED_MAX_MAPS) {
        bad(r, o, false, "more than %d \"map\" entries", FEED_MAX_MAPS);
        return;
    }
    feed_map_t m = { 0 };
    int before = r->n;
    for (const cJSON *k = o->child; k; k = k->next) {
        const char *s = k->string;
        if (!strcmp(s, "topic")) {
            if (get_str(r, k, 128, &m.topic) == 0 && !topic_ok(m.topic))
                bad(r, k, false, "\"topic\" must be 1..128 bytes without control characters");
        } else if (!strcmp(s, "path")) {
            get_str(r, k, 512, &m.path);
        } else if (!strcmp(s, "pick")) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(k, "name");
            const cJSON *vl = cJSON_GetObjectItemCaseSensitive(k, "value");
            if (!cJSON_IsObject(k) || !cJSON_IsString(nm) || !cJSON_IsString(vl) || cJSON_GetArraySize(k) != 2 ||
                strlen(nm->valuestring) > 64 || strlen(vl->valuestring) > 64) {
                bad(r, k, false, "\"pick\" must be {\"name\": FIELD, \"value\": FIELD}");
                continue;
            }
            free(m.pick_name);
            free(m.pick_value);
            m.pick_name = strdup(nm->valuestring);
            m.pick_value = strdup(vl->valuestring);
        } else if (!strcmp(s, "sort")) {
            if (cJSON_IsString(k) && !strcmp(k->valuestring, "asc"))
                m.sort = MAP_SORT_ASC;
            else if (cJSON_IsString(k) && !strcmp(k->valuestring, "desc"))
                m.sort = MAP_SORT_DESC;
            else
                bad(r, k, false, "\"sort\" must be \"asc\" or \"desc\"");
        } else if (!strcmp(s, "by")) {
            get_str(r, k, 64, &m.sort_by);
        } else if (!strcmp(s, "top")) {
            if (!cJSON_IsNumber(k) || k->valuedouble < 1 || k->valuedouble > 10000 ||
                k->valuedouble != (int)k->valuedouble)
                bad(r, k, false, "\"top\" must be a whole number 1..10000");
            else
                m.top = (int)k->valuedouble;
        } else if (!strcmp(s, "sum")) {
            if (m.agg) {
                bad(r, k, true, "give one of \"sum\", \"count\" and \"ratio\"");
                continue;
            }
            m.agg = MAP_AGG_SUM;
            if (cJSON_IsString(k) && k->valuestring[0])
                get_str(r, k, 64, &m.agg_field);
            else if (!cJSON_IsTrue(k))
                bad(r, k, false, "\"sum\" must be true (sum the items) or a field of each item");
        } else if (!strcmp(s, "count")) {
            if (m.agg) {
                bad(r, k, true, "give one of \"sum\", \"count\" and \"ratio\"");
                continue;
            }
            m.agg = MAP_AGG_COUNT;
            if (!cJSON_IsTrue(k))
                bad(r, k, false, "\"count\" must be true");
        } else if (!strcmp(s, "ratio")) {
            if (m.agg) {
                bad(r, k, true, "give one of \"sum\", \"count\" and \"ratio\"");
                continue;
            }
            m.agg = MAP_AGG_RATIO;
            if (get_str(r, k, 512, &m.ratio_path) == 0 && !m.ratio_path[0])
                bad(r, k, false, "\"ratio\" must be the path of the denominator");
        } else {
            bad(r, k, true, "unknown key \"%s\" in a \"map\" entry (known: topic, path, pick, sort, by, top, "
                "sum, count, ratio)", s);
        }
    }
    if (!m.topic && r->n == before)
        bad(r, o, false, "a \"map\" entry needs a \"topic\"");
    if (!m.path && r->n == before)
        bad(r, o, false, "a \"map\" entry needs a \"path\" (\"\" for the whole document)");
    if (r->n != before) {
        map_clear(&m);
        return;
    }
    feed_map_t *n = realloc(c->maps, (c->nmaps + 1) * sizeof *n);
    if (!n) {
        map_clear(&m);
        return;
    }
    c->maps = n;
    n[c->nmaps++] = m;
}

static void parse_query(rep_t *r, const cJSON *o, feed_conf_t *c)
{
    static const char *const shapes[] = { "value", "row", "rows", "map", NULL };
    if (!cJSON_IsObject(o)) {
        bad(r, o, false, "a query must be an object {\"topic\": ..., \"sql\": ...}");
        return;
    }
    if (c->nqueries == FEED_MAX_QUERIES) {
        bad(r, o, false, "more than %d queries", FEED_MAX_QUERIES);
        return;
    }
    feed_query_t q = { 0 };
    int before = r->n;
    for (const cJSON *k = o->child; k; k = k->next) {
        if (!strcmp(k->string, "topic")) {
            if (get_str(r, k, 128, &q.topic) == 0 && !topic_ok(q.topic))
                bad(r, k, false, "\"topic\" must be 1..128 bytes without control characters");
        } else if (!strcmp(k->string, "sql")) {
            if (get_str(r, k, 16384, &q.sql) == 0 && !q.sql[0])
                bad(r, k, false, "\"sql\" is empty");
        } else if (!strcmp(k->string, "shape")) {
            int i = 0;
            while (cJSON_IsString(k) && shapes[i] && strcmp(shapes[i], k->valuestring) != 0)
                i++;
            if (!cJSON_IsString(k) || !shapes[i])
                bad(r, k, false, "\"shape\" must be value, row, rows or map");
            else
                q.shape = (qshape_t)i;
        } else {
            bad(r, k, true, "unknown key \"%s\" in a query (known: topic, sql, shape)", k->string);
        }
    }
    if (r->n == before && (!q.topic || !q.sql))
        bad(r, o, false, "a query needs a \"topic\" and an \"sql\"");
    if (r->n != before) {
        free(q.topic);
        free(q.sql);
        return;
    }
    feed_query_t *n = realloc(c->queries, (c->nqueries + 1) * sizeof *n);
    if (!n) {
        free(q.topic);
        free(q.sql);
        return;
    }
    c->queries = n;
    n[c->nqueries++] = q;
}

int feed_conf_parse_extra(const cJSON *feed, feed_conf_t *c, feed_report_fn report, void *ud)
{
    rep_t r = { report, ud, 0 };
    const cJSON *m;
    if ((m = cJSON_GetObjectItemCaseSensitive(feed, "headers")))
        parse_headers(&r, m, c);
    if ((m = cJSON_GetObjectItemCaseSensitive(feed, "map"))) {
        if (!cJSON_IsArray(m))
            bad(&r, m, false, "\"map\" must be an array of {\"topic\": ..., \"path\": ...}");
        else
            for (const cJSON *e = m->child; e; e = e->next)
                parse_map_entry(&r, e, c);
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(feed, "queries"))) {
        if (!cJSON_IsArray(m))
            bad(&r, m, false, "\"queries\" must be an array of {\"topic\": ..., \"sql\": ...}");
        else
            for (const cJSON *e = m->child; e; e = e->next)
                parse_query(&r, e, c);
    }
    return r.n;
}
