/*
 * w_progress.c — "progress": a list of actual-against-target rows, e.g. the
 * year's goals: cloud courses 73/100, trainings 31/50, member-day quizzes 6/8.
 * Each row has its own binding (an item of "items"), its label, its target and
 * unit; the bar and the percentage take the threshold colour of the
 * percentage. Bars grow to a new value over "animate" seconds, then the widget
 * stops invalidating.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PROG_MAX 12

typedef struct {
    char  *label, *bind, *path, *unit;
    double target;
} prog_item_t;

typedef struct {
    wdg_tween_t tw;             /* the bar growing */
    double      to;
    bool        has;
} prog_state_t;

typedef struct {
    wdg_t        base;
    fmt_opts_t   fmt;           /* the numbers; thresholds apply to the percentage */
    bs_list_t    items;
    double       animate;
    bool         frame, show_pct;
    bs_color_t   color;
    prog_state_t st[PROG_MAX];
    int          slot_item[WDG_MAX_BINDS];
    double       anim_until;
} progress_t;

static const opt_def_t item_opts[] = {
    { "label",  OPT_STR, offsetof(prog_item_t, label),  0, 64, NULL, NULL, NULL, "row label, e.g. \"云课堂课程\"" },
    { "bind",   OPT_STR, offsetof(prog_item_t, bind),   0, 256, NULL, NULL, NULL, "topic of the actual value (required)" },
    { "path",   OPT_STR, offsetof(prog_item_t, path),   0, 256, NULL, NULL, NULL, "field path inside the topic's value" },
    { "target", OPT_NUM, offsetof(prog_item_t, target), 1e-9, 1e15, "100", NULL, NULL, "the goal; 100 % when reached" },
    { "unit",   OPT_STR, offsetof(prog_item_t, unit),   0, 32, NULL, NULL, NULL,
      "unit after the numbers, e.g. \"门\"; default: the widget's \"unit\"" },
    OPT_END,
};

static const opt_def_t progress_opts[] = {
    { "format",  OPT_GROUP, offsetof(progress_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "items",   OPT_LIST,  offsetof(progress_t, items), sizeof(prog_item_t), PROG_MAX, NULL, NULL, item_opts,
      "rows: [{\"label\": \"云课堂课程\", \"bind\": \"courses.cloud\", \"target\": 100, \"unit\": \"门\"}, ...], 1..12" },
    { "animate", OPT_NUM,  offsetof(progress_t, animate), 0, 10, "1.0", NULL, NULL, "seconds a bar takes to grow" },
    { "percent", OPT_BOOL, offsetof(progress_t, show_pct), 0, 0, "true", NULL, NULL, "show the percentage right of each bar" },
    { "frame",   OPT_BOOL, offsetof(progress_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(progress_t, color), 0, 0, "accent", NULL, NULL,
      "bar colour when no threshold applies (thresholds compare the percentage, 0..100)" },
    OPT_END,
};

static const prog_item_t *item(const progress_t *p, int i)
{
    return opt_list_at(&p->items, i);
}

static int progress_init(wdg_t *w, char *err, size_t errlen)
{
    progress_t *p = (progress_t *)w;
    if (p->items.n < 1) {
        snprintf(err, errlen, "\"items\" needs at least one row");
        return -1;
    }
    for (int i = 0; i < p->items.n; i++) {
        const prog_item_t *it = item(p, i);
        if (!it->bind || !it->bind[0]) {
            snprintf(err, errlen, "item %d of \"items\" has no \"bind\"", i + 1);
            return -1;
        }
        int slot = wdg_add_bind(w, it->bind, it->path);
        if (slot < 0) {
            snprintf(err, errlen, "too many bindings (at most %d)", WDG_MAX_BINDS);
            return -1;
        }
        p->slot_item[slot] = i;
    }
    return 0;
}

/* Where the rows go: one geometry for the base, the marks and the
 * rectangles they cover. */
typedef struct {
    rect_t c;                            /* content area */
    double rh, fs, bh, pct_w;
} prog_geom_t;

static prog_geom_t geom(const progress_t *p)
{
    prog_geom_t g;
    g.c = p->frame ? draw_panel_content(p->base.rect, p->base.title) : p->base.rect;
    int n = p->items.n;
    g.rh = g.c.h / (n > 0 ? n : 1);
    g.fs = fmax(12, fmin(g.rh * 0.30, 22));
    g.bh = fmax(6, fmin(g.rh * 0.17, 14));
    g.pct_w = p->show_pct ? g.fs * 3.6 : 0;
    return g;
}

/* Row i's marks (diamond, label, value, fill, percentage) lie within this
 * rectangle, design units; its marks are drawn clipped to it. */
static rect_t row_rect(const prog_geom_t *g, int i)
{
    double y0 = g->c.y + g->rh * i, ly = y0 + g->rh * 0.34, by = y0 + g->rh * 0.72;
    double top = fmin(y0, ly - g->fs * 1.25 * 1.2), bot = fmax(y0 + g->rh, fmax(by + g->bh / 2 + 4, ly + g->fs * 0.5));
    return (rect_t){ g->c.x - 8, top, g->c.w + 16, bot - top };
}

static double shown(const progress_t *p, int i, double now)
{
    const prog_state_t *s = &p->st[i];
    if (!s->has || !isfinite(s->to))
        return s->has ? s->to : NAN;
    return wdg_tween_at(&s->tw, now);
}

static void progress_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    progress_t *p = (progress_t *)w;
    (void)e;
    if (slot < 0 || slot >= w->nbinds)
        return;
    int i = p->slot_item[slot];
    prog_state_t *s = &p->st[i];
    double x = wdg_number(v);
    if (s->has && (x == s->to || (isnan(x) && isnan(s->to))))
        return;
    const prog_item_t *it = opt_list_at(&p->items, i);
    wdg_tween_to(&s->tw, x, now, p->animate, 0, it ? it->target : x);
    s->to = x;
    s->has = true;
    if (wdg_tween_running(&s->tw, now) && s->tw.t0 + s->tw.dur > p->anim_until)
        p->anim_until = s->tw.t0 + s->tw.dur;
    prog_geom_t g = geom(p);
    wdg_invalidate_area(w, row_rect(&g, i));   /* this row's marks: the base stays */
}

static void progress_tick(wdg_t *w, double now, int64_t wall_ms)
{
    progress_t *p = (progress_t *)w;
    (void)wall_ms;
    if (p->anim_until > 0) {
        wdg_invalidate_overlay(w);        /* the rows growing (overlay_rects) move; the base stays */
        if (now >= p->anim_until)
            p->anim_until = 0;           /* this frame draws the end state */
    }
}

/* The tail right of row i's value: " / target unit". */
static void tail_of(const progress_t *p, int i, char *out, size_t len)
{
    const prog_item_t *it = item(p, i);
    fmt_opts_t fo = p->fmt;
    if (it->unit)
        fo.unit = it->unit;
    fmt_out_t ft;
    fmt_number(&fo, it->target, &ft);
    snprintf(out, len, " / %s%s", ft.num, ft.unit);
}

/* The base: what only the layout decides, each row's track (with its
 * outline) and its " / target unit" (the panel is the core's). */
static void progress_base(const wdg_t *w, draw_t *d)
{
    const progress_t *p = (const progress_t *)w;
    cairo_t *cr = d->cr;
    prog_geom_t g = geom(p);
    bs_color_t dim = draw_theme(d, THEME_DIM), a2 = draw_theme(d, THEME_ACCENT2);
    for (int i = 0; i < p->items.n; i++) {
        double y0 = g.c.y + g.rh * i, ly = y0 + g.rh * 0.34, by = y0 + g.rh * 0.72;
        char tail[160];
        tail_of(p, i, tail, sizeof tail);
        draw_text(d, FONT_TEXT, g.fs * 0.8, g.c.x + g.c.w, ly, tail, dim, AL_RIGHT | AL_BASELINE);
        double bx = g.c.x, bw = g.c.w - g.pct_w;
        draw_round_rect(cr, bx, by - g.bh / 2, bw, g.bh, g.bh / 2);
        cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.16);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.35);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
    if (p->items.n == 0)
        draw_text(d, FONT_TEXT, 18, g.c.x + g.c.w / 2, g.c.y + g.c.h / 2, "等待数据…", dim, AL_CENTER);
}

/* Row i's marks at d->now: the diamond and label, the value, the fill
 * over the track and the percentage, clipped to row_rect. */
static void row_marks(const progress_t *p, const prog_geom_t *g, int i, draw_t *d)
{
    cairo_t *cr = d->cr;
    const prog_item_t *it = item(p, i);
    bs_color_t text = draw_theme(d, THEME_TEXT);
    double alpha = 1.0;   /* stale: the core dims it */
    fmt_opts_t fo = p->fmt;
    if (it->unit)
        fo.unit = it->unit;
    rect_t c = g->c;
    double rh = g->rh, fs = g->fs, bh = g->bh;
    double y0 = c.y + rh * i;
    double ly = y0 + rh * 0.34;               /* label line */
    double by = y0 + rh * 0.72;               /* bar centre */
    double val = shown(p, i, d->now);
    double pct_final = p->st[i].has ? p->st[i].to / it->target * 100 : NAN;
    bs_color_t col = draw_color(d, fmt_color(&p->fmt, pct_final, p->color));
    rect_t rr = row_rect(g, i);
    cairo_save(cr);
    draw_clip_pixels(cr, rr);

    /* label with a small diamond marker */
    double mx = c.x + 5, my = ly - fs * 0.36;
    cairo_move_to(cr, mx, my - 5);
    cairo_line_to(cr, mx + 5, my);
    cairo_line_to(cr, mx, my + 5);
    cairo_line_to(cr, mx - 5, my);
    cairo_close_path(cr);
    cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
    cairo_fill(cr);
    bs_color_t tc = text;
    tc.a *= alpha;

    /* right side: actual (the tail " / target unit" is in the base) */
    fmt_out_t fv, ft;
    fmt_number_as(&fo, p->st[i].has ? val : NAN, p->st[i].to, &fv);
    fmt_number(&fo, it->target, &ft);
    char tail[160];
    tail_of(p, i, tail, sizeof tail);
    double rx = c.x + c.w;
    double tw = draw_text_width(d, FONT_TEXT, fs * 0.8, tail);
    bs_color_t vc = col;
    vc.a *= alpha;
    char vb[160];                             /* the value's own scale word when the target's differs */
    snprintf(vb, sizeof vb, "%s%s", fv.num, strcmp(fv.unit, ft.unit) ? fv.unit : "");
    double nw = draw_number(d, FONT_NUMBER, fs * 1.25, rx - tw, ly, vb, vc, AL_RIGHT | AL_BASELINE);
    draw_text_fit(d, FONT_TEXT, fs, c.x + 16, ly, it->label ? it->label : it->bind, tc,
                  AL_LEFT | AL_BASELINE, c.w - 16 - tw - nw - 12);

    /* bar: gradient fill over the base's track, bright head */
    double bx = c.x, bw = c.w - g->pct_w;
    double f = p->st[i].has && isfinite(val) ? fmax(0, fmin(1, wdg_frac(val, 0, it->target))) : 0;
    if (f > 0) {
        double fw = fmax(bh, bw * f);
        cairo_pattern_t *gr = cairo_pattern_create_linear(bx, 0, bx + fw, 0);
        cairo_pattern_add_color_stop_rgba(gr, 0, col.r * 0.35, col.g * 0.45, col.b * 0.6 + 0.2, 0.9 * alpha);
        cairo_pattern_add_color_stop_rgba(gr, 1, col.r, col.g, col.b, alpha);
        /* soft glow under the fill */
        draw_round_rect(cr, bx - 2, by - bh / 2 - 2, fw + 4, bh + 4, bh / 2 + 2);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.14 * alpha);
        cairo_fill(cr);
        draw_round_rect(cr, bx, by - bh / 2, fw, bh, bh / 2);
        cairo_set_source(cr, gr);
        cairo_fill(cr);
        cairo_pattern_destroy(gr);
        /* diagonal stripes over the fill, clipped to it */
        cairo_save(cr);
        draw_round_rect(cr, bx, by - bh / 2, fw, bh, bh / 2);
        cairo_clip(cr);
        for (double sx = bx - bh; sx < bx + fw; sx += bh * 1.2) {
            cairo_move_to(cr, sx, by + bh / 2);
            cairo_line_to(cr, sx + bh * 0.5, by + bh / 2);
            cairo_line_to(cr, sx + bh, by - bh / 2);
            cairo_line_to(cr, sx + bh * 0.5, by - bh / 2);
            cairo_close_path(cr);
        }
        cairo_set_source_rgba(cr, 1, 1, 1, 0.10 * alpha);
        cairo_fill(cr);
        cairo_restore(cr);
        cairo_arc(cr, bx + fw - bh / 2, by, bh * 0.32, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95 * alpha);
        cairo_fill(cr);
    }
    if (p->show_pct) {
        char pb[32];
        double pv = p->st[i].has && isfinite(val) ? val / it->target * 100 : NAN;
        fmt_percent(pv, pb, sizeof pb);
        draw_number(d, FONT_NUMBER, fs * 0.95, c.x + c.w, by, pb, vc, AL_RIGHT);
    }
    cairo_restore(cr);
}

/* The marks of every row the clip meets (a frame's damage is mostly one
 * growing row: the others are not drawn at all). */
static void progress_overlay(const wdg_t *w, draw_t *d)
{
    const progress_t *p = (const progress_t *)w;
    prog_geom_t g = geom(p);
    cairo_rectangle_list_t *cl = cairo_copy_clip_rectangle_list(d->cr);   /* the damage, in design units */
    for (int i = 0; i < p->items.n; i++) {
        rect_t rr = row_rect(&g, i);
        bool meets = cl->status != CAIRO_STATUS_SUCCESS;                 /* not rectangles: draw all */
        for (int k = 0; !meets && k < cl->num_rectangles; k++) {
            const cairo_rectangle_t *c = &cl->rectangles[k];
            meets = rr.y < c->y + c->height && rr.y + rr.h > c->y && rr.x < c->x + c->width && rr.x + rr.w > c->x;
        }
        if (meets)
            row_marks(p, &g, i, d);
    }
    cairo_rectangle_list_destroy(cl);
}

/* The rows growing at now. */
static int progress_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const progress_t *p = (const progress_t *)w;
    prog_geom_t g = geom(p);
    int n = 0;
    for (int i = 0; i < p->items.n && n < max; i++)
        if (p->st[i].has && wdg_tween_running(&p->st[i].tw, now))
            out[n++] = row_rect(&g, i);
    return n;
}

static void progress_text(const wdg_t *w, wdg_text_t *out)
{
    const progress_t *p = (const progress_t *)w;
    for (int i = 0; i < p->items.n; i++) {
        const prog_item_t *it = item(p, i);
        fmt_opts_t fo = p->fmt;
        if (it->unit)
            fo.unit = it->unit;
        fmt_out_t fv, ft;
        double v = p->st[i].has ? p->st[i].to : NAN;
        fmt_number(&fo, v, &fv);
        fmt_number(&fo, it->target, &ft);
        char pct[32];
        fmt_percent(isfinite(v) ? v / it->target * 100 : NAN, pct, sizeof pct);
        wdg_text_add(out, "%s %s/%s%s %s", it->label ? it->label : it->bind, fv.num, ft.num, ft.unit, pct);
    }
}

const wdg_class_t wdg_progress_class = {
    .name = "progress",
    .doc  = "A list of actual-against-target rows (cloud courses 73/100, trainings 31/50 …). Each item of "
            "\"items\" binds its own topic and has its own label, target and unit. Bars and percentages "
            "take the threshold colour of the percentage (0..100), grow to a new value over \"animate\" "
            "seconds and then stop redrawing.",
    .size = sizeof(progress_t),
    .opts = progress_opts,
    .panel = offsetof(progress_t, frame),
    .bindable = false,
    .init = progress_init,
    .data = progress_data,
    .tick = progress_tick,
    .draw_base = progress_base,
    .draw_overlay = progress_overlay,
    .overlay_rects = progress_rects,
    .text = progress_text,
};
