/*
 * file.c — the "file:" feed back end: a JSON or CSV file kept by hand (the
 * year's targets), re-read whenever it changes.
 *
 * URL: file:PATH or file:///PATH (a relative PATH in a layout is taken from
 * the layout's directory — the loader resolves it). JSON holds feed-protocol
 * messages or a plain {topic: value} object (or anything, with a "map");
 * CSV ("format": "csv", or a .csv name) holds topic,value lines.
 *
 * The watcher: inotify on the file's directory, so editors that write a new
 * file and rename it over the old one are seen; the file is also re-read
 * every `every` seconds (default 30), which keeps its values fresh and covers
 * a missed event. A file that is missing, not a regular file, over max_bytes
 * or broken is reported (rate-limited), counted as rejected, and makes the
 * feed down; the values it gave last stay in the store.
 *
 * Thread: one per feed (poller.h); it alone owns the inotify fd.
 */
#include "feed.h"
#include "fileio.h"
#include "poller.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

#define FILE_DEFAULT_EVERY 30.0
#define FILE_DEFAULT_MAX   (8.0 * 1024 * 1024)

typedef struct {
    feed_poller_t poll;
    char          path[PATH_MAX];
    char          dir[PATH_MAX];
    const char   *base;            /* inside path */
    bool          csv;
    struct stat   seen;            /* the file last read (dev, ino, size, mtime) */
    bool          have_seen;
} file_priv_t;

/* The path of a file: URL, or NULL. */
static const char *file_path(const char *url)
{
    if (strncmp(url, "file://", 7) == 0)
        return url[7] == '/' ? url + 7 : NULL;     /* file:///abs */
    return strncmp(url, "file:", 5) == 0 && url[5] ? url + 5 : NULL;
}

static int file_check(const feed_conf_t *c, char *err, size_t errlen)
{
    const char *p = file_path(c->url);
    if (!p || strlen(p) >= PATH_MAX - 1 || p[strlen(p) - 1] == '/') {
        snprintf(err, errlen, "feed URL \"%s\" must look like file:PATH or file:///PATH", c->url);
        return -1;
    }
    if (c->format && strcmp(c->format, "json") != 0 && strcmp(c->format, "csv") != 0) {
        snprintf(err, errlen, "feed \"%s\": \"format\" must be json or csv", c->id ? c->id : "?");
        return -1;
    }
    if (c->nqueries || c->body || c->nheaders || c->token_env || c->token_file || c->ca_file || c->insecure) {
        snprintf(err, errlen, "feed \"%s\": a file: feed takes no queries, body, headers, tokens or TLS options",
                 c->id ? c->id : "?");
        return -1;
    }
    return 0;
}

/* Reads the file whole, capped, through the shared reader (bs_read_file:
 * never blocks on a FIFO, a regular file only). 0 and *buf (malloc'd), or
 * -1 with why. */
static int read_capped(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
                       char *why, size_t whylen)
{
    *buf = bs_read_file_stat(path, max, len, st, why, whylen);
    if (*buf)
        return 0;
    if (errno == EFBIG)
        snprintf(why, whylen, "%.200s is over the %zu byte cap (max_bytes)", path, max);
    return -1;
}

/* Reads and applies the file. 0 good, -1 failed with why. */
static int read_file(feed_t *f, file_priv_t *p, char *why, size_t whylen)
{
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    size_t max = (size_t)(f->conf.max_bytes > 0 ? f->conf.max_bytes : FILE_DEFAULT_MAX);
    if (read_capped(p->path, max, &buf, &len, &st, why, whylen) != 0) {
        if (errno != ENOENT)
            feed_status_count(f, 0, 1, 0);
        return -1;
    }
    int n = feed_ingest_doc(f, buf, len, p->csv ? DOC_CSV : DOC_JSON, 0);
    free(buf);
    if (n < 0) {
        snprintf(why, whylen, "%.200s is broken (%s); its last values stay", p->path, p->csv ? "bad CSV" : "invalid JSON");
        return -1;
    }
    p->seen = st;
    p->have_seen = true;
    return 0;
}

static void *file_thread(void *arg)
{
    feed_t *f = arg;
    file_priv_t *p = f->priv;
    double every = f->conf.every > 0 ? f->conf.every : FILE_DEFAULT_EVERY;
    int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int wd = -1;
    bool want = true;              /* read at start */
    double next = 0;
    while (!feed_poller_stopping(&p->poll)) {
        if (in >= 0 && wd < 0)
            wd = inotify_add_watch(in, p->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                                               IN_MOVED_FROM | IN_ATTRIB | IN_MODIFY);
        double now = bs_mono();
        if (want || now >= next) {
            char why[512] = "";
            double t0 = bs_mono();
            int rc = read_file(f, p, why, sizeof why);
            feed_status_poll(f, rc == 0, bs_mono() - t0);
            double d = rc == 0 ? feed_poll_ok(&p->poll, f, every) : feed_poll_fail(&p->poll, f, every, why);
            next = bs_mono() + (rc == 0 ? d : (d < every ? d : every));
            want = false;
        }
        double wait = next - bs_mono();
        /* an unwatchable directory (not there yet): look again every second */
        if (wd < 0 && wait > 1)
            wait = 1;
        struct pollfd fds[2] = { { feed_poller_fd(&p->poll), POLLIN, 0 }, { in, POLLIN, 0 } };
        int r = poll(fds, in >= 0 && wd >= 0 ? 2 : 1, wait > 0 ? (int)(wait * 1000) + 1 : 0);
        if (r < 0 && errno != EINTR)
            break;
        if (feed_poller_stopping(&p->poll))
            break;
        if (r > 0 && in >= 0 && wd >= 0 && (fds[1].revents & POLLIN)) {
            char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
            ssize_t n;
            while ((n = read(in, ev, sizeof ev)) > 0)
                for (char *e = ev; e < ev + n;) {
                    struct inotify_event *ie = (struct inotify_event *)e;
                    if (ie->mask & (IN_IGNORED | IN_DELETE_SELF))
                        wd = -1;                  /* the directory went: watch again */
                    else if (ie->len && strcmp(ie->name, p->base) == 0 &&
                             !(ie->mask & (IN_DELETE | IN_MOVED_FROM)))
                        want = true;
                    e += sizeof *ie + ie->len;
                }
            if (want) {
                /* let an editor finish its burst of writes (truncate, write, close) */
                if (!feed_poller_wait(&p->poll, 0.05))
                    break;
                while (read(in, ev, sizeof ev) > 0)
                    ;
            }
        }
    }
    if (in >= 0)
        close(in);
    return NULL;
}

static int file_start(feed_t *f)
{
    file_priv_t *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    const char *path = file_path(f->conf.url);
    snprintf(p->path, sizeof p->path, "%s", path);
    const char *slash = strrchr(p->path, '/');
    if (slash) {
        snprintf(p->dir, sizeof p->dir, "%.*s", slash == p->path ? 1 : (int)(slash - p->path), p->path);
        p->base = slash + 1;
    } else {
        snprintf(p->dir, sizeof p->dir, ".");
        p->base = p->path;
    }
    size_t bl = strlen(p->base);
    p->csv = f->conf.format ? strcmp(f->conf.format, "csv") == 0
                            : bl > 4 && strcasecmp(p->base + bl - 4, ".csv") == 0;
    f->priv = p;
    feed_status_set(f, FEED_CONNECTING, bs_wall_ms(), NULL);
    if (feed_poller_start(&p->poll, file_thread, f) != 0) {
        free(p);
        f->priv = NULL;
        return -1;
    }
    return 0;
}

static void file_stop(feed_t *f)
{
    file_priv_t *p = f->priv;
    if (!p)
        return;
    feed_poller_stop(&p->poll);
    free(p);
    f->priv = NULL;
}

const feed_backend_t feed_file_backend = {
    .scheme = "file",
    .check  = file_check,
    .start  = file_start,
    .stop   = file_stop,
};
