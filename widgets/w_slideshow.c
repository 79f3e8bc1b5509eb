/*
 * w_slideshow.c — "slideshow": the union's photo column (工会图库). Pictures
 * (PNG, JPEG, SVG) from a list in the layout or from a bound topic (an
 * array of paths or {src, caption}) take turns every `interval` seconds
 * with a cross-fade, each with its caption on a translucent band.
 *
 * Decoding is never on the render thread: tick() asks the image loader
 * (imgcache.h) for the picture due and the one after it, polls the jobs,
 * and keeps the current picture on screen until the next one is there. A
 * slideshow holds at most three decoded pictures (shown, fading in, next),
 * each brought by the loader to the size that covers twice the widget's
 * rect (4K output of a 1080p canvas), so a fade frame paints one surface of
 * the rect's size.
 *
 * Layers: the layer holds the shown picture and its caption; during a fade
 * the marks are the whole picture rect, opaque: both pictures cross-fading
 * and the captions handing over (the old one fades out in the first half,
 * the new one in during the second). Only the picture rect is damaged
 * during a fade and nothing between fades.
 *
 * Timing: slide k of the schedule is due at k × interval (animation time,
 * so tiles of a video wall agree); a fade starts when it is due and its
 * picture is decoded (at once in snapshots, where the loader is in sync
 * mode, so --at T is deterministic). While its page is hidden the widget
 * keeps its picture and loads nothing more (the first picture is loaded,
 * so the page never comes in empty); shown again, it fades to the one due.
 *
 * Hostile input: the layout list is capped (WDG_SLIDES_MAX, a `check`
 * error with file:line:col past it), its files are found and their headers
 * checked when the layout loads (a 100000×100000 PNG fails the layout
 * before any decoding). A topic's list past the cap is cut (counted and
 * said once); a topic's names must be relative with no ".." (found next to
 * the layout or in the data directory, by the loader thread); a picture
 * that cannot be shown at run time becomes an error tile with the reason,
 * counted in the image cache's "refused".
 *
 * Thread: render thread (init on the layout-loading thread).
 */
#include "widget.h"
#include "imgcache.h"
#include "log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WDG_SLIDES_MAX 256
#define SRC_MAX        512
#define CAPTION_MAX    160

enum { FIT_COVER = 0, FIT_CONTAIN };
enum { S_IDLE = 0, S_LOADING, S_READY, S_FAILED };

typedef struct {                   /* an item of "images" (option table record) */
    char *src, *caption;
} item_t;

typedef struct {
    char              *src;        /* resolved path (layout) or name (feed) */
    char              *caption;    /* may be NULL */
    bool               feed;       /* from the topic: found by the loader */
    int                state;
    wdg_image_job_t   *job;
    const wdg_image_t *im;         /* S_READY: owned by job */
    char               err[200];   /* S_FAILED: why */
    bool               permanent;  /* S_FAILED for good (a bad item): never asked for */
    bool               logged;
} slide_t;

typedef struct {
    wdg_t     base;
    bs_list_t images;
    double    interval, fade;
    int       fit;
    bool      captions, frame;
    /* runtime */
    char     *layout_file;          /* copy: feed names are found from it */
    slide_t  *s;
    int       n;
    int       cut;                  /* items of the last topic list past the cap */
    bool      cut_logged;
    char      bad[120];             /* the topic's value could not be used: why */
    int       cur;                  /* slide shown, -1 = none yet */
    bool      fading;
    int       to;                   /* slide fading in */
    double    fade_t0;
    int       bw, bh;               /* raster box, pixels */
} slideshow_t;

static const char *const fit_names[] = { "cover", "contain", NULL };

static const opt_def_t item_opts[] = {
    { "src",     OPT_STR, offsetof(item_t, src), 0, SRC_MAX, NULL, NULL, NULL,
      "PNG, JPEG or SVG file, relative to the layout's directory or the data directory (required)" },
    { "caption", OPT_STR, offsetof(item_t, caption), 0, CAPTION_MAX, NULL, NULL, NULL,
      "the line on the band under the picture" },
    OPT_END,
};

static const opt_def_t slideshow_opts[] = {
    { "images",   OPT_LIST, offsetof(slideshow_t, images), sizeof(item_t), WDG_SLIDES_MAX, "src", NULL,
      item_opts, "the pictures in turn: a file name, or {\"src\", \"caption\"}; a bound topic's list "
      "(the same shapes) replaces it when it arrives" },
    { "interval", OPT_NUM,  offsetof(slideshow_t, interval), 1, 3600, "8", NULL, NULL,
      "seconds each picture is shown, fade included" },
    { "fade",     OPT_NUM,  offsetof(slideshow_t, fade), 0, 10, "1.2", NULL, NULL,
      "seconds of the cross-fade (0 = cut); less than interval" },
    { "fit",      OPT_ENUM, offsetof(slideshow_t, fit), 0, 0, "cover", fit_names, NULL,
      "cover: fills the rect, cropped; contain: the whole picture on a dark matte" },
    { "captions", OPT_BOOL, offsetof(slideshow_t, captions), 0, 0, "true", NULL, NULL,
      "draw the caption band (caption and n / N)" },
    { "frame",    OPT_BOOL, offsetof(slideshow_t, frame), 0, 0, "true", NULL, NULL,
      "draw the panel with the title" },
    OPT_END,
};

/* ---- the list ------------------------------------------------------------ */

static void slide_clear(slide_t *s)
{
    wdg_image_job_free(s->job);
    free(s->src);
    free(s->caption);
    memset(s, 0, sizeof *s);
}

static void slides_free(slide_t *s, int n)
{
    for (int i = 0; i < n; i++)
        slide_clear(&s[i]);
    free(s);
}

/* Whether a name from a feed may be looked up: relative, no "..", no
 * backslash or control character, not empty, at most SRC_MAX bytes. */
static bool feed_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SRC_MAX || s[0] == '/')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == '\\' || s[i] == 0x7f)
            return false;
    for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == s || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return false;
    return true;
}

static rect_t content(const slideshow_t *k)
{
    const wdg_t *w = &k->base;
    return k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
}

static int slideshow_init(wdg_t *w, char *err, size_t errlen)
{
    slideshow_t *k = (slideshow_t *)w;
    k->cur = -1;
    if (k->fade >= k->interval) {
        snprintf(err, errlen, "\"fade\" (%g s) must be shorter than \"interval\" (%g s)", k->fade, k->interval);
        w->err_key = "fade";
        return -1;
    }
    if (k->images.n == 0 && w->nbinds == 0) {
        snprintf(err, errlen, "give \"images\" (a list of files) or \"bind\" (a topic holding one)");
        return -1;
    }
    if (w->layout_file && !(k->layout_file = strdup(w->layout_file)))
        goto oom;
    rect_t c = content(k);
    k->bw = (int)fmin(WDG_IMAGE_MAX_SIDE, fmax(1, ceil(c.w * 2)));
    k->bh = (int)fmin(WDG_IMAGE_MAX_SIDE, fmax(1, ceil(c.h * 2)));
    if (k->images.n > 0 && !(k->s = calloc((size_t)k->images.n, sizeof *k->s)))
        goto oom;
    for (int i = 0; i < k->images.n; i++) {
        const item_t *it = opt_list_at(&k->images, i);
        char path[1024], why[512];
        if (!it->src || !it->src[0]) {
            snprintf(err, errlen, "images[%d] needs \"src\": the file to show", i);
            w->err_key = "images";
            w->err_item = i;
            return -1;
        }
        if (wdg_find_file(w, it->src, path, sizeof path) != 0) {
            snprintf(err, errlen, "images[%d]: cannot find \"%s\" (looked in %s)", i, it->src, path);
            w->err_key = "images";
            w->err_item = i;
            return -1;
        }
        if (wdg_image_probe(path, why, sizeof why) != 0) {   /* header checks: no decoding here */
            snprintf(err, errlen, "images[%d]: %s", i, why);
            w->err_key = "images";
            w->err_item = i;
            return -1;
        }
        if (!(k->s[i].src = strdup(path)) || (it->caption && !(k->s[i].caption = strdup(it->caption))))
            goto oom;
        k->n = i + 1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

static void slideshow_destroy(wdg_t *w)
{
    slideshow_t *k = (slideshow_t *)w;
    slides_free(k->s, k->n);
    k->s = NULL;
    k->n = 0;
    free(k->layout_file);
    k->layout_file = NULL;
}

static const char *str_at(const bs_value_t *v, const char *key)
{
    const bs_value_t *m = key ? bs_value_get(v, key) : v;
    return m && m->type == BS_STR ? m->u.str : NULL;
}

/* A topic's list: each item a name or {src, caption}; at most
 * WDG_SLIDES_MAX (the rest cut and counted). Pictures already decoded for
 * a name still in the list are kept. */
static void slideshow_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    slideshow_t *k = (slideshow_t *)w;
    (void)slot;
    (void)e;
    (void)now;
    if (!v)
        return;                                  /* gone: the last list stays */
    if (v->type != BS_ARR) {
        snprintf(k->bad, sizeof k->bad, "the bound value is not a list of pictures");
        wdg_invalidate(w);
        return;
    }
    k->bad[0] = '\0';
    int n = v->n > WDG_SLIDES_MAX ? WDG_SLIDES_MAX : (int)v->n;
    int cut = (int)v->n - n;
    slide_t *ns = calloc(n ? (size_t)n : 1, sizeof *ns);
    if (!ns)
        return;
    for (int i = 0; i < n; i++) {
        const bs_value_t *it = v->u.c.items[i];
        const char *src = it->type == BS_OBJ ? str_at(it, "src") : str_at(it, NULL);
        const char *cap = it->type == BS_OBJ ? str_at(it, "caption") : NULL;
        slide_t *s = &ns[i];
        s->feed = true;
        s->src = strdup(src ? src : "");
        s->caption = cap ? strndup(cap, CAPTION_MAX) : NULL;
        if (!src) {
            s->state = S_FAILED;
            s->permanent = true;
            snprintf(s->err, sizeof s->err, "item %d is neither a file name nor {\"src\": ...}", i);
        } else if (!feed_name_ok(src)) {
            s->state = S_FAILED;
            s->permanent = true;
            snprintf(s->err, sizeof s->err, "\"%.80s\": a name from a feed must be relative, without \"..\"", src);
        }
    }
    bool same = n == k->n;
    for (int i = 0; same && i < n; i++)
        same = k->s[i].feed && !strcmp(k->s[i].src ? k->s[i].src : "", ns[i].src ? ns[i].src : "") &&
               !strcmp(k->s[i].caption ? k->s[i].caption : "", ns[i].caption ? ns[i].caption : "");
    if (same) {
        slides_free(ns, n);
        return;
    }
    /* keep what is decoded (or decoding) for names still there */
    int cur = -1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k->n; j++)
            if (ns[i].state == S_IDLE && k->s[j].feed && k->s[j].src && ns[i].src &&
                !strcmp(k->s[j].src, ns[i].src) && (k->s[j].job || k->s[j].state == S_FAILED)) {
                ns[i].state = k->s[j].state;
                ns[i].job = k->s[j].job;
                ns[i].im = k->s[j].im;
                ns[i].logged = k->s[j].logged;
                snprintf(ns[i].err, sizeof ns[i].err, "%s", k->s[j].err);
                k->s[j].job = NULL;
                k->s[j].state = S_IDLE;
                if (j == k->cur && cur < 0)
                    cur = i;
                break;
            }
    slides_free(k->s, k->n);
    k->s = ns;
    k->n = n;
    k->cur = cur;
    k->fading = false;
    if (cut > 0 && (!k->cut_logged || cut != k->cut))
        bs_log(BS_LOG_WARNING, "slideshow %s: the topic lists %d pictures; the first %d are shown",
               w->id, (int)v->n, WDG_SLIDES_MAX);
    k->cut_logged = k->cut_logged || cut > 0;
    k->cut = cut;
    wdg_invalidate(w);
}

/* ---- loading ------------------------------------------------------------- */

/* Asks for slide i when nothing is asked or known yet. */
static void want(slideshow_t *k, int i)
{
    slide_t *s = &k->s[i];
    if (s->state != S_IDLE)
        return;
    s->job = wdg_image_load(s->src, s->feed ? k->layout_file : NULL, k->bw, k->bh);
    if (!s->job) {
        s->state = S_FAILED;
        snprintf(s->err, sizeof s->err, "out of memory");
        return;
    }
    s->state = S_LOADING;
}

/* Picks up a finished job of slide i. */
static void poll(slideshow_t *k, int i)
{
    slide_t *s = &k->s[i];
    if (s->state != S_LOADING)
        return;
    const wdg_image_t *im = NULL;
    char why[512];
    int st = wdg_image_job_poll(s->job, &im, why, sizeof why);
    if (st == WDG_IMG_READY) {
        s->im = im;
        s->state = S_READY;
    } else if (st == WDG_IMG_FAILED) {
        wdg_image_job_free(s->job);
        s->job = NULL;
        s->state = S_FAILED;
        snprintf(s->err, sizeof s->err, "%.190s", why);
        if (!s->logged)
            bs_log(BS_LOG_WARNING, "slideshow %s: %s", k->base.id, why);
        s->logged = true;
    }
}

/* Lets go of every picture but slides a and b; a failed one is tried
 * again when it next comes up (unless it can never load). */
static void drop_others(slideshow_t *k, int a, int b)
{
    for (int i = 0; i < k->n; i++) {
        slide_t *s = &k->s[i];
        if (i == a || i == b || s->state == S_IDLE || (s->state == S_FAILED && s->permanent))
            continue;
        wdg_image_job_free(s->job);
        s->job = NULL;
        s->im = NULL;
        s->state = S_IDLE;
    }
}

static bool shown_ready(const slide_t *s)
{
    return s->state == S_READY || s->state == S_FAILED;
}

static void slideshow_tick(wdg_t *w, double now, int64_t wall_ms)
{
    slideshow_t *k = (slideshow_t *)w;
    (void)wall_ms;
    if (k->n == 0)
        return;
    rect_t c = content(k);
    if (k->fading) {
        poll(k, (k->to + 1) % k->n);
        if (now - k->fade_t0 >= k->fade) {
            k->fading = false;
            k->cur = k->to;
            drop_others(k, k->cur, (k->cur + 1) % k->n);
            wdg_invalidate_area(w, c);
        } else {
            wdg_invalidate_overlay(w);
        }
        return;
    }
    double slot = floor(now / k->interval);
    if (!isfinite(slot) || slot < 0)
        slot = 0;
    int due = (int)fmod(slot, k->n), next = (due + 1) % k->n;
    if (!w->shown && k->cur >= 0) {             /* its page is hidden: the picture stays, nothing loads */
        poll(k, k->cur);
        return;
    }
    want(k, due);
    poll(k, due);
    if (k->cur >= 0) {
        poll(k, k->cur);
        if (k->cur != due && shown_ready(&k->s[due])) {
            double sched = slot * k->interval;
            if (k->fade <= 0) {
                k->cur = due;
                wdg_invalidate_area(w, c);
            } else {
                k->fading = true;
                k->to = due;
                k->fade_t0 = now - sched <= k->fade / 2 ? sched : now;   /* on time, or from now when late */
                wdg_invalidate_overlay(w);
            }
        }
    } else if (shown_ready(&k->s[due])) {
        k->cur = due;
        wdg_invalidate_area(w, c);
    }
    if (!w->shown)
        return;                                /* hidden: the first picture only */
    if (!k->fading) {                          /* the one after, decoded while this one shows */
        want(k, next);
        poll(k, next);
    } else {
        want(k, (due + 1) % k->n);
    }
}

/* ---- drawing ------------------------------------------------------------- */

static void matte(const draw_t *d, rect_t c)
{
    cairo_t *cr = d->cr;
    cairo_pattern_t *g = cairo_pattern_create_linear(0, c.y, 0, c.y + c.h);
    cairo_pattern_add_color_stop_rgb(g, 0, 0.02, 0.07, 0.17);
    cairo_pattern_add_color_stop_rgb(g, 1, 0.01, 0.04, 0.11);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
}

/* The end of err after the file's name (the loader's messages start with
 * the path), so a tile shows the reason, not the directories. */
static const char *reason(const slide_t *s)
{
    const char *base = strrchr(s->src, '/') ? strrchr(s->src, '/') + 1 : s->src;
    const char *p = base[0] ? strstr(s->err, base) : NULL;
    if (!p)
        return s->err;
    p += strlen(base);
    while (*p == ':' || *p == ' ' || *p == '"')
        p++;
    return *p ? p : s->err;
}

static void error_tile(draw_t *d, const slideshow_t *k, const slide_t *s, rect_t c)
{
    cairo_t *cr = d->cr;
    bs_color_t warn = draw_theme(d, THEME_WARN), dim = draw_theme(d, THEME_DIM);
    double u = fmin(c.w, c.h) / 10, cx = c.x + c.w / 2, cy = c.y + c.h * 0.42;
    (void)k;
    /* a picture glyph, struck through */
    cairo_set_line_width(cr, fmax(1.5, u * 0.12));
    draw_round_rect(cr, cx - u * 1.3, cy - u, u * 2.6, u * 2, u * 0.2);
    cairo_move_to(cr, cx - u * 1.0, cy + u * 0.7);
    cairo_line_to(cr, cx - u * 0.3, cy - u * 0.1);
    cairo_line_to(cr, cx + u * 0.2, cy + u * 0.4);
    cairo_line_to(cr, cx + u * 0.55, cy + u * 0.1);
    cairo_line_to(cr, cx + u * 1.0, cy + u * 0.7);
    cairo_set_source_rgba(cr, warn.r, warn.g, warn.b, 0.8);
    cairo_stroke(cr);
    cairo_move_to(cr, cx - u * 1.6, cy + u * 1.3);
    cairo_line_to(cr, cx + u * 1.6, cy - u * 1.3);
    cairo_stroke(cr);
    double fs = fmax(10, fmin(22, c.h / 14));
    draw_text(d, FONT_BOLD, fs, cx, cy + u * 1.5 + fs, "图片无法显示", warn, AL_CENTER);
    const char *base = strrchr(s->src, '/') ? strrchr(s->src, '/') + 1 : s->src;
    char line[300];
    snprintf(line, sizeof line, "%s：%s", base[0] ? base : "?", reason(s));
    draw_text_fit(d, FONT_TEXT, fs * 0.7, cx, cy + u * 1.5 + fs * 2.3, line, dim, AL_CENTER, c.w - 24);
}

/* Slide i in c, fully opaque over the matte (so painting it with an alpha
 * over another is an exact cross-fade); its caption and n / N at text_a. */
static void draw_slide(draw_t *d, const slideshow_t *k, int i, rect_t c, double text_a)
{
    cairo_t *cr = d->cr;
    const slide_t *s = &k->s[i];
    matte(d, c);
    cairo_save(cr);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_clip(cr);
    if (s->state == S_READY && s->im && s->im->img && s->im->iw > 0 && s->im->ih > 0) {
        double sx = c.w / s->im->iw, sy = c.h / s->im->ih;
        double sc = k->fit == FIT_COVER ? fmax(sx, sy) : fmin(sx, sy);
        double dw = s->im->iw * sc, dh = s->im->ih * sc;
        cairo_save(cr);
        cairo_translate(cr, c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2);
        cairo_scale(cr, sc, sc);
        cairo_set_source_surface(cr, s->im->img, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
        cairo_rectangle(cr, 0, 0, s->im->iw, s->im->ih);
        cairo_fill(cr);
        cairo_restore(cr);
    } else if (s->state == S_FAILED) {
        error_tile(d, k, s, c);
    }
    if (k->captions && c.h > 60) {
        double bh = fmin(56, fmax(26, c.h * 0.13)), fs = bh * 0.46, y = c.y + c.h - bh;
        cairo_pattern_t *g = cairo_pattern_create_linear(0, y, 0, y + bh);
        cairo_pattern_add_color_stop_rgba(g, 0, 0.01, 0.06, 0.16, 0.55);
        cairo_pattern_add_color_stop_rgba(g, 1, 0.01, 0.05, 0.14, 0.82);
        cairo_rectangle(cr, c.x, y, c.w, bh);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
        bs_color_t accent = draw_theme(d, THEME_ACCENT), text = draw_theme(d, THEME_TEXT);
        bs_color_t dim = draw_theme(d, THEME_DIM);
        cairo_rectangle(cr, c.x, y, c.w, 1);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.45);
        cairo_fill(cr);
        cairo_rectangle(cr, c.x + 12, y + bh * 0.28, 4, bh * 0.44);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.95);
        cairo_fill(cr);
        char num[32];
        snprintf(num, sizeof num, "%d / %d", i + 1, k->n);
        dim.a *= (float)text_a;
        text.a *= (float)text_a;
        double nw = draw_number_width(d, FONT_NUMBER, fs * 0.85, num);
        if (text_a > 0.004) {
            draw_number(d, FONT_NUMBER, fs * 0.85, c.x + c.w - 14, y + bh / 2, num, dim, AL_RIGHT);
            if (s->caption && s->caption[0])
                draw_text_fit(d, FONT_TEXT, fs, c.x + 26, y + bh / 2, s->caption, text, AL_LEFT,
                              c.w - 26 - nw - 30);
        }
    }
    cairo_restore(cr);
}

static void slideshow_draw(const wdg_t *w, draw_t *d)
{
    const slideshow_t *k = (const slideshow_t *)w;
    rect_t c = content(k);
    if (c.w <= 0 || c.h <= 0)
        return;
    if (k->cur >= 0 && k->cur < k->n) {
        draw_slide(d, k, k->cur, c, 1);
    } else {
        matte(d, c);
        bs_color_t dim = draw_theme(d, THEME_DIM);
        draw_text(d, FONT_TEXT, fmax(10, fmin(20, c.h / 14)), c.x + c.w / 2, c.y + c.h / 2,
                  k->n ? "图片加载中…" : "暂无图片", dim, AL_CENTER);
    }
    if (k->bad[0] || k->cut > 0) {            /* what is wrong with the topic, small, top-left */
        char note[160];
        if (k->bad[0])
            snprintf(note, sizeof note, "⚠ %s", k->bad);
        else
            snprintf(note, sizeof note, "⚠ 仅显示前 %d 张（共 %d 张）", WDG_SLIDES_MAX, WDG_SLIDES_MAX + k->cut);
        bs_color_t warn = draw_theme(d, THEME_WARN);
        draw_text_fit(d, FONT_TEXT, 12, c.x + 8, c.y + 14, note, warn, AL_LEFT, c.w - 16);
    }
}

/* A fade frame, opaque over the picture rect: the pictures cross-fade
 * while the captions hand over (the old one out in the first half, the new
 * one in during the second), so two lines of text never overlap. */
static void slideshow_overlay(const wdg_t *w, draw_t *d)
{
    const slideshow_t *k = (const slideshow_t *)w;
    if (!k->fading || k->to < 0 || k->to >= k->n || k->cur < 0 || k->cur >= k->n)
        return;
    cairo_t *cr = d->cr;
    rect_t c = content(k);
    double p = k->fade > 0 ? (d->now - k->fade_t0) / k->fade : 1;
    p = p < 0 ? 0 : p > 1 ? 1 : p;
    double e = p * p * (3 - 2 * p);             /* smoothstep */
    cairo_save(cr);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_clip(cr);
    cairo_push_group(cr);
    draw_slide(d, k, k->cur, c, p < 0.5 ? 1 - 2 * p : 0);
    cairo_push_group(cr);
    draw_slide(d, k, k->to, c, p > 0.5 ? 2 * p - 1 : 0);
    cairo_pop_group_to_source(cr);
    cairo_paint_with_alpha(cr, e);
    cairo_pop_group_to_source(cr);
    cairo_paint(cr);
    cairo_restore(cr);
}

static int slideshow_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const slideshow_t *k = (const slideshow_t *)w;
    (void)now;
    if (!k->fading || max < 1)
        return 0;
    out[0] = content(k);
    return 1;
}

static void slideshow_text(const wdg_t *w, wdg_text_t *out)
{
    const slideshow_t *k = (const slideshow_t *)w;
    static const char *const st[] = { "idle", "loading", "ready", "failed" };
    for (int i = 0; i < k->n; i++) {
        const slide_t *s = &k->s[i];
        const char *base = strrchr(s->src, '/') ? strrchr(s->src, '/') + 1 : s->src;
        if (s->state == S_FAILED)
            wdg_text_add(out, "%s%d/%d %s [failed: %s]", i == k->cur ? "* " : "", i + 1, k->n, base, s->err);
        else
            wdg_text_add(out, "%s%d/%d %s %s [%s]", i == k->cur ? "* " : "", i + 1, k->n, base,
                         s->caption ? s->caption : "", st[s->state]);
    }
    if (k->cut > 0)
        wdg_text_add(out, "cut: %d", k->cut);
    if (k->bad[0])
        wdg_text_add(out, "bad: %s", k->bad);
}

const wdg_class_t wdg_slideshow_class = {
    .name = "slideshow",
    .doc  = "A photo column (工会图库): pictures (PNG, JPEG or SVG) from \"images\" or a bound topic "
            "(an array of file names or {\"src\", \"caption\"}) take turns every \"interval\" seconds "
            "with a cross-fade, each with its caption and n / N on a translucent band. Pictures are "
            "decoded off the render thread by the image loader, brought to the size that covers twice "
            "the rect, and at most three are held; the one on screen stays until the next is decoded, and "
            "while its page is hidden nothing more is loaded. "
            "Only the picture's rect repaints during a fade, nothing between fades. Layout files are "
            "found and their headers checked when the layout loads (caps as `image`: 8192 pixels a "
            "side, 33.5 Mpx, 32 MiB; SVG 4 MiB; at most 256 pictures). A topic's list is cut at 256 "
            "(said on the widget); its names must be relative, without \"..\". A picture that cannot "
            "be shown becomes an error tile with the reason, counted as refused.",
    .size = sizeof(slideshow_t),
    .opts = slideshow_opts,
    .bindable = true,
    .bind_optional = true,
    .panel = offsetof(slideshow_t, frame),
    .init = slideshow_init,
    .destroy = slideshow_destroy,
    .data = slideshow_data,
    .tick = slideshow_tick,
    .draw = slideshow_draw,
    .draw_overlay = slideshow_overlay,
    .overlay_rects = slideshow_overlay_rects,
    .text = slideshow_text,
};
