/* chrome.c — what the screen draws over its widgets: the connection banner,
 * the reload error box and the frame statistics box (see screen_impl.h). */
#include "screen_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The banner's rectangle in design units: a band centred at the bottom. */
static rect_t banner_rect(const screen_t *s)
{
    double W = s->layout->width, H = s->layout->height;
    double w = fmin(W - 40, 640), h = fmin(52, H / 8);
    return (rect_t){ (W - w) / 2, H - h - 14, w, h };
}

/* "数据连接中断 · 自 HH:MM 起" while any feed is down (HH:MM in the layout's
 * time zone, from when it went down); damages the band when the text changes. */
void scr_update_banner(screen_t *s)
{
    char text[sizeof s->banner] = "";
    for (int i = 0; i < s->nfeeds && !text[0]; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        if (st.state != FEED_DOWN)
            continue;
        int64_t m = st.since_ms / 60000 + s->layout->utc_offset_min;
        int mins = (int)(((m % 1440) + 1440) % 1440);
        if (s->nfeeds > 1)
            snprintf(text, sizeof text, "数据连接中断（%.40s）· 自 %02d:%02d 起",
                     s->feeds[i]->conf.id, mins / 60, mins % 60);
        else
            snprintf(text, sizeof text, "数据连接中断 · 自 %02d:%02d 起", mins / 60, mins % 60);
    }
    if (strcmp(text, s->banner) != 0) {
        snprintf(s->banner, sizeof s->banner, "%s", text);
        damage_add(&s->damage, scr_device_rect(s, banner_rect(s), INK_MARGIN));
    }
}

static void draw_banner(screen_t *s, draw_t *d)
{
    rect_t r = banner_rect(s);
    cairo_t *cr = d->cr;
    bs_color_t bad = draw_theme(d, THEME_BAD), text = draw_theme(d, THEME_TEXT);
    cairo_save(cr);
    scr_set_transform(s, cr);
    draw_round_rect(cr, r.x, r.y, r.w, r.h, r.h / 2);
    cairo_set_source_rgba(cr, bad.r * 0.35, bad.g * 0.35, bad.b * 0.35, 0.92);
    cairo_fill_preserve(cr);
    draw_glow_stroke(d, bad, 2, 8);
    /* a pulsing-free dot (snapshots stay deterministic) and the text */
    cairo_arc(cr, r.x + r.h * 0.75, r.y + r.h / 2, r.h * 0.14, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, bad.r, bad.g, bad.b, 1);
    cairo_fill(cr);
    draw_text_fit(d, FONT_BOLD, r.h * 0.46, r.x + r.w / 2 + r.h * 0.2, r.y + r.h / 2, s->banner, text,
                  AL_CENTER | AL_MIDDLE, r.w - r.h * 2);
    cairo_restore(cr);
}

void screen_set_reload_errors(screen_t *s, const char *errors)
{
    if (!errors && !s->reload_errors)
        return;
    free(s->reload_errors);
    s->reload_errors = errors ? strdup(errors) : NULL;
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)
        s->layout->widgets[i]->overlay_invalid = true;
}

/* Where the statistics box goes, in output pixels. */
static irect_t hud_rect(const screen_t *s)
{
    double k = fmax(s->text_scale, 0.75);     /* readable on small windows too */
    return (irect_t){ 0, 0, (int)ceil(720 * k), (int)ceil(36 * k) };
}

void screen_set_hud(screen_t *s, const char *text)
{
    if (strcmp(s->hud, text) == 0)
        return;
    snprintf(s->hud, sizeof s->hud, "%s", text);
    damage_add(&s->damage, hud_rect(s));
}

static void draw_hud(screen_t *s, draw_t *d)
{
    irect_t r = hud_rect(s);
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.72);
    cairo_fill(cr);
    draw_t dd = *d;
    dd.scale = 1;                      /* device units */
    bs_color_t c = { 0.6f, 1, 0.75f, 1, -1 };
    double k = fmax(s->text_scale, 0.75);
    draw_text_fit(&dd, FONT_TEXT, 17 * k, 10 * k, r.h / 2.0, s->hud, c, AL_LEFT, r.w - 20 * k);
    cairo_restore(cr);
}

/* The reload error box over the screen: what is wrong, where. */
static void draw_reload_errors(screen_t *s, draw_t *d)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    double scale = s->text_scale, size = 17 * scale, pad = 18 * scale;
    int lines = 1;                      /* the heading, then one per message */
    for (const char *p = s->reload_errors; *p; p++)
        lines += *p != '\n' && (p[1] == '\n' || !p[1]);
    if (lines > 12)
        lines = 12;
    double w = s->out_w * 0.8, h = pad * 2 + size * 1.5 * (lines + 1);
    double x = (s->out_w - w) / 2, y = s->out_h * 0.12;
    draw_round_rect(cr, x, y, w, h, 8 * scale);
    cairo_set_source_rgba(cr, 0.16, 0.02, 0.05, 0.93);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1, 0.3, 0.37, 1);
    cairo_set_line_width(cr, 2 * scale);
    cairo_stroke(cr);
    draw_t dd = *d;
    dd.scale = 1;                      /* device units below */
    bs_color_t head = { 1, 0.55f, 0.58f, 1, -1 }, body = { 1, 0.92f, 0.92f, 1, -1 };
    draw_text(&dd, FONT_BOLD, size * 1.05, x + pad, y + pad + size * 0.6, "布局文件有误，继续显示上一个正确的布局 · layout not reloaded:",
              head, AL_LEFT);
    const char *p = s->reload_errors;
    for (int i = 0; i < lines - 1 && *p; i++) {
        char line[512];
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < 500 ? n : 500), p);
        draw_text_fit(&dd, FONT_TEXT, size, x + pad, y + pad + size * (0.6 + 1.5 * (i + 1)), line, body, AL_LEFT,
                      w - 2 * pad);
        p += n;
        if (*p)
            p++;
    }
    cairo_restore(cr);
}

void scr_draw_chrome(screen_t *s, draw_t *d, irect_t r)
{
    if (s->banner[0] && irect_intersects(r, scr_device_rect(s, banner_rect(s), INK_MARGIN)))
        draw_banner(s, d);
    if (s->reload_errors)
        draw_reload_errors(s, d);
    if (s->hud[0] && irect_intersects(r, hud_rect(s)))
        draw_hud(s, d);
}
