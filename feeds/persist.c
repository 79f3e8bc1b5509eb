/* persist.c — last-known values on disk (see persist.h). */
#include "persist.h"
#include "fileio.h"
#include "jsonw.h"
#include "log.h"
#include "msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *persist_default_dir(void)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    char *out = NULL;
    if (x && x[0] == '/') {
        if (asprintf(&out, "%s/bigscreen", x) < 0)
            return NULL;
    } else if (h && h[0]) {
        if (asprintf(&out, "%s/.local/state/bigscreen", h) < 0)
            return NULL;
    }
    return out;
}

char *persist_path(const char *dir, const char *layout_file)
{
    const char *base = strrchr(layout_file, '/');
    base = base ? base + 1 : layout_file;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    if (n > 128)
        n = 128;
    char name[130];
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        name[i] = ok ? c : '_';
    }
    name[n] = '\0';
    if (n == 0 || name[0] == '.')
        name[0] = '_';
    if (n == 0)
        name[1] = '\0';
    char *out = NULL;
    if (asprintf(&out, "%s/%s.state.json", dir, name) < 0)
        return NULL;
    return out;
}

/* ---- serialise ----------------------------------------------------------- */

/* One message: {"topic":T,"op":"append","value":V,"ts":N} (op only for
 * history). Its length is known from the JSON lengths the store keeps. */
#define MSG_FIXED (sizeof "{\"topic\":,\"value\":,\"ts\":}" - 1)
#define MSG_APPEND (sizeof ",\"op\":\"append\"" - 1)

struct persist_saver {
    char      *buf;             /* the text so far, NUL-terminated */
    size_t     len, cap;
    bool       snapshot_first, started, done, oom;
    size_t     msgs;            /* messages written */
    store_iter_t it;            /* the entry under way or next */
    char      *topic;           /* entry under way (a copy); NULL between entries */
    size_t     topic_json;      /* its escaped length */
    uint64_t   from_seq;        /* under way: first history item chosen */
    uint64_t   last_seq;        /* under way: last history item written */
    size_t     set_len;         /* under way: its "set" message as planned */
    size_t     reserve;         /* kept for the "set" messages still to come */
    size_t     left;            /* entries not started yet (for a fair share) */
    uint64_t   cut_hist, cut_topics;
};

static size_t digits(int64_t v)
{
    char b[24];
    return (size_t)snprintf(b, sizeof b, "%lld", (long long)v);
}

static size_t msg_len(size_t topic_json, size_t value_json, int64_t ts, bool append)
{
    return MSG_FIXED + topic_json + value_json + digits(ts) + (append ? MSG_APPEND : 0);
}

static int64_t entry_ts(const store_entry_t *e, double now, int64_t wall_ms)
{
    int64_t ts = e->ts_ms ? e->ts_ms : wall_ms - (int64_t)llround((now - e->recv) * 1000);
    return ts < 0 ? 0 : ts;
}

/* Room for n more bytes (and the NUL) in z->buf. */
static bool ensure(persist_saver_t *z, size_t n)
{
    if (z->len + n + 1 <= z->cap)
        return true;
    size_t cap = z->cap ? z->cap : 4096;
    while (cap < z->len + n + 1)
        cap *= 2;
    char *b = realloc(z->buf, cap);
    if (!b) {
        z->oom = true;
        return false;
    }
    z->buf = b;
    z->cap = cap;
    return true;
}

/* Whether a message of n bytes still fits under the loader's cap, with what
 * is reserved for later "set" messages and the closing bracket. */
static bool fits(const persist_saver_t *z, size_t n, size_t reserved)
{
    return z->len + 1 + n + reserved + 1 <= PERSIST_MAX_BYTES;
}

static void put_msg(persist_saver_t *z, const char *topic, const bs_value_t *v, int64_t ts, bool append, size_t n)
{
    if (!ensure(z, n + 1))
        return;
    char *o = z->buf + z->len;
    if (z->msgs++)
        *o++ = ',';
    memcpy(o, "{\"topic\":", 9);
    o = jsonw_str(o + 9, topic, strlen(topic));
    if (append) {
        memcpy(o, ",\"op\":\"append\"", MSG_APPEND);
        o += MSG_APPEND;
    }
    memcpy(o, ",\"value\":", 9);
    o = jsonw_value(o + 9, v);
    o += sprintf(o, ",\"ts\":%lld}", (long long)ts);
    z->len = (size_t)(o - z->buf);
}

persist_saver_t *persist_saver_new(bool snapshot_first)
{
    persist_saver_t *z = calloc(1, sizeof *z);
    if (z)
        z->snapshot_first = snapshot_first;
    return z;
}

void persist_saver_free(persist_saver_t *z)
{
    if (!z)
        return;
    free(z->buf);
    free(z->topic);
    free(z);
}

size_t persist_saver_len(const persist_saver_t *z) { return z->len; }

char *persist_saver_take(persist_saver_t *z, size_t *len)
{
    if (!z->done || z->oom)
        return NULL;
    char *t = z->buf;
    if (len)
        *len = z->len;
    z->buf = NULL;
    z->len = z->cap = 0;
    return t;
}

/* The first step: the opening bracket, the optional snapshot, and what the
 * "set" messages of all entries will need. */
static void start(persist_saver_t *z, const store_t *s, double now, int64_t wall_ms)
{
    z->started = true;
    if (!ensure(z, 64))
        return;
    z->buf[z->len++] = '[';
    if (z->snapshot_first) {
        static const char snap[] = "{\"op\":\"snapshot\",\"topics\":{}}";
        memcpy(z->buf + z->len, snap, sizeof snap - 1);
        z->len += sizeof snap - 1;
        z->msgs++;
    }
    z->buf[z->len] = '\0';
    store_iter_t it = { 0, 0 };
    for (const store_entry_t *e; (e = store_iter_get(s, &it)); it.ord++) {
        z->reserve += 1 + msg_len(jsonw_str_len(e->topic, strlen(e->topic)), e->value_json,
                                  entry_ts(e, now, wall_ms), false);
        z->left++;
    }
}

/* Starts entry e: plans which of its newest history items fit its share of
 * what the cap leaves, or skips it when even its value does not fit. */
static void begin_entry(persist_saver_t *z, const store_entry_t *e, double now, int64_t wall_ms)
{
    size_t tj = jsonw_str_len(e->topic, strlen(e->topic));
    int64_t ts = entry_ts(e, now, wall_ms);
    size_t set_len = msg_len(tj, e->value_json, ts, false);
    z->reserve = z->reserve > set_len + 1 ? z->reserve - set_len - 1 : 0;
    size_t nleft = z->left ? z->left : 1;
    if (z->left)
        z->left--;
    if (!fits(z, set_len, z->reserve)) {
        z->cut_topics++;
        z->cut_hist += e->hist_len;
        z->it.ord++;
        return;
    }
    size_t avail = PERSIST_MAX_BYTES - (z->len + 1 + set_len + z->reserve + 1);
    size_t share = avail / nleft, sum = 0, j = e->hist_len;
    while (j > 0) {
        int64_t hts = 0;
        size_t hj = 0;
        store_hist_info(e, j - 1, &hts, NULL, &hj);
        size_t m = 1 + msg_len(tj, hj, hts > 0 ? hts : ts, true);
        if (sum + m > share)
            break;
        sum += m;
        j--;
    }
    z->cut_hist += j;
    z->from_seq = UINT64_MAX;
    if (j < e->hist_len)
        store_hist_info(e, j, NULL, &z->from_seq, NULL);
    z->last_seq = 0;
    z->topic_json = tj;
    z->set_len = set_len;
    z->topic = strdup(e->topic);
    if (!z->topic)
        z->oom = true;
}

int persist_saver_step(persist_saver_t *z, const store_t *s, double now, int64_t wall_ms, size_t step_bytes)
{
    if (z->done)
        return 1;
    size_t len0 = z->len;
    if (!z->started)
        start(z, s, now, wall_ms);
    while (!z->oom) {
        const store_entry_t *e;
        if (z->topic) {                    /* find the entry under way again */
            e = store_iter_get(s, &z->it);
            if ((!e || strcmp(e->topic, z->topic) != 0) && store_iter_find(s, z->topic, &z->it))
                e = store_iter_get(s, &z->it);
            else if (!e || strcmp(e->topic, z->topic) != 0) {
                free(z->topic);            /* deleted meanwhile: its history stands */
                z->topic = NULL;
                continue;
            }
        } else {
            e = store_iter_get(s, &z->it);
            if (!e)
                break;
            begin_entry(z, e, now, wall_ms);
            continue;
        }
        int64_t ts = entry_ts(e, now, wall_ms);
        bool paused = false;
        for (size_t i = 0; i < e->hist_len; i++) {
            int64_t hts = 0;
            uint64_t seq = 0;
            size_t hj = 0;
            const bs_value_t *h = store_hist_info(e, i, &hts, &seq, &hj);
            if (seq < z->from_seq || seq <= z->last_seq)
                continue;
            size_t m = msg_len(z->topic_json, hj, hts > 0 ? hts : ts, true);
            if (!fits(z, m, z->set_len + 1 + z->reserve)) {
                z->cut_hist++;
                z->last_seq = seq;
                continue;
            }
            if (z->len > len0 && z->len - len0 + m > step_bytes) {
                paused = true;
                break;
            }
            put_msg(z, e->topic, h, hts > 0 ? hts : ts, true, m);
            z->last_seq = seq;
        }
        if (paused)
            return z->oom ? -1 : 0;
        size_t m = msg_len(z->topic_json, e->value_json, ts, false);
        if (z->len > len0 && z->len - len0 + m > step_bytes)
            return 0;
        if (fits(z, m, z->reserve))
            put_msg(z, e->topic, e->value, ts, false, m);
        else
            z->cut_topics++;               /* grew past its plan: the history stands */
        free(z->topic);
        z->topic = NULL;
        z->it.ord++;
    }
    if (z->oom || !ensure(z, 1))
        return -1;
    z->buf[z->len++] = ']';
    z->buf[z->len] = '\0';
    z->done = true;
    return 1;
}

void persist_saver_cuts(const persist_saver_t *z, uint64_t *hist, uint64_t *topics)
{
    *hist = z->cut_hist;
    *topics = z->cut_topics;
}

char *persist_serialise(const store_t *s, double now, int64_t wall_ms, bool snapshot_first, size_t *len)
{
    persist_saver_t *z = persist_saver_new(snapshot_first);
    char *text = NULL;
    if (z && persist_saver_step(z, s, now, wall_ms, SIZE_MAX) == 1)
        text = persist_saver_take(z, len);
    persist_saver_free(z);
    return text;
}

/* ---- load ---------------------------------------------------------------- */

typedef struct {
    store_t *s;
    double   now;
    int      applied;
} load_t;

static void load_sink(feed_update_t *u, void *ud)
{
    load_t *l = ud;
    if (store_apply(l->s, u, l->now) == 0)
        l->applied++;
    feed_update_clear(u);
}

int persist_load(store_t *s, const char *path, const bs_limits_t *lim, double now,
                 char *err, size_t errlen)
{
    size_t n = 0;
    char *buf = bs_read_file(path, PERSIST_MAX_BYTES, &n, err, errlen);
    if (!buf)
        return errno == ENOENT ? 0 : -1;
    bs_limits_t l = *lim;
    l.frame_bytes = PERSIST_MAX_BYTES;
    load_t ld = { .s = s, .now = now };
    feed_parse_counts_t c = { 0 };
    char perr[160] = "";
    int rc = feed_parse_frame(buf, n, &l, -1, load_sink, &ld, &c, perr, sizeof perr);
    free(buf);
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return -1;
    }
    return ld.applied;
}

int persist_move_aside(const char *path, char *aside, size_t asidelen)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 0; i < 100; i++) {
        if (i == 0)
            snprintf(aside, asidelen, "%s.bad-%s", path, stamp);
        else
            snprintf(aside, asidelen, "%s.bad-%s-%d", path, stamp, i);
        /* never replace an earlier aside file: RENAME_NOREPLACE where the
         * file system has it, else a look first (our own directory) */
        if (renameat2(AT_FDCWD, path, AT_FDCWD, aside, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno == EEXIST)
            continue;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
        struct stat st;
        if (lstat(aside, &st) == 0)
            continue;
        return rename(path, aside);
    }
    errno = EEXIST;
    return -1;
}

/* ---- atomic write ------------------------------------------------------- */

/* mkdir -p dir (mode 0700 for what it creates). 0, or -1 with errno. */
static int mkdirs(char *dir)
{
    for (char *c = dir + 1; *c; c++)
        if (*c == '/') {
            *c = '\0';
            int rc = mkdir(dir, 0700);
            *c = '/';
            if (rc != 0 && errno != EEXIST)
                return -1;
        }
    return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int persist_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
    static unsigned seq;            /* names differ within a process, the pid between */
    char *tmp = NULL, *dir = NULL;
    int fd = -1;
    if (!(dir = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else
        strcpy(dir, slash ? "/" : ".");
    if (mkdirs(dir) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        goto err;
    }
    /* a fresh name created here and now: O_EXCL|O_NOFOLLOW never opens what
     * someone put at that name before (a symlink to a file to overwrite) */
    for (int i = 0; i < 16 && fd < 0; i++) {
        free(tmp);
        unsigned n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);
        if (asprintf(&tmp, "%s.tmp-%ld-%u", path, (long)getpid(), n) < 0) {
            tmp = NULL;
            snprintf(err, errlen, "out of memory");
            goto err;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        goto err;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            goto err_unlink;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        fd = -1;
        snprintf(err, errlen, "cannot sync %s: %s", tmp, strerror(errno));
        goto err_unlink;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto err_unlink;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {                 /* make the rename itself durable */
        fsync(dfd);
        close(dfd);
    }
    free(tmp);
    free(dir);
    return 0;
err_unlink:
    if (fd >= 0)
        close(fd);
    fd = -1;
    unlink(tmp);
err:
    if (fd >= 0)
        close(fd);
    free(tmp);
    free(dir);
    return -1;
}

/* ---- writer thread ------------------------------------------------------- */

struct persist_writer {
    char           *path;
    pthread_t       thread;
    pthread_mutex_t lock;       /* guards everything below */
    pthread_cond_t  cond;
    char           *pending;
    size_t          pending_len;
    bool            quit;
    uint64_t        written, failed;
};

static void *writer_main(void *arg)
{
    persist_writer_t *w = arg;
    time_t last_log = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        if (!w->pending && w->quit)
            break;
        char *text = w->pending;
        size_t len = w->pending_len;
        w->pending = NULL;
        pthread_mutex_unlock(&w->lock);
        char err[512];
        int rc = persist_write_atomic(w->path, text, len, err, sizeof err);
        free(text);
        if (rc != 0 && time(NULL) - last_log >= 60) {
            last_log = time(NULL);
            bs_log(BS_LOG_WARNING, "saving last-known values: %s", err);
        }
        pthread_mutex_lock(&w->lock);
        if (rc == 0)
            w->written++;
        else
            w->failed++;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Removes PATH.tmp-PID-N files left by a writer that died mid-write (a
 * power cut, a kill): only those whose PID is no longer running, so another
 * screen writing the same file is left alone. A link of that name is
 * removed, never followed. */
static void remove_stale_temps(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
    const char *base = slash ? slash + 1 : path;
    char prefix[512];
    int pl = snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    DIR *d = opendir(dir);
    if (!d || pl <= 0 || (size_t)pl >= sizeof prefix) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, (size_t)pl) != 0)
            continue;
        char *end;
        long pid = strtol(de->d_name + pl, &end, 10);
        if (pid <= 0 || *end != '-' || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;                           /* its writer still runs (or may: EPERM) */
        unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

persist_writer_t *persist_writer_new(const char *path, char *err, size_t errlen)
{
    remove_stale_temps(path);
    persist_writer_t *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the state writer thread");
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        goto err;
    }
    return w;
err:
    if (w)
        free(w->path);
    free(w);
    return NULL;
}

void persist_writer_submit(persist_writer_t *w, char *text, size_t len)
{
    pthread_mutex_lock(&w->lock);
    free(w->pending);
    w->pending = text;
    w->pending_len = len;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void persist_writer_free(persist_writer_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->quit = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    free(w->pending);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w->path);
    free(w);
}

void persist_writer_counts(persist_writer_t *w, uint64_t *written, uint64_t *failed)
{
    pthread_mutex_lock(&w->lock);
    *written = w->written;
    *failed = w->failed;
    pthread_mutex_unlock(&w->lock);
}
