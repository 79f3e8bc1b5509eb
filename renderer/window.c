/* window.c — the SDL2 window loop and the headless loop (see window.h). */
#include "window.h"
#include "reload.h"

#include <SDL2/SDL.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

volatile sig_atomic_t bs_quit;

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int64_t wall_ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Sleeps until monotonic time t (seconds), waking early on quit. */
static void sleep_until(double t)
{
    double d = t - mono();
    if (d <= 0)
        return;
    struct timespec ts = { (time_t)d, (long)((d - floor(d)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !bs_quit)
        ;
}

/* Between frames: applies a reloaded layout, or shows why it was refused.
 * Never blocks (reload_poll is a trylock). */
static void apply_reload(reload_t *r, screen_t *s, double now)
{
    reload_result_t rr;
    if (!reload_poll(r, &rr))
        return;
    if (rr.layout) {
        char err[512];
        const char *file = rr.layout->file;
        char name[1024];
        snprintf(name, sizeof name, "%s", file ? file : "layout");
        if (screen_reload(s, rr.layout, now, err, sizeof err) == 0)
            fprintf(stderr, "bigscreen: reloaded %s\n", name);
        else
            fprintf(stderr, "bigscreen: reload of %s failed: %s\n", name, err);
    } else if (rr.errors) {
        fprintf(stderr, "bigscreen: layout not reloaded; keeping the last good one:\n%s", rr.errors);
        screen_set_reload_errors(s, rr.errors);
    }
    free(rr.errors);
}

typedef struct {
    uint64_t frames, late, dropped;
    double   worst, sum;
} pace_t;

static void pace_print(const pace_t *p, const screen_t *s)
{
    fprintf(stderr, "bigscreen: %llu frames, %llu painted, %llu late, %llu dropped, "
            "mean %.2f ms, worst %.2f ms of work\n",
            (unsigned long long)p->frames, (unsigned long long)s->st.painted,
            (unsigned long long)p->late, (unsigned long long)p->dropped,
            p->frames ? p->sum / p->frames * 1e3 : 0, p->worst * 1e3);
}

int window_run(layout_t *l, const window_opts_t *o, int64_t wall_offset_ms)
{
    int rc = 1;
    SDL_Window *win = NULL;
    SDL_Renderer *ren = NULL;
    SDL_Texture *tex = NULL;
    screen_t *s = NULL;
    reload_t *reloader = NULL;
    char err[512];

    SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0) {
        fprintf(stderr, "bigscreen: cannot open the display: %s\n"
                "bigscreen: (no display? use --snapshot OUT.png or --headless)\n", SDL_GetError());
        layout_free(l);
        return 1;
    }
    int nd = SDL_GetNumVideoDisplays();
    if (o->display < 0 || o->display >= nd) {
        fprintf(stderr, "bigscreen: --display %d: there are %d displays (0..%d)\n", o->display, nd, nd - 1);
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
        fprintf(stderr, "bigscreen: cannot open a window: %s\n", SDL_GetError());
        layout_free(l);
        goto out;
    }
    SDL_ShowCursor(SDL_DISABLE);
    SDL_DisableScreenSaver();
    ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!ren)
        ren = SDL_CreateRenderer(win, -1, 0);
    if (!ren) {
        fprintf(stderr, "bigscreen: cannot create a renderer: %s\n", SDL_GetError());
        layout_free(l);
        goto out;
    }
    int ow, oh;
    SDL_GetRendererOutputSize(ren, &ow, &oh);
    int fps = l->fps;
    double t0 = mono();
    reloader = reload_start(l->file);
    s = screen_new(l, ow, oh, true, wall_ms_now() + wall_offset_ms, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bigscreen: %s\n", err);
        goto out;
    }
    tex = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, ow, oh);
    if (!tex) {
        fprintf(stderr, "bigscreen: cannot create a texture: %s\n", SDL_GetError());
        goto out;
    }
    pace_t pace = { 0 };
    double period = 1.0 / fps, next = t0, last_stats = t0;
    bool need_present = true;
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
                SDL_GetRendererOutputSize(ren, &nw, &nh);
                if (nw != s->out_w || nh != s->out_h) {
                    if (screen_resize(s, nw, nh) == 0) {
                        SDL_DestroyTexture(tex);
                        tex = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, nw, nh);
                        if (!tex)
                            goto out;
                    }
                }
                need_present = true;
            }
        }
        double now = mono(), work0 = now;
        int64_t wall = wall_ms_now() + wall_offset_ms;
        apply_reload(reloader, s, now - t0);
        if (screen_update(s, now - t0, wall)) {
            screen_paint(s, now - t0, wall);
            unsigned char *px = cairo_image_surface_get_data(s->frame);
            int stride = cairo_image_surface_get_stride(s->frame);
            for (int i = 0; i < s->damage.n; i++) {
                irect_t r = s->damage.r[i];
                SDL_Rect sr = { r.x, r.y, r.w, r.h };
                SDL_UpdateTexture(tex, &sr, px + (size_t)r.y * stride + (size_t)r.x * 4, stride);
            }
            need_present = true;
        }
        double work = mono() - work0;
        pace.frames++;
        pace.sum += work;
        if (work > pace.worst)
            pace.worst = work;
        if (need_present) {
            SDL_RenderCopy(ren, tex, NULL, NULL);
            SDL_RenderPresent(ren);
            need_present = false;
        }
        next += period;
        double after = mono();
        if (after > next + period) {           /* missed whole frames: count, resync */
            uint64_t missed = (uint64_t)((after - next) / period);
            pace.dropped += missed;
            pace.late++;
            next += missed * period;
        } else if (after > next) {
            pace.late++;
        }
        if (o->stats && after - last_stats >= 10) {
            pace_print(&pace, s);
            last_stats = after;
        }
        if (o->run_for > 0 && after - t0 >= o->run_for)
            break;
        sleep_until(next);
    }
    if (o->stats)
        pace_print(&pace, s);
    rc = 0;
out:
    reload_stop(reloader);
    screen_free(s);
    if (tex)
        SDL_DestroyTexture(tex);
    if (ren)
        SDL_DestroyRenderer(ren);
    if (win)
        SDL_DestroyWindow(win);
    SDL_Quit();
    return rc;
}

int headless_run(layout_t *l, double run_for, const char *report, int64_t wall_offset_ms)
{
    char err[512];
    int w = l->width, h = l->height, fps = l->fps;
    reload_t *reloader = reload_start(l->file);
    screen_t *s = screen_new(l, w, h, true, wall_ms_now() + wall_offset_ms, err, sizeof err);
    if (!s) {
        fprintf(stderr, "bigscreen: %s\n", err);
        reload_stop(reloader);
        return 1;
    }
    double t0 = mono(), next = t0, period = 1.0 / fps;
    while (!bs_quit && (run_for <= 0 || mono() - t0 < run_for)) {
        double now = mono() - t0;
        int64_t wall = wall_ms_now() + wall_offset_ms;
        apply_reload(reloader, s, now);
        if (screen_update(s, now, wall))
            screen_paint(s, now, wall);
        next += period;
        if (mono() > next + period)
            next = mono();
        sleep_until(next);
    }
    int rc = 0;
    if (report) {
        char *text = screen_report(s, wall_ms_now() + wall_offset_ms);
        FILE *f = text ? fopen(report, "w") : NULL;
        bool ok = f && fputs(text, f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        if (!ok) {
            fprintf(stderr, "bigscreen: cannot write report %s: %s\n", report, strerror(errno));
            rc = 1;
        }
        free(text);
    }
    reload_stop(reloader);
    screen_free(s);
    return rc;
}
