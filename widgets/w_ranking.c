/*
 * w_ranking.c — "ranking": top-N bars sorted by value, e.g. the union WeChat
 * account among its peers. Rows glide to their new places when the order
 * changes; one name can be highlighted ("ours"), with its rank shown even
 * when it falls outside the top N.
 *
 * Input: an array of objects ({"name": .., "value": ..}; field names are
 * options) or an object {name: value}. At most RANK_MAX items are kept.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANK_MAX 64

/* What a row shows at a time: everything its marks' pixels depend on
 * besides the layout (its name and whether it is ours are the row's). */
typedef struct {
    bool   ok;               /* computed (false: nothing shown yet) */
    bool   glide;            /* gliding: sits on whole pixels */
    int    rank;             /* the badge's number */
    double pos;              /* row index, eased */
    double f;                /* the bar's share of the track */
    double val;              /* the value num shows (not compared: num is) */
    char   num[48];          /* the value as drawn */
} shown_t;

typedef struct {
    char        name[96];
    double      value;
    double      pos;         /* target row index */
    wdg_tween_t tv, tp;      /* the value and the row glide there */
    shown_t     was, cur;    /* at the tick before the last, and at the last */
} row_t;

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    int        top;
    char      *name_field, *value_field, *highlight;
    double     animate;
    bool       frame;
    row_t      rows[RANK_MAX];
    int        n;
    double     max_v;
    double     tick_t;      /* when was/cur of the rows were last computed (-1: never) */
    double     list_t0;     /* when a row left the list: repaint all of it */
    bool       changed;     /* data came since the last tick */
    double     foot_t0;     /* when the footer line (our rank, "waiting") last changed */
    int        foot_rank;   /* our rank as the footer shows it; -1 none, -2 "waiting" */
} ranking_t;

static const opt_def_t ranking_opts[] = {
    { "format",  OPT_GROUP, offsetof(ranking_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "top",     OPT_INT,  offsetof(ranking_t, top),     1, 30, "10", NULL, NULL, "rows shown" },
    { "name_field",  OPT_STR, offsetof(ranking_t, name_field),  0, 64, "name", NULL, NULL, "key of an item's name" },
    { "value_field", OPT_STR, offsetof(ranking_t, value_field), 0, 64, "value", NULL, NULL, "key of an item's value" },
    { "highlight", OPT_STR, offsetof(ranking_t, highlight), 0, 96, NULL, NULL, NULL,
      "name to highlight (our own account); its rank is shown even outside the top" },
    { "animate", OPT_NUM,  offsetof(ranking_t, animate), 0, 10, "0.8", NULL, NULL, "seconds rows take to move" },
    { "frame",   OPT_BOOL, offsetof(ranking_t, frame),   0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static row_t *find_row(ranking_t *k, const char *name)
{
    for (int i = 0; i < k->n; i++)
        if (strcmp(k->rows[i].name, name) == 0)
            return &k->rows[i];
    return NULL;
}

typedef struct { char name[96]; double v; } item_t;

static int by_value_desc(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? 1 : -1;
    return strcmp(x->name, y->name);       /* stable, deterministic ties */
}

static void ranking_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    ranking_t *k = (ranking_t *)w;
    (void)slot;
    (void)e;
    item_t items[RANK_MAX];
    int n = 0;
    if (v && v->type == BS_ARR) {
        for (uint32_t i = 0; i < v->n && n < RANK_MAX; i++) {
            const bs_value_t *it = v->u.c.items[i];
            const bs_value_t *nm = bs_value_get(it, k->name_field);
            double x = wdg_number(bs_value_get(it, k->value_field));
            if (!nm || nm->type != BS_STR || !isfinite(x))
                continue;
            snprintf(items[n].name, sizeof items[n].name, "%.95s", nm->u.str);
            items[n++].v = x;
        }
    } else if (v && v->type == BS_OBJ) {
        for (uint32_t i = 0; i < v->n && n < RANK_MAX; i++) {
            double x = wdg_number(v->u.c.items[i]);
            if (!isfinite(x))
                continue;
            snprintf(items[n].name, sizeof items[n].name, "%.95s", v->u.c.keys[i]);
            items[n++].v = x;
        }
    }
    qsort(items, (size_t)n, sizeof items[0], by_value_desc);

    row_t next[RANK_MAX];
    double maxv = 0;
    for (int i = 0; i < n; i++) {
        row_t *old = find_row(k, items[i].name);
        row_t *r = &next[i];
        memcpy(r->name, items[i].name, sizeof r->name);
        r->value = items[i].v;
        r->pos = i;
        if (old) {
            r->tv = old->tv;
            r->tp = old->tp;
            r->was = old->was;
            r->cur = old->cur;
        } else {
            r->tv = r->tp = (wdg_tween_t){ 0 };
            r->was = r->cur = (shown_t){ 0 };
            wdg_tween_to(&r->tp, i, now, 0, i, 1);           /* a new row appears in place */
        }
        wdg_tween_to(&r->tv, r->value, now, k->animate, 0, items[0].v);
        wdg_tween_to(&r->tp, i, now, k->animate, i, 1);
        if (items[i].v > maxv)
            maxv = items[i].v;
    }
    for (int j = 0; j < k->n; j++) {      /* a row shown that is gone: all of the list */
        bool kept = false;
        for (int i = 0; i < n && !kept; i++)
            kept = strcmp(next[i].name, k->rows[j].name) == 0;
        if (!kept && k->rows[j].cur.ok && k->rows[j].cur.pos <= k->top)
            k->list_t0 = now;
    }
    int foot = n == 0 ? -2 : -1;
    for (int i = 0; i < n; i++)
        if (k->highlight && strcmp(next[i].name, k->highlight) == 0 && i >= k->top)
            foot = i;
    if (foot != k->foot_rank) {
        if ((foot >= 0) != (k->foot_rank >= 0))
            wdg_invalidate(w);           /* the rows' height changes: all of it */
        k->foot_rank = foot;
        k->foot_t0 = now;
    }
    memcpy(k->rows, next, sizeof next[0] * (size_t)n);
    k->n = n;
    k->max_v = maxv;
    k->changed = true;
    wdg_invalidate_overlay(w);
}

typedef struct rank_geom rank_geom_t;
static double track_len(const ranking_t *k);

/* What row r shows at now (see shown_t); the number is formatted only
 * when its value is not that of prev (the row's last state, or NULL). */
static shown_t shown_at(const ranking_t *k, const row_t *r, double now, const shown_t *prev, double bw)
{
    shown_t st = { .ok = true };
    st.pos = wdg_tween_at(&r->tp, now);
    st.glide = wdg_tween_running(&r->tp, now);
    st.rank = (int)lround(r->pos) + 1;
    st.val = wdg_tween_at(&r->tv, now);
    st.f = k->max_v > 0 ? fmax(0, fmin(1, wdg_frac(st.val, 0, k->max_v))) : 0;
    /* the bar's end on a grid of 1/64 unit (1/32 of a pixel at 4K): the
     * last frames of an ease-out, which move it less, change nothing */
    bw = fmax(1, bw);
    st.f = round(st.f * bw * 64) / (bw * 64);
    if (prev && prev->ok && prev->val == st.val && !k->changed) {
        memcpy(st.num, prev->num, sizeof st.num);
    } else {
        fmt_out_t fo;
        fmt_number_as(&k->fmt, st.val, r->value, &fo);
        fmt_join(&fo, st.num, sizeof st.num);
    }
    return st;
}

static bool shown_eq(const shown_t *a, const shown_t *b)
{
    return a->ok == b->ok && a->glide == b->glide && a->rank == b->rank && a->pos == b->pos && a->f == b->f &&
           strcmp(a->num, b->num) == 0;
}

/* Each row's look at now against the last tick's: the overlay is redrawn
 * only when some row shows something else (a bar's end, a digit, a place). */
static void ranking_tick(wdg_t *w, double now, int64_t wall_ms)
{
    ranking_t *k = (ranking_t *)w;
    (void)wall_ms;
    bool moved = k->changed || k->list_t0 == now || k->foot_t0 == now;
    double bw = track_len(k);
    for (int i = 0; i < k->n; i++) {
        row_t *r = &k->rows[i];
        r->was = r->cur;
        r->cur = shown_at(k, r, now, &r->was, bw);
        if (!shown_eq(&r->was, &r->cur))
            moved = true;
    }
    k->tick_t = now;
    k->changed = false;
    if (moved)
        wdg_invalidate_overlay(w);
}

/* The rows' geometry (no text needed): content rect, rows area, row height,
 * text size, bar height, our row's index (-1: not in the list). */
struct rank_geom { rect_t c; double rows_h, rh, fs, bh; int ours_rank; bool footer; };

static rank_geom_t geom(const ranking_t *k)
{
    const wdg_t *w = &k->base;
    rank_geom_t g = { .c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect, .ours_rank = -1 };
    for (int i = 0; i < k->n; i++)
        if (k->highlight && strcmp(k->rows[i].name, k->highlight) == 0)
            g.ours_rank = i;
    g.footer = g.ours_rank >= k->top;
    g.rows_h = g.c.h - (g.footer ? 34 : 0);
    g.rh = g.rows_h / k->top;
    g.fs = fmin(g.rh * 0.42, 20);
    g.bh = fmin(g.rh * 0.34, 14);
    return g;
}

/* Where a row's bar begins, from the content's left (rh: row height). */
static double bar_left(rect_t c, double rh)
{
    double badge_w = rh * 0.9 > 34 ? 34 : rh * 0.9;
    double name_w = fmin(c.w * 0.34, 170);
    return badge_w + 10 + name_w + 10;
}

/* The bars' track length, design units. */
static double track_len(const ranking_t *k)
{
    rank_geom_t g = geom(k);
    return g.c.x + g.c.w - (g.c.x + bar_left(g.c, g.rh)) - g.fs * 4.2 - 6;
}

/* A row's whole rect, its centre line at y. */
static rect_t row_rect(const rank_geom_t *g, double y)
{
    return (rect_t){ g->c.x - 4, y - g->rh / 2 - 2, g->c.w + 8, g->rh + 4 };
}

/* The band a row's ink covers, its centre line at y: the badge, the name
 * (CJK ascent and Latin descent), the bar with its tip and the number's
 * cells, across the row; for our own row its soft band, the whole row. */
static rect_t row_ink(const rank_geom_t *g, double y, bool ours)
{
    if (ours)
        return row_rect(g, y);
    double bh = fmin(g->rh * 0.62, 26);
    double up = fmax(bh / 2, 1.0 * g->fs) + 2, down = fmax(bh / 2, 0.72 * g->fs) + 2;
    rect_t r = row_rect(g, y);
    double top = fmax(r.y, y - up), bot = fmin(r.y + r.h, y + down);
    return (rect_t){ r.x, top, r.w, bot - top };
}

#define RANK_RECTS (4 * RANK_MAX + 4)

/* Where the marks changed between the last two ticks, fitted into at most
 * max rects in out (draw_rects_fit): a row that moved, where its ink was
 * and is (row_ink: the band of its badge, name, bar and number, not the
 * empty space between rows); a row in its place, the span its bar's end
 * swept (the bar's gradient lies along the whole track, so the rest of
 * the bar keeps its pixels) and the digits of its number that changed. */
static int changed_rects(const ranking_t *k, const rank_geom_t *g, rect_t *out, int max)
{
    rect_t c = g->c, buf[RANK_RECTS];
    double bar_x = c.x + bar_left(c, g->rh), bar_w = c.x + c.w - bar_x - g->fs * 4.2 - 6, bh2 = g->bh;
    int n = 0;
    for (int i = 0; i < k->n; i++) {
        const shown_t *a = &k->rows[i].was, *b = &k->rows[i].cur;
        if (shown_eq(a, b) || (!(b->pos <= k->top) && !(a->ok && a->pos <= k->top)))
            continue;
        bool ours = k->highlight && strcmp(k->rows[i].name, k->highlight) == 0;
        double ya = c.y + a->pos * g->rh + g->rh / 2, yb = c.y + b->pos * g->rh + g->rh / 2;
        if (!a->ok || a->pos != b->pos || a->glide != b->glide || a->rank != b->rank) {
            if (a->ok)
                buf[n++] = row_ink(g, ya, ours);
            buf[n++] = row_ink(g, yb, ours);
            continue;
        }
        if (a->f != b->f) {
            double lo = bar_x + bar_w * fmin(a->f, b->f), hi = bar_x + bar_w * fmax(a->f, b->f);
            /* the tip reaches 0.85 of the bar's height left of its end (left
             * of the track on a short bar); a bar shorter than its cap
             * changes shape all along */
            double x0 = lo - bh2 - 2;
            if (fmin(a->f, b->f) == 0 || lo - bar_x < 2 * bh2)
                x0 = fmin(x0, bar_x - 2);
            buf[n++] = (rect_t){ x0, yb - bh2 / 2 - 2, hi + 2 - x0, bh2 + 4 };
        }
        if (strcmp(a->num, b->num) != 0)
            n += draw_cells_diff(a->num, b->num, g->fs, c.x + c.w, yb, AL_RIGHT, buf + n, 2);
    }
    n = draw_rects_fit(buf, n, max);
    memcpy(out, buf, sizeof buf[0] * (size_t)n);
    return n;
}

/* Where the marks go: what changed at the last tick (changed_rects) when
 * now is that tick, else all of the list; the footer line when what it
 * says changed at now. The core adds where they were the frame before. */
static int ranking_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const ranking_t *k = (const ranking_t *)w;
    rank_geom_t g = geom(k);
    rect_t c = g.c;
    int n = 0;
    if (max < 4)
        return -1;
    if (k->foot_t0 == now)                /* footer or "waiting" came, went or changed */
        out[n++] = (rect_t){ c.x - 4, c.y + c.h - 40, c.w + 8, 44 };
    int m = now == k->tick_t && k->list_t0 != now ? changed_rects(k, &g, out + n, max - n) : -1;
    if (m < 0) {                          /* all of the list */
        out[n++] = (rect_t){ c.x - 4, c.y - 4, c.w + 8, c.h + 8 };
        return n;
    }
    return n + m;
}

/* A row's rank badge (a slanted tab, gold/silver/bronze for the first
 * three, with the rank in it) and its bar's track: pictures (draw_picture),
 * drawn once per look, with their top-left at (0, 0). Zeroed before they
 * are filled (their bytes are the pictures' identity). */
typedef struct {
    int        rank;
    double     w, h, fs, alpha;        /* badge width, tab height, rank size */
    bs_color_t text, a2;
} badge_pic_t;

static void paint_badge(draw_t *d, const void *arg)
{
    static const bs_color_t medal[3] = {
        { 1.00, 0.78, 0.20, 1, -1 }, { 0.80, 0.86, 0.95, 1, -1 }, { 0.90, 0.56, 0.30, 1, -1 },
    };
    const badge_pic_t *p = arg;
    cairo_t *cr = d->cr;
    int rank = p->rank;
    bs_color_t bc = rank <= 3 ? medal[rank - 1] : p->a2;
    double y = p->h / 2, bh = p->h, badge_w = p->w;
    cairo_move_to(cr, 5, y - bh / 2);
    cairo_line_to(cr, badge_w, y - bh / 2);
    cairo_line_to(cr, badge_w - 5, y + bh / 2);
    cairo_line_to(cr, 0, y + bh / 2);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, bc.r, bc.g, bc.b, (rank <= 3 ? 0.95 : 0.55) * p->alpha);
    cairo_fill(cr);
    char rb[16];
    snprintf(rb, sizeof rb, "%d", rank);
    bs_color_t rbc = rank <= 3 ? (bs_color_t){ 0.05, 0.09, 0.2, 1, -1 } : p->text;
    draw_number(d, FONT_NUMBER, p->fs, badge_w / 2, y, rb, rbc, AL_CENTER);
}

typedef struct {
    double     w, h;
    bs_color_t a2;
} track_pic_t;

static void paint_track(draw_t *d, const void *arg)
{
    const track_pic_t *p = arg;
    draw_round_rect(d->cr, 0, 0, p->w, p->h, p->h / 2);
    cairo_set_source_rgba(d->cr, p->a2.r, p->a2.g, p->a2.b, 0.14);
    cairo_fill(d->cr);
}

/* The bar's fill: a gradient along the track from `from` to `to`, over
 * all of the picture (the bar's round rect is cut from it). */
typedef struct {
    double w;
    float  from[4], to[4];              /* r, g, b, a */
} fill_pic_t;

static void paint_fill(draw_t *d, const void *arg)
{
    const fill_pic_t *p = arg;
    cairo_pattern_t *gr = cairo_pattern_create_linear(0, 0, p->w, 0);
    cairo_pattern_add_color_stop_rgba(gr, 0, p->from[0], p->from[1], p->from[2], p->from[3]);
    cairo_pattern_add_color_stop_rgba(gr, 1, p->to[0], p->to[1], p->to[2], p->to[3]);
    cairo_set_source(d->cr, gr);
    cairo_paint(d->cr);
    cairo_pattern_destroy(gr);
}

/* The bright tip of a bar: a white dot of radius r at (0, 0), alpha a. */
typedef struct { double r, a; } tip_t;

static void paint_tip(cairo_t *cr, const void *arg)
{
    const tip_t *t = arg;
    cairo_arc(cr, 0, 0, t->r, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, t->a);
    cairo_fill(cr);
}

/* Rows: our row's band, the badge and the track (pictures), the name, then
 * what the value moves: the bar's fill (a gradient along the whole track,
 * so a bar that grows changes only at its end), its tip, the number on
 * fixed cells (draw_cells: a digit that changes is its own box). A row
 * gliding to a new place sits on whole output pixels, so the pictures of
 * its place serve the whole glide. What lies outside the damage being
 * painted is skipped. */
static void ranking_draw_overlay(const wdg_t *w, draw_t *d)
{
    const ranking_t *k = (const ranking_t *)w;
    cairo_t *cr = d->cr;
    rank_geom_t g = geom(k);
    rect_t c = g.c;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    double alpha = 1.0;   /* stale: the core dims it */
    int ours_rank = g.ours_rank;
    bool footer = g.footer;
    double rows_h = g.rows_h, rh = g.rh, fs = g.fs, bh2 = g.bh;
    double badge_w = rh * 0.9 > 34 ? 34 : rh * 0.9;
    double name_w = fmin(c.w * 0.34, 170);
    double bar_x = c.x + bar_left(c, rh), val_w = fs * 4.2;
    double bar_w = c.x + c.w - bar_x - val_w - 6;
    double bh = fmin(rh * 0.62, 26);
    draw_clip_t clip;
    draw_clip_get(d, &clip);
    if (!draw_clip_hits(&clip, d, w->rect))     /* only a neighbour's damage in the ink margin */
        return;
    badge_pic_t badge;
    memset(&badge, 0, sizeof badge);
    badge.w = badge_w;
    badge.h = bh;
    badge.fs = fs * 0.9;
    badge.alpha = alpha;
    badge.text = text;
    badge.a2 = a2;
    track_pic_t track;
    memset(&track, 0, sizeof track);
    track.w = bar_w;
    track.h = bh2;
    track.a2 = a2;

    cairo_save(cr);
    cairo_rectangle(cr, c.x - 4, c.y - 4, c.w + 8, rows_h + 4);
    cairo_clip(cr);
    for (int i = 0; i < k->n; i++) {
        const row_t *r = &k->rows[i];
        shown_t st = d->now == k->tick_t && r->cur.ok ? r->cur : shown_at(k, r, d->now, NULL, bar_w);
        if (!(st.pos <= k->top))
            continue;
        double y = c.y + st.pos * rh + rh / 2;
        if (st.glide) {                              /* gliding: on whole pixels */
            double X = c.x, Y = y;
            cairo_user_to_device(cr, &X, &Y);
            Y = round(Y);
            cairo_device_to_user(cr, &X, &Y);
            y = Y;
        }
        if (!draw_clip_hits(&clip, d, row_rect(&g, y)))
            continue;
        /* the row's own part of the damage: each fill and blit below then
         * meets the few boxes of its row, not the whole list's (whole
         * pixels round the row: the same pixels whatever the damage) */
        cairo_save(cr);
        draw_clip_pixels(cr, row_rect(&g, y));
        bool ours = k->highlight && strcmp(r->name, k->highlight) == 0;
        if (ours) {           /* a soft band behind our own row */
            cairo_rectangle(cr, c.x, y - rh / 2 + 1, c.w, rh - 2);
            cairo_pattern_t *gr = cairo_pattern_create_linear(c.x, 0, c.x + c.w, 0);
            cairo_pattern_add_color_stop_rgba(gr, 0, gold.r, gold.g, gold.b, 0.22);
            cairo_pattern_add_color_stop_rgba(gr, 1, gold.r, gold.g, gold.b, 0.0);
            cairo_set_source(cr, gr);
            cairo_fill(cr);
            cairo_pattern_destroy(gr);
        }
        if (draw_clip_hits(&clip, d, (rect_t){ c.x - 1, y - bh / 2 - 1, badge_w + 2, bh + 2 })) {
            badge.rank = st.rank;
            draw_picture(d, c.x, y - bh / 2, badge_w, bh, paint_badge, &badge, sizeof badge);
        }
        if (draw_clip_hits(&clip, d, (rect_t){ c.x + badge_w + 8, y - fs, name_w + 4, 2 * fs })) {
            bs_color_t nc = ours ? gold : text;
            nc.a *= alpha;
            draw_text_fit(d, ours ? FONT_BOLD : FONT_TEXT, fs, c.x + badge_w + 10, y, r->name, nc, AL_LEFT, name_w);
        }
        rect_t bar = { bar_x - 2, y - bh2 / 2 - 2, bar_w + 4, bh2 + 4 };
        if (draw_clip_hits(&clip, d, bar)) {
            draw_picture(d, bar_x, y - bh2 / 2, bar_w, bh2, paint_track, &track, sizeof track);
            /* the bar: a gradient fill along the track with a bright tip */
            double f = st.f;
            if (f > 0) {
                bs_color_t end = ours ? gold : accent;
                /* the gradient comes from a picture of it along the
                 * whole track (made once per colour; it varies along x
                 * only, so any row's pixel rows serve: its top on a whole
                 * pixel), the round rect of the bar's length cut from it */
                fill_pic_t fp;
                memset(&fp, 0, sizeof fp);
                fp.w = bar_w;
                memcpy(fp.from, (float[4]){ a2.r, a2.g, a2.b, (float)(0.9 * alpha) }, sizeof fp.from);
                memcpy(fp.to, (float[4]){ end.r, end.g, end.b, (float)alpha }, sizeof fp.to);
                double X = bar_x, Y = y - bh2 / 2 - 1;
                cairo_user_to_device(cr, &X, &Y);
                Y = floor(Y);
                cairo_device_to_user(cr, &X, &Y);
                draw_round_rect(cr, bar_x, y - bh2 / 2, bar_w * f, bh2, bh2 / 2);
                draw_picture_fill(d, bar_x, Y, bar_w, bh2 + 2, paint_fill, &fp, sizeof fp);
                tip_t tip = { bh2 * 0.35, 0.9 * alpha };
                draw_sprite(d, bar_x + bar_w * f - bh2 / 2, y, tip.r, paint_tip, &tip, sizeof tip);
            }
        }
        bs_color_t vcol = ours ? gold : accent;
        vcol.a *= alpha;
        draw_cells(d, FONT_NUMBER, fs, c.x + c.w, y, st.num, vcol, AL_RIGHT, &clip);
        cairo_restore(cr);
    }
    cairo_restore(cr);
    if (footer) {
        char line[200];
        snprintf(line, sizeof line, "%s 当前排名 第 %d 位", k->highlight, ours_rank + 1);
        draw_text(d, FONT_BOLD, 17, c.x + c.w / 2, c.y + c.h - 14, line, gold, AL_CENTER);
    } else if (k->n == 0) {
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + c.h / 2, "等待数据…", dim, AL_CENTER);
    }
}

static void ranking_text(const wdg_t *w, wdg_text_t *out)
{
    const ranking_t *k = (const ranking_t *)w;
    for (int i = 0; i < k->n && i < k->top; i++) {
        fmt_out_t fo;
        char vb[160];
        fmt_number(&k->fmt, k->rows[i].value, &fo);
        fmt_join(&fo, vb, sizeof vb);
        wdg_text_add(out, "%d %s %s", i + 1, k->rows[i].name, vb);
    }
}

/* While a row glides or its value counts: every frame. */
static double ranking_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const ranking_t *k = (const ranking_t *)w;
    (void)wall_ms;
    if (k->changed)
        return now;
    for (int i = 0; i < k->n; i++)
        if (wdg_tween_running(&k->rows[i].tp, now) || wdg_tween_running(&k->rows[i].tv, now))
            return now;
    return INFINITY;
}

const wdg_class_t wdg_ranking_class = {
    .name = "ranking",
    .doc  = "Top-N bars sorted by value, with gold/silver/bronze badges for the first three. Rows glide "
            "to their new places when the order changes. \"highlight\" marks our own entry, whose rank is "
            "shown under the list when it falls outside the top N. Takes an array of objects or an "
            "object of name → value.",
    .size = sizeof(ranking_t),
    .opts = ranking_opts,
    .bindable = true,
    .data = ranking_data,
    .tick = ranking_tick,
    .next_tick = ranking_next_tick,
    .draw_overlay = ranking_draw_overlay,
    .overlay_rects = ranking_overlay_rects,
    .panel = offsetof(ranking_t, frame),
    .text = ranking_text,
};
