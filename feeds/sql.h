/*
 * sql.h — what the SQL feed back ends (postgresql://, mysql://) share: the
 * poll loop, the password, and the shaping of result rows into one value.
 *
 * A database feed runs its queries one after the other on the feed's thread,
 * every `every` seconds, each in a read-only transaction with a statement
 * timeout; a driver (sql_pg.c, sql_mysql.c) knows how to connect and run one
 * query, handing rows to a builder that shapes them:
 *   value  the first column of the first row → number / string / null
 *   row    the first row → {column: cell}
 *   rows   every row → [{column: cell}, ...]
 *   map    every row → {first column: second column} (the map widget's input)
 * Numeric columns become numbers, booleans booleans, NULL null, the rest
 * strings (valid UTF-8, at most limits.string_len bytes). More than max_rows
 * rows or max_bytes of cells fails the query (never a truncated picture).
 *
 * Threads: everything here runs on the feed's thread, except the driver's
 * interrupt(), which feed_stop() calls from the owner's thread to unblock a
 * query in progress.
 */
#ifndef BS_SQL_H
#define BS_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include "feed.h"
#include "poller.h"

#define SQL_DEFAULT_EVERY    60.0
#define SQL_DEFAULT_TIMEOUT  10.0
#define SQL_DEFAULT_MAX_ROWS 1000
#define SQL_DEFAULT_MAX      (8.0 * 1024 * 1024)

typedef enum { SQL_NULL = 0, SQL_NUM, SQL_BOOL, SQL_TEXT } sql_kind_t;

typedef struct {
    sql_kind_t  kind;
    const char *s;       /* the cell as text (not needed for SQL_NULL) */
    size_t      len;
} sql_cell_t;

typedef struct sql_build sql_build_t;

/* A builder for one query's result under the caps. NULL out of memory. */
sql_build_t *sql_build_new(qshape_t shape, size_t max_rows, size_t max_bytes, const bs_limits_t *lim);
void sql_build_free(sql_build_t *b);
/* The result's columns (called once, before any row). 0, or -1 (why set). */
int  sql_build_cols(sql_build_t *b, int ncols, const char *const *names);
/* One row of ncols cells. 0 go on, 1 enough (shapes value/row need one row),
 * -1 a cap is broken or a cell is bad: stop fetching (why set). */
int  sql_build_row(sql_build_t *b, const sql_cell_t *cells);
/* The shaped value (caller owns it), or NULL with why (e.g. no rows). */
bs_value_t *sql_build_finish(sql_build_t *b);
const char *sql_build_why(const sql_build_t *b);
size_t      sql_build_rows(const sql_build_t *b);

typedef struct sql_conn sql_conn_t;

/* A database driver. All calls on the feed thread but interrupt(). */
typedef struct {
    const char *name;                                    /* "postgresql" */
    /* Opens a session for f (password may be NULL). NULL with why. */
    sql_conn_t *(*connect)(feed_t *f, const char *password, feed_poller_t *poll, char *why, size_t whylen);
    /* Runs q in a read-only transaction with the feed's statement timeout,
     * feeding b. 0 good, -1 the query failed (why; the session is fine),
     * -2 the session is lost (why; the caller reconnects). */
    int         (*run)(sql_conn_t *c, const feed_query_t *q, sql_build_t *b, char *why, size_t whylen);
    void        (*close)(sql_conn_t *c);
    /* Any thread: makes a blocked run() return soon (-2). */
    void        (*interrupt)(sql_conn_t *c);
} sql_driver_t;

extern const sql_driver_t sql_pg_driver;
extern const sql_driver_t sql_mysql_driver;

/* The keys every database feed needs or refuses (queries; no map, body,
 * headers or tokens), for the drivers' check(). 0, or -1 with err. */
int  sql_check_conf(const feed_conf_t *c, char *err, size_t errlen);
int  sql_start(feed_t *f, const sql_driver_t *drv);
void sql_stop(feed_t *f);

#endif
