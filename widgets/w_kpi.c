/*
 * w_kpi.c — "kpi": one big number read from across the room: label, value
 * with unit (万/亿 scaling, decimals), an optional target line, and a
 * count-up animation when the value changes. Digits are tabular so a
 * changing number does not jitter.
 *
 * "style": "flip" (数字翻牌器) puts each digit on its own tile (the tiles,
 * separators, prefix and unit are the base; the halves' split line is the
 * top layer); a change rolls only the tiles whose digit changed, and only
 * those are damaged. The tile layout (integer and decimal tiles, unit) only
 * grows, so the number does not jump about; a value that does not fit
 * FLIP_MAX_TILES is drawn as in the count style.
 *
 * "change" adds a marker on the label row: ▲/▼ and the change in percent
 * against the previous value ("prev") or a bound baseline topic; "—" when the
 * baseline is 0 or missing. It lives in the cached layer and is redrawn (its
 * area only) when its text changes.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FLIP_MAX_TILES 12        /* integer + decimal tiles */

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    double     size;        /* number size */
    double     animate;     /* count-up seconds */
    double     target;      /* NAN = none */
    char      *target_label;
    bool       frame;
    bs_color_t color;
    char      *icon;        /* a short glyph drawn in a ring on the left */
    int        style;       /* 0 count, 1 flip */
    int        digits;      /* flip: least integer tiles (0 = from the values) */
    char      *change;      /* "prev" or a baseline topic; NULL = no marker */
    char      *change_path;
    char      *change_label;
    int        rise;        /* 0: a rise is red (Chinese screens), 1: green */
    /* state */
    wdg_tween_t tw;         /* the count-up */
    double     to;          /* the latest value */
    bool       has;
    double     shown;       /* value drawn (eased), updated in tick */
    /* flip: the tile layout (grows only) and each tile's roll, by place */
    int        nint, ndec;  /* integer and decimal tiles */
    bool       flip_ok;     /* the latest value fits the tiles */
    bool       neg;         /* a minus before the tiles */
    char       unit[80];    /* the unit the layout was made for */
    wdg_tween_t tile[FLIP_MAX_TILES];   /* [0, nint): units, tens, ...; then decimals */
    double     tile_set[FLIP_MAX_TILES];/* when each tile last got a new digit */
    bool       lit[FLIP_MAX_TILES];     /* a digit of the value (not a leading 0) */
    bool       rolling;     /* some tile rolled at the last tick */
    double     chg_set;     /* when the marker's text last changed */
    /* change marker */
    double     prev;        /* "prev": the value before the latest; NAN = none */
    double     baseline;    /* a bound baseline; NAN = none */
    int        chg_dir;     /* -1, 0, 1; 2 = no baseline ("—") */
    char       chg[32];     /* the percentage as drawn */
    /* the count style's number as the last two ticks showed it */
    double     tick_t;      /* when cur was computed */
    struct kpi_shown {
        bool       ok;
        bool       text;     /* a mapped value: text, not cells */
        double     v, to;    /* the value formatted into num, towards to */
        double     size;     /* the number's size after fitting */
        double     bar;      /* the target bar's fill, design units on a 1/64 grid */
        bs_color_t c;
        char       num[64], unit[80];
    } was, cur;
} kpi_t;

static const char *const styles[] = { "count", "flip", NULL };
static const char *const rises[] = { "red", "green", NULL };

static const opt_def_t kpi_opts[] = {
    { "format",  OPT_GROUP, offsetof(kpi_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "size",    OPT_NUM,  offsetof(kpi_t, size),    12, 300, "60", NULL, NULL, "number size, design units" },
    { "animate", OPT_NUM,  offsetof(kpi_t, animate), 0, 10, "1.2", NULL, NULL,
      "seconds of the count-up when the value changes; 0 = jump" },
    { "target",  OPT_NUM,  offsetof(kpi_t, target),  -1e15, 1e15, "nan", NULL, NULL,
      "a goal shown under the number with progress, e.g. 100 (cloud courses)" },
    { "target_label", OPT_STR, offsetof(kpi_t, target_label), 0, 32, "目标", NULL, NULL,
      "word before the target" },
    { "frame",   OPT_BOOL, offsetof(kpi_t, frame),   0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(kpi_t, color),  0, 0, "accent", NULL, NULL,
      "number colour when no threshold applies" },
    { "icon",    OPT_STR,  offsetof(kpi_t, icon),    0, 8, NULL, NULL, NULL,
      "one or two characters shown in a glowing ring left of the number, e.g. \"会\"" },
    { "style",   OPT_ENUM, offsetof(kpi_t, style),   0, 0, "count", styles, NULL,
      "count: the number counts up; flip: each digit on its own tile, changed tiles roll (数字翻牌器)" },
    { "digits",  OPT_INT,  offsetof(kpi_t, digits),  0, FLIP_MAX_TILES, "0", NULL, NULL,
      "flip: integer tiles at least (leading ones show a dim 0), so the width never changes; 0 = as many as the values need" },
    { "change",  OPT_STR,  offsetof(kpi_t, change),  0, 256, NULL, NULL, NULL,
      "change marker (▲/▼ and percent) on the label row: \"prev\" against the previous value, or a topic holding the baseline" },
    { "change_path", OPT_STR, offsetof(kpi_t, change_path), 0, 256, NULL, NULL, NULL,
      "path into the baseline topic's value, as in bindings (\"last.year\")" },
    { "change_label", OPT_STR, offsetof(kpi_t, change_label), 0, 16, NULL, NULL, NULL,
      "word before the marker, e.g. \"同比\" or \"环比\"" },
    { "rise",    OPT_ENUM, offsetof(kpi_t, rise),    0, 0, "red", rises, NULL,
      "colour of a rise in the marker: red (涨红跌绿, as Chinese screens) or green; a fall takes the other" },
    OPT_END,
};

/* The digits of num (a formatted number) for the tiles: the integer digits
 * (most significant first) into ints, the decimals into decs, the minus in
 * *neg; prefix (the format's) is skipped. False when num is not a plain
 * decimal number ("--", "1.7e308") or has more digits than the tiles. */
static bool split_digits(const char *num, const char *prefix, bool *neg, char *ints, char *decs)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (pl && strncmp(num, prefix, pl) == 0)
        num += pl;
    *neg = *num == '-';
    if (*neg)
        num++;
    int ni = 0, nd = 0;
    bool point = false;
    for (; *num; num++) {
        if (*num >= '0' && *num <= '9') {
            if (ni + nd >= FLIP_MAX_TILES)
                return false;
            if (point)
                decs[nd++] = *num;
            else
                ints[ni++] = *num;
        } else if (*num == '.' && !point) {
            point = true;
        } else if (*num != ',' || point) {
            return false;
        }
    }
    ints[ni] = decs[nd] = '\0';
    return ni > 0;
}

/* The flip tiles go to the digits of x at now: the layout grows to hold
 * them (remaking the base), and each tile whose digit changed rolls. */
static void flip_to(kpi_t *k, double x, double now)
{
    wdg_t *w = &k->base;
    fmt_out_t f;
    fmt_number(&k->fmt, x, &f);
    char raw[64], ints[FLIP_MAX_TILES + 1], decs[FLIP_MAX_TILES + 1];
    snprintf(raw, sizeof raw, "%g", x);
    bool neg = false;
    bool ok = isfinite(x) && !fmt_map(&k->fmt, raw) && split_digits(f.num, k->fmt.prefix, &neg, ints, decs);
    int ni = ok ? (int)strlen(ints) : 0, nd = ok ? (int)strlen(decs) : 0;
    int nint = k->nint, ndec = k->ndec;
    if (ok) {
        nint = nint > ni ? nint : ni;
        nint = nint > k->digits ? nint : k->digits;
        ndec = ndec > nd ? ndec : nd;
        ok = nint + ndec <= FLIP_MAX_TILES;
    }
    if (ok && (nint != k->nint || ndec != k->ndec || neg != k->neg || strcmp(f.unit, k->unit))) {
        k->nint = nint;
        k->ndec = ndec;
        k->neg = neg;
        snprintf(k->unit, sizeof k->unit, "%s", f.unit);
        wdg_invalidate_base(w);
    }
    if (ok != k->flip_ok) {
        k->flip_ok = ok;
        wdg_invalidate_base(w);
    }
    if (!ok)
        return;
    /* integer tiles from index 0 (units) up; decimal tiles from the top
     * index down, so the two never meet and never move when either grows */
    for (int j = 0; j < nint + ndec; j++) {
        int idx = j < nint ? j : FLIP_MAX_TILES - 1 - (j - nint);
        int dg = j < nint ? (j < ni ? ints[ni - 1 - j] - '0' : 0) : (j - nint < nd ? decs[j - nint] - '0' : 0);
        bool lit = j >= nint || j < ni;
        if (lit != k->lit[idx]) {
            k->lit[idx] = lit;
            k->tile_set[idx] = now;
        }
        if (wdg_tween_to(&k->tile[idx], dg, now, k->animate, 0, 10))
            k->tile_set[idx] = now;
    }
}

/* The marker's text and direction from the value and its baseline. */
static void change_update(kpi_t *k, double now)
{
    double base = k->change && strcmp(k->change, "prev") == 0 ? k->prev : k->baseline;
    double v = wdg_geom(k->to), b = wdg_geom(base);
    char txt[32];
    int dir;
    if (!k->has || isnan(v) || isnan(b) || b == 0) {
        dir = 2;
        snprintf(txt, sizeof txt, "—");
    } else {
        double pct = (v - b) / fabs(b) * 100;          /* bounded operands: finite */
        double a = fabs(pct);
        if (a > 0 && a < 0.01)
            snprintf(txt, sizeof txt, "<0.01%%");
        else if (a < 10)
            snprintf(txt, sizeof txt, "%.2f%%", a);
        else if (a < 1000)
            snprintf(txt, sizeof txt, "%.1f%%", a);
        else
            fmt_percent(a, txt, sizeof txt);
        dir = pct == 0 ? 0 : pct > 0 ? 1 : -1;
    }
    if (dir != k->chg_dir || strcmp(txt, k->chg)) {
        k->chg_dir = dir;
        snprintf(k->chg, sizeof k->chg, "%s", txt);
        k->chg_set = now;
        wdg_invalidate_overlay(&k->base);
    }
}

static int kpi_init(wdg_t *w, char *err, size_t errlen)
{
    kpi_t *k = (kpi_t *)w;
    k->prev = k->baseline = NAN;
    k->chg_set = -1;
    k->chg_dir = 2;
    snprintf(k->chg, sizeof k->chg, "—");
    k->nint = k->digits > 0 ? k->digits : 1;
    k->flip_ok = true;
    for (int i = 0; i < FLIP_MAX_TILES; i++)
        k->tile_set[i] = -1;
    if (k->change && !k->change[0]) {
        snprintf(err, errlen, "\"change\" is empty: \"prev\" or a topic holding the baseline");
        return -1;
    }
    if (k->change_path && !k->change) {
        snprintf(err, errlen, "\"change_path\" without \"change\"");
        return -1;
    }
    if (k->change && strcmp(k->change, "prev") != 0 && wdg_add_bind(w, k->change, k->change_path) != 1) {
        snprintf(err, errlen, "\"change\": cannot bind \"%s\"", k->change);
        return -1;
    }
    return 0;
}

static void kpi_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    kpi_t *k = (kpi_t *)w;
    (void)e;
    double x = wdg_number(v);
    if (slot == 1) {                                    /* the baseline */
        if (x != k->baseline && !(isnan(x) && isnan(k->baseline))) {
            k->baseline = x;
            if (k->change)
                change_update(k, now);
        }
        return;
    }
    if (k->has && (x == k->to || (isnan(x) && isnan(k->to))))
        return;
    if (k->has)
        k->prev = k->to;
    /* the first value counts up from zero; later ones glide from what is
     * shown (retargeting a count-up in flight) */
    wdg_tween_to(&k->tw, x, now, k->animate, 0, x);
    k->to = x;
    k->has = true;
    if (k->style == 1)
        flip_to(k, x, now);
    if (k->change)
        change_update(k, now);
    wdg_invalidate_overlay(w);
}

static bool flip_on(const kpi_t *k);
static void count_shown(const kpi_t *k, double v, const struct kpi_shown *prev, struct kpi_shown *out);

static bool color_eq(bs_color_t a, bs_color_t b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a && a.theme == b.theme;
}

static bool shown_eq(const struct kpi_shown *a, const struct kpi_shown *b)
{
    return a->ok == b->ok && a->text == b->text && a->size == b->size && a->bar == b->bar && color_eq(a->c, b->c) && strcmp(a->num, b->num) == 0 && strcmp(a->unit, b->unit) == 0;
}

/* The value at now; in the count style, what the number and the target bar
 * show against the last tick (the overlay is redrawn only when that
 * changed: a count-up's frames that move no digit and no bar's 1/64 unit
 * draw nothing); flip tiles while they roll. */
static void kpi_tick(wdg_t *w, double now, int64_t wall_ms)
{
    kpi_t *k = (kpi_t *)w;
    (void)wall_ms;
    double s = k->has ? wdg_tween_at(&k->tw, now) : NAN;
    bool moved = false;
    if (s != k->shown && !(isnan(s) && isnan(k->shown))) {
        k->shown = s;
        moved = true;
    }
    k->was = k->cur;
    if (!k->cur.ok || moved || k->cur.to != k->to || w->invalid || w->overlay_invalid)
        count_shown(k, k->has ? k->shown : NAN, &k->was, &k->cur);
    k->tick_t = now;
    if (flip_on(k) ? moved : !shown_eq(&k->was, &k->cur))
        wdg_invalidate_overlay(w);
    if (k->style == 1) {
        bool rolling = false;
        for (int i = 0; i < FLIP_MAX_TILES && !rolling; i++)
            rolling = wdg_tween_running(&k->tile[i], now);
        if (rolling || k->rolling)                      /* and the frame they stop */
            wdg_invalidate_overlay(w);
        k->rolling = rolling;
    }
}

/* Where things go (design units): the number's left edge and baseline, the
 * target bar's centre line. */
typedef struct {
    double pad, x, ny, bar_y, label_y, rad;
    bool   has_target;
} kpi_geom_t;

static kpi_geom_t geom(const kpi_t *k)
{
    rect_t r = k->base.rect;
    kpi_geom_t g = { .pad = 22 };
    g.x = r.x + g.pad;
    if (k->icon) {
        g.rad = fmin(r.h * 0.30, 34);
        g.x += g.rad * 2 + 22;
    }
    g.has_target = isfinite(k->target) && k->target != 0;
    g.bar_y = r.y + r.h - 20;
    g.ny = g.has_target ? g.bar_y - 18 : r.y + r.h - 24;           /* number baseline */
    g.label_y = g.ny - (k->style == 1 ? 0.92 : 0.74) * k->size - 8 - 11;   /* label centre */
    return g;
}

/* The unit's box after a number ending at x (design units): a unit of
 * size us at the number's baseline ny, an em for every character (no
 * glyph of a unit is wider), the descent of CJK. */
static int codepoints(const char *s);
static rect_t unit_box(double x, double ny, const char *unit, double us)
{
    return (rect_t){ x + 8 - 2, ny - 1.0 * us - 2, codepoints(unit) * us + 4 + 0.1 * us, 1.32 * us + 4 };
}

/* The target bar's track length (design units). */
static double bar_len(const kpi_t *k, const kpi_geom_t *g)
{
    return k->base.rect.x + k->base.rect.w - g->pad - g->x - 120;
}

/* What the count style shows for value v (see struct kpi_shown): the
 * number formatted (copied from prev when its value and target are the
 * same: an unchanged frame formats nothing) and fitted to the tile, its
 * colour, the target bar's fill. */
static void count_shown(const kpi_t *k, double v, const struct kpi_shown *prev, struct kpi_shown *out)
{
    kpi_geom_t g = geom(k);
    rect_t r = k->base.rect;
    struct kpi_shown st = { .ok = true, .v = v, .to = k->to };
    st.c = fmt_color(&k->fmt, k->to, k->color);
    if (prev && prev->ok && (prev->v == v || (isnan(v) && isnan(prev->v))) && prev->to == k->to) {
        st.text = prev->text;
        st.size = prev->size;
        memcpy(st.num, prev->num, sizeof st.num);
        memcpy(st.unit, prev->unit, sizeof st.unit);
    } else {
        char raw[64];
        snprintf(raw, sizeof raw, "%g", k->to);
        const char *mapped = k->has ? fmt_map(&k->fmt, raw) : NULL;
        if (mapped) {
            st.text = true;
            st.size = k->size * 0.8;
            snprintf(st.num, sizeof st.num, "%s", mapped);
        } else {
            fmt_out_t f;
            fmt_number_as(&k->fmt, v, k->to, &f);
            snprintf(st.num, sizeof st.num, "%s", f.num);
            snprintf(st.unit, sizeof st.unit, "%s", f.unit);
            /* a number too wide for the tile ("-9,100.00万亿人") gets smaller */
            double size = k->size, avail = r.x + r.w - g.pad - g.x;
            double need = draw_cells_width(st.num, size) +
                          (st.unit[0] ? codepoints(st.unit) * fmax(16, size * 0.36) + 8 : 0);
            if (need > avail && avail > 0)
                size *= fmax(0.4, avail / need);
            st.size = size;
        }
    }
    if (g.has_target) {
        double frac = k->has && isfinite(v) ? fmax(0, fmin(1, wdg_frac(v, 0, k->target))) : 0;
        st.bar = round(frac * fmax(0, bar_len(k, &g)) * 64) / 64;
    }
    *out = st;
}

/* Code points in s (for width estimates of short texts). */
static int codepoints(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The flip layout: tiles in reading order with their state index, where
 * the separators and the unit go. Pure geometry (no text measured: widths
 * of the prefix and unit are estimated from their length), so the marks'
 * rectangles need no drawing context. */
typedef struct {
    int    n;                               /* tiles */
    rect_t t[FLIP_MAX_TILES];
    int    idx[FLIP_MAX_TILES];
    int    nsep;
    double sep_x[FLIP_MAX_TILES];           /* centres */
    char   sep[FLIP_MAX_TILES];             /* ',' or '.' */
    double prefix_x, minus_x, unit_x, size; /* size: the digits' */
    double cy;                              /* the tiles' centre line */
} flip_geom_t;

static flip_geom_t flip_geom(const kpi_t *k, const kpi_geom_t *g)
{
    rect_t r = k->base.rect;
    flip_geom_t f = { 0 };
    double S = k->size;
    double tw = 0.68 * S, gap = 0.09 * S, sw = 0.30 * S;
    double pw = k->fmt.prefix ? codepoints(k->fmt.prefix) * 0.42 * S : 0;
    double mw = k->neg ? 0.45 * S : 0;
    double uw = k->unit[0] ? codepoints(k->unit) * fmax(16, S * 0.36) + 10 : 0;
    int nsep = (k->ndec > 0) + (k->fmt.thousands ? (k->nint - 1) / 3 : 0);
    double need = pw + mw + (k->nint + k->ndec) * (tw + gap) + nsep * sw + uw;
    double avail = r.x + r.w - g->pad - g->x;
    double sc = need > avail && avail > 0 ? fmax(0.4, avail / need) : 1;
    tw *= sc;
    gap *= sc;
    sw *= sc;
    f.size = S * sc;
    double th = 1.12 * S * sc;
    f.cy = g->ny - 0.36 * S;
    double x = g->x;
    f.prefix_x = x;
    x += pw * sc;
    f.minus_x = x;
    x += mw * sc;
    for (int j = k->nint - 1; j >= 0; j--) {
        f.t[f.n] = (rect_t){ x, f.cy - th / 2, tw, th };
        f.idx[f.n++] = j;
        x += tw + gap;
        if (k->fmt.thousands && j > 0 && j % 3 == 0) {
            f.sep_x[f.nsep] = x + sw / 2 - gap / 2;
            f.sep[f.nsep++] = ',';
            x += sw;
        }
    }
    if (k->ndec > 0) {
        f.sep_x[f.nsep] = x + sw / 2 - gap / 2;
        f.sep[f.nsep++] = '.';
        x += sw;
    }
    for (int d = 0; d < k->ndec; d++) {
        f.t[f.n] = (rect_t){ x, f.cy - th / 2, tw, th };
        f.idx[f.n++] = FLIP_MAX_TILES - 1 - d;
        x += tw + gap;
    }
    f.unit_x = x - gap + 10 * sc;
    return f;
}

/* Whether the flip tiles show the value (else it is drawn as a number). */
static bool flip_on(const kpi_t *k)
{
    return k->style == 1 && k->flip_ok;
}

/* Where the change marker goes: the right of the label row. */
static rect_t marker_rect(const kpi_t *k, const kpi_geom_t *g)
{
    rect_t r = k->base.rect;
    double x1 = r.x + r.w - g->pad;
    double w = fmin(190, x1 - g->x);
    return (rect_t){ x1 - w, g->label_y - 15, w + 4, 30 };
}

/* The flip tiles' frames and the text around them (prefix, minus,
 * separators, unit): what the tile layout decides. */
static void flip_draw_base(const kpi_t *k, const kpi_geom_t *g, draw_t *d)
{
    cairo_t *cr = d->cr;
    flip_geom_t f = flip_geom(k, g);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), a2 = draw_theme(d, THEME_ACCENT2);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    for (int i = 0; i < f.n; i++) {
        rect_t t = f.t[i];
        double rr = fmin(6, t.w * 0.12);
        cairo_pattern_t *gr = cairo_pattern_create_linear(0, t.y, 0, t.y + t.h);
        cairo_pattern_add_color_stop_rgba(gr, 0, 0.05, 0.16, 0.34, 0.96);
        cairo_pattern_add_color_stop_rgba(gr, 0.5, 0.03, 0.10, 0.24, 0.96);
        cairo_pattern_add_color_stop_rgba(gr, 0.5, 0.02, 0.08, 0.20, 0.96);
        cairo_pattern_add_color_stop_rgba(gr, 1, 0.03, 0.12, 0.28, 0.96);
        draw_round_rect(cr, t.x, t.y, t.w, t.h, rr);
        cairo_set_source(cr, gr);
        cairo_fill_preserve(cr);
        cairo_pattern_destroy(gr);
        bs_color_t fc = accent;
        fc.a = 0.75f;
        draw_glow_stroke(d, fc, 1.2, 3);
        /* an inner bottom glow, as if lit from under the digit */
        gr = cairo_pattern_create_linear(0, t.y + t.h * 0.55, 0, t.y + t.h);
        cairo_pattern_add_color_stop_rgba(gr, 0, a2.r, a2.g, a2.b, 0);
        cairo_pattern_add_color_stop_rgba(gr, 1, a2.r, a2.g, a2.b, 0.28);
        draw_round_rect(cr, t.x + 1.5, t.y + t.h * 0.55, t.w - 3, t.h * 0.45 - 1.5, rr);
        cairo_set_source(cr, gr);
        cairo_fill(cr);
        cairo_pattern_destroy(gr);
    }
    for (int i = 0; i < f.nsep; i++) {
        char sep[2] = { f.sep[i], 0 };
        draw_number(d, FONT_NUMBER, f.size * 0.8, f.sep_x[i], f.cy + f.t[0].h * 0.42, sep, text, AL_CENTER | AL_BASELINE);
    }
    if (k->fmt.prefix)
        draw_text(d, FONT_TEXT, fmax(16, f.size * 0.40), f.prefix_x, f.cy, k->fmt.prefix, dim, AL_LEFT);
    if (k->neg)
        draw_number(d, FONT_NUMBER, f.size * 0.8, f.minus_x + f.size * 0.2, f.cy, "-", text, AL_CENTER);
    if (k->unit[0])
        draw_text(d, FONT_TEXT, fmax(16, k->size * 0.36), f.unit_x, f.cy + f.t[0].h * 0.42, k->unit, dim,
                  AL_LEFT | AL_BASELINE);
}

/* The base: what only the layout decides (the core draws the panel). */
static void kpi_draw_base(const wdg_t *w, draw_t *d)
{
    const kpi_t *k = (const kpi_t *)w;
    rect_t r = w->rect;
    kpi_geom_t g = geom(k);
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t accent = draw_theme(d, THEME_ACCENT);
    if (k->icon) {
        double x = r.x + g.pad, cy = r.y + r.h / 2, rad = g.rad;
        cairo_t *cr = d->cr;
        cairo_arc(cr, x + rad, cy, rad, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.12);
        cairo_fill_preserve(cr);
        draw_glow_stroke(d, accent, 2, 4);
        cairo_arc(cr, x + rad, cy, rad * 0.72, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, 0.35);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        draw_text(d, FONT_BOLD, rad * 0.9, x + rad, cy, k->icon, accent, AL_CENTER);
    }
    if (w->title)
        draw_text(d, FONT_TEXT, 21, g.x, g.label_y, w->title, text, AL_LEFT);
    if (flip_on(k))
        flip_draw_base(k, &g, d);
    if (g.has_target) {
        double by = g.bar_y, bw = r.x + r.w - g.pad - g.x - 120, bh = 8;
        cairo_t *cr = d->cr;
        draw_round_rect(cr, g.x, by - bh / 2, bw, bh, bh / 2);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.10);
        cairo_fill(cr);
        fmt_out_t f;
        fmt_target(&k->fmt, k->target, &f);
        char line[160];
        snprintf(line, sizeof line, "%s %s%s", k->target_label ? k->target_label : "", f.num, f.unit);
        draw_text(d, FONT_TEXT, 16, r.x + r.w - g.pad, by, line, dim, AL_RIGHT);
    }
}

/* The digits on their tiles: each tile shows its roll position p (digit
 * floor(p) moving up out of the tile, the next one coming in from below),
 * clipped to the tile; the halves' split line and a gloss over the digit. */
static void flip_draw_digits(const kpi_t *k, const kpi_geom_t *g, draw_t *d, bs_color_t c, double alpha,
                             const draw_clip_t *clip)
{
    cairo_t *cr = d->cr;
    flip_geom_t f = flip_geom(k, g);
    for (int i = 0; i < f.n; i++) {
        rect_t t = f.t[i];
        int idx = f.idx[i];
        if (!draw_clip_hits(clip, d, t))      /* a tile outside the damage: as it was */
            continue;
        double p = k->tile[idx].set ? wdg_tween_at(&k->tile[idx], d->now) : NAN;
        cairo_save(cr);
        cairo_rectangle(cr, t.x + 1, t.y + 1, t.w - 2, t.h - 2);
        cairo_clip(cr);
        if (isfinite(p)) {
            p = fmax(0, fmin(9, p));
            int d0 = (int)floor(p);
            double fr = p - d0, step = t.h * 0.92;
            double base = t.y + t.h / 2 + f.size * 0.36;     /* the digit's baseline, centred */
            bs_color_t dc = c;
            dc.a *= (float)(alpha * (k->lit[idx] ? 1 : 0.22));
            char s0[2] = { (char)('0' + d0), 0 }, s1[2] = { (char)('0' + (d0 < 9 ? d0 + 1 : 9)), 0 };
            draw_number(d, FONT_NUMBER, f.size, t.x + t.w / 2, base - fr * step, s0, dc, AL_CENTER | AL_BASELINE);
            if (fr > 0.001)
                draw_number(d, FONT_NUMBER, f.size, t.x + t.w / 2, base + (1 - fr) * step, s1, dc,
                            AL_CENTER | AL_BASELINE);
        }
        cairo_restore(cr);
        /* the split between the halves, and a gloss on the top half */
        double my = t.y + t.h / 2;
        cairo_rectangle(cr, t.x + 1, my - 1, t.w - 2, 2);
        cairo_set_source_rgba(cr, 0.0, 0.03, 0.10, 0.85);
        cairo_fill(cr);
        cairo_rectangle(cr, t.x + 1, my + 1, t.w - 2, 0.8);
        cairo_set_source_rgba(cr, 0.55, 0.85, 1.0, 0.18);
        cairo_fill(cr);
        cairo_pattern_t *gl = cairo_pattern_create_linear(0, t.y, 0, my);
        cairo_pattern_add_color_stop_rgba(gl, 0, 1, 1, 1, 0.10);
        cairo_pattern_add_color_stop_rgba(gl, 1, 1, 1, 1, 0.02);
        cairo_rectangle(cr, t.x + 2, t.y + 2, t.w - 4, my - 1 - t.y - 2);
        cairo_set_source(cr, gl);
        cairo_fill(cr);
        cairo_pattern_destroy(gl);
    }
}

/* The change marker at the right of the label row: [label] ▲ 1.25% in the
 * rise colour, ▼ in the fall colour, a dim "—" without a baseline. */
static void draw_marker(const kpi_t *k, const kpi_geom_t *g, draw_t *d, double alpha)
{
    cairo_t *cr = d->cr;
    rect_t m = marker_rect(k, g);
    bs_color_t up = draw_theme(d, k->rise == 0 ? THEME_BAD : THEME_GOOD);
    bs_color_t down = draw_theme(d, k->rise == 0 ? THEME_GOOD : THEME_BAD);
    bs_color_t dim = draw_theme(d, THEME_DIM);
    bs_color_t c = k->chg_dir == 1 ? up : k->chg_dir == -1 ? down : dim;
    c.a *= (float)alpha;
    double fs = 19, x1 = m.x + m.w - 4, cy = g->label_y;
    double tw = draw_number_width(d, FONT_NUMBER, fs, k->chg);
    double x = x1 - tw;
    if (k->chg_dir == 2)
        draw_text(d, FONT_TEXT, fs, x1, cy, k->chg, c, AL_RIGHT);
    else
        draw_number(d, FONT_NUMBER, fs, x1, cy, k->chg, c, AL_RIGHT);
    if (k->chg_dir == 1 || k->chg_dir == -1) {
        double s = 7, ax = x - 6 - s;
        if (k->chg_dir == 1) {
            cairo_move_to(cr, ax, cy - s);
            cairo_line_to(cr, ax + s, cy + s * 0.7);
            cairo_line_to(cr, ax - s, cy + s * 0.7);
        } else {
            cairo_move_to(cr, ax, cy + s);
            cairo_line_to(cr, ax + s, cy - s * 0.7);
            cairo_line_to(cr, ax - s, cy - s * 0.7);
        }
        cairo_close_path(cr);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
        cairo_fill(cr);
        x = ax - s;
    }
    if (k->change_label && k->change_label[0]) {
        double lw = draw_text_width(d, FONT_TEXT, 17, k->change_label);
        if (x - 8 - lw >= m.x)
            draw_text(d, FONT_TEXT, 17, x - 8, cy, k->change_label, dim, AL_RIGHT);
    }
}

/* The marks: the number as it counts (or the digits on their tiles), the
 * target bar's fill, the change marker. */
static void kpi_draw_overlay(const wdg_t *w, draw_t *d)
{
    const kpi_t *k = (const kpi_t *)w;
    kpi_geom_t g = geom(k);
    bs_color_t dim = draw_theme(d, THEME_DIM);
    double x = g.x, ny = g.ny;
    struct kpi_shown st;
    if (d->now == k->tick_t && k->cur.ok)
        st = k->cur;
    else
        count_shown(k, k->has ? k->shown : NAN, NULL, &st);
    bs_color_t c = st.c;
    double alpha = 1.0;   /* stale: the core dims it */
    c.a *= alpha;
    draw_clip_t clip;
    draw_clip_get(d, &clip);
    if (!draw_clip_hits(&clip, d, w->rect))     /* only a neighbour's damage in the ink margin */
        return;
    if (flip_on(k)) {
        flip_draw_digits(k, &g, d, draw_color(d, c), alpha, &clip);
    } else if (st.text) {
        draw_text(d, FONT_BOLD, st.size, x, ny, st.num, c, AL_LEFT | AL_BASELINE);
    } else {
        double nw = draw_cells(d, FONT_NUMBER, st.size, x, ny, st.num, c, AL_LEFT | AL_BASELINE, &clip);
        double us = fmax(16, st.size * 0.36);
        if (st.unit[0] && draw_clip_hits(&clip, d, unit_box(x + nw, ny, st.unit, us))) {
            bs_color_t u = dim;
            u.a *= alpha;
            draw_text(d, FONT_TEXT, us, x + nw + 8, ny, st.unit, u, AL_LEFT | AL_BASELINE);
        }
    }
    if (g.has_target && st.bar > 0) {
        double by = g.bar_y, bw = bar_len(k, &g), bh = 8;
        cairo_t *cr = d->cr;
        /* the gradient along the whole track: a fill that grows changes
         * only at its end */
        cairo_pattern_t *gr = cairo_pattern_create_linear(x, 0, x + bw, 0);
        bs_color_t a2 = draw_theme(d, THEME_ACCENT2);
        cairo_pattern_add_color_stop_rgba(gr, 0, a2.r, a2.g, a2.b, alpha);
        cairo_pattern_add_color_stop_rgba(gr, 1, c.r, c.g, c.b, alpha);
        draw_round_rect(cr, x, by - bh / 2, st.bar, bh, bh / 2);
        cairo_set_source(cr, gr);
        cairo_fill(cr);
        cairo_pattern_destroy(gr);
    }
    if (k->change)
        draw_marker(k, &g, d, alpha);
}

/* Where the marks go: the number's row (to the panel's right edge; digits
 * and unit never reach past it) or, with flip tiles, the tiles rolling or
 * just set; the target bar; the change marker when its text just changed. */
static int kpi_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const kpi_t *k = (const kpi_t *)w;
    rect_t r = w->rect;
    kpi_geom_t g = geom(k);
    int n = 0;
    const struct kpi_shown *a = &k->was, *b = &k->cur;
    bool diff = now == k->tick_t && a->ok && b->ok && color_eq(a->c, b->c);
    if (max < 8)
        return -1;
    if (flip_on(k)) {
        flip_geom_t f = flip_geom(k, &g);
        for (int i = 0; i < f.n && n < max - 2; i++) {
            int idx = f.idx[i];
            if (wdg_tween_running(&k->tile[idx], now) || fabs(now - k->tile_set[idx]) < 1e-6)
                out[n++] = (rect_t){ f.t[i].x - 1, f.t[i].y - 1, f.t[i].w + 2, f.t[i].h + 2 };
        }
    } else if (diff && !a->text && !b->text && a->size == b->size) {
        /* the digits that changed; the unit where it was and is when the
         * number's width or the unit changed */
        n += draw_cells_diff(a->num, b->num, b->size, g.x, g.ny, AL_LEFT | AL_BASELINE, out + n, 3);
        double wa = draw_cells_width(a->num, a->size), wb = draw_cells_width(b->num, b->size);
        double us = fmax(16, b->size * 0.36);
        if (wa != wb || strcmp(a->unit, b->unit) != 0) {
            if (a->unit[0])
                out[n++] = unit_box(g.x + wa, g.ny, a->unit, us);
            if (b->unit[0])
                out[n++] = unit_box(g.x + wb, g.ny, b->unit, us);
        }
    } else {
        double top = g.ny - k->size * 1.05, bottom = g.ny + k->size * 0.32;
        out[n++] = (rect_t){ g.x - 4, top, r.x + r.w + 8 - (g.x - 4), bottom - top };
    }
    if (g.has_target) {
        double bw = bar_len(k, &g), bh = 8;
        if (diff && !flip_on(k)) {           /* the span the fill's end swept */
            if (a->bar != b->bar) {
                double lo = fmin(a->bar, b->bar), hi = fmax(a->bar, b->bar);
                double x0 = lo < 2 * bh ? g.x - 2 : g.x + lo - bh - 2;
                out[n++] = (rect_t){ x0, g.bar_y - 6, g.x + hi + 2 - x0, 12 };
            }
        } else {
            out[n++] = (rect_t){ g.x - 2, g.bar_y - 6, bw + 4, 12 };
        }
    }
    if (k->change && fabs(now - k->chg_set) < 1e-6)
        out[n++] = marker_rect(k, &g);
    return n;
}

static void kpi_text(const wdg_t *w, wdg_text_t *out)
{
    const kpi_t *k = (const kpi_t *)w;
    char raw[64], line[160];
    snprintf(raw, sizeof raw, "%g", k->to);
    const char *mapped = k->has ? fmt_map(&k->fmt, raw) : NULL;
    if (mapped) {
        wdg_text_add(out, "%s", mapped);
        return;
    }
    fmt_out_t f;
    fmt_number(&k->fmt, k->has ? k->to : NAN, &f);
    fmt_join(&f, line, sizeof line);
    wdg_text_add(out, "%s", line);
    if (k->change)
        wdg_text_add(out, "%s%s%s", k->change_label ? k->change_label : "",
                     k->chg_dir == 1 ? "▲" : k->chg_dir == -1 ? "▼" : "", k->chg);
}

/* While the count-up or a tile rolls: every frame (and the one it stops). */
static double kpi_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const kpi_t *k = (const kpi_t *)w;
    (void)wall_ms;
    if (k->has && wdg_tween_running(&k->tw, now))
        return now;
    if (k->style == 1 && k->rolling)
        return now;
    return INFINITY;
}

const wdg_class_t wdg_kpi_class = {
    .name = "kpi",
    .doc  = "One big number with its label and unit: 万/亿 scaling, decimals, threshold colours, an "
            "optional target with a progress bar, and a count-up when the value changes. Digits are "
            "tabular, so a changing number does not jitter. With \"style\": \"flip\" (数字翻牌器) each digit "
            "sits on its own glowing tile and only the tiles whose digit changed roll to the new one; the "
            "tiles never get fewer, so the width does not jump. \"change\" adds ▲/▼ and the change in "
            "percent against the previous value or a baseline topic (a rise in red, as Chinese screens "
            "show it; \"rise\": \"green\" turns that round).",
    .size = sizeof(kpi_t),
    .opts = kpi_opts,
    .bindable = true,
    .init = kpi_init,
    .data = kpi_data,
    .tick = kpi_tick,
    .next_tick = kpi_next_tick,
    .draw_base = kpi_draw_base,
    .draw_overlay = kpi_draw_overlay,
    .overlay_rects = kpi_overlay_rects,
    .panel = offsetof(kpi_t, frame),
    .panel_untitled = true,
    .text = kpi_text,
};
