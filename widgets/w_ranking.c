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

typedef struct {
    char        name[96];
    double      value;
    double      pos;         /* target row index */
    wdg_tween_t tv, tp;      /* the value and the row glide there */
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
    double     anim_until;
    bool       animating;
    double     all_t0;      /* when every row changed at once (scale, count) */
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
    bool moved = false;
    for (int i = 0; i < n; i++) {
        row_t *old = find_row(k, items[i].name);
        row_t *r = &next[i];
        memcpy(r->name, items[i].name, sizeof r->name);
        r->value = items[i].v;
        r->pos = i;
        if (old) {
            r->tv = old->tv;
            r->tp = old->tp;
        } else {
            r->tv = r->tp = (wdg_tween_t){ 0 };
            wdg_tween_to(&r->tp, i, now, 0, i, 1);           /* a new row appears in place */
        }
        wdg_tween_to(&r->tv, r->value, now, k->animate, 0, items[0].v);
        wdg_tween_to(&r->tp, i, now, k->animate, i, 1);
        if (wdg_tween_running(&r->tv, now) || wdg_tween_running(&r->tp, now) || !old)
            moved = true;
        if (items[i].v > maxv)
            maxv = items[i].v;
    }
    if (maxv != k->max_v || n != k->n)
        k->all_t0 = now;                 /* every bar rescales */
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
    k->anim_until = now + k->animate;
    k->animating = moved;          /* nothing visible moves: one redraw is enough */
    wdg_invalidate_overlay(w);
}

static void ranking_tick(wdg_t *w, double now, int64_t wall_ms)
{
    ranking_t *k = (ranking_t *)w;
    (void)wall_ms;
    if (k->animating) {
        wdg_invalidate_overlay(w);
        if (now >= k->anim_until)
            k->animating = false;      /* this frame draws the end state */
    }
}

/* The rows' geometry (no text needed): content rect, rows area, row height,
 * text size, bar height, our row's index (-1: not in the list). */
typedef struct { rect_t c; double rows_h, rh, fs, bh; int ours_rank; bool footer; } rank_geom_t;

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

/* Half the height of what changes in a row that keeps its place (its bar,
 * its tip and its number) about the row's centre line: the number's ink
 * reaches 0.6 of its size above and below the line (digits and a CJK unit). */
static double band_half(const rank_geom_t *g)
{
    return fmax(g->bh / 2 + 1, g->fs * 0.72);
}

/* Where a row's bar begins, from the content's left (rh: row height). */
static double bar_left(rect_t c, double rh)
{
    double badge_w = rh * 0.9 > 34 ? 34 : rh * 0.9;
    double name_w = fmin(c.w * 0.34, 170);
    return badge_w + 10 + name_w + 10;
}

/* Where the marks go: each row that moves (all of it) or changed in its
 * place (its bar and number: the band about its centre line) at now, all
 * of the list when more than fit; the footer line when what it says changed
 * at now. The core adds where they were the frame before, so a row that
 * stops is repainted once more. */
static int ranking_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const ranking_t *k = (const ranking_t *)w;
    rank_geom_t g = geom(k);
    rect_t c = g.c;
    int n = 0;
    if (max < 2)
        return -1;
    if (k->foot_t0 == now)                /* footer or "waiting" came, went or changed */
        out[n++] = (rect_t){ c.x - 4, c.y + c.h - 40, c.w + 8, 44 };
    double bar_x = c.x + bar_left(c, g.rh) - g.bh - 2;    /* a short bar's tip sits left of it */
    double half = band_half(&g);
    for (int i = 0; i < k->n; i++) {
        const row_t *r = &k->rows[i];
        double pos = wdg_tween_at(&r->tp, now);
        bool moves = r->tp.t0 == now || wdg_tween_running(&r->tp, now);
        bool changed = moves || k->all_t0 == now || r->tv.t0 == now || wdg_tween_running(&r->tv, now);
        if (!(pos <= k->top) || !changed)
            continue;
        if (n == max) {                       /* too many: the whole list */
            out[0] = (rect_t){ c.x - 4, c.y - 4, c.w + 8, c.h + 8 };
            return 1;
        }
        double y = c.y + pos * g.rh;
        if (moves)
            out[n++] = (rect_t){ c.x - 4, y - 2, c.w + 8, g.rh + 4 };
        else
            out[n++] = (rect_t){ bar_x, y + g.rh / 2 - half, c.x + c.w + 4 - bar_x, 2 * half };
    }
    return n;
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
 * what the value moves: the bar's gradient fill, its tip, the number. A row
 * gliding to a new place sits on whole output pixels, so the pictures of its
 * place serve the whole glide. */
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
        double pos = wdg_tween_at(&r->tp, d->now);
        if (!(pos <= k->top))
            continue;
        double val = wdg_tween_at(&r->tv, d->now);
        double y = c.y + pos * rh + rh / 2;
        if (wdg_tween_running(&r->tp, d->now)) {     /* gliding: on whole pixels */
            double X = c.x, Y = y;
            cairo_user_to_device(cr, &X, &Y);
            Y = round(Y);
            cairo_device_to_user(cr, &X, &Y);
            y = Y;
        }
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
        badge.rank = (int)lround(r->pos) + 1;
        draw_picture(d, c.x, y - bh / 2, badge_w, bh, paint_badge, &badge, sizeof badge);
        bs_color_t nc = ours ? gold : text;
        nc.a *= alpha;
        draw_text_fit(d, ours ? FONT_BOLD : FONT_TEXT, fs, c.x + badge_w + 10, y, r->name, nc, AL_LEFT, name_w);
        draw_picture(d, bar_x, y - bh2 / 2, bar_w, bh2, paint_track, &track, sizeof track);

        /* the bar: a gradient fill with a bright tip */
        double f = k->max_v > 0 ? fmax(0, fmin(1, wdg_frac(val, 0, k->max_v))) : 0;
        if (f > 0) {
            bs_color_t end = ours ? gold : accent;
            cairo_pattern_t *gr = cairo_pattern_create_linear(bar_x, 0, bar_x + bar_w * f, 0);
            cairo_pattern_add_color_stop_rgba(gr, 0, a2.r, a2.g, a2.b, 0.9 * alpha);
            cairo_pattern_add_color_stop_rgba(gr, 1, end.r, end.g, end.b, alpha);
            draw_round_rect(cr, bar_x, y - bh2 / 2, bar_w * f, bh2, bh2 / 2);
            cairo_set_source(cr, gr);
            cairo_fill(cr);
            cairo_pattern_destroy(gr);
            tip_t tip = { bh2 * 0.35, 0.9 * alpha };
            draw_sprite(d, bar_x + bar_w * f - bh2 / 2, y, tip.r, paint_tip, &tip, sizeof tip);
        }
        fmt_out_t fo;
        char vb[160];
        fmt_number_as(&k->fmt, val, r->value, &fo);
        fmt_join(&fo, vb, sizeof vb);
        bs_color_t vcol = ours ? gold : accent;
        vcol.a *= alpha;
        draw_number(d, FONT_NUMBER, fs, c.x + c.w, y, vb, vcol, AL_RIGHT);
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
    .draw_overlay = ranking_draw_overlay,
    .overlay_rects = ranking_overlay_rects,
    .panel = offsetof(ranking_t, frame),
    .text = ranking_text,
};
