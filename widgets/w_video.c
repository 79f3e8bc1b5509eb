/*
 * w_video.c — "video": a file or a stream (http(s), HLS, RTSP) played muted in
 * its rect through libmpv's render API with the software renderer: camera
 * feeds and the union's promo clips on the wall.
 *
 * Threads. mpv decodes on its own threads. Each playing widget has one
 * decoder thread of ours (vthread) that owns the mpv handle and its render
 * context: it takes mpv's events, and when mpv's update callback says a new
 * frame is ready it renders that frame (mpv_render_context_render, software:
 * scaling and colour conversion) into a back buffer sized to the widget's
 * rect in output pixels (capped), then swaps it with the shared "ready"
 * buffer. The render thread never calls mpv and never waits for it: each
 * tick() it takes the ready buffer if there is a fresh one (a pointer swap
 * under a mutex held only for swaps and flag reads, never while rendering),
 * and invalidates the video's area of its own layer, so the screen's damage
 * holds only the video's rect, at the video's frame rate.
 *
 * Files loop (or stop on their last frame). Streams that drop or never
 * answer are retried with a backoff of 1, 2, 4 .. 30 s on the decoder
 * thread's own timer, and "信号中断" is drawn over the last frame while one
 * is down. Errors known from the layout (no src, a scheme that is not
 * http/https/rtsp/rtsps, a file that does not exist or is not a regular
 * file, control characters, a src over 1024 bytes, a bad poster) fail
 * check with file:line:col; errors known only at run time (a corrupt file,
 * a refused connection) are a drawn error state and a counter
 * (wdg_video_stats, the report's "videos").
 *
 * A decoder starts on the first visit of the widget's page, not at load: a
 * video on a page not yet shown costs no thread, no libmpv, no memory. While
 * its page is off screen a file pauses and a stream plays on without
 * rendering; once the page has been off screen for "hidden_stop" seconds
 * the decoder is stopped (its memory, tens of MB with ffmpeg's buffers,
 * goes back) without waiting for it on the render thread: the thread is
 * told to quit and joined by a later tick once it says it is done. The
 * last frame stays on screen, and a file starts again where it was when
 * the page returns.
 *
 * Snapshots (--snapshot, with --at T) are deterministic: nothing plays;
 * settle() opens the file on the calling thread, seeks exactly (hr-seek) to
 * T (T modulo the duration when the file loops), waits for that frame with
 * a timeout and renders it with hardware decoding off. A stream in a
 * snapshot shows its poster, or a placeholder: a dark panel with a play
 * glyph and the source's name.
 *
 * libmpv is loaded at run time (dlopen of MPV_SONAME), not linked: a layout
 * without a video never maps it nor ffmpeg and the rest under it (about
 * 20 MB of shared pages and their relocations at start). The first
 * mpv_open(), on a decoder thread or in settle(), loads it once
 * (pthread_once) and fills the table `mpvf`; the table is written only
 * inside that once and read only after it, by any thread, never written
 * again; the library is never closed. mpv/client.h and mpv/render.h give
 * the types only. When it cannot be loaded the widget draws 无法播放 with the reason
 * "libmpv not available: <dlerror>", counts an error, logs once.
 */
#include "widget.h"
#include "clock.h"
#include "imgcache.h"
#include "log.h"
#include "video.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpv/client.h>
#include <mpv/render.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define VIDEO_SRC_MAX       1024     /* bytes of "src" */
#define VIDEO_MAX_W         3840     /* rendered frame, output pixels */
#define VIDEO_MAX_H         2160
#define VIDEO_SNAP_TIMEOUT  10.0     /* s a snapshot waits for its frame */
#define VIDEO_BACKOFF_MAX   30.0     /* s between stream retries at most */
#define VIDEO_STALL_S       12.0     /* a playing stream with no frame this long is down */
#define VIDEO_JOIN_S        3.0      /* destroy waits this long for the decoder thread */
#define VIDEO_MAX_PLAYING   8        /* decoders running at once in the process */

enum { FIT_CONTAIN = 0, FIT_COVER };

/* ---- libmpv, loaded on first use ------------------------------------------ */

#define MPV_SONAME "libmpv.so.2"         /* Debian's libmpv2 (debian/control names it) */

#define MPV_FUNCS(X) \
    X(mpv_command_async) X(mpv_create) X(mpv_error_string) X(mpv_get_property) X(mpv_initialize) \
    X(mpv_observe_property) X(mpv_render_context_create) X(mpv_render_context_free) \
    X(mpv_render_context_render) X(mpv_render_context_set_update_callback) X(mpv_render_context_update) \
    X(mpv_set_option_string) X(mpv_set_property_async) X(mpv_set_wakeup_callback) \
    X(mpv_terminate_destroy) X(mpv_wait_event)

#define MPV_FIELD(n) __typeof__(n) *n;
static struct { MPV_FUNCS(MPV_FIELD) } mpvf;   /* written only in mpv_load_once() */
static pthread_once_t mpv_once = PTHREAD_ONCE_INIT;
static bool mpv_ok;
static char mpv_err[160];                       /* why not, when !mpv_ok */

static void mpv_load_once(void)
{
    void *lib = dlopen(MPV_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(mpv_err, sizeof mpv_err, "libmpv not available: %s", e ? e : MPV_SONAME);
        goto err;
    }
#define MPV_SYM(n) \
    if (!(*(void **)&mpvf.n = dlsym(lib, #n))) { \
        snprintf(mpv_err, sizeof mpv_err, "libmpv not available: %s has no %s", MPV_SONAME, #n); \
        goto err; \
    }
    MPV_FUNCS(MPV_SYM)
#undef MPV_SYM
    mpv_ok = true;                        /* lib stays loaded for the process's life */
    return;
err:
    bs_log(BS_LOG_ERR, "video: %s", mpv_err);
}

/* Loads libmpv once (any thread; the first caller does it, the others wait
 * in pthread_once). 0, or -1 with the reason in err. */
static int mpv_load(char *err, size_t errlen)
{
    pthread_once(&mpv_once, mpv_load_once);
    if (mpv_ok)
        return 0;
    snprintf(err, errlen, "%s", mpv_err);
    return -1;
}

/* From here on the libmpv calls go through the table. */
#define mpv_command_async                      (*mpvf.mpv_command_async)
#define mpv_create                             (*mpvf.mpv_create)
#define mpv_error_string                       (*mpvf.mpv_error_string)
#define mpv_get_property                       (*mpvf.mpv_get_property)
#define mpv_initialize                         (*mpvf.mpv_initialize)
#define mpv_observe_property                   (*mpvf.mpv_observe_property)
#define mpv_render_context_create              (*mpvf.mpv_render_context_create)
#define mpv_render_context_free                (*mpvf.mpv_render_context_free)
#define mpv_render_context_render              (*mpvf.mpv_render_context_render)
#define mpv_render_context_set_update_callback (*mpvf.mpv_render_context_set_update_callback)
#define mpv_render_context_update              (*mpvf.mpv_render_context_update)
#define mpv_set_option_string                  (*mpvf.mpv_set_option_string)
#define mpv_set_property_async                 (*mpvf.mpv_set_property_async)
#define mpv_set_wakeup_callback                (*mpvf.mpv_set_wakeup_callback)
#define mpv_terminate_destroy                  (*mpvf.mpv_terminate_destroy)
#define mpv_wait_event                         (*mpvf.mpv_wait_event)

/* What the widget shows, as the decoder thread last said. */
enum vstate {
    VS_IDLE = 0,      /* not started (snapshots: a stream, or no frame yet) */
    VS_OPENING,       /* loading the file / connecting */
    VS_PLAYING,       /* frames arriving */
    VS_LOST,          /* a stream dropped after frames: "信号中断", retrying */
    VS_ERROR,         /* cannot play (corrupt file, refused, no video): retrying */
};
static const char *const state_names[] = { "idle", "opening", "playing", "lost", "error" };

/* One frame buffer: bgr0 pixels (cairo RGB24 on little-endian), 64-byte
 * aligned rows, wrapped as a cairo surface. */
typedef struct {
    unsigned char   *px;
    int              w, h;
    size_t           stride;
    cairo_surface_t *surf;
} vframe_t;

/* Shared by the render thread and the decoder thread. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    /* guarded by mu */
    bool      quit, update, events;  /* wake reasons */
    bool      hidden;                /* the widget's page is not on screen: files pause,
                                        streams play on without rendering */
    vframe_t *ready;                 /* the newest rendered frame */
    bool      fresh;                 /* ready holds a frame the render thread has not taken */
    int       state, tries;          /* enum vstate; retries since the last frame */
    char      reason[96];            /* why VS_ERROR / VS_LOST (short, for the screen) */
    uint64_t  gen;                   /* bumped on every state change */
    bool      done;                  /* the thread has finished (destroy's timed join) */
    /* written by the render thread's draw(), read by the decoder thread: the
     * video area's size in output pixels (0: not drawn yet) */
    atomic_int want_w, want_h;
    /* decoder thread only */
    vframe_t   bufs[3];
    vframe_t  *back;
    mpv_handle *mpv;
    mpv_render_context *rc;
    char      *url;                  /* what mpv opens (absolute path or URL) */
    bool       stream, loop;
    int        fit;
    int64_t    vw, vh;               /* video display size (dwidth, dheight) */
    double     retry_at;             /* mono time of the next attempt; 0: none */
    double     backoff;
    double     last_frame;           /* mono time of the last frame */
    bool       had_frame;            /* this attempt has shown a frame */
    bool       loaded;               /* this attempt's file is open: FILE_LOADED
                                        came and no END_FILE since. A picture
                                        mpv draws between attempts (its last
                                        frame again, or black) is not playing */
    double     start_at;             /* files: position to start at (set before the thread) */
    /* written by the decoder thread before done, read after it */
    double     pos;                  /* files: position when it quit (-1: unknown) */
} vshared_t;

typedef struct {
    wdg_t        base;
    char        *src, *poster;
    bool         loop, frame;
    int          fit;
    double       hidden_stop;        /* s off screen before the decoder stops */
    /* from init */
    char        *url;                /* absolute file path or the URL */
    char         name[128];          /* what the placeholder shows (credentials cut) */
    bool         stream;
    const wdg_image_t *pim;          /* the poster, shared (imgcache) */
    /* render thread */
    vshared_t   *sh;                 /* NULL until playback starts (live) */
    pthread_t    th;
    vshared_t   *dying;              /* a stopped decoder not yet joined (live) */
    pthread_t    dying_th;
    double       hidden_at;          /* now when the page went off screen; NAN while shown */
    double       resume;             /* files: where the next decoder starts (s) */
    bool         started, failed, hidden;
    bool         refused;            /* over VIDEO_MAX_PLAYING: tried again each tick */
    vframe_t    *front;              /* the frame shown (owned by the render thread) */
    vframe_t     snap;               /* snapshots: the frame at T; live: the last frame of a
                                        stopped decoder, shown until the next one has a frame */
    int          state, tries;
    char         reason[96];
    uint64_t     gen;
    uint64_t     frames;             /* frames taken by this widget */
} video_t;

static const char *const fit_names[] = { "contain", "cover", NULL };

static const opt_def_t video_opts[] = {
    { "src",    OPT_STR,  offsetof(video_t, src), 0, VIDEO_SRC_MAX, NULL, NULL, NULL,
      "the video: a file relative to the layout's directory or the data directory, or an http(s):// "
      "(HLS .m3u8 too), rtsp:// or rtsps:// URL (required)" },
    { "loop",   OPT_BOOL, offsetof(video_t, loop), 0, 0, "true", NULL, NULL,
      "files: start again at the end (false: stay on the last frame); streams always reconnect" },
    { "fit",    OPT_ENUM, offsetof(video_t, fit), 0, 0, "contain", fit_names, NULL,
      "contain: the whole picture, letterboxed; cover: fills the rect, cropped" },
    { "poster", OPT_STR,  offsetof(video_t, poster), 0, 1024, NULL, NULL, NULL,
      "PNG or SVG shown before the first frame, and for a stream in snapshots" },
    { "frame",  OPT_BOOL, offsetof(video_t, frame), 0, 0, "true", NULL, NULL,
      "draw the panel (with the title) around it" },
    { "hidden_stop", OPT_NUM, offsetof(video_t, hidden_stop), 0, 86400, "60", NULL, NULL,
      "seconds the widget's page may be off screen before its decoder is stopped (its memory freed; "
      "the last frame stays, a file resumes where it was); until then a file pauses. The decoder "
      "starts on the first visit of the page, never at load" },
    OPT_END,
};

/* ---- counters ------------------------------------------------------------ */

static atomic_ullong st_frames, st_errors, st_drops, st_retries, st_playing, st_starts, st_stops;

void wdg_video_stats(wdg_video_stats_t *out)
{
    out->playing = st_playing;
    out->frames = st_frames;
    out->errors = st_errors;
    out->drops = st_drops;
    out->retries = st_retries;
    out->starts = st_starts;
    out->stops = st_stops;
}

/* ---- checking src (init, at layout load) --------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

/* The URL's host and path without user:password@, at most len bytes. */
static void url_name(const char *url, char *out, size_t len)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash))
        p = at + 1;
    snprintf(out, len, "%s", p);
}

static int video_init(wdg_t *w, char *err, size_t errlen)
{
    video_t *k = (video_t *)w;
    w->err_key = "src";                 /* where a failure below is reported */
    if (!k->src || !k->src[0]) {
        snprintf(err, errlen, "\"src\" is required: a video file or an http(s):// or rtsp:// URL");
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)k->src; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(err, errlen, "\"src\" has a control character (byte %d)", *p);
            return -1;
        }
    const char *sep = strstr(k->src, "://");
    if (sep) {
        static const char *const schemes[] = { "http://", "https://", "rtsp://", "rtsps://", NULL };
        bool ok = false;
        for (int i = 0; schemes[i] && !ok; i++)
            ok = has_prefix(k->src, schemes[i]);
        if (!ok) {
            snprintf(err, errlen, "\"src\" scheme \"%.*s\" is not one of http, https, rtsp, rtsps",
                     (int)(sep - k->src > 16 ? 16 : sep - k->src), k->src);
            return -1;
        }
        if (!sep[3] || sep[3] == '/') {
            snprintf(err, errlen, "\"src\" URL has no host");
            return -1;
        }
        k->stream = true;
        k->url = strdup(k->src);
        url_name(k->src, k->name, sizeof k->name);
    } else {
        char path[1024], abs[PATH_MAX];
        struct stat sb;
        if (wdg_find_file(w, k->src, path, sizeof path) != 0) {
            snprintf(err, errlen, "cannot find \"%s\" (looked in %s)", k->src, path);
            return -1;
        }
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            snprintf(err, errlen, "\"%s\" is not a regular file", k->src);
            return -1;
        }
        if (sb.st_size == 0) {
            snprintf(err, errlen, "\"%s\" is empty", k->src);
            return -1;
        }
        /* absolute, so mpv never reads a name as one of its protocols */
        if (!realpath(path, abs)) {
            snprintf(err, errlen, "cannot resolve \"%s\": %s", k->src, strerror(errno));
            return -1;
        }
        k->url = strdup(abs);
        const char *b = strrchr(k->src, '/');
        snprintf(k->name, sizeof k->name, "%s", b ? b + 1 : k->src);
    }
    if (!k->url) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->hidden_at = NAN;
    if (k->poster) {
        char path[1024];
        w->err_key = "poster";
        if (wdg_find_file(w, k->poster, path, sizeof path) != 0) {
            snprintf(err, errlen, "cannot find poster \"%s\" (looked in %s)", k->poster, path);
            return -1;
        }
        size_t n = strlen(k->poster);
        k->pim = wdg_image_acquire(path, n > 4 && strcasecmp(k->poster + n - 4, ".svg") == 0, err, errlen);
        if (!k->pim)
            return -1;
    }
    return 0;
}

/* ---- frame buffers -------------------------------------------------------- */

static void frame_free(vframe_t *f)
{
    if (f->surf)
        cairo_surface_destroy(f->surf);
    free(f->px);
    memset(f, 0, sizeof *f);
}

/* Makes f hold w × h pixels (kept when it already does). 0 or -1. */
static int frame_size(vframe_t *f, int w, int h)
{
    if (f->px && f->w == w && f->h == h)
        return 0;
    frame_free(f);
    size_t stride = ((size_t)w * 4 + 63) & ~(size_t)63;
    void *px = NULL;
    if (posix_memalign(&px, 64, stride * (size_t)h) != 0)
        return -1;
    memset(px, 0, stride * (size_t)h);
    f->px = px;
    f->w = w;
    f->h = h;
    f->stride = stride;
    f->surf = cairo_image_surface_create_for_data(f->px, CAIRO_FORMAT_RGB24, w, h, (int)stride);
    if (cairo_surface_status(f->surf) != CAIRO_STATUS_SUCCESS) {
        frame_free(f);
        return -1;
    }
    return 0;
}

/* The size to render at: the video area (cw × ch output pixels, or the
 * video's own size before the first draw) fitted to the picture for
 * contain, the whole area for cover (mpv crops: panscan 1); capped. */
static void target_size(int fit, int64_t vw, int64_t vh, int cw, int ch, int *tw, int *th)
{
    if (vw <= 0 || vh <= 0)
        vw = 16, vh = 9;
    if (cw <= 0 || ch <= 0) {
        cw = (int)(vw < VIDEO_MAX_W ? vw : VIDEO_MAX_W);
        ch = (int)(vh < VIDEO_MAX_H ? vh : VIDEO_MAX_H);
    }
    double w = cw, h = ch;
    if (fit == FIT_CONTAIN) {
        double s = fmin(cw / (double)vw, ch / (double)vh);
        w = vw * s;
        h = vh * s;
    }
    double cap = fmin(1.0, fmin(VIDEO_MAX_W / w, VIDEO_MAX_H / h));
    *tw = (int)fmax(2, fmin(VIDEO_MAX_W, lround(w * cap)));
    *th = (int)fmax(2, fmin(VIDEO_MAX_H, lround(h * cap)));
}

/* Lets mpv drop its current frame without drawing it (a stream whose
 * page is not on screen). */
static void skip_frame(mpv_render_context *rc)
{
    int skip = 1, block = 0;
    mpv_render_param p[] = {
        { MPV_RENDER_PARAM_SKIP_RENDERING, &skip },
        { MPV_RENDER_PARAM_BLOCK_FOR_TARGET_TIME, &block },
        { 0 },
    };
    mpv_render_context_render(rc, p);
}

/* Renders mpv's current frame into f at tw × th. 0 or -1. */
static int render_frame(mpv_render_context *rc, vframe_t *f, int tw, int th)
{
    if (frame_size(f, tw, th) != 0)
        return -1;
    int size[2] = { tw, th }, block = 0;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    char fmt[] = "0rgb";
#else
    char fmt[] = "bgr0";                  /* cairo RGB24: 0x00RRGGBB in native order */
#endif
    mpv_render_param p[] = {
        { MPV_RENDER_PARAM_SW_SIZE, size },
        { MPV_RENDER_PARAM_SW_FORMAT, fmt },
        { MPV_RENDER_PARAM_SW_STRIDE, &f->stride },
        { MPV_RENDER_PARAM_SW_POINTER, f->px },
        { MPV_RENDER_PARAM_BLOCK_FOR_TARGET_TIME, &block },
        { 0 },
    };
    if (mpv_render_context_render(rc, p) < 0)
        return -1;
    cairo_surface_mark_dirty(f->surf);
    return 0;
}

/* ---- mpv ------------------------------------------------------------------ */

static void on_update(void *ctx)
{
    vshared_t *v = ctx;
    pthread_mutex_lock(&v->mu);
    v->update = true;
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

static void on_wakeup(void *ctx)
{
    vshared_t *v = ctx;
    pthread_mutex_lock(&v->mu);
    v->events = true;
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
}

/* An mpv core set up for one widget, with its software render context.
 * live: hardware decoding where there is some (copied back: the software
 * renderer needs the pixels); snapshots decode in software, the same
 * pixels on every machine. Loads libmpv the first time. NULL with a reason
 * in err; *nolib set when libmpv could not be loaded (already logged). */
static mpv_handle *mpv_open(bool live, bool stream, bool loop, int fit, mpv_render_context **rc,
                            char *err, size_t errlen, bool *nolib)
{
    *nolib = false;
    if (mpv_load(err, errlen) < 0) {
        *nolib = true;
        return NULL;
    }
    mpv_handle *h = mpv_create();
    if (!h) {
        snprintf(err, errlen, "mpv_create failed");
        return NULL;
    }
    static const char *const common[][2] = {
        { "config", "no" }, { "terminal", "no" }, { "msg-level", "all=no" },
        { "vo", "libmpv" }, { "audio", "no" }, { "mute", "yes" }, { "sub", "no" },
        { "input-default-bindings", "no" }, { "input-vo-keyboard", "no" }, { "osc", "no" },
        { "load-scripts", "no" }, { "ytdl", "no" }, { "osd-level", "0" }, { "idle", "yes" },
        { "hr-seek", "yes" }, { "video-timing-offset", "0" }, { "keepaspect", "yes" },
        { "network-timeout", "10" }, { "rtsp-transport", "tcp" },
        { "demuxer-max-bytes", "32MiB" }, { "demuxer-max-back-bytes", "4MiB" },
        { "load-stats-overlay", "no" }, { "load-osd-console", "no" },
    };
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        mpv_set_option_string(h, common[i][0], common[i][1]);   /* an option this mpv lacks: ignored */
    /* VA-API (Intel, AMD) and NVDEC, copied back for the software renderer;
     * not "auto-copy-safe", whose VDPAU probe prints "Failed to open VDPAU
     * backend" on every box without an NVIDIA driver, past mpv's logging */
    if (mpv_set_option_string(h, "hwdec", live ? "vaapi-copy,nvdec-copy" : "no") < 0)
        mpv_set_option_string(h, "hwdec", live ? "auto-copy" : "no");
    mpv_set_option_string(h, "loop-file", loop && !stream ? "inf" : "no");
    mpv_set_option_string(h, "keep-open", stream ? "no" : "yes");   /* a file stays on its last frame */
    mpv_set_option_string(h, "panscan", fit == FIT_COVER ? "1.0" : "0");
    if (mpv_initialize(h) < 0) {
        snprintf(err, errlen, "mpv_initialize failed");
        mpv_terminate_destroy(h);
        return NULL;
    }
    mpv_render_param p[] = {
        { MPV_RENDER_PARAM_API_TYPE, (void *)MPV_RENDER_API_TYPE_SW },
        { 0 },
    };
    int rcode = mpv_render_context_create(rc, h, p);
    if (rcode < 0) {
        snprintf(err, errlen, "no software renderer in libmpv: %s", mpv_error_string(rcode));
        mpv_terminate_destroy(h);
        return NULL;
    }
    mpv_observe_property(h, 1, "dwidth", MPV_FORMAT_INT64);
    mpv_observe_property(h, 2, "dheight", MPV_FORMAT_INT64);
    return h;
}

static void mpv_close(mpv_handle *h, mpv_render_context *rc)
{
    if (rc)
        mpv_render_context_free(rc);     /* before the core, as render.h asks */
    if (h)
        mpv_terminate_destroy(h);
}

static void loadfile(mpv_handle *h, const char *url)
{
    const char *cmd[] = { "loadfile", url, "replace", NULL };
    mpv_command_async(h, 0, cmd);
}

/* A short reason for the screen from an END_FILE error. */
static void end_reason(const mpv_event_end_file *ef, bool stream, char *out, size_t len)
{
    int e = ef->error;
    if (e == MPV_ERROR_UNKNOWN_FORMAT)
        snprintf(out, len, "文件格式无法识别");
    else if (e == MPV_ERROR_NOTHING_TO_PLAY)
        snprintf(out, len, "没有可播放的画面");
    else if (e == MPV_ERROR_LOADING_FAILED && stream)
        snprintf(out, len, "无法连接");
    else if (e == MPV_ERROR_LOADING_FAILED)
        snprintf(out, len, "无法打开文件");
    else if (stream)
        snprintf(out, len, "信号源无响应");
    else
        snprintf(out, len, "无法解码: %s", mpv_error_string(e));
}

/* ---- the decoder thread --------------------------------------------------- */

static void set_state(vshared_t *v, int state, const char *reason)
{
    pthread_mutex_lock(&v->mu);
    if (v->state != state || (reason && strcmp(v->reason, reason) != 0)) {
        v->state = state;
        snprintf(v->reason, sizeof v->reason, "%s", reason ? reason : "");
        v->gen++;
    }
    pthread_mutex_unlock(&v->mu);
}

/* One attempt failed or a stream dropped: the state, a counter, and the
 * next attempt after the backoff (1, 2, 4 .. 30 s). */
static void failed(vshared_t *v, const char *reason, double now)
{
    bool lost = v->stream && v->had_frame;
    atomic_fetch_add(lost ? &st_drops : &st_errors, 1);
    pthread_mutex_lock(&v->mu);
    int prev = v->state;
    v->tries++;
    v->gen++;                             /* the count of tries shows */
    pthread_mutex_unlock(&v->mu);
    if (prev != VS_LOST && prev != VS_ERROR)
        bs_log(BS_LOG_WARNING, "video %s: %s; retrying", v->stream ? "stream" : "file", reason);
    set_state(v, lost || (v->stream && prev == VS_LOST) ? VS_LOST : VS_ERROR, reason);
    v->retry_at = now + v->backoff;
    v->backoff = fmin(VIDEO_BACKOFF_MAX, v->backoff * 2);
    v->had_frame = false;
    v->loaded = false;
}

static void handle_events(vshared_t *v, double now)
{
    for (;;) {
        mpv_event *ev = mpv_wait_event(v->mpv, 0);
        if (ev->event_id == MPV_EVENT_NONE)
            return;
        switch (ev->event_id) {
        case MPV_EVENT_PROPERTY_CHANGE: {
            mpv_event_property *pr = ev->data;
            if (pr->format == MPV_FORMAT_INT64 && pr->data) {
                if (ev->reply_userdata == 1)
                    v->vw = *(int64_t *)pr->data;
                else if (ev->reply_userdata == 2)
                    v->vh = *(int64_t *)pr->data;
            }
            break;
        }
        case MPV_EVENT_END_FILE: {
            mpv_event_end_file *ef = ev->data;
            char why[96];
            v->loaded = false;
            if (ef->reason == MPV_END_FILE_REASON_ERROR) {
                end_reason(ef, v->stream, why, sizeof why);
                failed(v, why, now);
            } else if (ef->reason == MPV_END_FILE_REASON_EOF) {
                /* a stream that ended, or a file that had no picture */
                if (v->stream || !v->had_frame)
                    failed(v, v->stream ? "信号源已断开" : "没有可播放的画面", now);
            }
            break;
        }
        case MPV_EVENT_FILE_LOADED:
            v->loaded = true;
            if (v->start_at > 0) {        /* resumed: loops and retries start at 0 again */
                if (mpv_set_option_string(v->mpv, "start", "none") < 0)
                    mpv_set_option_string(v->mpv, "start", "0");
                v->start_at = 0;
            }
            break;
        case MPV_EVENT_SHUTDOWN:
            v->retry_at = 0;
            break;
        default:
            break;
        }
    }
}

static void *vthread(void *arg)
{
    vshared_t *v = arg;
    v->backoff = 1;
    char err[160];
    bool nolib;
    v->mpv = mpv_open(true, v->stream, v->loop, v->fit, &v->rc, err, sizeof err, &nolib);
    if (!v->mpv) {
        if (!nolib)
            bs_log(BS_LOG_ERR, "video: %s", err);
        atomic_fetch_add(&st_errors, 1);
        set_state(v, VS_ERROR, nolib ? err : "播放器无法启动");
        goto out;
    }
    mpv_set_wakeup_callback(v->mpv, on_wakeup, v);
    mpv_render_context_set_update_callback(v->rc, on_update, v);
    set_state(v, VS_OPENING, NULL);
    if (!v->stream && v->start_at > 0 && isfinite(v->start_at)) {
        char at[32];                      /* where the last decoder of this widget stopped */
        snprintf(at, sizeof at, "%.3f", v->start_at);
        mpv_set_option_string(v->mpv, "start", at);
    }
    loadfile(v->mpv, v->url);
    int rw = 0, rh = 0;                   /* size of the last render */
    bool hidden = false;
    for (;;) {
        pthread_mutex_lock(&v->mu);
        while (!v->quit && !v->update && !v->events && v->hidden == hidden) {
            double now = bs_mono(), until = now + 0.25;
            if (v->retry_at > 0 && v->retry_at < until)
                until = v->retry_at;
            if (until <= now)
                break;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            double d = until - now;
            ts.tv_sec += (time_t)d;
            ts.tv_nsec += (long)((d - floor(d)) * 1e9);
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            if (pthread_cond_timedwait(&v->cv, &v->mu, &ts) == ETIMEDOUT)
                break;
        }
        bool quit = v->quit, update = v->update, events = v->events, hide = v->hidden;
        v->update = v->events = false;
        pthread_mutex_unlock(&v->mu);
        if (quit)
            break;
        double now = bs_mono();
        if (events)
            handle_events(v, now);
        if (hide != hidden) {
            hidden = hide;
            int flag = hidden;
            if (!v->stream)               /* a file waits on its frame; a live stream cannot */
                mpv_set_property_async(v->mpv, 0, "pause", MPV_FORMAT_FLAG, &flag);
            v->last_frame = now;
        }
        int tw, th;
        target_size(v->fit, v->vw, v->vh, atomic_load(&v->want_w), atomic_load(&v->want_h), &tw, &th);
        bool redraw = false;
        if (update)
            redraw = (mpv_render_context_update(v->rc) & MPV_RENDER_UPDATE_FRAME) != 0;
        if (!redraw && v->had_frame && v->loaded && (tw != rw || th != rh) && !hidden)
            redraw = true;                /* the area changed size: the same frame, resized */
        if (redraw && !v->loaded)
            handle_events(v, now);        /* its FILE_LOADED may be queued behind the picture's wakeup */
        if (redraw && (!v->loaded || (hidden && v->had_frame))) {
            skip_frame(v->rc);            /* hidden, or not this attempt's picture: no scaling, no swap */
            v->last_frame = now;
        } else if (redraw && render_frame(v->rc, v->back, tw, th) == 0) {
            rw = tw;
            rh = th;
            atomic_fetch_add(&st_frames, 1);
            v->last_frame = now;
            if (!v->had_frame) {
                v->had_frame = true;
                v->backoff = 1;
                pthread_mutex_lock(&v->mu);
                v->tries = 0;
                pthread_mutex_unlock(&v->mu);
                set_state(v, VS_PLAYING, NULL);
            }
            pthread_mutex_lock(&v->mu);
            vframe_t *t = v->ready;
            v->ready = v->back;
            v->back = t;
            v->fresh = true;
            pthread_mutex_unlock(&v->mu);
        }
        /* a stream that stopped sending without closing */
        if (v->stream && v->had_frame && now - v->last_frame > VIDEO_STALL_S) {
            const char *cmd[] = { "stop", NULL };
            mpv_command_async(v->mpv, 0, cmd);
            failed(v, "信号源无响应", now);
        }
        if (v->retry_at > 0 && now >= v->retry_at) {
            v->retry_at = 0;
            atomic_fetch_add(&st_retries, 1);
            loadfile(v->mpv, v->url);
        }
    }
    if (!v->stream) {                     /* where to resume, for the next decoder */
        double pos = -1;
        if (mpv_get_property(v->mpv, "time-pos", MPV_FORMAT_DOUBLE, &pos) < 0 || !isfinite(pos))
            pos = -1;
        v->pos = pos;
    }
out:
    mpv_close(v->mpv, v->rc);
    v->mpv = NULL;
    v->rc = NULL;
    pthread_mutex_lock(&v->mu);
    v->done = true;
    pthread_cond_broadcast(&v->cv);
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

static rect_t content(const video_t *k);

static void shared_free(vshared_t *v)
{
    if (!v)
        return;
    for (int i = 0; i < 3; i++)
        frame_free(&v->bufs[i]);
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->cv);
    free(v->url);
    free(v);
}

/* Starts the decoder thread (live screens, the first tick its page is on
 * screen, and each return of the page after a stop). Past
 * VIDEO_MAX_PLAYING decoders (a layout of fifty cameras, or a reload's two
 * layouts for a moment) the widget shows the error and tries again at the
 * next tick. */
static void start(video_t *k)
{
    if (atomic_fetch_add(&st_playing, 1) >= VIDEO_MAX_PLAYING) {
        atomic_fetch_sub(&st_playing, 1);
        if (!k->refused) {
            k->refused = true;
            atomic_fetch_add(&st_errors, 1);
            bs_log(BS_LOG_WARNING, "video \"%s\": more than %d videos at once; waiting for one to stop", k->name,
                   VIDEO_MAX_PLAYING);
            k->state = VS_ERROR;
            snprintf(k->reason, sizeof k->reason, "同时播放的视频过多 (最多 %d 路)", VIDEO_MAX_PLAYING);
            wdg_invalidate_area(&k->base, content(k));
        }
        return;
    }
    atomic_fetch_sub(&st_playing, 1);     /* counted again below, once it runs */
    k->refused = false;
    k->started = true;
    vshared_t *v = calloc(1, sizeof *v);
    if (!v || !(v->url = strdup(k->url))) {
        free(v);
        k->failed = true;
        return;
    }
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->cv, NULL);
    v->stream = k->stream;
    v->loop = k->loop;
    v->fit = k->fit;
    v->gen = 1;
    v->start_at = k->stream ? 0 : k->resume;
    v->pos = -1;
    v->back = &v->bufs[0];
    v->ready = &v->bufs[1];
    if (pthread_create(&k->th, NULL, vthread, v) != 0) {
        shared_free(v);
        k->failed = true;
        atomic_fetch_add(&st_errors, 1);
        return;
    }
    k->sh = v;
    k->front = &v->bufs[2];
    k->hidden = false;
    k->gen = 0;
    atomic_fetch_add(&st_playing, 1);
    atomic_fetch_add(&st_starts, 1);
}

/* Tells the decoder thread to quit (its page has been off screen for
 * hidden_stop) without waiting for it: a later tick joins it (reap). The
 * frame on screen is kept in k->snap, shown until the next decoder has one;
 * the state goes back to idle. */
static void stop(video_t *k)
{
    vshared_t *v = k->sh;
    pthread_mutex_lock(&v->mu);
    v->quit = true;
    pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&v->mu);
    /* the front buffer is the render thread's alone (the decoder thread
     * touches back and ready only): move it out before v is freed */
    if (k->front && k->front->surf) {
        frame_free(&k->snap);
        k->snap = *k->front;
        memset(k->front, 0, sizeof *k->front);
    }
    k->front = NULL;
    k->dying = v;
    k->dying_th = k->th;
    k->sh = NULL;
    k->started = false;
    k->state = VS_IDLE;
    k->tries = 0;
    k->reason[0] = 0;
    atomic_fetch_add(&st_stops, 1);
    bs_log(BS_LOG_DEBUG, "video \"%s\": page off screen for %.1f s; decoder stopped", k->name, k->hidden_stop);
    wdg_invalidate_area(&k->base, content(k));
}

/* Waits up to wait_s for the decoder thread of v to finish (0: only looks),
 * then joins it and frees v; true when it did, false when the thread is
 * still running. *pos gets a file's position at the end (-1: unknown). */
static bool finish(vshared_t *v, pthread_t th, double wait_s, double *pos)
{
    pthread_mutex_lock(&v->mu);
    if (wait_s > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)wait_s;
        int rc = 0;
        while (!v->done && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&v->cv, &v->mu, &ts);
    }
    bool done = v->done;
    pthread_mutex_unlock(&v->mu);
    if (!done)
        return false;
    pthread_join(th, NULL);
    if (pos)
        *pos = v->pos;
    shared_free(v);
    atomic_fetch_sub(&st_playing, 1);
    return true;
}

/* Joins a stopped decoder once it has finished (never waits). */
static void reap(video_t *k)
{
    double pos = -1;
    if (k->dying && finish(k->dying, k->dying_th, 0, &pos)) {
        k->dying = NULL;
        k->resume = pos > 0 ? pos : 0;
        bs_log(BS_LOG_DEBUG, "video \"%s\": decoder joined; resumes at %.2f s", k->name, k->resume);
    }
}

/* ---- render thread: tick, settle ----------------------------------------- */

static rect_t content(const video_t *k)
{
    return k->frame ? draw_panel_content(k->base.rect, k->base.title) : k->base.rect;
}

static void video_tick(wdg_t *w, double now, int64_t wall_ms)
{
    video_t *k = (video_t *)w;
    (void)now;
    (void)wall_ms;
    if (!w->live)
        return;                           /* snapshots: settle() shows the frame at T */
    reap(k);
    if (!w->shown) {
        if (isnan(k->hidden_at))
            k->hidden_at = now;
        if (k->sh && now - k->hidden_at >= k->hidden_stop)
            stop(k);
    } else
        k->hidden_at = NAN;
    /* the first visit of the page, or its return after a stop (once the
     * old decoder is gone) */
    if (!k->started && !k->dying && w->shown)
        start(k);
    vshared_t *v = k->sh;
    if (!v)
        return;
    bool changed = false, newframe = false;
    pthread_mutex_lock(&v->mu);
    if (k->hidden != !w->shown) {
        k->hidden = v->hidden = !w->shown;
        pthread_cond_signal(&v->cv);
    }
    if (v->fresh) {
        vframe_t *t = k->front;
        k->front = v->ready;
        v->ready = t;
        v->fresh = false;
        newframe = true;
    }
    if (v->gen != k->gen) {
        k->gen = v->gen;
        k->state = v->state;
        k->tries = v->tries;
        snprintf(k->reason, sizeof k->reason, "%s", v->reason);
        changed = true;
    }
    pthread_mutex_unlock(&v->mu);
    if (newframe) {
        k->frames++;
        if (k->snap.surf)
            frame_free(&k->snap);         /* the last decoder's frame, no longer shown */
    }
    if (newframe || changed)
        wdg_invalidate_area(w, content(k));   /* the video's area of the layer, nothing else */
}

/* Snapshots: the file's frame at now, on this thread, with a timeout.
 * Streams keep their poster or placeholder. */
static void video_settle(wdg_t *w, double now, double scale)
{
    video_t *k = (video_t *)w;
    if (k->stream || w->live)
        return;
    char err[160];
    mpv_render_context *rc = NULL;
    bool nolib;
    mpv_handle *h = mpv_open(false, false, k->loop, k->fit, &rc, err, sizeof err, &nolib);
    if (!h) {
        if (!nolib)
            bs_log(BS_LOG_ERR, "video \"%s\": %s", k->name, err);
        k->state = VS_ERROR;
        snprintf(k->reason, sizeof k->reason, "%.90s", nolib ? err : "播放器无法启动");
        atomic_fetch_add(&st_errors, 1);
        wdg_invalidate(w);
        return;
    }
    vshared_t dummy;                      /* only its mutex/cond for the callback */
    memset(&dummy, 0, sizeof dummy);
    pthread_mutex_init(&dummy.mu, NULL);
    pthread_cond_init(&dummy.cv, NULL);
    mpv_render_context_set_update_callback(rc, on_update, &dummy);
    mpv_set_option_string(h, "pause", "yes");
    loadfile(h, k->url);
    rect_t c = content(k);
    int64_t vw = 0, vh = 0;
    double dur = -1, fps = 0, t0 = bs_mono();
    enum { LOADING, SEEKING, SEEKED, DONE } phase = LOADING;
    bool ok = false, have = false;
    const char *why = "超时";
    char r[96];
    while (phase != DONE && bs_mono() - t0 < VIDEO_SNAP_TIMEOUT) {
        pthread_mutex_lock(&dummy.mu);
        bool upd = dummy.update;
        dummy.update = false;
        pthread_mutex_unlock(&dummy.mu);
        if (upd && (mpv_render_context_update(rc) & MPV_RENDER_UPDATE_FRAME)) {
            int tw, th;
            target_size(k->fit, vw, vh, (int)lround(c.w * scale), (int)lround(c.h * scale), &tw, &th);
            have = render_frame(rc, &k->snap, tw, th) == 0;
            if (phase == SEEKED && have) {
                ok = true;
                phase = DONE;
            }
        }
        mpv_event *ev = mpv_wait_event(h, 0.005);
        switch (ev->event_id) {
        case MPV_EVENT_PROPERTY_CHANGE: {
            mpv_event_property *pr = ev->data;
            if (pr->format == MPV_FORMAT_INT64 && pr->data)
                *(ev->reply_userdata == 1 ? &vw : &vh) = *(int64_t *)pr->data;
            break;
        }
        case MPV_EVENT_FILE_LOADED:
            mpv_get_property(h, "duration", MPV_FORMAT_DOUBLE, &dur);
            mpv_get_property(h, "container-fps", MPV_FORMAT_DOUBLE, &fps);
            break;
        case MPV_EVENT_PLAYBACK_RESTART:
            if (phase == LOADING) {
                /* the load's own restart: now seek, exactly, to t */
                double t = now;
                if (dur > 0 && isfinite(dur))
                    t = k->loop ? fmod(now, dur) : fmin(now, fmax(0, dur - 0.001));
                /* the frame on screen at t started at or before t; an exact
                 * seek lands on the first frame at or after its target */
                if (fps > 0 && fps < 1000 && isfinite(fps))
                    t = floor(t * fps + 1e-6) / fps;
                char ts[64];
                snprintf(ts, sizeof ts, "%.6f", t);
                const char *cmd[] = { "seek", ts, "absolute+exact", NULL };
                mpv_command_async(h, 7, cmd);
                phase = SEEKING;
            } else if (phase == SEEKING) {
                /* the seek's: the frame at t is queued by now; take it (a
                 * redraw of it when it came before this event) */
                phase = SEEKED;
                int tw, th;
                target_size(k->fit, vw, vh, (int)lround(c.w * scale), (int)lround(c.h * scale), &tw, &th);
                mpv_render_context_update(rc);
                if (render_frame(rc, &k->snap, tw, th) == 0) {
                    ok = true;
                    phase = DONE;
                }
            }
            break;
        case MPV_EVENT_END_FILE: {
            mpv_event_end_file *ef = ev->data;
            if (ef->reason == MPV_END_FILE_REASON_ERROR || ef->reason == MPV_END_FILE_REASON_EOF) {
                end_reason(ef, false, r, sizeof r);
                why = ef->reason == MPV_END_FILE_REASON_EOF ? "没有可播放的画面" : r;
                phase = DONE;
            }
            break;
        }
        default:
            break;
        }
    }
    mpv_close(h, rc);
    pthread_mutex_destroy(&dummy.mu);
    pthread_cond_destroy(&dummy.cv);
    if (ok) {
        k->front = &k->snap;
        k->state = VS_PLAYING;
        k->frames++;
        atomic_fetch_add(&st_frames, 1);
    } else {
        bs_log(BS_LOG_WARNING, "video \"%s\": no frame at %.3f s: %s", k->name, now, why);
        frame_free(&k->snap);
        k->front = NULL;
        k->state = VS_ERROR;
        snprintf(k->reason, sizeof k->reason, "%s", why);
        atomic_fetch_add(&st_errors, 1);
    }
    wdg_invalidate(w);
}

static void video_destroy(wdg_t *w)
{
    video_t *k = (video_t *)w;
    if (k->sh)
        stop(k);                          /* tells it to quit; joined below */
    if (k->dying) {
        /* mpv stops its network and decoding promptly; a core that does not
         * is left to finish on its own rather than stall this thread (it
         * stays counted as playing) */
        if (!finish(k->dying, k->dying_th, VIDEO_JOIN_S, NULL)) {
            pthread_detach(k->dying_th); /* leaks it: better than a frozen screen */
            bs_log(BS_LOG_WARNING, "video \"%s\": decoder did not stop in %.0f s", k->name, VIDEO_JOIN_S);
        }
        k->dying = NULL;
    }
    frame_free(&k->snap);
    k->front = NULL;
    wdg_image_release(k->pim);
    k->pim = NULL;
    free(k->url);
    k->url = NULL;
}

/* ---- drawing -------------------------------------------------------------- */

/* Paints a w × h picture into c (design units) fitted as fit says. A frame
 * rendered at the area's pixel size is copied 1:1 (no filtering). */
static void paint_fitted(cairo_t *cr, cairo_surface_t *s, double iw, double ih, rect_t c, int fit)
{
    double sx = c.w / iw, sy = c.h / ih;
    double sc = fit == FIT_COVER ? fmax(sx, sy) : fmin(sx, sy);
    double dw = iw * sc, dh = ih * sc, x = c.x + (c.w - dw) / 2, y = c.y + (c.h - dh) / 2;
    cairo_save(cr);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_clip(cr);
    double dx = x, dy = y, ddw = dw, ddh = dh;
    cairo_user_to_device(cr, &dx, &dy);
    cairo_user_to_device_distance(cr, &ddw, &ddh);
    if (fabs(ddw - iw) < 1.01 && fabs(ddh - ih) < 1.01) {
        cairo_identity_matrix(cr);
        cairo_set_source_surface(cr, s, round(dx), round(dy));
    } else {
        cairo_translate(cr, x, y);
        cairo_scale(cr, sc, sc);
        cairo_set_source_surface(cr, s, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
        cairo_rectangle(cr, 0, 0, iw, ih);
        cairo_clip(cr);
    }
    cairo_paint(cr);
    cairo_restore(cr);
}

/* The placeholder: a dark panel, a play glyph in a ring (unless an error
 * banner takes the middle), the source's name, and a line under it. */
static void placeholder(const video_t *k, draw_t *d, rect_t c, bool glyph, const char *note)
{
    cairo_t *cr = d->cr;
    bs_color_t acc = draw_theme(d, THEME_ACCENT), dim = draw_theme(d, THEME_DIM);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_set_source_rgba(cr, 0.01, 0.03, 0.09, 0.85);
    cairo_fill(cr);
    double fs = fmax(10, fmin(18, c.h * 0.07));
    if (!glyph) {
        draw_text_fit(d, FONT_TEXT, fs, c.x + c.w / 2, c.y + c.h - fs * 1.2, k->name, dim, AL_CENTER, c.w - 16);
        return;
    }
    double r = fmax(6, fmin(c.w, c.h) * 0.16), cx = c.x + c.w / 2, cy = c.y + c.h / 2 - r * 0.35;
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.12);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.8);
    cairo_set_line_width(cr, fmax(1.5, r * 0.07));
    cairo_stroke(cr);
    cairo_move_to(cr, cx - r * 0.32, cy - r * 0.45);
    cairo_line_to(cr, cx + r * 0.5, cy);
    cairo_line_to(cr, cx - r * 0.32, cy + r * 0.45);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.95);
    cairo_fill(cr);
    draw_text_fit(d, FONT_TEXT, fs, cx, cy + r + fs * 1.3, k->name, dim, AL_CENTER, c.w - 16);
    if (note)
        draw_text_fit(d, FONT_TEXT, fs * 0.85, cx, cy + r + fs * 2.6, note, acc, AL_CENTER, c.w - 16);
}

/* A band across the middle of c with a line of text (and a second, smaller). */
static void banner(draw_t *d, rect_t c, const char *line1, bs_color_t col, const char *line2)
{
    cairo_t *cr = d->cr;
    double fs = fmax(12, fmin(30, c.h * 0.12)), bh = fs * (line2 ? 2.9 : 1.9);
    double y = c.y + (c.h - bh) / 2;
    cairo_rectangle(cr, c.x, y, c.w, bh);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.62);
    cairo_fill(cr);
    cairo_rectangle(cr, c.x, y, c.w, 1.5);
    cairo_rectangle(cr, c.x, y + bh - 1.5, c.w, 1.5);
    cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.8);
    cairo_fill(cr);
    double cx = c.x + c.w / 2;
    draw_text_fit(d, FONT_BOLD, fs, cx, y + fs * 0.95, line1, col, AL_CENTER, c.w - 12);
    if (line2)
        draw_text_fit(d, FONT_TEXT, fs * 0.55, cx, y + fs * 2.1, line2, draw_theme(d, THEME_DIM), AL_CENTER,
                      c.w - 12);
}

static void video_draw(const wdg_t *w, draw_t *d)
{
    const video_t *k = (const video_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = content(k);
    if (c.w <= 0 || c.h <= 0)
        return;
    /* the decoder renders at the area's output size: tell it (the only
     * thing draw writes, and not the widget: a hint in the shared block) */
    if (k->sh) {
        double pw = c.w, ph = c.h;
        cairo_user_to_device_distance(cr, &pw, &ph);
        atomic_store(&k->sh->want_w, (int)fmin(VIDEO_MAX_W, fabs(pw) + 0.5));
        atomic_store(&k->sh->want_h, (int)fmin(VIDEO_MAX_H, fabs(ph) + 0.5));
    }
    cairo_save(cr);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_clip(cr);
    const vframe_t *f = k->front;
    if (!(f && f->surf) && k->snap.surf)
        f = &k->snap;                     /* live: the stopped decoder's last frame */
    if (f && f->surf && f->w > 0) {
        cairo_rectangle(cr, c.x, c.y, c.w, c.h);     /* letterbox bars */
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_fill(cr);
        paint_fitted(cr, f->surf, f->w, f->h, c, k->fit);
    } else if (k->pim && k->pim->img && k->pim->iw > 0 && k->pim->ih > 0)
        paint_fitted(cr, k->pim->img, k->pim->iw, k->pim->ih, c, k->fit);
    else if (k->pim && k->pim->svg && k->pim->iw > 0 && k->pim->ih > 0) {
        double sc = k->fit == FIT_COVER ? fmax(c.w / k->pim->iw, c.h / k->pim->ih)
                                        : fmin(c.w / k->pim->iw, c.h / k->pim->ih);
        double dw = k->pim->iw * sc, dh = k->pim->ih * sc;
        RsvgRectangle vp = { c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2, dw, dh };
        wdg_svg_render(k->pim->svg, cr, &vp);
    } else {
        bool bad = k->state == VS_ERROR || k->state == VS_LOST;
        placeholder(k, d, c, !bad, k->state == VS_OPENING && k->stream ? "连接中…" : NULL);
    }
    char line2[128];
    if (k->state == VS_LOST) {
        cairo_rectangle(cr, c.x, c.y, c.w, c.h);     /* the last frame, dimmed: it is not live */
        cairo_set_source_rgba(cr, 0, 0, 0, 0.35);
        cairo_fill(cr);
        snprintf(line2, sizeof line2, "%s · 正在重连 (第 %d 次)", k->reason, k->tries);
        banner(d, c, "信号中断", draw_theme(d, THEME_WARN), line2);
    } else if (k->state == VS_ERROR) {
        if (k->tries > 0 && w->live)
            snprintf(line2, sizeof line2, "%s · 重试 %d 次", k->reason, k->tries);
        else
            snprintf(line2, sizeof line2, "%s", k->reason);
        banner(d, c, "无法播放", draw_theme(d, THEME_BAD), line2);
    }
    cairo_restore(cr);
}

static void video_text(const wdg_t *w, wdg_text_t *out)
{
    const video_t *k = (const video_t *)w;
    int st = k->state >= 0 && k->state <= VS_ERROR ? k->state : 0;
    wdg_text_add(out, "[video %s %s%s%s frames=%llu tries=%d]", k->name, state_names[st],
                 k->reason[0] ? " " : "", k->reason, (unsigned long long)k->frames, k->tries);
}

const wdg_class_t wdg_video_class = {
    .name = "video",
    .doc  = "A video file or a live stream (http(s), HLS, RTSP) played muted in the rect through libmpv "
            "(software rendering into the widget's layer, hardware decoding where the machine has it): "
            "camera feeds and promo clips. mpv decodes on its own threads and a decoder thread of the "
            "widget renders each new frame at the rect's output size; the render loop only takes the "
            "newest frame and repaints the video's rect, at the video's frame rate. Files loop (or stay "
            "on their last frame); a stream that drops or never answers is retried after 1, 2, 4 .. 30 s "
            "and shows 信号中断 over its last frame meanwhile. In a snapshot, --at T shows the file's frame "
            "at T exactly (T modulo the length when it loops); a stream shows its poster, or a dark panel "
            "with a play glyph and the source's name. A missing or non-regular file, a scheme other than "
            "http, https, rtsp and rtsps, or a src over 1024 bytes fails the layout; a corrupt file or a "
            "refused stream is drawn as 无法播放 with the reason, counted, and retried. At most 8 videos decode "
            "at once (the rest wait, drawn as 同时播放的视频过多); a file on a page not on screen pauses.",
    .size = sizeof(video_t),
    .opts = video_opts,
    .panel = offsetof(video_t, frame),
    .init = video_init,
    .destroy = video_destroy,
    .tick = video_tick,
    .settle = video_settle,
    .draw = video_draw,
    .text = video_text,
};
