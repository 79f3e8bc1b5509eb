/*
 * sql_mysql.c — the "mysql://" feed back end (MySQL and MariaDB), through
 * Debian's libmariadb.
 *
 * URL: mysql://[user@]host[:port]/database, or mysql://[user@]localhost/
 * database?socket=/path/to/mysqld.sock. A password in it is refused: it comes
 * from password_env / password_file. The session is made read-only (SET
 * SESSION TRANSACTION READ ONLY), with a statement timeout (MariaDB's
 * max_statement_time, MySQL's max_execution_time: whichever the server
 * knows), one statement per query (no multi-statements), and each query runs
 * in START TRANSACTION READ ONLY … ROLLBACK, streaming rows
 * (mysql_use_result) so that a million rows are never held: past max_rows
 * the rest is read and dropped (bounded by the statement timeout). Reads and
 * writes time out after the feed's timeout on the client side too, and a
 * stop shuts the socket down so nothing waits for the server.
 */
#include "sql.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"

struct sql_conn {
    MYSQL  *my;
    feed_t *f;
    double  timeout;
};

typedef struct {
    char user[128], host[256], db[128], socket[512];
    unsigned port;
} my_url_t;

/* Splits a mysql:// URL. 0, or -1 with err. */
static int parse_url(const char *url, my_url_t *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (strncmp(url, "mysql://", 8) != 0)
        goto bad;
    const char *s = url + 8;
    const char *slash = strchr(s, '/');
    const char *at = strchr(s, '@');
    if (at && (!slash || at < slash)) {
        if (memchr(s, ':', (size_t)(at - s))) {
            snprintf(err, errlen, "no password in the URL: use password_env or password_file");
            return -1;
        }
        if ((size_t)(at - s) >= sizeof u->user)
            goto bad;
        snprintf(u->user, sizeof u->user, "%.*s", (int)(at - s), s);
        s = at + 1;
    }
    size_t hl = strcspn(s, ":/?");
    if (hl == 0 || hl >= sizeof u->host)
        goto bad;
    snprintf(u->host, sizeof u->host, "%.*s", (int)hl, s);
    s += hl;
    if (*s == ':') {
        char *end;
        long port = strtol(s + 1, &end, 10);
        if (end == s + 1 || port < 1 || port > 65535)
            goto bad;
        u->port = (unsigned)port;
        s = end;
    }
    if (*s == '/') {
        s++;
        size_t dl = strcspn(s, "?");
        if (dl >= sizeof u->db)
            goto bad;
        snprintf(u->db, sizeof u->db, "%.*s", (int)dl, s);
        s += dl;
    }
    if (*s == '?') {
        if (strncmp(s, "?socket=", 8) != 0 || strlen(s + 8) >= sizeof u->socket || !s[8])
            goto bad;
        snprintf(u->socket, sizeof u->socket, "%s", s + 8);
        s += strlen(s);
    }
    if (*s)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "\"%s\" must look like mysql://user@host[:port]/database[?socket=PATH]", url);
    return -1;
}

static void my_why(MYSQL *my, const char *what, char *why, size_t whylen)
{
    snprintf(why, whylen, "%s: %s", what, my ? mysql_error(my) : "out of memory");
}

static sql_conn_t *my_connect(feed_t *f, const char *password, feed_poller_t *poll, char *why, size_t whylen)
{
    (void)poll;
    my_url_t u;
    if (parse_url(f->conf.url, &u, why, whylen) != 0)
        return NULL;
    sql_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    c->f = f;
    c->timeout = f->conf.timeout > 0 ? f->conf.timeout : SQL_DEFAULT_TIMEOUT;
    c->my = mysql_init(NULL);
    if (!c->my) {
        snprintf(why, whylen, "out of memory");
        free(c);
        return NULL;
    }
    unsigned t = (unsigned)(c->timeout < 1 ? 1 : c->timeout) + 1;
    unsigned ct = t;
    mysql_options(c->my, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
    mysql_options(c->my, MYSQL_OPT_READ_TIMEOUT, &t);
    mysql_options(c->my, MYSQL_OPT_WRITE_TIMEOUT, &t);
    mysql_options(c->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    my_bool no = 0;
    mysql_options(c->my, MYSQL_OPT_RECONNECT, &no);
    mysql_options(c->my, MYSQL_OPT_LOCAL_INFILE, &no);
    if (!mysql_real_connect(c->my, u.host, u.user[0] ? u.user : NULL, password, u.db[0] ? u.db : NULL, u.port,
                            u.socket[0] ? u.socket : NULL, 0)) {
        my_why(c->my, "cannot connect", why, whylen);
        mysql_close(c->my);
        free(c);
        return NULL;
    }
    char set[128];
    if (mysql_query(c->my, "SET SESSION TRANSACTION READ ONLY") != 0) {
        my_why(c->my, "cannot make the session read-only", why, whylen);
        mysql_close(c->my);
        free(c);
        return NULL;
    }
    /* MariaDB: seconds; MySQL: ms. The one the server does not know fails. */
    snprintf(set, sizeof set, "SET SESSION max_statement_time = %g", c->timeout);
    if (mysql_query(c->my, set) != 0) {
        snprintf(set, sizeof set, "SET SESSION max_execution_time = %ld", (long)(c->timeout * 1000));
        mysql_query(c->my, set);
    }
    return c;
}

static sql_kind_t kind_of(const MYSQL_FIELD *fd)
{
    if (fd->type == MYSQL_TYPE_BIT)
        return SQL_TEXT;
    return IS_NUM(fd->type) ? SQL_NUM : SQL_TEXT;
}

/* An error of the server that leaves the session usable (a bad query), or
 * one that lost it (CR_* client errors are 2000..2999). */
static int fail(sql_conn_t *c, char *why, size_t whylen)
{
    unsigned e = mysql_errno(c->my);
    snprintf(why, whylen, "%s", mysql_error(c->my));
    return e >= 2000 && e < 3000 ? -2 : -1;
}

static int my_run(sql_conn_t *c, const feed_query_t *q, sql_build_t *b, char *why, size_t whylen)
{
    if (mysql_query(c->my, "START TRANSACTION READ ONLY") != 0)
        return fail(c, why, whylen);
    int rc = -1;
    if (mysql_real_query(c->my, q->sql, strlen(q->sql)) != 0) {
        rc = fail(c, why, whylen);
        goto rollback;
    }
    MYSQL_RES *res = mysql_use_result(c->my);
    if (!res) {
        if (mysql_field_count(c->my) == 0)
            snprintf(why, whylen, "the statement returns no rows (use a SELECT)");
        else
            rc = fail(c, why, whylen);
        goto rollback;
    }
    unsigned nc = mysql_num_fields(res);
    MYSQL_FIELD *fields = mysql_fetch_fields(res);
    const char *names[256];
    sql_cell_t cells[256];
    bool stopped_early = false;
    if (nc > 256) {
        snprintf(why, whylen, "more than 256 columns");
        stopped_early = true;
    } else {
        for (unsigned i = 0; i < nc; i++)
            names[i] = fields[i].name;
        if (sql_build_cols(b, (int)nc, names) != 0) {
            snprintf(why, whylen, "%s", sql_build_why(b));
            stopped_early = true;
        }
    }
    rc = 0;
    MYSQL_ROW row;
    while (!stopped_early && (row = mysql_fetch_row(res))) {
        unsigned long *lens = mysql_fetch_lengths(res);
        for (unsigned i = 0; i < nc; i++)
            cells[i] = (sql_cell_t){ row[i] ? kind_of(&fields[i]) : SQL_NULL, row[i] ? row[i] : "",
                                     row[i] ? lens[i] : 0 };
        int k = sql_build_row(b, cells);
        if (k != 0) {
            if (k < 0)
                snprintf(why, whylen, "%s", sql_build_why(b));
            stopped_early = true;
            rc = k < 0 ? -1 : 0;
        }
    }
    if (stopped_early && rc == 0 && why[0])
        rc = -1;
    if (!stopped_early && mysql_errno(c->my)) {
        rc = fail(c, why, whylen);
        mysql_free_result(res);
        if (rc == -2)
            return -2;
        goto rollback;
    }
    mysql_free_result(res);
rollback:
    if (mysql_query(c->my, "ROLLBACK") != 0) {
        if (!why[0])
            fail(c, why, whylen);
        return -2;
    }
    return rc;
}

static void my_close(sql_conn_t *c)
{
    if (!c)
        return;
    if (c->my)
        mysql_close(c->my);
    free(c);
}

static void my_interrupt(sql_conn_t *c)
{
    if (c && c->my) {
        my_socket fd = mysql_get_socket(c->my);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);    /* a blocked read returns now */
    }
}

const sql_driver_t sql_mysql_driver = {
    .name = "mysql",
    .connect = my_connect,
    .run = my_run,
    .close = my_close,
    .interrupt = my_interrupt,
};

static int my_check(const feed_conf_t *c, char *err, size_t errlen)
{
    my_url_t u;
    char e[256];
    if (parse_url(c->url, &u, e, sizeof e) != 0) {
        snprintf(err, errlen, "feed \"%s\": %s", c->id ? c->id : "?", e);
        return -1;
    }
    return sql_check_conf(c, err, errlen);
}

static int my_start(feed_t *f)
{
    return sql_start(f, &sql_mysql_driver);
}

const feed_backend_t feed_mysql_backend = {
    .scheme = "mysql",
    .check  = my_check,
    .start  = my_start,
    .stop   = sql_stop,
};
