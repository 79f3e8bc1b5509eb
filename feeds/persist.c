/* persist.c — last-known values on disk (see persist.h). */
#include "persist.h"
#include "fileio.h"
#include "msg.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
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

/* A cJSON copy of v; NULL on allocation failure. Store values were built
 * under caps, so the recursion depth is bounded by the feed's depth cap. */
static cJSON *to_cjson(const bs_value_t *v)
{
    switch (v->type) {
    case BS_NULL: return cJSON_CreateNull();
    case BS_BOOL: return cJSON_CreateBool(v->u.b);
    case BS_NUM:  return cJSON_CreateNumber(v->u.num);
    case BS_STR:  return cJSON_CreateString(v->u.str);
    case BS_ARR:
    case BS_OBJ: {
        cJSON *c = v->type == BS_ARR ? cJSON_CreateArray() : cJSON_CreateObject();
        if (!c)
            return NULL;
        for (uint32_t i = 0; i < v->n; i++) {
            cJSON *it = to_cjson(v->u.c.items[i]);
            if (!it) {
                cJSON_Delete(c);
                return NULL;
            }
            if (v->type == BS_ARR)
                cJSON_AddItemToArray(c, it);
            else
                cJSON_AddItemToObject(c, v->u.c.keys[i], it);
        }
        return c;
    }
    }
    return NULL;
}

typedef struct {
    cJSON  *arr;
    double  now;
    int64_t wall_ms;
    bool    oom;
} ser_t;

static bool add_msg(ser_t *z, const char *topic, const bs_value_t *v, int64_t ts, const char *op)
{
    cJSON *m = cJSON_CreateObject(), *val = to_cjson(v);
    if (!m || !val) {
        cJSON_Delete(m);
        cJSON_Delete(val);
        return false;
    }
    cJSON_AddStringToObject(m, "topic", topic);
    if (op)
        cJSON_AddStringToObject(m, "op", op);
    cJSON_AddItemToObject(m, "value", val);
    cJSON_AddNumberToObject(m, "ts", (double)ts);
    cJSON_AddItemToArray(z->arr, m);
    return true;
}

static void ser_entry(const store_entry_t *e, void *ud)
{
    ser_t *z = ud;
    if (z->oom)
        return;
    int64_t ts = e->ts_ms ? e->ts_ms : z->wall_ms - (int64_t)llround((z->now - e->recv) * 1000);
    if (ts < 0)
        ts = 0;
    for (size_t i = 0; i < e->hist_len; i++) {
        int64_t hts = 0;
        const bs_value_t *h = store_hist(e, i, &hts);
        if (h && !add_msg(z, e->topic, h, hts > 0 ? hts : ts, "append")) {
            z->oom = true;
            return;
        }
    }
    if (!add_msg(z, e->topic, e->value, ts, NULL))
        z->oom = true;
}

char *persist_serialise(const store_t *s, double now, int64_t wall_ms, bool snapshot_first, size_t *len)
{
    ser_t z = { .arr = cJSON_CreateArray(), .now = now, .wall_ms = wall_ms };
    char *text = NULL;
    if (!z.arr)
        return NULL;
    if (snapshot_first) {
        cJSON *m = cJSON_CreateObject();
        if (!m)
            goto out;
        cJSON_AddItemToArray(z.arr, m);
        cJSON_AddStringToObject(m, "op", "snapshot");
        cJSON_AddObjectToObject(m, "topics");
    }
    store_foreach(s, ser_entry, &z);
    if (!z.oom)
        text = cJSON_PrintUnformatted(z.arr);
    if (text && len)
        *len = strlen(text);
out:
    cJSON_Delete(z.arr);
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
            fprintf(stderr, "bigscreen: saving last-known values: %s\n", err);
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

persist_writer_t *persist_writer_new(const char *path, char *err, size_t errlen)
{
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
