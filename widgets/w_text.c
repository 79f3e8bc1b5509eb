/*
 * w_text.c — "text": a paragraph, static ("text") or bound to a topic (a
 * string is shown as is, a number through the number options), wrapped to
 * the rect and aligned. "bind" is optional; a bound value replaces "text".
 *
 * Wrapping breaks between any two CJK characters and at spaces in Latin
 * text, and honours "\n". Lines that do not fit the rect are dropped; the
 * last one shown ends in "…".
 */
#include "widget.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX   4096
#define TEXT_LINES 64

enum { V_TOP = 0, V_MIDDLE, V_BOTTOM };

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    char      *text;
    double     size, line_height;
    bs_color_t color;
    int        align, valign;
    bool       wrap, bold, glow, frame;
    /* state */
    char      *shown;           /* bound text, or NULL: the static text */
} text_t;

static const char *const align_names[] = { "left", "center", "right", NULL };
static const char *const valign_names[] = { "top", "middle", "bottom", NULL };

static const opt_def_t text_opts[] = {
    { "format", OPT_GROUP, offsetof(text_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "text",   OPT_STR,  offsetof(text_t, text), 0, TEXT_MAX, "", NULL, NULL,
      "the text shown (until a bound value arrives, when bound)" },
    { "size",   OPT_NUM,  offsetof(text_t, size), 6, 300, "22", NULL, NULL, "text size, design units" },
    { "line_height", OPT_NUM, offsetof(text_t, line_height), 1, 3, "1.45", NULL, NULL, "line spacing, in text sizes" },
    { "color",  OPT_COLOR, offsetof(text_t, color), 0, 0, "text", NULL, NULL, "text colour (thresholds override it for numbers)" },
    { "align",  OPT_ENUM, offsetof(text_t, align), 0, 0, "left", align_names, NULL, "horizontal alignment" },
    { "valign", OPT_ENUM, offsetof(text_t, valign), 0, 0, "middle", valign_names, NULL, "vertical alignment" },
    { "wrap",   OPT_BOOL, offsetof(text_t, wrap), 0, 0, "true", NULL, NULL, "wrap lines to the rect's width" },
    { "bold",   OPT_BOOL, offsetof(text_t, bold), 0, 0, "false", NULL, NULL, "bold face" },
    { "glow",   OPT_BOOL, offsetof(text_t, glow), 0, 0, "false", NULL, NULL, "a soft glow in the accent colour" },
    { "frame",  OPT_BOOL, offsetof(text_t, frame), 0, 0, "false", NULL, NULL, "draw the panel (with the title) behind it" },
    OPT_END,
};

static void text_destroy(wdg_t *w)
{
    text_t *k = (text_t *)w;
    free(k->shown);
    k->shown = NULL;
}

static void text_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    text_t *k = (text_t *)w;
    (void)slot;
    (void)e;
    (void)now;
    char buf[TEXT_MAX + 1];
    if (!v) {
        buf[0] = '\0';
    } else if (v->type == BS_STR) {
        const char *m = fmt_map(&k->fmt, v->u.str);
        const char *s = m ? m : v->u.str;
        size_t n = strlen(s);
        if (n > TEXT_MAX) {
            n = TEXT_MAX;
            while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
    } else if (v->type == BS_NUM || v->type == BS_BOOL) {
        double x = wdg_number(v);
        char raw[64];
        snprintf(raw, sizeof raw, "%g", x);
        const char *m = fmt_map(&k->fmt, raw);
        fmt_out_t f;
        fmt_number(&k->fmt, x, &f);
        if (m)
            snprintf(buf, sizeof buf, "%s", m);
        else
            fmt_join(&f, buf, sizeof buf);
    } else {
        snprintf(buf, sizeof buf, "--");
    }
    if (k->shown && strcmp(k->shown, buf) == 0)
        return;
    char *c = strdup(buf);
    if (!c)
        return;
    free(k->shown);
    k->shown = c;
    wdg_invalidate(w);
}

/* Length of the UTF-8 character at s. */
static size_t ch_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            return i;
    return n;
}

/* CJK punctuation that must not start a line (kept on the line before). */
static bool no_break_before(const char *s)
{
    static const char *const closers[] = { "，", "。", "、", "；", "：", "！", "？", "”", "’", "）", "》", "」", "…", NULL };
    for (int i = 0; closers[i]; i++)
        if (strncmp(s, closers[i], strlen(closers[i])) == 0)
            return true;
    return false;
}

typedef struct { size_t start, len; } line_t;

/* Breaks s into lines no wider than max_w (when wrapping). */
static int break_lines(draw_t *d, int role, double size, const char *s, double max_w, bool wrap,
                       line_t *out, int max)
{
    int n = 0;
    size_t i = 0, len = strlen(s);
    char buf[TEXT_MAX + 1];
    while (i <= len && n < max) {
        size_t start = i, end = i, brk = 0;
        while (end < len && s[end] != '\n') {
            size_t cl = ch_len(s + end);
            if (wrap) {
                memcpy(buf, s + start, end + cl - start);
                buf[end + cl - start] = '\0';
                if (end > start && draw_text_width(d, role, size, buf) > max_w && !no_break_before(s + end)) {
                    /* prefer the last space in Latin text */
                    if (brk > start && (unsigned char)s[end] < 0x80 && s[end] != ' ')
                        end = brk;
                    break;
                }
            }
            if (s[end] == ' ')
                brk = end;
            end += cl;
        }
        out[n++] = (line_t){ start, end - start };
        i = end;
        if (i < len && (s[i] == '\n' || s[i] == ' '))
            i++;                                  /* eat the break */
        else if (i >= len)
            break;
    }
    return n;
}

static void text_draw(const wdg_t *w, draw_t *d)
{
    const text_t *k = (const text_t *)w;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    const char *s = k->shown ? k->shown : (k->text ? k->text : "");
    if (!s[0])
        return;
    int role = k->bold ? FONT_BOLD : FONT_TEXT;
    double pad = k->frame ? 12 : 0;
    double x0 = c.x + pad, ww = c.w - 2 * pad, lh = k->size * k->line_height;
    line_t lines[TEXT_LINES];
    int n = break_lines(d, role, k->size, s, ww, k->wrap, lines, TEXT_LINES);
    int fit = (int)floor((c.h - 2 * pad + (lh - k->size)) / lh);
    if (fit < 1)
        fit = 1;
    bool cut = n > fit;
    if (cut)
        n = fit;
    double total = n * lh - (lh - k->size);
    double y = k->valign == V_TOP ? c.y + pad : k->valign == V_BOTTOM ? c.y + c.h - pad - total
                                                                      : c.y + (c.h - total) / 2;
    double x = k->align == AL_LEFT ? x0 : k->align == AL_RIGHT ? x0 + ww : x0 + ww / 2;
    bs_color_t col = k->color;
    if (k->shown && k->fmt.thresholds.n > 0) {
        double v;
        if (sscanf(k->shown, "%lf", &v) == 1)
            col = fmt_color(&k->fmt, v, col);
    }
    bs_color_t glow = draw_theme(d, THEME_ACCENT);
    char buf[TEXT_MAX + 8];
    for (int i = 0; i < n; i++) {
        memcpy(buf, s + lines[i].start, lines[i].len);
        buf[lines[i].len] = '\0';
        double cy = y + i * lh + k->size / 2;
        if (cut && i == n - 1)
            strcat(buf, "…");            /* fits: buf has room for 8 more bytes */
        if (k->glow)
            draw_text_glow(d, role, k->size, x, cy, buf, col, glow, k->align);
        else
            draw_text_fit(d, role, k->size, x, cy, buf, col, k->align, ww + k->size);  /* a kept closer may overhang */
    }
}

static void text_text(const wdg_t *w, wdg_text_t *out)
{
    const text_t *k = (const text_t *)w;
    wdg_text_add(out, "%s", k->shown ? k->shown : (k->text ? k->text : ""));
}

const wdg_class_t wdg_text_class = {
    .name = "text",
    .doc  = "A paragraph of text, static (\"text\") or bound to a topic — a string as is, a number "
            "through the number options — wrapped to the rect (CJK breaks anywhere, Latin at spaces), "
            "aligned left, centre or right and top, middle or bottom; lines that do not fit are dropped "
            "and the last shown ends in \"…\". \"bind\" is optional.",
    .size = sizeof(text_t),
    .opts = text_opts,
    .panel = offsetof(text_t, frame),
    .bindable = true,
    .bind_optional = true,
    .destroy = text_destroy,
    .data = text_data,
    .draw = text_draw,
    .text = text_text,
};
