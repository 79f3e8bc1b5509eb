/*
 * sql_pg.c — the "postgresql://" (and "postgres://") feed back end, libpq.
 *
 * The URL is libpq's own connection URI (postgresql://user@host:port/db,
 * ?host=/run/postgresql for a socket directory); a password in it is refused:
 * it comes from password_env / password_file. The session is opened with
 * default_transaction_read_only, and each query runs as
 *   BEGIN READ ONLY; SET LOCAL statement_timeout
 *   DECLARE a cursor FOR <sql>     (one statement: the extended protocol)
 *   FETCH max_rows + 1             (so a million rows are never read)
 *   ROLLBACK
 * Everything is asynchronous and waits in poll() with the feed's timeout
 * and the poller's stop fd, so a hung server or a stop never blocks: past the
 * timeout the session is dropped and opened again at the next try.
 */
#include "sql.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"

struct sql_conn {
    PGconn        *pg;
    feed_t        *f;
    feed_poller_t *poll;
    double         timeout;
};

/* The pg type oids that become numbers / booleans. */
static sql_kind_t kind_of(Oid t)
{
    switch (t) {
    case 20: case 21: case 23: case 26: case 700: case 701: case 1700: case 790:
        return SQL_NUM;
    case 16:
        return SQL_BOOL;
    default:
        return SQL_TEXT;
    }
}

/* The libpq message without its trailing newline, first line only. */
static void pg_why(PGconn *pg, const char *what, char *why, size_t whylen)
{
    const char *m = pg ? PQerrorMessage(pg) : "";
    size_t n = strcspn(m, "\n");
    snprintf(why, whylen, "%s%s%.*s", what, n ? ": " : "", (int)n, m);
}

/* Waits for the socket (in or out) until deadline. 1 ready, 0 timed out,
 * -1 asked to stop. */
static int wait_sock(sql_conn_t *c, bool out, double deadline)
{
    for (;;) {
        double left = deadline - bs_mono();
        if (left <= 0)
            return 0;
        struct pollfd fds[2] = { { PQsocket(c->pg), out ? POLLOUT : POLLIN, 0 },
                                 { feed_poller_fd(c->poll), POLLIN, 0 } };
        int r = poll(fds, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (feed_poller_stopping(c->poll) || r < 0)
            return -1;
        if (r > 0 && fds[0].revents)
            return 1;
    }
}

static sql_conn_t *pg_connect(feed_t *f, const char *password, feed_poller_t *poll, char *why, size_t whylen)
{
    sql_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    c->f = f;
    c->poll = poll;
    c->timeout = f->conf.timeout > 0 ? f->conf.timeout : SQL_DEFAULT_TIMEOUT;
    char opts[128], ct[32];
    snprintf(opts, sizeof opts, "-c default_transaction_read_only=on -c statement_timeout=%ld",
             (long)(c->timeout * 1000));
    snprintf(ct, sizeof ct, "%ld", (long)(c->timeout < 2 ? 2 : c->timeout));
    const char *keys[] = { "dbname", "password", "options", "connect_timeout", "application_name",
                           "keepalives", "keepalives_idle", NULL };
    const char *vals[] = { f->conf.url, password, opts, ct, "bigscreen", "1", "10", NULL };
    if (!password) {
        keys[1] = "options";          /* drop the password pair, keep the order */
        vals[1] = opts;
    }
    c->pg = PQconnectStartParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        pg_why(c->pg, "cannot connect", why, whylen);
        goto err;
    }
    double deadline = bs_mono() + c->timeout;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK) {
        if (st == PGRES_POLLING_FAILED) {
            pg_why(c->pg, "cannot connect", why, whylen);
            goto err;
        }
        int w = wait_sock(c, st == PGRES_POLLING_WRITING, deadline);
        if (w <= 0) {
            snprintf(why, whylen, w == 0 ? "cannot connect: no answer within %.0f s (timeout)" : "stopped",
                     c->timeout);
            goto err;
        }
        st = PQconnectPoll(c->pg);
    }
    if (PQsetnonblocking(c->pg, 1) != 0) {
        pg_why(c->pg, "cannot connect", why, whylen);
        goto err;
    }
    return c;
err:
    PQfinish(c->pg);
    free(c);
    return NULL;
}

/* Sends one command (simple or, with extended, as one parameterless
 * statement) and collects its results until the last. Returns the last
 * result (caller clears it) or NULL with why; *lost when the session is gone. */
static PGresult *exec(sql_conn_t *c, const char *sql, bool extended, double deadline, bool *lost,
                      char *why, size_t whylen)
{
    int sent = extended ? PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0) : PQsendQuery(c->pg, sql);
    if (!sent)
        goto gone;
    int fl;
    while ((fl = PQflush(c->pg)) == 1)
        if (wait_sock(c, true, deadline) <= 0)
            goto timeout;
    if (fl < 0)
        goto gone;
    PGresult *last = NULL;
    char err[400] = "";
    for (;;) {
        while (PQisBusy(c->pg)) {
            int w = wait_sock(c, false, deadline);
            if (w <= 0) {
                PQclear(last);
                goto timeout;
            }
            if (!PQconsumeInput(c->pg)) {
                PQclear(last);
                goto gone;
            }
        }
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            break;
        ExecStatusType es = PQresultStatus(r);
        if (es == PGRES_FATAL_ERROR && !err[0]) {
            const char *m = PQresultErrorMessage(r);
            snprintf(err, sizeof err, "%.*s", (int)strcspn(m, "\n"), m);
        }
        PQclear(last);
        last = r;
    }
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        PQclear(last);
        goto gone;
    }
    if (err[0] || !last) {
        snprintf(why, whylen, "%s", err[0] ? err : "no result");
        PQclear(last);
        return NULL;
    }
    return last;
timeout:
    *lost = true;
    snprintf(why, whylen, feed_poller_stopping(c->poll) ? "stopped" :
             "no answer within %.0f s (timeout); the session is dropped", c->timeout);
    return NULL;
gone:
    *lost = true;
    pg_why(c->pg, "the database connection is lost", why, whylen);
    return NULL;
}

static int pg_run(sql_conn_t *c, const feed_query_t *q, sql_build_t *b, char *why, size_t whylen)
{
    double deadline = bs_mono() + c->timeout + 2;   /* the server's own timeout fires first */
    bool lost = false;
    char begin[96], fetch[64];
    snprintf(begin, sizeof begin, "BEGIN READ ONLY; SET LOCAL statement_timeout = %ld", (long)(c->timeout * 1000));
    PGresult *r = exec(c, begin, false, deadline, &lost, why, whylen);
    if (!r)
        return lost ? -2 : -1;
    PQclear(r);
    size_t dl = strlen(q->sql) + 64;
    char *decl = malloc(dl);
    if (!decl) {
        snprintf(why, whylen, "out of memory");
        return -2;
    }
    snprintf(decl, dl, "DECLARE bigscreen_q NO SCROLL CURSOR FOR %s", q->sql);
    r = exec(c, decl, true, deadline, &lost, why, whylen);
    free(decl);
    int rc = -1;
    if (!r)
        goto rollback;
    PQclear(r);
    /* one more than the cap, so "too many" is seen without reading them all */
    snprintf(fetch, sizeof fetch, "FETCH FORWARD %lu FROM bigscreen_q",
             (unsigned long)((c->f->conf.max_rows > 0 ? c->f->conf.max_rows : SQL_DEFAULT_MAX_ROWS) + 1));
    r = exec(c, fetch, false, deadline, &lost, why, whylen);
    if (!r)
        goto rollback;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(why, whylen, "the statement returns no rows (use a SELECT)");
        PQclear(r);
        goto rollback;
    }
    int nc = PQnfields(r), nr = PQntuples(r);
    const char *names[256];
    sql_cell_t cells[256];
    if (nc > 256) {
        snprintf(why, whylen, "more than 256 columns");
        PQclear(r);
        goto rollback;
    }
    for (int i = 0; i < nc; i++)
        names[i] = PQfname(r, i);
    if (sql_build_cols(b, nc, names) != 0) {
        snprintf(why, whylen, "%s", sql_build_why(b));
        PQclear(r);
        goto rollback;
    }
    rc = 0;
    for (int row = 0; row < nr; row++) {
        for (int i = 0; i < nc; i++) {
            bool null = PQgetisnull(r, row, i);
            cells[i] = (sql_cell_t){ null ? SQL_NULL : kind_of(PQftype(r, i)), PQgetvalue(r, row, i),
                                     (size_t)PQgetlength(r, row, i) };
        }
        int k = sql_build_row(b, cells);
        if (k < 0) {
            snprintf(why, whylen, "%s", sql_build_why(b));
            rc = -1;
            break;
        }
        if (k > 0)
            break;
    }
    PQclear(r);
rollback:
    if (lost)
        return -2;
    {
        char scratch[256] = "";
        r = exec(c, "ROLLBACK", false, bs_mono() + c->timeout, &lost, scratch, sizeof scratch);
        PQclear(r);
        if (lost) {
            if (!why[0])
                snprintf(why, whylen, "%s", scratch);
            return -2;
        }
    }
    return rc;
}

static void pg_close(sql_conn_t *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    free(c);
}

static void pg_interrupt(sql_conn_t *c)
{
    (void)c;   /* every wait watches the poller's stop fd */
}

const sql_driver_t sql_pg_driver = {
    .name = "postgresql",
    .connect = pg_connect,
    .run = pg_run,
    .close = pg_close,
    .interrupt = pg_interrupt,
};

static int pg_check(const feed_conf_t *c, char *err, size_t errlen)
{
    const char *sep = strstr(c->url, "://");
    if (!sep) {                      /* "postgresql:" alone: no "://" to step over */
        snprintf(err, errlen, "feed \"%s\": expected postgresql://user@host:port/db", c->id ? c->id : "?");
        return -1;
    }
    const char *u = sep + 3;
    const char *at = strchr(u, '@'), *slash = strchr(u, '/');
    if (at && (!slash || at < slash) && memchr(u, ':', (size_t)(at - u))) {
        snprintf(err, errlen, "feed \"%s\": no password in the URL: use password_env or password_file",
                 c->id ? c->id : "?");
        return -1;
    }
    if (strstr(c->url, "password=")) {
        snprintf(err, errlen, "feed \"%s\": no password in the URL: use password_env or password_file",
                 c->id ? c->id : "?");
        return -1;
    }
    PQconninfoOption *o = PQconninfoParse(c->url, NULL);
    if (!o) {
        snprintf(err, errlen, "feed URL \"%s\" is not a PostgreSQL connection URI "
                 "(postgresql://user@host:port/db)", c->url);
        return -1;
    }
    PQconninfoFree(o);
    return sql_check_conf(c, err, errlen);
}

static int pg_start(feed_t *f)
{
    return sql_start(f, &sql_pg_driver);
}

const feed_backend_t feed_pg_backend = {
    .scheme = "postgresql",
    .check  = pg_check,
    .start  = pg_start,
    .stop   = sql_stop,
};

const feed_backend_t feed_pgalt_backend = {
    .scheme = "postgres",
    .check  = pg_check,
    .start  = pg_start,
    .stop   = sql_stop,
};
