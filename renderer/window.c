/* window.c — the SDL2 window loop and the headless loop (see window.h). */
#include "clock.h"
#include "gpu.h"
#include "log.h"
#include "window.h"
#include "metrics.h"
#include "notify.h"
#include "reload.h"

#include <SDL2/SDL.h>
#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t bs_quit;
volatile sig_atomic_t bs_reload_asked;

/* The monotonic time that counts as "0 s" for animations. A lone screen
 * starts at its own start; the tiles of a video wall count from the same
 * moment of the wall clock (midnight UTC), so their marquees, flylines and
 * page changes stay in step whenever each process started. */
static double time_origin(int64_t wall_offset_ms)
{
    double now = bs_mono();
    if (screen_tile.cols * screen_tile.rows <= 1)
        return now;
    int64_t wall = bs_wall_ms() + wall_offset_ms;
    return now - (double)(wall % 86400000) / 1000.0;
}

/* Sleeps until monotonic time t (seconds), waking early on quit. */
static void sleep_until(double t)
{
    double d = t - bs_mono();
    if (d <= 0)
        return;
    struct timespec ts = { (time_t)d, (long)((d - floor(d)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !bs_quit)
        ;
}

/* Between frames: applies a reloaded layout, or shows why it was refused.
 * Never blocks (reload_poll is a trylock). A reload asked for by SIGHUP is
 * handed to the watcher here (a byte down a pipe) and told to systemd.
 * True when a layout was swapped in (this frame is a reload frame). */
static bool apply_reload(reload_t *r, screen_t *s, double now, int64_t wall_ms, notify_t *n)
{
    static bool asked;
    if (bs_reload_asked) {
        bs_reload_asked = 0;
        if (reload_request(r) == 0) {
            bs_log(BS_LOG_NOTICE, "SIGHUP: reloading %s", s->layout->file ? s->layout->file : "the layout");
            rdr_notify_reloading(n);
            asked = true;
        } else {
            bs_log(BS_LOG_WARNING, "SIGHUP: hot reload is off; the layout stays as it is");
        }
    }
    reload_result_t rr;
    if (!reload_poll(r, &rr))
        return false;
    bool swapped = false;
    if (rr.layout) {                      /* the new screen is drawn ahead on the watcher first */
        screen_prep_t *p = screen_prep_begin(s, rr.layout, rr.tc, now, wall_ms);
        if (p) {
            reload_prepare(r, p);
            return false;
        }
    }
    if (asked) {
        rdr_notify_reloaded(n, rr.layout || rr.prep ? "layout reloaded" : "layout refused; the last good one stays");
        asked = false;
    }
    if (rr.layout || rr.prep) {
        char err[512];
        char name[1024];
        if (rr.prep)
            snprintf(name, sizeof name, "%s", s->layout->file ? s->layout->file : "layout");
        else
            snprintf(name, sizeof name, "%s", rr.layout->file ? rr.layout->file : "layout");
        double t0 = bs_mono();
        screen_chores_t ch;
        int rc = rr.prep ? screen_reload_prep(s, rr.prep, now, &ch, err, sizeof err)
                         : screen_reload_prepared(s, rr.layout, rr.tc, now, &ch, err, sizeof err);
        if (rc == 0)
            snprintf(name, sizeof name, "%s", s->layout->file ? s->layout->file : "layout");
        double swap = bs_mono() - t0;
        reload_give(r, &ch);              /* feeds started, stopped and freed off this thread */
        if (swap * 1e3 > s->st.reload_swap_ms)
            s->st.reload_swap_ms = swap * 1e3;
        swapped = rc == 0;
        if (rc == 0)
            bs_log(BS_LOG_NOTICE, "reloaded %s (swap %.1f ms)", name, swap * 1e3);
        else
            bs_log(BS_LOG_ERR, "reload of %s failed: %s", name, err);
    } else if (rr.errors) {
        bs_log(BS_LOG_ERR, "layout not reloaded; keeping the last good one:\n%s", rr.errors);
        screen_set_reload_errors(s, rr.errors);
    }
    free(rr.errors);
    return swapped;
}

/* The render thread's CPU time, seconds (what a frame's work costs when the
 * machine is shared; the wall clock says whether it made its slot). */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* After pace_deadline: a frame that swapped a layout in goes into the
 * reload counters (its work, and whether it was late or dropped slots). */
static void reload_account(screen_t *s, bool swapped, double work, double cpu, uint64_t late0,
                           uint64_t dropped0)
{
    if (!swapped)
        return;
    s->st.reload_frames++;
    s->st.reload_late += s->st.late - late0;
    s->st.reload_dropped += s->st.dropped - dropped0;
    if (work * 1e3 > s->st.reload_worst_ms)
        s->st.reload_worst_ms = work * 1e3;
    if (cpu * 1e3 > s->st.reload_worst_cpu_ms)
        s->st.reload_worst_cpu_ms = cpu * 1e3;
}

typedef struct {
    uint64_t frames;               /* late and dropped are in the screen's stats */
    double   worst, sum;
    double   next;                 /* monotonic deadline of the frame under way */
    /* the last half second, for the on-screen box */
    uint64_t win_frames, win_pixels0;
    double   win_t0, win_sum, win_worst;
    /* recent work times (ms) for the metrics' quantiles */
    double   ring[METRICS_SAMPLES];
    int      nring, ring_head;
    double   published;            /* when metrics were last handed over */
} pace_t;

/* One frame's work time into the pace counters. */
static void pace_frame(pace_t *p, double work)
{
    p->frames++;
    p->sum += work;
    if (work > p->worst)
        p->worst = work;
    p->win_frames++;
    p->win_sum += work;
    if (work > p->win_worst)
        p->win_worst = work;
    p->ring[p->ring_head] = work * 1e3;
    p->ring_head = (p->ring_head + 1) % METRICS_SAMPLES;
    if (p->nring < METRICS_SAMPLES)
        p->nring++;
}

/* After a frame's work, finished at monotonic time after: moves the deadline
 * one period on and returns it (sleep until then). A frame that finished
 * past its deadline is late; when it overran whole periods, those frame
 * slots are dropped (counted, and the schedule resyncs instead of racing to
 * catch up). The one frame accounting of the window and the headless loop,
 * into s->st.late and s->st.dropped (the report, --stats, --metrics). */
static double pace_deadline(pace_t *p, screen_t *s, double period, double after)
{
    p->next += period;
    if ((after - p->next) * 1e3 > s->st.worst_late_ms)
        s->st.worst_late_ms = (after - p->next) * 1e3;
    if (after > p->next + period) {            /* missed whole frames: count, resync */
        uint64_t missed = (uint64_t)((after - p->next) / period);
        s->st.dropped += missed;
        s->st.late++;
        p->next += missed * period;
    } else if (after > p->next) {
        s->st.late++;
    }
    return p->next;
}

/* Twice a second: the figures for --metrics (a copy; never waits on a client). */
static void pace_publish(pace_t *p, metrics_t *m, const screen_t *s, double uptime)
{
    if (!m || uptime - p->published < 0.5)
        return;
    p->published = uptime;
    metrics_snapshot_t sn = {
        .uptime_s = uptime, .frames = p->frames, .painted = s->st.painted, .drawn_px = s->st.drawn_px,
        .late = s->st.late,
        .dropped = s->st.dropped, .nwork = p->nring, .page = s->page,
    };
    memcpy(sn.work_ms, p->ring, sizeof sn.work_ms);
    for (int i = 0; i < s->layout->nwidgets; i++)
        sn.stale_widgets += s->layout->widgets[i]->stale;
    for (int i = 0; i < s->nfeeds && i < METRICS_FEEDS; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        snprintf(sn.feeds[i].id, sizeof sn.feeds[i].id, "%s", s->feeds[i]->conf.id);
        sn.feeds[i].state = st.state;
        sn.feeds[i].connects = st.connects;
        sn.feeds[i].retries = st.retries;
        sn.feeds[i].polls = st.polls;
        sn.feeds[i].errors = st.errors;
        sn.feeds[i].poll_ms = st.poll_ms;
        sn.feeds[i].messages = st.messages;
        sn.feeds[i].rejected = st.rejected;
        sn.feeds[i].bytes = st.bytes;
        sn.nfeeds = i + 1;
    }
    feed_queue_stats_t qs = feed_queue_stats(s->q);
    sn.q_pushed = qs.pushed;
    sn.q_coalesced = qs.coalesced;
    sn.q_dropped = qs.dropped;
    sn.q_depth = qs.depth;
    store_stats_t ss = store_stats(s->store);
    sn.topics = ss.topics;
    sn.applied = ss.applied;
    sn.store_rejected = ss.rejected;
    sn.store_skewed = ss.skewed;
    sn.store_over_budget = ss.over_budget;
    sn.store_evicted = ss.evicted;
    sn.store_bytes = ss.bytes;
    sn.text_cache_bytes = text_cache_stats(s->tc).bytes;
    sn.layer_bytes = s->layer_bytes;
    metrics_publish(m, &sn);
}

/* Every half second: frames per second, work per frame, late and dropped
 * frames and the share of the screen repainted, into the statistics box. */
static void pace_hud(pace_t *p, screen_t *s, double now)
{
    if (now - p->win_t0 < 0.5)
        return;
    double dt = now - p->win_t0;
    double px = (double)(s->st.pixels - p->win_pixels0) / (p->win_frames ? p->win_frames : 1);
    char text[200];
    snprintf(text, sizeof text, "%.0f fps · %.1f ms avg · %.1f ms max · late %llu · dropped %llu · %.0f%% repaint",
             p->win_frames / dt, p->win_frames ? p->win_sum / p->win_frames * 1e3 : 0, p->win_worst * 1e3,
             (unsigned long long)s->st.late, (unsigned long long)s->st.dropped,
             100.0 * px / ((double)s->out_w * s->out_h));
    screen_set_hud(s, text);
    p->win_t0 = now;
    p->win_frames = 0;
    p->win_sum = p->win_worst = 0;
    p->win_pixels0 = s->st.pixels;
}

static void pace_print(const pace_t *p, const screen_t *s)
{
    bs_log(BS_LOG_INFO, "%llu frames, %llu painted, %llu late, %llu dropped, "
            "mean %.2f ms, worst %.2f ms of work, %.0f px drawn per frame",
            (unsigned long long)p->frames, (unsigned long long)s->st.painted,
            (unsigned long long)s->st.late, (unsigned long long)s->st.dropped,
            p->frames ? p->sum / p->frames * 1e3 : 0, p->worst * 1e3,
            p->frames ? (double)s->st.drawn_px / (double)p->frames : 0);
}

/* ---- presenting ------------------------------------------------------------
 * Four ways to put the screen on the display (--present):
 * - gpu: the layers are textures of an accelerated SDL renderer and the GPU
 *   composes them (gpu.h): Cairo paints only what changed, a marquee slides
 *   as a texture, a page fades by alpha;
 * - texture: Cairo composes the frame, its damaged areas are uploaded to one
 *   streaming texture, which is drawn and presented with vsync (also where
 *   gpu falls back to, with the reason logged, when the output or a layer
 *   does not fit the renderer's textures);
 * - surface: Cairo composes, the damaged areas are copied into the window's
 *   own surface and only they are sent to the display;
 * - auto (the default): gpu when the renderer is accelerated and not a
 *   software rasteriser, else surface. SDL's "software" renderer and OpenGL
 *   on llvmpipe/softpipe/swrast (Xvfb, a kiosk box without a GPU driver)
 *   draw every texture on the CPU: a frame composed of full-screen textures
 *   each frame would cost more than all of our drawing (an earlier
 *   measurement: 95 % of a core for SDL's GL renderer on llvmpipe).
 */
typedef struct {
    SDL_Window   *win;
    SDL_Renderer *ren;        /* NULL: window surface */
    SDL_Texture  *tex;        /* the CPU's frame (texture) */
    gpu_t        *gpu;        /* composing on the GPU */
    bool          want_gpu;   /* attach a compositor once the screen is made */
    char          how[96];    /* for the log */
} present_t;

/* True when the renderer draws on the CPU after all. */
static bool renderer_is_software(SDL_Renderer *ren)
{
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(ren, &info) != 0 || !info.name || strcmp(info.name, "software") == 0 ||
        !(info.flags & SDL_RENDERER_ACCELERATED))
        return true;
    if (strncmp(info.name, "opengl", 6) == 0) {
        typedef const unsigned char *(*get_string_fn)(unsigned int);
        get_string_fn get = (get_string_fn)(uintptr_t)SDL_GL_GetProcAddress("glGetString");
        const char *r = get ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
        if (r && (strstr(r, "llvmpipe") || strstr(r, "softpipe") || strstr(r, "swrast") ||
                  strstr(r, "Software")))
            return true;
    }
    return false;
}

static int present_texture(present_t *p, int w, int h)
{
    if (p->tex)
        SDL_DestroyTexture(p->tex);
    p->tex = SDL_CreateTexture(p->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, w, h);
    return p->tex ? 0 : -1;
}

/* The window's own surface (no renderer). 0, or -1 with the reason printed. */
static int present_surface(present_t *p, int *w, int *h)
{
    /* the display's own framebuffer (X11: shared memory), not SDL's
     * emulation of one through a (software) GL renderer */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_Surface *ws = SDL_GetWindowSurface(p->win);
    if (!ws) {
        bs_log(BS_LOG_ERR, "cannot draw into the window: %s", SDL_GetError());
        return -1;
    }
    snprintf(p->how, sizeof p->how, "the window surface");
    *w = ws->w;
    *h = ws->h;
    return 0;
}

/* Chooses how to present (mode: "auto", "gpu", "texture" or "surface") and
 * tells the output size in pixels. 0, or -1 with the reason printed. */
static int present_open(present_t *p, SDL_Window *win, const char *mode, int *w, int *h)
{
    p->win = win;
    if (strcmp(mode, "surface") != 0) {
        p->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
        if (!p->ren)
            p->ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED);
        if (p->ren && strcmp(mode, "auto") == 0 && renderer_is_software(p->ren)) {
            SDL_DestroyRenderer(p->ren);
            p->ren = NULL;
        }
        if (!p->ren && strcmp(mode, "auto") != 0) {
            bs_log(BS_LOG_ERR, "--present %s: no accelerated renderer: %s", mode, SDL_GetError());
            return -1;
        }
    }
    if (!p->ren)
        return present_surface(p, w, h);
    SDL_RendererInfo info;
    SDL_GetRendererInfo(p->ren, &info);
    SDL_GetRendererOutputSize(p->ren, w, h);
    p->want_gpu = strcmp(mode, "texture") != 0;
    snprintf(p->how, sizeof p->how, "%s (%s)", info.name, p->want_gpu ? "layers as textures" : "one frame texture");
    return p->want_gpu ? 0 : present_texture(p, *w, *h);
}

/* Composition on the CPU from now on, through one texture (or, when even
 * that is not had, the window surface). 0 or -1. */
static int present_fallback(present_t *p, screen_t *s)
{
    rdr_gpu_free(p->gpu, s);
    p->gpu = NULL;
    p->want_gpu = false;
    if (present_texture(p, s->out_w, s->out_h) == 0) {
        snprintf(p->how, sizeof p->how, "one frame texture");
        return 0;
    }
    bs_log(BS_LOG_WARNING, "no %dx%d texture (%s); presenting through the window surface", s->out_w,
            s->out_h, SDL_GetError());
    SDL_DestroyRenderer(p->ren);
    p->ren = NULL;
    p->tex = NULL;
    int w, h;
    return present_surface(p, &w, &h);
}

/* Once the screen is made: the GPU compositor when asked for, else (with
 * the reason logged) the frame texture. 0 or -1. */
static int present_attach(present_t *p, screen_t *s)
{
    if (!p->want_gpu)
        return 0;
    char why[256];
    if ((p->gpu = rdr_gpu_new(p->ren, s, why, sizeof why)))
        return 0;
    bs_log(BS_LOG_WARNING, "no GPU composition: %s; composing on the CPU", why);
    return present_fallback(p, s);
}

/* The output size now (after a resize). */
static void present_size(present_t *p, int *w, int *h)
{
    if (p->ren) {
        SDL_GetRendererOutputSize(p->ren, w, h);
    } else {
        SDL_Surface *ws = SDL_GetWindowSurface(p->win);
        *w = ws ? ws->w : 0;
        *h = ws ? ws->h : 0;
    }
}

/* Hands the damaged areas of frame over, and shows them. all: the whole
 * frame (after an expose). */
static void present_frame(present_t *p, cairo_surface_t *frame, const damage_t *d, bool all)
{
    unsigned char *px = cairo_image_surface_get_data(frame);
    int stride = cairo_image_surface_get_stride(frame);
    int fw = cairo_image_surface_get_width(frame), fh = cairo_image_surface_get_height(frame);
    irect_t full = { 0, 0, fw, fh };
    const irect_t *rs = all ? &full : d->r;
    int n = all ? 1 : d->n;
    if (p->ren) {
        for (int i = 0; i < n; i++) {
            SDL_Rect sr = { rs[i].x, rs[i].y, rs[i].w, rs[i].h };
            SDL_UpdateTexture(p->tex, &sr, px + (size_t)rs[i].y * stride + (size_t)rs[i].x * 4, stride);
        }
        SDL_RenderCopy(p->ren, p->tex, NULL, NULL);
        SDL_RenderPresent(p->ren);
        return;
    }
    SDL_Surface *ws = SDL_GetWindowSurface(p->win);
    if (!ws)
        return;
    SDL_Surface *src = SDL_CreateRGBSurfaceWithFormatFrom(px, fw, fh, 32, stride, SDL_PIXELFORMAT_ARGB8888);
    if (!src)
        return;
    SDL_SetSurfaceBlendMode(src, SDL_BLENDMODE_NONE);   /* the frame is opaque: copy, don't blend */
    SDL_Rect rects[DAMAGE_MAX];
    int m = 0;
    for (int i = 0; i < n && m < DAMAGE_MAX; i++) {
        irect_t r = irect_clip(rs[i], ws->w, ws->h);
        if (r.w <= 0 || r.h <= 0)
            continue;
        rects[m] = (SDL_Rect){ r.x, r.y, r.w, r.h };
        SDL_Rect dst = rects[m];
        SDL_BlitSurface(src, &rects[m], ws, &dst);
        m++;
    }
    SDL_FreeSurface(src);
    if (m)
        SDL_UpdateWindowSurfaceRects(p->win, rects, m);
}

/* One frame out: composed on the GPU and presented, or painted by Cairo
 * and handed over. painted: screen_update said something changed;
 * expose: the display lost the picture. A GPU frame that cannot be made
 * switches to the CPU for good (logged) and shows the whole frame. */
static bool present_step(present_t *p, screen_t *s, double now, int64_t wall, bool painted, bool expose)
{
    if (p->gpu && (painted || expose)) {
        char why[256];
        if (rdr_gpu_frame(p->gpu, s, now, wall, NULL, why, sizeof why) == 0) {
            SDL_RenderPresent(p->ren);
            return true;
        }
        bs_log(BS_LOG_WARNING, "GPU composition stops: %s; composing on the CPU", why);
        if (present_fallback(p, s) != 0)
            return false;
        screen_repaint_all(s, now, wall);
        present_frame(p, s->frame, &s->damage, true);
        return true;
    }
    if (painted)
        screen_paint(s, now, wall);
    if (painted || expose)
        present_frame(p, s->frame, &s->damage, expose);
    return painted || expose;
}

static void present_close(present_t *p, screen_t *s)
{
    rdr_gpu_free(p->gpu, s);
    if (p->tex)
        SDL_DestroyTexture(p->tex);
    if (p->ren)
        SDL_DestroyRenderer(p->ren);
    memset(p, 0, sizeof *p);
}

/* True when SDL opened a video driver that shows something: X11, Wayland,
 * KMS/DRM on the console (or another platform's own). Without a display
 * SDL falls back to "offscreen" or "dummy", and the screen would run on,
 * "active (running)" under systemd, showing nothing: refuse that, with the
 * reason, unless SDL_VIDEODRIVER asked for exactly that driver. */
static bool real_display(void)
{
    static const char *const blind[] = { "offscreen", "dummy", "evdev" };
    const char *drv = SDL_GetCurrentVideoDriver(), *asked = getenv("SDL_VIDEODRIVER");
    if (!drv)
        drv = "none";
    for (size_t i = 0; i < sizeof blind / sizeof blind[0]; i++) {
        if (strcmp(drv, blind[i]) != 0)
            continue;
        if (asked && strcmp(asked, drv) == 0)
            return true;                   /* asked for by name: a test or a tool */
        bs_log(BS_LOG_ERR, "no display: SDL found no X11, Wayland or KMS/DRM display and fell back to "
               "its \"%s\" driver, which shows nothing; set DISPLAY (X11) or WAYLAND_DISPLAY, or on the console "
               "SDL_VIDEODRIVER=kmsdrm (as a member of the video, render and input groups); --snapshot and "
               "--headless need no display", drv);
        return false;
    }
    return true;
}

int window_run(layout_t *l, const window_opts_t *o, int64_t wall_offset_ms)
{
    int rc = 1;
    SDL_Window *win = NULL;
    present_t pr = { 0 };
    screen_t *s = NULL;
    reload_t *reloader = NULL;
    metrics_t *metrics = NULL;
    char err[512];

    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        bs_log(BS_LOG_ERR, "cannot open the display: %s (no display? use --snapshot OUT.png or --headless)",
               SDL_GetError());
        layout_free(l);
        return 1;
    }
    if (!real_display()) {
        layout_free(l);
        goto out;
    }
    int nd = SDL_GetNumVideoDisplays();
    if (o->display < 0 || o->display >= nd) {
        bs_log(BS_LOG_ERR, "--display %d: there are %d displays (0..%d)", o->display, nd, nd - 1);
        layout_free(l);
        goto out;
    }
    Uint32 flags = SDL_WINDOW_ALLOW_HIGHDPI;
    int x = SDL_WINDOWPOS_CENTERED_DISPLAY(o->display), y = x, w = o->win_w, h = o->win_h;
    if (w <= 0) {
        SDL_Rect b;
        SDL_GetDisplayBounds(o->display, &b);
        x = b.x;
        y = b.y;
        w = b.w;
        h = b.h;
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
    } else {
        flags |= SDL_WINDOW_RESIZABLE;
    }
    win = SDL_CreateWindow(l->file, x, y, w, h, flags);
    if (!win) {
        bs_log(BS_LOG_ERR, "cannot open a window: %s", SDL_GetError());
        layout_free(l);
        goto out;
    }
    SDL_ShowCursor(SDL_DISABLE);
    SDL_DisableScreenSaver();
    int ow, oh;
    if (present_open(&pr, win, o->present ? o->present : "auto", &ow, &oh) != 0) {
        layout_free(l);
        goto out;
    }
    int fps = l->fps;
    double t0 = bs_mono(), anim0 = time_origin(wall_offset_ms);
    reloader = reload_start(l->file);
    if (o->metrics && !(metrics = metrics_start(o->metrics))) {
        layout_free(l);
        goto out;                      /* asked for and not had: a failure, not a silent screen */
    }
    s = screen_new(l, ow, oh, true, bs_wall_ms() + wall_offset_ms, err, sizeof err);
    if (!s) {
        bs_log(BS_LOG_ERR, "%s", err);
        goto out;
    }
    if (present_attach(&pr, s) != 0)
        goto out;
    if (o->stats)
        bs_log(BS_LOG_INFO, "%dx%d, presenting through %s", ow, oh, pr.how);
    pace_t pace = { 0 };
    pace.win_t0 = t0;
    pace.next = t0;
    double period = 1.0 / fps, last_stats = t0;
    bool expose = true, presented = false;
    notify_t notify;
    rdr_notify_init(&notify);
    while (!bs_quit) {
        SDL_Event ev;
        while (SDL_PollEvent(&ev)) {
            if (ev.type == SDL_QUIT)
                bs_quit = 1;
            else if (ev.type == SDL_KEYDOWN &&
                     (ev.key.keysym.sym == SDLK_q || ev.key.keysym.sym == SDLK_ESCAPE))
                bs_quit = 1;
            else if (ev.type == SDL_WINDOWEVENT && (ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
                                                    ev.window.event == SDL_WINDOWEVENT_EXPOSED)) {
                int nw, nh;
                present_size(&pr, &nw, &nh);
                if ((nw != s->out_w || nh != s->out_h) && screen_resize(s, nw, nh) == 0 && pr.tex &&
                    present_texture(&pr, nw, nh) != 0)
                    goto out;
                expose = true;
            } else if (ev.type == SDL_RENDER_TARGETS_RESET || ev.type == SDL_RENDER_DEVICE_RESET) {
                /* the driver lost textures (a GPU reset, a mode switch on some drivers):
                 * made again from the CPU's copies, the whole frame shown */
                if (pr.gpu)
                    rdr_gpu_reset(pr.gpu, s);
                else if (pr.tex && ev.type == SDL_RENDER_DEVICE_RESET && present_texture(&pr, s->out_w, s->out_h) != 0)
                    goto out;
                expose = true;
            }
        }
        double now = bs_mono(), work0 = now, cpu0 = thread_cpu();
        uint64_t late0 = s->st.late, dropped0 = s->st.dropped;
        int64_t wall = bs_wall_ms() + wall_offset_ms;
        bool swapped = apply_reload(reloader, s, now - anim0, wall, &notify);
        expose = expose || swapped;           /* a new layout's frame goes up whole */
        bool painted = screen_update(s, now - anim0, wall);
        if (present_step(&pr, s, now - anim0, wall, painted, expose))
            presented = true;
        expose = false;
        double work = bs_mono() - work0;
        pace_frame(&pace, work);
        rdr_notify_frame(&notify, s, bs_mono(), presented, pace.frames);
        if (o->stats)
            pace_hud(&pace, s, bs_mono());
        pace_publish(&pace, metrics, s, bs_mono() - t0);
        period = 1.0 / s->layout->fps;       /* a reload may change it */
        double after = bs_mono(), next = pace_deadline(&pace, s, period, after);
        reload_account(s, swapped, work, thread_cpu() - cpu0, late0, dropped0);
        if (o->stats && after - last_stats >= 10) {
            pace_print(&pace, s);
            last_stats = after;
        }
        if (o->run_for > 0 && after - t0 >= o->run_for)
            break;
        if (!o->stats)                        /* nothing can change before a later slot: sleep till then */
            next = pace.next = screen_idle_slot(s, next, period, anim0, now - anim0, wall);
        sleep_until(next);
    }
    if (o->stats)
        pace_print(&pace, s);
    rdr_notify_stopping(&notify);
    rc = 0;
out:
    metrics_stop(metrics);             /* before the screen it reads goes */
    reload_stop(reloader);
    present_close(&pr, s);
    screen_free(s);
    if (win)
        SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}

int headless_run(layout_t *l, double run_for, const char *report, int64_t wall_offset_ms, const char *metrics_at)
{
    char err[512];
    int w = l->width, h = l->height, fps = l->fps;
    metrics_t *metrics = NULL;
    if (metrics_at && !(metrics = metrics_start(metrics_at))) {
        layout_free(l);
        return 1;                      /* asked for and not had: a failure, not a silent screen */
    }
    reload_t *reloader = reload_start(l->file);
    screen_t *s = screen_new(l, w, h, true, bs_wall_ms() + wall_offset_ms, err, sizeof err);
    if (!s) {
        bs_log(BS_LOG_ERR, "%s", err);
        reload_stop(reloader);
        metrics_stop(metrics);
        return 1;
    }
    double t0 = bs_mono(), period = 1.0 / fps, anim0 = time_origin(wall_offset_ms);
    pace_t pace = { .next = t0 };
    notify_t notify;
    rdr_notify_init(&notify);
    while (!bs_quit && (run_for <= 0 || bs_mono() - t0 < run_for)) {
        double work0 = bs_mono(), now = work0 - anim0, cpu0 = thread_cpu();
        uint64_t late0 = s->st.late, dropped0 = s->st.dropped;
        int64_t wall = bs_wall_ms() + wall_offset_ms;
        bool swapped = apply_reload(reloader, s, now, wall, &notify);
        if (screen_update(s, now, wall))
            screen_paint(s, now, wall);
        double work = bs_mono() - work0, cpu = thread_cpu() - cpu0;
        pace_frame(&pace, work);
        rdr_notify_frame(&notify, s, bs_mono(), true, pace.frames);   /* headless: a frame made is shown */
        pace_publish(&pace, metrics, s, bs_mono() - t0);
        period = 1.0 / s->layout->fps;       /* a reload may change it */
        double next = pace_deadline(&pace, s, period, bs_mono());
        reload_account(s, swapped, work, cpu, late0, dropped0);
        next = pace.next = screen_idle_slot(s, next, period, anim0, now, wall);
        sleep_until(next);
    }
    rdr_notify_stopping(&notify);
    int rc = 0;
    if (report) {
        char *text = screen_report(s, bs_wall_ms() + wall_offset_ms);
        FILE *f = text ? fopen(report, "w") : NULL;
        bool ok = f && fputs(text, f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok) {
            bs_log(BS_LOG_ERR, "cannot write report %s: %s", report, strerror(errno));
            rc = 1;
        }
        free(text);
    }
    metrics_stop(metrics);
    reload_stop(reloader);
    screen_free(s);
    return rc;
}

int window_snapshot(layout_t *l, int w, int h, int64_t wall0_ms, double at, double data_until, const char *path)
{
    int rc = 1;
    char err[512];
    SDL_Window *win = NULL;
    SDL_Renderer *ren = NULL;
    SDL_Texture *target = NULL;
    screen_t *s = NULL;
    gpu_t *g = NULL;
    cairo_surface_t *out = NULL;
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        bs_log(BS_LOG_ERR, "--present gpu: cannot open the display: %s", SDL_GetError());
        layout_free(l);
        return 1;
    }
    win = SDL_CreateWindow("bigscreen snapshot", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 64, 64,
                           SDL_WINDOW_HIDDEN);
    if (win)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_TARGETTEXTURE);
    if (ren)                                   /* the frame is composed off screen, at the snapshot's size */
        target = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_TARGET, w, h);
    if (!target) {
        bs_log(BS_LOG_ERR, "--present gpu: no accelerated renderer with a %dx%d target: %s", w, h,
                SDL_GetError());
        layout_free(l);
        goto out;
    }
    s = screen_new(l, w, h, false, wall0_ms, err, sizeof err);
    if (!s) {
        bs_log(BS_LOG_ERR, "%s", err);
        goto out;
    }
    if (!(g = rdr_gpu_new(ren, s, err, sizeof err))) {
        bs_log(BS_LOG_ERR, "--present gpu: %s", err);
        goto out;
    }
    const char *reset = getenv("BIGSCREEN_TEST_GPU_RESET");
    bool want_reset = reset && strcmp(reset, "1") == 0;
    /* the frame steps of snapshot() in main.c */
    int fps = s->layout->fps;
    long frames = lround(at * fps);
    for (long k = 0; k <= frames; k++) {
        double t = (k == frames) ? at : (double)k / fps;
        int64_t wall = wall0_ms + (int64_t)llround(t * 1000);
        screen_step_feeds(s, fmin(t, data_until));
        if (k == frames)
            screen_settle(s, at);              /* a video's frame at exactly `at`, damaged by the update */
        bool changed = screen_update(s, t, wall);
        if (want_reset && k == frames / 2) {
            rdr_gpu_reset(g, s);
            changed = true;
        }
        /* composed every quarter second, then every frame of the last two
         * (llvmpipe under test is slow); damage gathers in between */
        bool compose = k % 15 == 0 || k + 120 >= frames;
        if ((changed || k == frames) && compose && rdr_gpu_frame(g, s, t, wall, target, err, sizeof err) != 0) {
            bs_log(BS_LOG_ERR, "--present gpu: %s", err);
            goto out;
        }
    }
    out = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(out) != CAIRO_STATUS_SUCCESS || rdr_gpu_read(g, out) != 0) {
        bs_log(BS_LOG_ERR, "--present gpu: cannot read the frame back: %s", SDL_GetError());
        goto out;
    }
    cairo_status_t st = cairo_surface_write_to_png(out, path);
    if (st != CAIRO_STATUS_SUCCESS) {
        bs_log(BS_LOG_ERR, "cannot write %s: %s", path, cairo_status_to_string(st));
        goto out;
    }
    printf("bigscreen: wrote %s (%dx%d, t=%.1fs, composed on the GPU)", path, w, h, at);
    rc = 0;
out:
    if (out)
        cairo_surface_destroy(out);
    rdr_gpu_free(g, s);
    screen_free(s);
    if (target)
        SDL_DestroyTexture(target);
    if (ren)
        SDL_DestroyRenderer(ren);
    if (win)
        SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}
