/* reload.c — layout hot reload through inotify (see reload.h). */
#include "reload.h"
#include "log.h"
#include "draw.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define SETTLE_MS 150          /* quiet time after the last change before reading */

struct reload {
    char           *path;       /* the layout file as given */
    char           *dir;        /* its directory */
    const char     *base;       /* its file name, inside path */
    int             ifd;        /* inotify */
    int             pipe_rd, pipe_wr; /* commands to the watcher: 'q' stop, 'r' reload */
    pthread_t       thread;
    pthread_mutex_t lock;       /* guards pending */
    bool            has_pending;
    reload_result_t pending;
    screen_prep_t  *to_draw;    /* given by the render thread, drawn here */
    screen_prep_t  *drawn;      /* drawn, for reload_poll (before pending: older) */
    screen_chores_t chores[8];  /* given by the render thread, run here */
    int             nchores;
    char           *fonts[FONT_N_ROLES]; /* of the last layout posted (watcher only) */
    bool            fonts_known;
};

static void result_clear(reload_result_t *r)
{
    screen_prep_free(r->prep);
    text_cache_free(r->tc);
    layout_free(r->layout);
    free(r->errors);
    memset(r, 0, sizeof *r);
}

static const char *const *overrides;
static int n_overrides;
static const char *pinned_page;

void reload_set_page(const char *page)
{
    pinned_page = page;
}

void reload_set_feed_overrides(const char *const *ov, int n)
{
    overrides = ov;
    n_overrides = n;
}

/* Reads and checks the file; posts a layout or the problems. */
static void load_and_post(reload_t *r)
{
    reload_result_t res = { 0 };
    diag_t d = { 0 };
    bool unreadable;
    res.layout = layout_load_file(r->path, &d, &unreadable);
    for (int i = 0; res.layout && i < n_overrides; i++) {
        const char *eq = strchr(overrides[i], '=');
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)(eq - overrides[i]), overrides[i]);
        if (layout_set_feed_url(res.layout, id, eq + 1) != 0) {
            diag_pos(&d, 1, 1, "the layout no longer has the feed \"%s\" named by --feed", id);
            layout_free(res.layout);
            res.layout = NULL;
        }
    }
    if (res.layout && pinned_page && layout_pin_page(res.layout, pinned_page) != 0) {
        diag_pos(&d, 1, 1, "the layout no longer has the page \"%s\" named by --page", pinned_page);
        layout_free(res.layout);
        res.layout = NULL;
    }
    if (res.layout) {                  /* open the fonts here when they changed */
        bool same = r->fonts_known;
        for (int i = 0; same && i < FONT_N_ROLES; i++) {
            const char *a = r->fonts[i], *b = res.layout->theme.fonts[i];
            same = (!a && !b) || (a && b && strcmp(a, b) == 0);
        }
        if (!same) {
            char err[256];
            res.tc = text_cache_new(&res.layout->theme, SCREEN_TEXT_CACHE_BYTES, err, sizeof err);
            for (int i = 0; i < FONT_N_ROLES; i++) {   /* NULL tc: the swap retries and reports */
                free(r->fonts[i]);
                r->fonts[i] = res.layout->theme.fonts[i] ? strdup(res.layout->theme.fonts[i]) : NULL;
            }
            r->fonts_known = res.tc != NULL;
        }
    }
    if (!res.layout) {
        size_t cap = 256, len = 0;
        size_t kept = d.count < DIAG_MAX ? d.count : DIAG_MAX;
        for (size_t i = 0; i < kept; i++)
            cap += strlen(d.msgs[i]) + 1;
        res.errors = malloc(cap);
        if (res.errors) {
            res.errors[0] = '\0';
            for (size_t i = 0; i < kept; i++)
                len += (size_t)snprintf(res.errors + len, cap - len, "%s\n", d.msgs[i]);
            if (d.count > kept)
                snprintf(res.errors + len, cap - len, "... and %zu more\n", d.count - kept);
        }
    }
    diag_clear(&d);
    pthread_mutex_lock(&r->lock);
    if (r->has_pending)
        result_clear(&r->pending);      /* an unread older result is superseded */
    r->pending = res;
    r->has_pending = true;
    pthread_mutex_unlock(&r->lock);
}

/* Runs the chores given so far (watcher; or reload_stop after the join). */
static void run_chores(reload_t *r)
{
    for (;;) {
        screen_chores_t ch;
        pthread_mutex_lock(&r->lock);
        bool got = r->nchores > 0;
        if (got) {
            ch = r->chores[0];
            memmove(r->chores, r->chores + 1, sizeof r->chores[0] * (size_t)(r->nchores - 1));
            r->nchores--;
        }
        pthread_mutex_unlock(&r->lock);
        if (!got)
            return;
        screen_chores_run(&ch);
    }
}

/* Draws the screen given by reload_prepare, if any, and posts it. */
static void draw_prep(reload_t *r)
{
    pthread_mutex_lock(&r->lock);
    screen_prep_t *p = r->to_draw;
    r->to_draw = NULL;
    pthread_mutex_unlock(&r->lock);
    if (!p)
        return;
    screen_prep_draw(p);
    draw_thread_release();             /* this thread's scratch: it draws again only at the next reload */
    pthread_mutex_lock(&r->lock);
    screen_prep_t *old = r->drawn;     /* an unread older one is superseded */
    r->drawn = p;
    pthread_mutex_unlock(&r->lock);
    screen_prep_free(old);
}

void reload_prepare(reload_t *r, screen_prep_t *p)
{
    pthread_mutex_lock(&r->lock);      /* held by the watcher only for copies */
    screen_prep_t *old = r->to_draw;
    r->to_draw = p;
    pthread_mutex_unlock(&r->lock);
    if (old)                           /* a newer layout came before it was drawn */
        screen_prep_free(old);         /* memory only: its layout never ran */
    ssize_t w = write(r->pipe_wr, "p", 1);
    (void)w;
}

void reload_give(reload_t *r, screen_chores_t *ch)
{
    if (!r) {
        screen_chores_run(ch);
        return;
    }
    pthread_mutex_lock(&r->lock);      /* held by the watcher only for copies */
    bool queued = r->nchores < (int)(sizeof r->chores / sizeof r->chores[0]);
    if (queued)
        r->chores[r->nchores++] = *ch;
    pthread_mutex_unlock(&r->lock);
    if (!queued) {                     /* eight swaps behind: rather slow than lost */
        screen_chores_run(ch);
        return;
    }
    memset(ch, 0, sizeof *ch);
    ssize_t w = write(r->pipe_wr, "c", 1);
    (void)w;
}

static void *watch(void *arg)
{
    reload_t *r = arg;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool dirty = false;
    for (;;) {
        struct pollfd p[2] = { { r->ifd, POLLIN, 0 }, { r->pipe_rd, POLLIN, 0 } };
        int n = poll(p, 2, dirty ? SETTLE_MS : -1);
        if (n < 0 && errno != EINTR)
            break;
        if (p[1].revents) {  /* 'q': stop; 'r': read the file now (SIGHUP); 'c': chores; 'p': draw */
            char cmd[64];
            ssize_t got = read(r->pipe_rd, cmd, sizeof cmd);
            if (got <= 0 || memchr(cmd, 'q', (size_t)got))
                break;
            run_chores(r);
            draw_prep(r);
            if (memchr(cmd, 'r', (size_t)got)) {
                dirty = false;
                load_and_post(r);
            }
            continue;
        }
        if (n == 0 && dirty) {           /* settled: read it */
            dirty = false;
            load_and_post(r);
            continue;
        }
        if (p[0].revents & POLLIN) {
            ssize_t len = read(r->ifd, buf, sizeof buf);
            for (char *q = buf; len > 0 && q < buf + len;) {
                const struct inotify_event *ev = (const struct inotify_event *)q;
                if (ev->len && strcmp(ev->name, r->base) == 0)
                    dirty = true;
                q += sizeof *ev + ev->len;
            }
        }
    }
    return NULL;
}

reload_t *reload_start(const char *path)
{
    reload_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ifd = r->pipe_rd = r->pipe_wr = -1;
    r->path = strdup(path);
    if (!r->path)
        goto err;
    const char *slash = strrchr(r->path, '/');
    r->base = slash ? slash + 1 : r->path;
    r->dir = slash ? strndup(r->path, (size_t)(slash - r->path) + (slash == r->path)) : strdup(".");
    if (!r->dir)
        goto err;
    r->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (r->ifd < 0 || inotify_add_watch(r->ifd, r->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
        bs_log(BS_LOG_WARNING, "hot reload off: cannot watch %s: %s", r->dir, strerror(errno));
        goto err;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)      /* the render thread never waits on it */
        goto err;
    r->pipe_rd = fds[0];
    r->pipe_wr = fds[1];
    pthread_mutex_init(&r->lock, NULL);
    if (pthread_create(&r->thread, NULL, watch, r) != 0) {
        pthread_mutex_destroy(&r->lock);
        goto err;
    }
    return r;
err:
    if (r->ifd >= 0)
        close(r->ifd);
    if (r->pipe_rd >= 0) {
        close(r->pipe_rd);
        close(r->pipe_wr);
    }
    free(r->dir);
    free(r->path);
    free(r);
    return NULL;
}

int reload_request(reload_t *r)
{
    if (!r)
        return -1;
    ssize_t w = write(r->pipe_wr, "r", 1);      /* a full pipe: a reload is already asked for */
    (void)w;
    return 0;
}

void reload_stop(reload_t *r)
{
    if (!r)
        return;
    ssize_t w = write(r->pipe_wr, "q", 1);
    (void)w;
    pthread_join(r->thread, NULL);
    run_chores(r);
    for (int i = 0; i < FONT_N_ROLES; i++)
        free(r->fonts[i]);
    close(r->ifd);
    close(r->pipe_rd);
    close(r->pipe_wr);
    if (r->has_pending)
        result_clear(&r->pending);
    screen_prep_free(r->to_draw);
    screen_prep_free(r->drawn);
    pthread_mutex_destroy(&r->lock);
    free(r->dir);
    free(r->path);
    free(r);
}

bool reload_poll(reload_t *r, reload_result_t *out)
{
    if (!r || pthread_mutex_trylock(&r->lock) != 0)
        return false;
    if (r->drawn) {                    /* the older result first: it was posted first */
        memset(out, 0, sizeof *out);
        out->prep = r->drawn;
        r->drawn = NULL;
        pthread_mutex_unlock(&r->lock);
        return true;
    }
    bool got = r->has_pending;
    if (got) {
        *out = r->pending;
        memset(&r->pending, 0, sizeof r->pending);
        r->has_pending = false;
    }
    pthread_mutex_unlock(&r->lock);
    return got;
}
