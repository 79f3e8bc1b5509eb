/*
 * w_board.c — "board": a scroll board, a table whose header stays while its
 * rows scroll by one row or by a page every "interval" seconds.
 *
 * Input: an array of objects (each column takes the value at its "field",
 * a dotted path) or an object {name: value}, which gives rows {name, value}
 * (a column whose field is "name" shows the key, the others the value or the
 * field inside it). At most BOARD_MAX_ROWS rows are kept, each cell cut to
 * BOARD_CELL bytes. Numbers are formatted with the widget's number options.
 *
 * The scroll position is a pure function of time (step k happens at
 * k × interval, easing over "animate" seconds), so tiles of a video wall and
 * snapshots agree; the widget redraws only while rows move.
 */
#include "widget.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOARD_MAX_ROWS 200
#define BOARD_MAX_COLS 12
#define BOARD_CELL     96

typedef struct {
    char  *title, *field;
    double width;
    int    align;
} col_t;

typedef struct {
    char   cell[BOARD_MAX_COLS][BOARD_CELL];
    double key;                 /* sort key (NAN when not a number) */
} brow_t;

enum { SCROLL_ROW = 0, SCROLL_PAGE, SCROLL_NONE };
enum { ORDER_DESC = 0, ORDER_ASC };

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    bs_list_t  columns;
    int        rows, scroll, order;
    double     interval, animate, size;
    bool       index, frame;
    char      *sort_by, *index_title;
    /* state */
    brow_t    *data;            /* BOARD_MAX_ROWS, allocated in init */
    int        n;
    double     shown;           /* scroll position last drawn, for tick */
} board_t;

static const char *const align_names[] = { "left", "center", "right", NULL };
static const char *const scroll_names[] = { "row", "page", "none", NULL };
static const char *const order_names[] = { "desc", "asc", NULL };

static const opt_def_t col_opts[] = {
    { "title", OPT_STR,  offsetof(col_t, title), 0, 64, "", NULL, NULL, "header text" },
    { "field", OPT_STR,  offsetof(col_t, field), 0, 128, "name", NULL, NULL,
      "key (dotted path) of the cell in each row object; \"name\" is the key of an object input" },
    { "width", OPT_NUM,  offsetof(col_t, width), 0.1, 20, "1", NULL, NULL, "relative width" },
    { "align", OPT_ENUM, offsetof(col_t, align), 0, 0, "center", align_names, NULL, "cell alignment" },
    OPT_END,
};

static const opt_def_t board_opts[] = {
    { "format",   OPT_GROUP, offsetof(board_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "columns",  OPT_LIST, offsetof(board_t, columns), sizeof(col_t), BOARD_MAX_COLS, NULL, NULL, col_opts,
      "the columns: [{\"title\": \"街道\", \"field\": \"name\"}, ...]; default: 名称 / 数值" },
    { "rows",     OPT_INT,  offsetof(board_t, rows), 1, 40, "5", NULL, NULL, "rows visible under the header" },
    { "scroll",   OPT_ENUM, offsetof(board_t, scroll), 0, 0, "row", scroll_names, NULL,
      "row: one row per step; page: a page per step; none: still" },
    { "interval", OPT_NUM,  offsetof(board_t, interval), 0.5, 3600, "3", NULL, NULL, "seconds between steps" },
    { "animate",  OPT_NUM,  offsetof(board_t, animate), 0, 10, "0.6", NULL, NULL, "seconds a step takes" },
    { "size",     OPT_NUM,  offsetof(board_t, size), 8, 60, "17", NULL, NULL, "cell text size, design units" },
    { "index",    OPT_BOOL, offsetof(board_t, index), 0, 0, "true", NULL, NULL, "a leading column with the row number" },
    { "index_title", OPT_STR, offsetof(board_t, index_title), 0, 32, "序号", NULL, NULL, "header of the row number column" },
    { "sort_by",  OPT_STR,  offsetof(board_t, sort_by), 0, 128, NULL, NULL, NULL,
      "field to sort rows by (numbers); default: the order received" },
    { "order",    OPT_ENUM, offsetof(board_t, order), 0, 0, "desc", order_names, NULL, "sort order" },
    { "frame",    OPT_BOOL, offsetof(board_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    OPT_END,
};

static const col_t default_cols[2] = {
    { "名称", "name", 1.4, 1 }, { "数值", "value", 1, 1 },
};

static int ncols(const board_t *k)
{
    return k->columns.n > 0 ? k->columns.n : 2;
}

static const col_t *col(const board_t *k, int i)
{
    return k->columns.n > 0 ? (const col_t *)opt_list_at(&k->columns, i) : &default_cols[i];
}

static int board_init(wdg_t *w, char *err, size_t errlen)
{
    board_t *k = (board_t *)w;
    k->data = calloc(BOARD_MAX_ROWS, sizeof *k->data);
    if (!k->data) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->shown = NAN;
    return 0;
}

static void board_destroy(wdg_t *w)
{
    board_t *k = (board_t *)w;
    free(k->data);
    k->data = NULL;
}

/* Text of a cell value into out (BOARD_CELL bytes); *num gets its number. */
static void cell_text(const board_t *k, const bs_value_t *v, char *out, double *num)
{
    *num = NAN;
    if (!v) {
        snprintf(out, BOARD_CELL, "--");
        return;
    }
    switch (v->type) {
    case BS_STR: {
        const char *m = fmt_map(&k->fmt, v->u.str);
        const char *s = m ? m : v->u.str;
        size_t n = strlen(s);
        if (n >= BOARD_CELL) {               /* cut at a character boundary */
            n = BOARD_CELL - 1;
            while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(out, s, n);
        out[n] = '\0';
        double x;
        if (bs_value_number(v, &x))
            *num = x;
        return;
    }
    case BS_NUM: {
        char raw[64];
        snprintf(raw, sizeof raw, "%g", v->u.num);
        const char *m = fmt_map(&k->fmt, raw);
        fmt_out_t f;
        char buf[160];
        fmt_number(&k->fmt, v->u.num, &f);
        fmt_join(&f, buf, sizeof buf);
        snprintf(out, BOARD_CELL, "%.*s", BOARD_CELL - 1, m ? m : buf);
        *num = v->u.num;
        return;
    }
    case BS_BOOL:
        snprintf(out, BOARD_CELL, "%s", v->u.b ? "是" : "否");
        *num = v->u.b;
        return;
    default:
        snprintf(out, BOARD_CELL, "--");
        return;
    }
}

static int sort_desc;
static int by_key(const void *a, const void *b)
{
    double x = ((const brow_t *)a)->key, y = ((const brow_t *)b)->key;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);            /* no number: last */
    if (x == y)
        return strcmp(((const brow_t *)a)->cell[0], ((const brow_t *)b)->cell[0]);
    return (x < y) == sort_desc ? 1 : -1;
}

/* The rows' area (design units), under the header: all that data and the
 * scroll change. The header (its gradient, glowing rule and titles) is
 * remade with the layout only; a remake of the rows' area redraws what of
 * the rule's glow reaches into it (draw() clipped to it). */
static rect_t rows_area(const board_t *k)
{
    const wdg_t *w = &k->base;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double hh = fmin(c.h * 0.16, k->size * 2.2);
    return (rect_t){ c.x, c.y + hh, c.w, c.h - hh };
}

static void board_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    board_t *k = (board_t *)w;
    (void)slot;
    (void)e;
    (void)now;
    if (!k->data)
        return;
    brow_t *next = calloc(BOARD_MAX_ROWS, sizeof *next);
    if (!next)
        return;
    int n = 0, nc = ncols(k);
    bool obj = v && v->type == BS_OBJ;
    uint32_t items = v && (v->type == BS_ARR || obj) ? v->n : 0;
    for (uint32_t i = 0; i < items && n < BOARD_MAX_ROWS; i++) {
        const bs_value_t *it = v->u.c.items[i];
        if (!obj && (!it || it->type != BS_OBJ))
            continue;
        brow_t *r = &next[n++];
        r->key = NAN;
        for (int c = 0; c < nc; c++) {
            const col_t *cd = col(k, c);
            const char *field = cd->field ? cd->field : "name";
            const bs_value_t *cv;
            bs_value_t key = { .type = BS_STR };
            if (obj && strcmp(field, "name") == 0) {
                key.u.str = v->u.c.keys[i];
                key.n = (uint32_t)strlen(key.u.str);
                cv = &key;
            } else if (obj) {
                cv = it && it->type == BS_OBJ ? bs_value_path(it, field) : it;
            } else {
                cv = bs_value_path(it, field);
            }
            double x;
            cell_text(k, cv, r->cell[c], &x);
            if (k->sort_by && strcmp(k->sort_by, field) == 0)
                r->key = x;
        }
    }
    if (k->sort_by) {
        sort_desc = k->order == ORDER_DESC;
        qsort(next, (size_t)n, sizeof *next, by_key);
    }
    bool same = n == k->n;
    for (int i = 0; same && i < n; i++)
        for (int c = 0; same && c < nc; c++)
            same = strcmp(next[i].cell[c], k->data[i].cell[c]) == 0;
    if (!same) {
        memcpy(k->data, next, (size_t)n * sizeof *next);
        k->n = n;
        wdg_invalidate_area(w, rows_area(k));
    }
    free(next);
}

/* The scroll position at time now, in rows (fractional while moving). */
static double scroll_pos(const board_t *k, double now)
{
    if (k->scroll == SCROLL_NONE || k->n <= k->rows || now < k->interval)
        return 0;
    int step = k->scroll == SCROLL_PAGE ? k->rows : 1;
    double s = floor(now / k->interval);
    double t = k->animate > 0 ? (now - s * k->interval) / k->animate : 1;
    double p = (s - 1) * step + wdg_ease(0, step, t);
    return fmod(p, 2.0 * k->n);       /* rows wrap by n; 2n keeps the stripes in step */
}

static void board_tick(wdg_t *w, double now, int64_t wall_ms)
{
    board_t *k = (board_t *)w;
    (void)wall_ms;
    double p = scroll_pos(k, now);
    if (p != k->shown) {
        k->shown = p;
        wdg_invalidate_area(w, rows_area(k));
    }
}

static void board_draw(const wdg_t *w, draw_t *d)
{
    const board_t *k = (const board_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    int nc = ncols(k);
    double hh = rows_area(k).y - c.y;       /* the header's height */
    double rh = (c.h - hh) / k->rows;
    double fs = fmin(k->size, rh * 0.5);
    double alpha = 1.0;   /* stale: the core dims it */

    /* column x positions */
    double total = k->index ? 0.7 : 0;
    for (int i = 0; i < nc; i++)
        total += col(k, i)->width;
    double unit = c.w / total, x = c.x;
    double xs[BOARD_MAX_COLS + 1], ws[BOARD_MAX_COLS + 1];
    int cols = 0;
    if (k->index) {
        xs[cols] = x;
        ws[cols++] = 0.7 * unit;
        x += 0.7 * unit;
    }
    for (int i = 0; i < nc; i++) {
        xs[cols] = x;
        ws[cols++] = col(k, i)->width * unit;
        x += col(k, i)->width * unit;
    }

    /* header */
    cairo_pattern_t *hg = cairo_pattern_create_linear(0, c.y, 0, c.y + hh);
    cairo_pattern_add_color_stop_rgba(hg, 0, a2.r, a2.g, a2.b, 0.55);
    cairo_pattern_add_color_stop_rgba(hg, 1, a2.r, a2.g, a2.b, 0.25);
    cairo_rectangle(cr, c.x, c.y, c.w, hh);
    cairo_set_source(cr, hg);
    cairo_fill(cr);
    cairo_pattern_destroy(hg);
    cairo_move_to(cr, c.x, c.y + hh - 0.5);
    cairo_line_to(cr, c.x + c.w, c.y + hh - 0.5);
    draw_glow_stroke(d, accent, 1, 3);
    for (int i = 0; i < cols; i++) {
        int ci = k->index ? i - 1 : i;
        const char *t = ci < 0 ? k->index_title : col(k, ci)->title;
        int al = ci < 0 ? AL_CENTER : col(k, ci)->align;
        double tx = al == AL_LEFT ? xs[i] + 12 : al == AL_RIGHT ? xs[i] + ws[i] - 12 : xs[i] + ws[i] / 2;
        draw_text_fit(d, FONT_BOLD, fs, tx, c.y + hh / 2, t ? t : "", accent, al, ws[i] - 16);
    }

    if (k->n == 0) {
        draw_text(d, FONT_TEXT, fs, c.x + c.w / 2, c.y + hh + (c.h - hh) / 2, "暂无数据", dim, AL_CENTER);
        return;
    }
    /* rows: absolute index i shows data row i mod n; stripes follow i */
    double pos = scroll_pos(k, d->now);
    double by = c.y + hh;
    cairo_save(cr);
    cairo_rectangle(cr, c.x, by, c.w, c.h - hh);
    cairo_clip(cr);
    int first = (int)floor(pos);
    int last = k->n <= k->rows ? k->n - 1 : first + k->rows;
    for (int i = first; i <= last; i++) {
        int di = ((i % k->n) + k->n) % k->n;
        const brow_t *r = &k->data[di];
        double y = by + (i - pos) * rh;
        if (i % 2 == 0) {
            cairo_rectangle(cr, c.x, y + 1, c.w, rh - 2);
            cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.16);
            cairo_fill(cr);
        } else {
            cairo_rectangle(cr, c.x, y + 1, c.w, rh - 2);
            cairo_set_source_rgba(cr, 0.02, 0.08, 0.2, 0.35);
            cairo_fill(cr);
        }
        double cy = y + rh / 2;
        for (int j = 0; j < cols; j++) {
            int ci = k->index ? j - 1 : j;
            if (ci < 0) {
                static const bs_color_t medal[3] = {
                    { 1.00f, 0.78f, 0.20f, 1, -1 }, { 0.80f, 0.86f, 0.95f, 1, -1 }, { 0.90f, 0.56f, 0.30f, 1, -1 },
                };
                bool top = k->sort_by && di < 3;
                bs_color_t bc = top ? medal[di] : a2;
                double bw = fmin(ws[j] * 0.6, fs * 2.2), bh = fmin(rh * 0.62, fs * 1.4);
                draw_round_rect(cr, xs[j] + (ws[j] - bw) / 2, cy - bh / 2, bw, bh, 3);
                cairo_set_source_rgba(cr, bc.r, bc.g, bc.b, (top ? 0.9 : 0.45) * alpha);
                cairo_fill(cr);
                char nb[16];
                snprintf(nb, sizeof nb, "%d", di + 1);
                bs_color_t ink = top ? (bs_color_t){ 0.04f, 0.09f, 0.2f, 1, -1 } : text;
                draw_number(d, FONT_NUMBER, fs * 0.85, xs[j] + ws[j] / 2, cy, nb, ink, AL_CENTER);
                continue;
            }
            const col_t *cd = col(k, ci);
            int al = cd->align;
            double tx = al == AL_LEFT ? xs[j] + 12 : al == AL_RIGHT ? xs[j] + ws[j] - 12 : xs[j] + ws[j] / 2;
            bs_color_t tc = text;
            tc.a *= (float)alpha;
            draw_text_fit(d, FONT_TEXT, fs, tx, cy, r->cell[ci], tc, al, ws[j] - 16);
        }
    }
    cairo_restore(cr);
}

static void board_text(const wdg_t *w, wdg_text_t *out)
{
    const board_t *k = (const board_t *)w;
    int nc = ncols(k);
    for (int i = 0; i < k->n; i++) {
        char line[BOARD_MAX_COLS * (BOARD_CELL + 1) + 16];
        size_t u = (size_t)snprintf(line, sizeof line, "%d", i + 1);
        for (int c = 0; c < nc && u < sizeof line; c++)
            u += (size_t)snprintf(line + u, sizeof line - u, " %s", k->data[i].cell[c]);
        wdg_text_add(out, "%s", line);
    }
}

const wdg_class_t wdg_board_class = {
    .name = "board",
    .doc  = "A scroll board: a table with a fixed header and striped rows that scroll by one row or "
            "by a page every \"interval\" seconds (a pure function of time; it redraws only while rows "
            "move). Columns come from \"columns\" ({title, field, width, align}); rows from an array of "
            "objects, or from an object {name: value} as two columns. Rows may be sorted by a field, "
            "and the first three then get gold, silver and bronze badges.",
    .size = sizeof(board_t),
    .opts = board_opts,
    .panel = offsetof(board_t, frame),
    .bindable = true,
    .init = board_init,
    .destroy = board_destroy,
    .data = board_data,
    .tick = board_tick,
    .draw = board_draw,
    .text = board_text,
};
