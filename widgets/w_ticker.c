/*
 * w_ticker.c — "ticker": a marquee of headlines behind a "快讯" tag.
 *
 * Input: a string, or an array of strings (at most TICK_MAX, each cut to
 * TICK_LEN bytes at a character boundary). The first headline enters from
 * the right; each one stops at the left edge for "pause" seconds, then moves
 * on at "speed" design units per second with the next one "gap" behind it,
 * and the list repeats without a seam.
 *
 * A single string is one new headline, not a new list: feeds that send only
 * the latest headline (one every few seconds) would otherwise restart the
 * marquee from the right edge on every message and nothing would ever be
 * read. It joins the queue right after the headline on screen (so the
 * newest is next), the headline on screen finishes its pass, and the queue
 * keeps the last "keep" headlines, dropping the oldest that is not on
 * screen. An array replaces the whole list.
 *
 * The position is a pure function of time: slot widths are estimated from
 * the text (CJK 1 em, Latin about 0.58 em), never measured in draw, so tick,
 * data and draw agree and a snapshot at time t is deterministic. When new
 * headlines arrive, the one on screen keeps its place if it is still in the
 * list; otherwise the new list enters from the right.
 */
#include "widget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_MAX 32
#define TICK_LEN 512

/* The ink of each headline as draw_strip last measured it (design units:
 * x from the headline's start in strip space, its bullet included; y from
 * the centre line), for the damage to follow the glyphs. Filled by
 * draw_strip, which has the text cache, when the list or the scale
 * changed (a cache of what draw_strip draws, not state: the look never
 * depends on it); read by overlay_rects. Allocated by init. */
typedef struct {
    bool     valid;
    uint64_t gen;                 /* the ticker's seq it was measured at */
    double   sx;                  /* the output scale it was measured at */
    rect_t   ink[TICK_MAX];
} tick_ink_t;

typedef struct {
    wdg_t      base;
    tick_ink_t *ink;              /* owned; NULL: damage the whole band */
    double     speed, pause, gap, size;
    int        keep;
    char      *tag;
    bs_color_t color;
    bool       frame;
    /* state */
    char      *items[TICK_MAX];
    double     wid[TICK_MAX];     /* estimated widths at size */
    uint64_t   age[TICK_MAX];     /* when each joined (single headlines) */
    uint64_t   seq;
    int        n;
    int        start;             /* item the time line starts with */
    double     t0;                /* when it starts */
    bool       lead;              /* starts by entering from the right */
    bool       was_moving;
} ticker_t;

static const opt_def_t ticker_opts[] = {
    { "speed", OPT_NUM,  offsetof(ticker_t, speed), 10, 2000, "110", NULL, NULL, "scrolling speed, design units per second" },
    { "pause", OPT_NUM,  offsetof(ticker_t, pause), 0, 60, "2.5", NULL, NULL, "seconds each headline rests at the left edge" },
    { "gap",   OPT_NUM,  offsetof(ticker_t, gap),   10, 2000, "120", NULL, NULL, "space between headlines, design units" },
    { "size",  OPT_NUM,  offsetof(ticker_t, size),  10, 120, "22", NULL, NULL, "text size, design units" },
    { "keep",  OPT_INT,  offsetof(ticker_t, keep),  1, TICK_MAX, "10", NULL, NULL,
      "headlines kept when the feed sends one at a time (a string): each joins the queue after the one on "
      "screen, the oldest beyond this many leaves" },
    { "tag",   OPT_STR,  offsetof(ticker_t, tag),   0, 32, "快讯", NULL, NULL, "the label on the left; \"\" for none" },
    { "color", OPT_COLOR, offsetof(ticker_t, color), 0, 0, "text", NULL, NULL, "headline colour" },
    { "frame", OPT_BOOL, offsetof(ticker_t, frame), 0, 0, "true", NULL, NULL, "draw the strip behind it" },
    OPT_END,
};

/* Width of s at size, estimated: ASCII letters and digits about 0.58 em,
 * a space 0.3 em, everything else (CJK, full-width punctuation) 1 em. */
static double est_width(const char *s, double size)
{
    double w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80)
            w += *p == ' ' ? 0.3 : 0.58;
        else if ((*p & 0xC0) != 0x80)
            w += 1.0;
    }
    return w * size;
}

typedef struct { double tag_w, x0, x1, stop; } geom_t;

static geom_t geom(const ticker_t *k)
{
    rect_t r = k->base.rect;
    geom_t g;
    g.tag_w = k->tag && k->tag[0] ? est_width(k->tag, k->size * 0.9) + k->size * 1.6 : 0;
    g.x0 = r.x + g.tag_w + 8;
    g.x1 = r.x + r.w - 8;
    g.stop = g.x0 + 14;
    return g;
}

/* Where the strip is at time now: item *j starts at stop + *off; *e is the
 * time spent in that item's cycle (or in the lead-in). Returns true while
 * moving. */
static bool ticker_pos(const ticker_t *k, double now, int *j, double *off, double *e)
{
    geom_t g = geom(k);
    double view = fmax(1, g.x1 - g.stop);
    double t = fmax(0, now - k->t0);
    *j = k->start;
    if (k->lead) {
        double L = view / k->speed;
        if (t < L) {
            *off = view - t * k->speed;
            *e = -1;
            return true;
        }
        t -= L;
    }
    double C = 0;
    for (int i = 0; i < k->n; i++)
        C += k->pause + (k->wid[i] + k->gap) / k->speed;
    t = fmod(t, C);
    for (int step = 0; step < k->n; step++) {
        int i = (k->start + step) % k->n;
        double d = (k->wid[i] + k->gap) / k->speed;
        *j = i;
        if (t < k->pause) {
            *off = 0;
            *e = t;
            return false;
        }
        if (t < k->pause + d) {
            *off = -(t - k->pause) * k->speed;
            *e = t;
            return true;
        }
        t -= k->pause + d;
    }
    *off = 0;
    *e = 0;
    return false;
}

static void clear_items(ticker_t *k)
{
    for (int i = 0; i < k->n; i++)
        free(k->items[i]);
    k->n = 0;
}

static void ticker_destroy(wdg_t *w)
{
    ticker_t *k = (ticker_t *)w;
    clear_items(k);
    free(k->ink);
    k->ink = NULL;
}

/* The ink cache (tick_ink_t); without memory the damage is the band. */
static int ticker_init(wdg_t *w, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    ((ticker_t *)w)->ink = calloc(1, sizeof(tick_ink_t));
    return 0;
}

/* A copy of s cut to TICK_LEN bytes at a UTF-8 character boundary, with
 * line breaks and tabs turned into spaces. */
static char *copy_line(const char *s)
{
    size_t n = strlen(s);
    if (n > TICK_LEN) {
        n = TICK_LEN;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    char *c = malloc(n + 1);
    if (!c)
        return NULL;
    for (size_t i = 0; i < n; i++)
        c[i] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
    c[n] = '\0';
    return c;
}

static void follow(ticker_t *k, int nj, bool in_lead, double el, double now);

/* After the list changed: the layer is redrawn, and the base and top too
 * when headlines appeared or all went (the fades show only over them). */
static void had_items(ticker_t *k, bool had)
{
    if (had != (k->n > 0))
        wdg_invalidate_base(&k->base);
    else
        wdg_invalidate(&k->base);
}
static void add_one(ticker_t *k, const char *s, double now);

static void ticker_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    ticker_t *k = (ticker_t *)w;
    (void)slot;
    (void)e;
    if (v && v->type == BS_STR) {
        if (v->u.str[0])
            add_one(k, v->u.str, now);
        return;
    }
    const char *in[TICK_MAX];
    int n = 0;
    if (v && v->type == BS_ARR) {
        for (uint32_t i = 0; i < v->n && n < TICK_MAX; i++)
            if (v->u.c.items[i]->type == BS_STR && v->u.c.items[i]->u.str[0])
                in[n++] = v->u.c.items[i]->u.str;
    }
    char *next[TICK_MAX];
    int m = 0;
    for (int i = 0; i < n; i++)
        if ((next[m] = copy_line(in[i])) != NULL)
            m++;
    bool same = m == k->n;
    for (int i = 0; same && i < m; i++)
        same = strcmp(next[i], k->items[i]) == 0;
    if (same) {
        for (int i = 0; i < m; i++)
            free(next[i]);
        return;
    }
    /* keep the headline on screen where it is, if it stays */
    int j = -1, nj = -1;
    double off, el = 0;
    if (k->n > 0) {
        ticker_pos(k, now, &j, &off, &el);
        for (int i = 0; i < m && nj < 0; i++)
            if (strcmp(next[i], k->items[j]) == 0)
                nj = i;
    }
    bool in_lead = k->n > 0 && el < 0, had = k->n > 0;
    clear_items(k);
    for (int i = 0; i < m; i++) {
        k->items[i] = next[i];
        k->wid[i] = est_width(next[i], k->size);
        k->age[i] = k->seq++;
    }
    k->n = m;
    follow(k, nj, in_lead, el, now);
    had_items(k, had);
}

/* The time line after the list changed: it goes on from headline nj (the
 * one on screen, el seconds into its cycle), or starts again from the right
 * when that one is gone (nj < 0). */
static void follow(ticker_t *k, int nj, bool in_lead, double el, double now)
{
    if (nj >= 0 && !in_lead) {
        k->start = nj;
        k->lead = false;
        k->t0 = now - el;
    } else if (nj >= 0) {
        k->start = nj;                  /* still entering: same time line */
    } else {
        k->start = 0;
        k->lead = true;
        k->t0 = now;
    }
}

/* One new headline s (see the top of the file). A headline already queued
 * is not added twice. */
static void add_one(ticker_t *k, const char *s, double now)
{
    char *c = copy_line(s);
    if (!c)
        return;
    for (int i = 0; i < k->n; i++)
        if (strcmp(k->items[i], c) == 0) {
            free(c);
            return;
        }
    int j = -1;
    double off, el = 0;
    bool in_lead = false;
    if (k->n > 0) {
        ticker_pos(k, now, &j, &off, &el);
        in_lead = el < 0;
    }
    while (k->n > 0 && k->n >= k->keep) {           /* drop the oldest not on screen */
        int old = -1;
        for (int i = 0; i < k->n; i++)
            if (i != j && (old < 0 || k->age[i] < k->age[old]))
                old = i;
        if (old < 0)
            old = j;                                  /* keep 1: the one on screen goes */
        free(k->items[old]);
        memmove(&k->items[old], &k->items[old + 1], sizeof k->items[0] * (size_t)(k->n - old - 1));
        memmove(&k->wid[old], &k->wid[old + 1], sizeof k->wid[0] * (size_t)(k->n - old - 1));
        memmove(&k->age[old], &k->age[old + 1], sizeof k->age[0] * (size_t)(k->n - old - 1));
        k->n--;
        j = old == j ? -1 : old < j ? j - 1 : j;
    }
    int at = j >= 0 ? j + 1 : k->n;
    memmove(&k->items[at + 1], &k->items[at], sizeof k->items[0] * (size_t)(k->n - at));
    memmove(&k->wid[at + 1], &k->wid[at], sizeof k->wid[0] * (size_t)(k->n - at));
    memmove(&k->age[at + 1], &k->age[at], sizeof k->age[0] * (size_t)(k->n - at));
    k->items[at] = c;
    k->wid[at] = est_width(c, k->size);
    k->age[at] = k->seq++;
    bool had = k->n > 0;
    k->n++;
    follow(k, j, in_lead, el, now);
    had_items(k, had);
}

static void ticker_tick(wdg_t *w, double now, int64_t wall_ms)
{
    ticker_t *k = (ticker_t *)w;
    (void)wall_ms;
    if (k->n == 0)
        return;
    int j;
    double off, e;
    bool moving = ticker_pos(k, now, &j, &off, &e);
    if (moving || k->was_moving)
        wdg_invalidate_overlay(w);      /* every frame while it moves; the strip stays cached */
    k->was_moving = moving;
}

/* The base: the panel, the 快讯 tag and, with no headline yet, "暂无快讯";
 * the headlines are the strip over it. */
static void ticker_draw(const wdg_t *w, draw_t *d)
{
    const ticker_t *k = (const ticker_t *)w;
    cairo_t *cr = d->cr;
    rect_t r = w->rect;
    geom_t g = geom(k);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    bs_color_t dim = draw_theme(d, THEME_DIM);
    double cy = r.y + r.h / 2;

    if (k->frame) {
        cairo_pattern_t *bg = cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0);
        cairo_pattern_add_color_stop_rgba(bg, 0, a2.r, a2.g, a2.b, 0.30);
        cairo_pattern_add_color_stop_rgba(bg, 0.5, 0.04, 0.14, 0.33, 0.75);
        cairo_pattern_add_color_stop_rgba(bg, 1, a2.r, a2.g, a2.b, 0.10);
        cairo_rectangle(cr, r.x, r.y, r.w, r.h);
        cairo_set_source(cr, bg);
        cairo_fill(cr);
        cairo_pattern_destroy(bg);
        for (int i = 0; i < 2; i++) {           /* bright hairlines top and bottom */
            double y = i ? r.y + r.h - 0.5 : r.y + 0.5;
            cairo_pattern_t *l = cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0);
            cairo_pattern_add_color_stop_rgba(l, 0, accent.r, accent.g, accent.b, 0.9);
            cairo_pattern_add_color_stop_rgba(l, 0.6, accent.r, accent.g, accent.b, 0.25);
            cairo_pattern_add_color_stop_rgba(l, 1, accent.r, accent.g, accent.b, 0.05);
            cairo_move_to(cr, r.x, y);
            cairo_line_to(cr, r.x + r.w, y);
            cairo_set_source(cr, l);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
            cairo_pattern_destroy(l);
        }
    }
    if (g.tag_w > 0) {                          /* the slanted 快讯 tag */
        double th = fmin(r.h - 10, k->size * 1.6), sl = th * 0.35, tx = r.x + 6;
        cairo_move_to(cr, tx, cy - th / 2);
        cairo_line_to(cr, tx + g.tag_w, cy - th / 2);
        cairo_line_to(cr, tx + g.tag_w - sl, cy + th / 2);
        cairo_line_to(cr, tx, cy + th / 2);
        cairo_close_path(cr);
        cairo_pattern_t *tg = cairo_pattern_create_linear(tx, 0, tx + g.tag_w, 0);
        cairo_pattern_add_color_stop_rgba(tg, 0, accent.r, accent.g, accent.b, 0.95);
        cairo_pattern_add_color_stop_rgba(tg, 1, a2.r, a2.g, a2.b, 0.95);
        cairo_set_source(cr, tg);
        cairo_fill(cr);
        cairo_pattern_destroy(tg);
        bs_color_t ink = { 0.02f, 0.08f, 0.2f, 1, -1 };
        draw_text(d, FONT_BOLD, k->size * 0.9, tx + (g.tag_w - sl) / 2 + 2, cy, k->tag, ink, AL_CENTER);
    }
    if (k->n == 0)
        draw_text(d, FONT_TEXT, k->size * 0.8, g.stop, cy, "暂无快讯", dim, AL_LEFT);
}

/* Strip space (see wdg_strip_t): the headlines from k->start on, in order
 * and round again, the first at STRIP_LEAD (room for its dot), each the
 * estimated width plus the gap after the one before. */
#define STRIP_LEAD 24.0

/* Where the headlines are at now: the strip with the one on screen at its
 * place, the window between the tag and the right edge. Long enough that
 * the window never runs past its end: the one on screen plus a whole cycle
 * plus the window. */
static bool ticker_strip(const wdg_t *w, double now, wdg_strip_t *out)
{
    const ticker_t *k = (const ticker_t *)w;
    if (k->n == 0)
        return false;
    geom_t g = geom(k);
    int j;
    double off, e, cycle = 0, at = STRIP_LEAD;
    ticker_pos(k, now, &j, &off, &e);
    for (int m = 0; m < k->n; m++) {
        int i = (k->start + m) % k->n;
        if (m < (j - k->start + k->n) % k->n)
            at += k->wid[i] + k->gap;
        cycle += k->wid[i] + k->gap;
    }
    out->clip = (rect_t){ g.x0, w->rect.y, g.x1 - g.x0, w->rect.h };
    out->len = STRIP_LEAD + cycle + (g.x1 - g.stop) + 1;
    out->x = g.stop + off - at;
    out->gen = k->seq;                  /* the list and its order (stale: the core dims it) */
    return true;
}

/* The headlines in strip space, those that reach into [from, to): a
 * glowing dot before each, then its text. */
/* The bullet before each headline: a dot in a soft disc, centred on (0, 0). */
typedef struct { float r, g, b; } bullet_t;

static void paint_bullet(cairo_t *cr, const void *arg)
{
    const bullet_t *c = arg;
    cairo_arc(cr, 0, 0, 3.5, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, c->r, c->g, c->b, 0.95);
    cairo_fill(cr);
    cairo_arc(cr, 0, 0, 7, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, c->r, c->g, c->b, 0.25);
    cairo_fill(cr);
}

/* Where the bullet before a headline starting at 0 can have ink (its
 * sprite: radius 7.5 and two pixels), design units at scale sx. */
static rect_t bullet_box(double cy_off, double sx)
{
    double r = 7.5 + 2 / sx + 1;
    return (rect_t){ -14 - r, cy_off - r, 2 * r, 2 * r };
}

static rect_t box_join(rect_t a, rect_t b)
{
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    return (rect_t){ x0, y0, fmax(a.x + a.w, b.x + b.w) - x0, fmax(a.y + a.h, b.y + b.h) - y0 };
}

/* Measures every headline's ink into k->ink when the list or the scale
 * changed since it was last measured. */
static void measure_ink(const ticker_t *k, draw_t *d)
{
    tick_ink_t *m = k->ink;
    cairo_matrix_t mt;
    cairo_get_matrix(d->cr, &mt);
    if (!m || (m->valid && m->gen == k->seq && m->sx == mt.xx) || !(mt.xx > 0))
        return;
    for (int i = 0; i < k->n; i++) {
        rect_t r;
        m->ink[i] = bullet_box(0, mt.xx);
        if (draw_text_ink(d, FONT_TEXT, k->size, k->items[i], AL_LEFT, &r))
            m->ink[i] = box_join(m->ink[i], r);
    }
    m->gen = k->seq;
    m->sx = mt.xx;
    m->valid = true;
}

static void ticker_draw_strip(const wdg_t *w, draw_t *d, double from, double to)
{
    const ticker_t *k = (const ticker_t *)w;
    if (k->n == 0)
        return;
    measure_ink(k, d);
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    bullet_t bullet = { accent.r, accent.g, accent.b };
    double cy = w->rect.y + w->rect.h / 2;
    bs_color_t c = k->color;
    double x = STRIP_LEAD;
    int j = k->start;
    for (int guard = 0; x - 21 < to && guard < 4096; guard++) {
        if (x + k->wid[j] * 1.5 + k->size * 2 > from) {   /* estimates are rough: a wide margin */
            /* a sprite: stamped (a copy) instead of two fills a frame */
            draw_sprite(d, x - 14, cy, 7.5, paint_bullet, &bullet, sizeof bullet);
            draw_text(d, FONT_TEXT, k->size, x, cy, k->items[j], c, AL_LEFT);
        }
        x += k->wid[j] + k->gap;
        j = (j + 1) % k->n;
    }
}

/* The static top, over the moving headlines: soft fades at both ends of
 * the window (while there are headlines; see had_items). */
static void ticker_top(const wdg_t *w, draw_t *d)
{
    const ticker_t *k = (const ticker_t *)w;
    if (k->n == 0 || !k->frame)
        return;
    cairo_t *cr = d->cr;
    rect_t r = w->rect;
    geom_t g = geom(k);
    for (int side = 0; side < 2; side++) {
        double fw = 36, fx = side ? g.x1 - fw : g.x0;
        cairo_pattern_t *f = cairo_pattern_create_linear(fx, 0, fx + fw, 0);
        cairo_pattern_add_color_stop_rgba(f, side ? 0 : 1, 0.03, 0.1, 0.25, 0);
        cairo_pattern_add_color_stop_rgba(f, side ? 1 : 0, 0.03, 0.1, 0.25, 0.9);
        cairo_rectangle(cr, fx, r.y + 1, fw, r.h - 2);
        cairo_set_source(cr, f);
        cairo_fill(cr);
        cairo_pattern_destroy(f);
    }
}

#define TICK_RECTS 16

/* Where the marks go: the ink of each headline in the window, at its
 * place at now (as draw_strip last measured it: the gaps between
 * headlines and the band's empty rows keep their pixels); before it was
 * measured, or without the cache, the whole band of moving text in its
 * window (dots and glyphs stay within 0.8 of the text size from the
 * centre line). The core adds where they were the frame before. */
static int ticker_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const ticker_t *k = (const ticker_t *)w;
    if (max < 1)
        return 0;
    geom_t g = geom(k);
    double cy = w->rect.y + w->rect.h / 2, hh = fmax(k->size * 0.8, 9);
    const tick_ink_t *m = k->ink;
    wdg_strip_t st;
    if (!m || !m->valid || m->gen != k->seq || k->n == 0 || !ticker_strip(w, now, &st)) {
        out[0] = (rect_t){ g.x0, cy - hh, g.x1 - g.x0, 2 * hh };
        return 1;
    }
    rect_t buf[TICK_RECTS];
    int n = 0;
    double wx0 = st.clip.x, wx1 = st.clip.x + st.clip.w;
    double x = STRIP_LEAD;
    int j = k->start;
    for (int guard = 0; guard < 4096; guard++) {
        rect_t r = m->ink[j];
        double a = st.x + x + r.x, b = a + r.w;
        if (a >= wx1)
            break;
        a = fmax(a, wx0);
        b = fmin(b, wx1);
        rect_t box = { a, cy + r.y, b - a, r.h };
        if (b > a && n == TICK_RECTS)       /* many short headlines: the last box takes the rest */
            buf[n - 1] = box_join(buf[n - 1], box);
        else if (b > a)
            buf[n++] = box;
        x += k->wid[j] + k->gap;
        j = (j + 1) % k->n;
    }
    n = draw_rects_fit(buf, n, max);
    memcpy(out, buf, sizeof buf[0] * (size_t)n);
    return n;
}

static void ticker_text(const wdg_t *w, wdg_text_t *out)
{
    const ticker_t *k = (const ticker_t *)w;
    for (int i = 0; i < k->n; i++)
        wdg_text_add(out, "%s", k->items[i]);
}

const wdg_class_t wdg_ticker_class = {
    .name = "ticker",
    .doc  = "A marquee of headlines behind a \"快讯\" tag, from a string or an array of strings: each "
            "headline scrolls in at \"speed\", rests at the left edge for \"pause\" seconds and moves on, "
            "and the list repeats without a seam. The position is a pure function of time; the widget "
            "redraws every frame while the text moves (not during pauses). A headline on screen keeps "
            "its place when the list is updated; a single string joins the queue of the last \"keep\" "
            "headlines instead of replacing it.",
    .size = sizeof(ticker_t),
    .opts = ticker_opts,
    .bindable = true,
    .init = ticker_init,
    .destroy = ticker_destroy,
    .data = ticker_data,
    .tick = ticker_tick,
    .draw_base = ticker_draw,      /* all of it static: panel, tag, "none yet" (had_items remakes it) */
    .strip = ticker_strip,
    .draw_strip = ticker_draw_strip,
    .draw_top = ticker_top,
    .overlay_rects = ticker_overlay_rects,
    .text = ticker_text,
};
