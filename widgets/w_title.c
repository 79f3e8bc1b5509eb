/*
 * w_title.c — "title": the banner across the top of a screen: the screen's
 * name in large glowing type, the date and weekday on the left, a clock on
 * the right. The banner, its glow and the title are the cached base, and
 * all that is kept of it; the date and the clock are marks over it, each
 * in its box with a key: the clock's box is repainted when its second (its
 * minute, without seconds) turns, the date's each minute (the local day
 * turns on a minute in every time zone); the rest of the banner never.
 */
#include "widget.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

typedef struct {
    wdg_t base;
    char *subtitle;
    bool  clock, date, seconds;
    double size;
    int64_t shown_s;       /* the wall second (minute) at the last tick */
    int64_t shown_min;     /* the wall minute at the last tick */
} title_t;

static const opt_def_t title_opts[] = {
    { "subtitle", OPT_STR,  offsetof(title_t, subtitle), 0, 128, NULL, NULL, NULL,
      "small line under the title" },
    { "clock",    OPT_BOOL, offsetof(title_t, clock),    0, 0, "true", NULL, NULL,
      "show the time on the right" },
    { "seconds",  OPT_BOOL, offsetof(title_t, seconds),  0, 0, "true", NULL, NULL,
      "the clock shows seconds (redraws every second)" },
    { "date",     OPT_BOOL, offsetof(title_t, date),     0, 0, "true", NULL, NULL,
      "show the date and weekday on the left" },
    { "size",     OPT_NUM,  offsetof(title_t, size),     16, 120, "44", NULL, NULL,
      "title text size, design units" },
    OPT_END,
};

#define CLOCK_SIZE 30          /* design units: the clock's digits */
#define DATE_SIZE  24          /* the date's digits (the weekday is 20) */

/* The clock's and the date's boxes (design units), with room for any
 * digits: what a tick repaints when they change. */
static rect_t clock_box(const wdg_t *w)
{
    rect_t r = w->rect;
    double ty = r.y + r.h * 0.32, bw = CLOCK_SIZE * 6.5;
    return (rect_t){ r.x + r.w - 28 - bw, ty - CLOCK_SIZE * 0.9, bw + 10, CLOCK_SIZE * 1.8 };
}

static rect_t date_box(const wdg_t *w)
{
    rect_t r = w->rect;
    double ty = r.y + r.h * 0.32;
    return (rect_t){ r.x + 18, ty - DATE_SIZE * 0.9, DATE_SIZE * 13, DATE_SIZE * 1.8 };
}

static void title_tick(wdg_t *w, double now, int64_t wall_ms)
{
    title_t *t = (title_t *)w;
    (void)now;
    if (!t->clock && !t->date)
        return;
    int64_t sec = wall_ms / 1000;
    if (!t->seconds)
        sec /= 60;
    int64_t minute = wall_ms / 60000;
    if (sec != t->shown_s || minute != t->shown_min)
        wdg_invalidate_overlay(w);        /* the marks' keys say which box */
    t->shown_s = sec;
    t->shown_min = minute;
}

/* The clock's box keyed by its second (minute), the date's by the minute. */
static int title_overlay_marks(const wdg_t *w, double now, wdg_mark_t *out, int max)
{
    const title_t *t = (const title_t *)w;
    (void)now;
    int n = 0;
    if (max < 2)
        return -1;
    if (t->clock)
        out[n++] = (wdg_mark_t){ clock_box(w), (uint64_t)t->shown_s };
    if (t->date)
        out[n++] = (wdg_mark_t){ date_box(w), (uint64_t)t->shown_min };
    return n;
}

static void local_tm(const draw_t *d, struct tm *tm)
{
    time_t t = (time_t)(d->wall_ms / 1000) + (time_t)d->utc_offset_min * 60;
    gmtime_r(&t, tm);
}

/* The base: banner, glow, chevrons, title and subtitle. */
static void title_draw_base(const wdg_t *w, draw_t *d)
{
    const title_t *t = (const title_t *)w;
    cairo_t *cr = d->cr;
    rect_t r = w->rect;
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    double cx = r.x + r.w / 2, cy = r.y + r.h * 0.46;

    /* banner body: a wide trapezoid in the middle, wings to the sides */
    double tw = fmin(r.w * 0.46, 980), inset = 36, bot = r.y + r.h * 0.92;
    cairo_pattern_t *g = cairo_pattern_create_linear(0, r.y, 0, bot);
    cairo_pattern_add_color_stop_rgba(g, 0, a2.r, a2.g, a2.b, 0.05);
    cairo_pattern_add_color_stop_rgba(g, 1, a2.r, a2.g, a2.b, 0.38);
    cairo_move_to(cr, cx - tw / 2 - inset, r.y);
    cairo_line_to(cr, cx + tw / 2 + inset, r.y);
    cairo_line_to(cr, cx + tw / 2, bot);
    cairo_line_to(cr, cx - tw / 2, bot);
    cairo_close_path(cr);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);

    /* the glowing outline: wings, slopes and the bottom edge */
    double wy = r.y + r.h * 0.62;
    cairo_move_to(cr, r.x + 4, wy);
    cairo_line_to(cr, cx - tw / 2 - inset - 30, wy);
    cairo_line_to(cr, cx - tw / 2 - 10, bot);
    cairo_line_to(cr, cx + tw / 2 + 10, bot);
    cairo_line_to(cr, cx + tw / 2 + inset + 30, wy);
    cairo_line_to(cr, r.x + r.w - 4, wy);
    draw_glow_stroke(d, accent, 1.6, 6);
    /* bright bar in the middle of the bottom edge */
    g = cairo_pattern_create_linear(cx - tw / 3, 0, cx + tw / 3, 0);
    cairo_pattern_add_color_stop_rgba(g, 0, accent.r, accent.g, accent.b, 0);
    cairo_pattern_add_color_stop_rgba(g, 0.5, 1, 1, 1, 0.95);
    cairo_pattern_add_color_stop_rgba(g, 1, accent.r, accent.g, accent.b, 0);
    cairo_rectangle(cr, cx - tw / 3, bot - 2, tw * 2 / 3, 4);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    /* chevrons on the wings */
    for (int side = -1; side <= 1; side += 2)
        for (int i = 0; i < 4; i++) {
            double x = cx + side * (tw / 2 + inset + 70 + i * 22);
            cairo_move_to(cr, x, wy - 16);
            cairo_line_to(cr, x + side * 10, wy - 9);
            cairo_line_to(cr, x, wy - 2);
            cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.85 - i * 0.2);
            cairo_set_line_width(cr, 3);
            cairo_stroke(cr);
        }

    if (w->title)
        draw_text_glow(d, FONT_TITLE, t->size, cx, cy, w->title, text, accent, AL_CENTER);
    if (t->subtitle)
        draw_text(d, FONT_TEXT, 15, cx, bot - 12, t->subtitle, dim, AL_CENTER | AL_BOTTOM);
}

/* The layer: the date and the clock. */
/* The date and the clock: the marks. */
static void title_draw(const wdg_t *w, draw_t *d)
{
    const title_t *t = (const title_t *)w;
    rect_t r = w->rect;
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    struct tm tm;
    local_tm(d, &tm);
    double ty = r.y + r.h * 0.32;
    if (t->date) {
        static const char *const wd[] = { "星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六" };
        char buf[64];
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
        double wdt = draw_number(d, FONT_NUMBER, DATE_SIZE, r.x + 28, ty, buf, text, AL_LEFT);
        draw_text(d, FONT_TEXT, 20, r.x + 40 + wdt, ty, wd[tm.tm_wday % 7], dim, AL_LEFT);
    }
    if (t->clock) {
        char buf[16];
        if (t->seconds)
            snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
        else
            snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour, tm.tm_min);
        draw_number(d, FONT_NUMBER, CLOCK_SIZE, r.x + r.w - 28, ty, buf, accent, AL_RIGHT);
    }
}

static void title_text(const wdg_t *w, wdg_text_t *out)
{
    wdg_text_add(out, "%s", w->title ? w->title : "");
}

/* The clock's next second (its next minute without seconds, and for the
 * date alone). */
static double title_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const title_t *t = (const title_t *)w;
    if (!t->clock && !t->date)
        return INFINITY;
    int64_t unit = t->clock && t->seconds ? 1000 : 60000;
    int64_t next = (wall_ms / unit + 1) * unit;
    return now + (double)(next - wall_ms) / 1000.0;
}

const wdg_class_t wdg_title_class = {
    .name = "title",
    .doc  = "The banner across the top of a screen: the title in large glowing type, the date and "
            "weekday on the left, a clock on the right (in the layout's time zone).",
    .size = sizeof(title_t),
    .opts = title_opts,
    .tick = title_tick,
    .next_tick = title_next_tick,
    .draw_base = title_draw_base,
    .draw_overlay = title_draw,
    .overlay_marks = title_overlay_marks,
    .text = title_text,
};
