/* sql.c — shaping rows and the database feeds' poll loop (see sql.h). */
#include "sql.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "map.h"

/* ---- shaping ------------------------------------------------------------ */

struct sql_build {
    qshape_t     shape;
    size_t       max_rows, max_bytes, bytes, nrows;
    bs_limits_t  lim;
    int          ncols;
    char       **names;
    bs_value_t **items;        /* rows: row objects; map: values; value/row: one */
    char       **keys;         /* map: first column of each row */
    size_t       n, cap;
    char         why[256];
};

sql_build_t *sql_build_new(qshape_t shape, size_t max_rows, size_t max_bytes, const bs_limits_t *lim)
{
    sql_build_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->shape = shape;
    b->max_rows = max_rows;
    b->max_bytes = max_bytes;
    b->lim = *lim;
    return b;
}

void sql_build_free(sql_build_t *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->ncols; i++)
        free(b->names[i]);
    free(b->names);
    for (size_t i = 0; i < b->n; i++) {
        bs_value_free(b->items[i]);
        if (b->keys)
            free(b->keys[i]);
    }
    free(b->items);
    free(b->keys);
    free(b);
}

const char *sql_build_why(const sql_build_t *b)
{
    return b->why;
}

size_t sql_build_rows(const sql_build_t *b)
{
    return b->nrows;
}

int sql_build_cols(sql_build_t *b, int ncols, const char *const *names)
{
    if (ncols < 1) {
        snprintf(b->why, sizeof b->why, "the query returns no columns");
        return -1;
    }
    if (b->shape == QSHAPE_MAP && ncols < 2) {
        snprintf(b->why, sizeof b->why, "shape \"map\" needs two columns (key, value)");
        return -1;
    }
    if ((size_t)ncols > b->lim.items) {
        snprintf(b->why, sizeof b->why, "more than %zu columns", b->lim.items);
        return -1;
    }
    b->names = calloc((size_t)ncols, sizeof *b->names);
    if (!b->names)
        goto oom;
    for (b->ncols = 0; b->ncols < ncols; b->ncols++) {
        const char *nm = names[b->ncols] ? names[b->ncols] : "";
        size_t l = strlen(nm);
        if (l > b->lim.string_len || !bs_utf8_valid(nm, l)) {
            snprintf(b->why, sizeof b->why, "column %d has a bad name", b->ncols + 1);
            return -1;
        }
        if (!(b->names[b->ncols] = strdup(nm)))
            goto oom;
    }
    return 0;
oom:
    snprintf(b->why, sizeof b->why, "out of memory");
    return -1;
}

static bs_value_t *cell_value(sql_build_t *b, const sql_cell_t *c, int col)
{
    switch (c->kind) {
    case SQL_NULL:
        return bs_value_null();
    case SQL_BOOL:
        return bs_value_bool(c->len && (c->s[0] == 't' || c->s[0] == '1' || c->s[0] == 'T'));
    case SQL_NUM: {
        char tmp[64];
        if (c->len < sizeof tmp) {
            memcpy(tmp, c->s, c->len);
            tmp[c->len] = '\0';
            char *end;
            double d = strtod(tmp, &end);
            if (end != tmp && !*end && isfinite(d))
                return bs_value_num(d);
        }
        /* NaN, Infinity or a 60-digit numeric: as text */
    }
    /* fall through */
    case SQL_TEXT:
        if (c->len > b->lim.string_len) {
            snprintf(b->why, sizeof b->why, "column \"%s\": a value longer than %zu bytes (limits.string_len)",
                     b->names[col], b->lim.string_len);
            return NULL;
        }
        if (!bs_utf8_valid(c->s, c->len)) {
            snprintf(b->why, sizeof b->why, "column \"%s\": a value that is not valid UTF-8", b->names[col]);
            return NULL;
        }
        return bs_value_str(c->s, c->len);
    }
    return NULL;
}

static int push(sql_build_t *b, bs_value_t *v, char *key)
{
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        bs_value_t **ni = realloc(b->items, nc * sizeof *ni);
        if (!ni)
            return -1;
        b->items = ni;
        if (b->shape == QSHAPE_MAP) {
            char **nk = realloc(b->keys, nc * sizeof *nk);
            if (!nk)
                return -1;
            b->keys = nk;
        }
        b->cap = nc;
    }
    b->items[b->n] = v;
    if (b->keys)
        b->keys[b->n] = key;
    b->n++;
    return 0;
}

static bs_value_t *row_object(sql_build_t *b, const sql_cell_t *cells)
{
    bs_value_t *o = bs_value_obj((uint32_t)b->ncols);
    if (!o)
        return NULL;
    for (int i = 0; i < b->ncols; i++) {
        o->u.c.keys[i] = strdup(b->names[i]);
        o->u.c.items[i] = cell_value(b, &cells[i], i);
        if (!o->u.c.keys[i] || !o->u.c.items[i]) {
            bs_value_free(o);
            return NULL;
        }
    }
    return o;
}

int sql_build_row(sql_build_t *b, const sql_cell_t *cells)
{
    if (++b->nrows > b->max_rows) {
        snprintf(b->why, sizeof b->why, "the query returns more than %zu rows (max_rows)", b->max_rows);
        return -1;
    }
    for (int i = 0; i < b->ncols; i++)
        b->bytes += cells[i].len;
    if (b->bytes > b->max_bytes) {
        snprintf(b->why, sizeof b->why, "the result is over %zu bytes (max_bytes)", b->max_bytes);
        return -1;
    }
    bs_value_t *v = NULL;
    char *key = NULL;
    switch (b->shape) {
    case QSHAPE_VALUE:
        if (!(v = cell_value(b, &cells[0], 0)))
            return -1;
        break;
    case QSHAPE_ROW:
    case QSHAPE_ROWS:
        if (!(v = row_object(b, cells))) {
            if (!b->why[0])
                snprintf(b->why, sizeof b->why, "out of memory");
            return -1;
        }
        break;
    case QSHAPE_MAP:
        if (cells[0].kind == SQL_NULL) {
            snprintf(b->why, sizeof b->why, "shape \"map\": a NULL key in row %zu", b->nrows);
            return -1;
        }
        if (cells[0].len > b->lim.string_len || !bs_utf8_valid(cells[0].s, cells[0].len)) {
            snprintf(b->why, sizeof b->why, "shape \"map\": a bad key in row %zu", b->nrows);
            return -1;
        }
        key = strndup(cells[0].s, cells[0].len);
        v = cell_value(b, &cells[1], 1);
        if (!key || !v) {
            free(key);
            bs_value_free(v);
            return -1;
        }
        break;
    }
    if (push(b, v, key) != 0) {
        free(key);
        bs_value_free(v);
        snprintf(b->why, sizeof b->why, "out of memory");
        return -1;
    }
    return b->shape == QSHAPE_VALUE || b->shape == QSHAPE_ROW ? 1 : 0;
}

bs_value_t *sql_build_finish(sql_build_t *b)
{
    bs_value_t *out = NULL;
    if (b->shape == QSHAPE_VALUE || b->shape == QSHAPE_ROW) {
        if (b->n == 0) {
            snprintf(b->why, sizeof b->why, "the query returned no rows");
            return NULL;
        }
        out = b->items[0];
        b->items[0] = NULL;
        return out;
    }
    if (b->n > b->lim.items) {
        snprintf(b->why, sizeof b->why, "%zu rows are more than limits.items (%zu)", b->n, b->lim.items);
        return NULL;
    }
    out = b->shape == QSHAPE_MAP ? bs_value_obj((uint32_t)b->n) : bs_value_arr((uint32_t)b->n);
    if (!out) {
        snprintf(b->why, sizeof b->why, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < b->n; i++) {
        out->u.c.items[i] = b->items[i];
        b->items[i] = NULL;
        if (b->keys) {
            out->u.c.keys[i] = b->keys[i];
            b->keys[i] = NULL;
        }
    }
    return out;
}

/* ---- the poll loop ------------------------------------------------------ */

typedef struct {
    feed_poller_t       poll;
    const sql_driver_t *drv;
    pthread_mutex_t     mu;        /* guards conn for interrupt() */
    sql_conn_t         *conn;
} sql_priv_t;

static void set_conn(sql_priv_t *p, sql_conn_t *c)
{
    pthread_mutex_lock(&p->mu);
    p->conn = c;
    pthread_mutex_unlock(&p->mu);
}

/* Runs every query once. 0 when the session held (query errors are counted
 * and logged, and leave their topics' last values), -1 when it is lost. */
static int run_all(feed_t *f, sql_priv_t *p, char *why, size_t whylen)
{
    const feed_conf_t *c = &f->conf;
    size_t max_rows = (size_t)(c->max_rows > 0 ? c->max_rows : SQL_DEFAULT_MAX_ROWS);
    size_t max_bytes = (size_t)(c->max_bytes > 0 ? c->max_bytes : SQL_DEFAULT_MAX);
    for (size_t i = 0; i < c->nqueries && !feed_poller_stopping(&p->poll); i++) {
        const feed_query_t *q = &c->queries[i];
        sql_build_t *b = sql_build_new(q->shape, max_rows, max_bytes, &c->lim);
        if (!b) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        char qwhy[512] = "";
        int rc = p->drv->run(p->conn, q, b, qwhy, sizeof qwhy);
        if (rc == -2) {
            snprintf(why, whylen, "%s", qwhy);
            sql_build_free(b);
            return -1;
        }
        bs_value_t *v = rc == 0 ? sql_build_finish(b) : NULL;
        if (!v) {
            feed_status_count(f, 0, 1, 0);
            feed_logt(f, q->topic, "query for \"%s\" failed: %s; its last value stays", q->topic,
                      qwhy[0] ? qwhy : sql_build_why(b));
        } else {
            feed_update_t u = { .op = UPD_SET, .feed = f->index, .value = v };
            if ((u.topic = strdup(q->topic))) {
                feed_queue_push(f->q, &u);
                feed_status_count(f, 1, 0, 0);
            } else {
                bs_value_free(v);
            }
        }
        sql_build_free(b);
    }
    return 0;
}

static void *sql_thread(void *arg)
{
    feed_t *f = arg;
    sql_priv_t *p = f->priv;
    double every = f->conf.every > 0 ? f->conf.every : SQL_DEFAULT_EVERY;
    while (!feed_poller_stopping(&p->poll)) {
        char why[512] = "";
        double t0 = bs_mono();
        int rc = 0;
        if (!p->conn) {
            bool bad;
            const char *pw_why = NULL;
            char *pw = feed_read_secret(f->conf.password_env, f->conf.password_file, &bad, &pw_why);
            if (bad) {
                snprintf(why, sizeof why, "password: %s", pw_why);
                rc = -1;
            } else {
                sql_conn_t *c = p->drv->connect(f, pw, &p->poll, why, sizeof why);
                set_conn(p, c);
                rc = c ? 0 : -1;
            }
            if (pw) {
                explicit_bzero(pw, strlen(pw));
                free(pw);
            }
        }
        if (rc == 0 && (rc = run_all(f, p, why, sizeof why)) != 0) {
            pthread_mutex_lock(&p->mu);
            sql_conn_t *c = p->conn;
            p->conn = NULL;
            pthread_mutex_unlock(&p->mu);
            p->drv->close(c);
        }
        double dt = bs_mono() - t0;
        if (feed_poller_stopping(&p->poll))
            break;
        feed_status_poll(f, rc == 0, dt);
        double next = rc == 0 ? feed_poll_ok(&p->poll, f, every) - dt : feed_poll_fail(&p->poll, f, every, why);
        if (!feed_poller_wait(&p->poll, next))
            break;
    }
    pthread_mutex_lock(&p->mu);
    sql_conn_t *c = p->conn;
    p->conn = NULL;
    pthread_mutex_unlock(&p->mu);
    if (c)
        p->drv->close(c);
    return NULL;
}

int sql_check_conf(const feed_conf_t *c, char *err, size_t errlen)
{
    if (!c->nqueries) {
        snprintf(err, errlen, "feed \"%s\": a database feed needs \"queries\": [{\"topic\": ..., \"sql\": ...}]",
                 c->id ? c->id : "?");
        return -1;
    }
    if (c->nmaps || c->body || c->nheaders || c->token_env || c->token_file) {
        snprintf(err, errlen, "feed \"%s\": map, body, headers and tokens are for http(s):// feeds", c->id ? c->id : "?");
        return -1;
    }
    return 0;
}

int sql_start(feed_t *f, const sql_driver_t *drv)
{
    sql_priv_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->drv = drv;
    pthread_mutex_init(&p->mu, NULL);
    f->priv = p;
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    if (feed_poller_start(&p->poll, sql_thread, f) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        f->priv = NULL;
        return -1;
    }
    return 0;
}

void sql_stop(feed_t *f)
{
    sql_priv_t *p = f->priv;
    if (!p)
        return;
    atomic_store(&p->poll.stop, true);
    pthread_mutex_lock(&p->mu);
    if (p->conn)
        p->drv->interrupt(p->conn);
    pthread_mutex_unlock(&p->mu);
    feed_poller_stop(&p->poll);
    pthread_mutex_destroy(&p->mu);
    free(p);
    f->priv = NULL;
}
