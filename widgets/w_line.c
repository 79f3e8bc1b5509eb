/*
 * w_line.c — "line": a line / area chart of how figures move, e.g. online
 * applications per tick from the history ring of "apply.daily".
 *
 * Each series reads, in this order of preference:
 *   - an array value: numbers, or objects {"label"|"x"|"name": .., "value": ..}
 *     (the last "points" items are shown, labelled by their x);
 *   - the topic's history ring (appended values, labelled by source time);
 *   - a plain number: the widget samples it on every change into its own ring.
 * The main "bind" is the first series; "series" adds more.
 *
 * Animation, as pure functions of time: the first data is revealed left to
 * right; when points arrive the line slides left by their steps over "slide"
 * seconds, and so does an array that is the last one moved on by k items
 * (a rolling window: its oldest dropped, new ones appended); array values
 * that change in place ease to the new heights. The widget invalidates only
 * while one of these runs. A sliding series is drawn once per change into a
 * cached picture that each frame composites at the slide's offset (see "the
 * curve cache").
 *
 * Caps: LINE_MAX_PTS points per series (+1 sliding out), LINE_MAX_SERIES series.
 */
#include "widget.h"
#include "format.h"
#include "geom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_PTS    64
#define LINE_SLIDE_MAX  4               /* steps a slide can be behind (slide_from's cap) */
#define LINE_CAP        (LINE_MAX_PTS + LINE_SLIDE_MAX + 2)
#define LINE_MAX_SERIES 6
#define LABEL_LEN       32
#define LINE_FAST_S     0.05            /* a series changing faster is drawn directly */

typedef struct {
    int      m;                          /* points held: timed ≤ points + 1;
                                            arrays: extra + the items shown  */
    int      extra;                      /* arrays: leading points sliding out
                                            (a rolling window's dropped items) */
    double   v[LINE_CAP], from[LINE_CAP];
    int64_t  ts[LINE_CAP];
    char     lab[LINE_CAP][LABEL_LEN];   /* "" = label from ts              */
    uint64_t seq;                        /* running number of the newest    */
    uint64_t gen;                        /* bumped on every change (the curve cache's key) */
    bool     timed;                      /* history/samples: newest at the right;
                                            arrays: first item at the left   */
    bool     poslab;                     /* arrays: every label is the item's
                                            place (plain numbers): labels stay
                                            put while the points slide       */
    bool     fast;                       /* changed within LINE_FAST_S of the
                                            change before: drawn directly     */
    double   slide_from, slide_t0, ease_t0, data_t;
    bool     has;
} sstate_t;

/* A series' picture at rest (see "the curve cache" below). */
#define CURVE_KEYS 17
struct line_cache {
    cairo_surface_t *surf;               /* A8: the area and line's alpha */
    int    x, y, w, h;                   /* device pixels */
    double key[CURVE_KEYS];
    bool   ok;
};

/* The value axis: its ends and step. */
typedef struct { double vmin, vmax, step; } line_axis_t;

typedef struct {
    wdg_t         base;
    fmt_opts_t    fmt;
    bs_list_t     series;
    char         *name, *value_field, *target_label;
    int           points, time_format;
    bool          smooth, area, dots, frame;
    double        target, y_min, y_max, slide, animate;
    bs_color_t    color;
    /* state */
    int           ns;
    sstate_t      s[LINE_MAX_SERIES];
    double        reveal_t0;
    bool          revealed;
    double        anim_until;
    line_axis_t   axis;          /* what the base shows */
    bool          has_axis;
    double        jump_t;        /* when a series last changed without easing */
    double        xlab_t0;       /* when the x labels last changed */
    struct line_cache *cache;    /* LINE_MAX_SERIES curve pictures: drawing's
                                    scratch, not state (render thread only) */
} line_t;

static const char *const time_formats[] = { "hh:mm:ss", "hh:mm", "mm-dd", NULL };

static const opt_def_t line_opts[] = {
    { "format",  OPT_GROUP, offsetof(line_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "series",  OPT_LIST, offsetof(line_t, series), sizeof(wdg_series_t), LINE_MAX_SERIES - 1, NULL, NULL, wdg_series_opts,
      "more lines: [{\"bind\": \"…\", \"name\": \"去年\", \"color\": \"#ffd34d\"}], up to 5" },
    { "name",    OPT_STR,  offsetof(line_t, name), 0, 64, NULL, NULL, NULL, "legend name of the main series" },
    { "points",  OPT_INT,  offsetof(line_t, points), 2, LINE_MAX_PTS, "30", NULL, NULL, "points shown per series" },
    { "value_field", OPT_STR, offsetof(line_t, value_field), 0, 64, "value", NULL, NULL,
      "key of an item's value in arrays of objects (the label is \"label\", \"x\" or \"name\")" },
    { "smooth",  OPT_BOOL, offsetof(line_t, smooth), 0, 0, "true", NULL, NULL, "smooth curves (monotone: no overshoot)" },
    { "area",    OPT_BOOL, offsetof(line_t, area), 0, 0, "true", NULL, NULL, "gradient fill under each line" },
    { "dots",    OPT_BOOL, offsetof(line_t, dots), 0, 0, "true", NULL, NULL, "a dot on each point when there is room" },
    { "target",  OPT_NUM,  offsetof(line_t, target), -1e15, 1e15, "nan", NULL, NULL, "a dashed target line at this value" },
    { "target_label", OPT_STR, offsetof(line_t, target_label), 0, 32, "目标", NULL, NULL, "word before the target" },
    { "y_min",   OPT_NUM,  offsetof(line_t, y_min), -1e15, 1e15, "nan", NULL, NULL, "bottom of the value axis; default: 0 or below the data" },
    { "y_max",   OPT_NUM,  offsetof(line_t, y_max), -1e15, 1e15, "nan", NULL, NULL, "top of the value axis; default: a round step above the data" },
    { "time_format", OPT_ENUM, offsetof(line_t, time_format), 0, 0, "hh:mm:ss", time_formats, NULL,
      "x labels of history points, from their source time in the layout's time zone" },
    { "slide",   OPT_NUM,  offsetof(line_t, slide), 0, 5, "0.5", NULL, NULL, "seconds a new point takes to slide in" },
    { "animate", OPT_NUM,  offsetof(line_t, animate), 0, 10, "1.0", NULL, NULL,
      "seconds of the first reveal and of in-place value changes" },
    { "frame",   OPT_BOOL, offsetof(line_t, frame), 0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(line_t, color), 0, 0, "accent", NULL, NULL, "colour of the main series" },
    OPT_END,
};

static int line_init(wdg_t *w, char *err, size_t errlen)
{
    line_t *L = (line_t *)w;
    L->ns = 1 + L->series.n;
    L->jump_t = L->xlab_t0 = -INFINITY;
    L->cache = calloc(LINE_MAX_SERIES, sizeof *L->cache);   /* none: drawn directly */
    return wdg_bind_series(w, &L->series, err, errlen);
}

static void line_destroy(wdg_t *w)
{
    line_t *L = (line_t *)w;
    for (int s = 0; L->cache && s < LINE_MAX_SERIES; s++)
        if (L->cache[s].surf)
            cairo_surface_destroy(L->cache[s].surf);
    free(L->cache);
    L->cache = NULL;
}

static double slide_now(const line_t *L, const sstate_t *s, double now)
{
    if (L->slide <= 0 || s->slide_from == 0)
        return 0;
    return wdg_ease(s->slide_from, 0, (now - s->slide_t0) / L->slide);
}

static double value_now(const line_t *L, const sstate_t *s, int i, double now)
{
    if (L->animate <= 0 || s->from[i] == s->v[i] || !isfinite(s->from[i]))
        return s->v[i];
    return wdg_ease(s->from[i], s->v[i], (now - s->ease_t0) / L->animate);
}

/* A label for an array item's x: true when the item names it, false when
 * it is the item's place (idx + 1). */
static bool item_label(const bs_value_t *it, uint32_t idx, char *out)
{
    static const char *const keys[] = { "label", "x", "name", "time", NULL };
    for (int k = 0; keys[k]; k++) {
        const bs_value_t *x = bs_value_get(it, keys[k]);
        if (x && x->type == BS_STR) {
            snprintf(out, LABEL_LEN, "%s", x->u.str);
            return true;
        }
        if (x && x->type == BS_NUM) {
            snprintf(out, LABEL_LEN, "%g", x->u.num);
            return true;
        }
    }
    snprintf(out, LABEL_LEN, "%u", idx + 1);
    return false;
}

/* How far array b (nb items, labels bl) is array a (na items) moved left:
 * the smallest k in [1, na / 2] with b[i] = a[i + k] for every i < na - k
 * (labels too, unless both are places), 0 when none: a rolling window that
 * dropped its k oldest items and appended k new ones. */
static int shift_of(const double *a, char (*al)[LABEL_LEN], int na, const double *b, char (*bl)[LABEL_LEN],
                    int nb, bool poslab)
{
    if (na != nb || na < 4)
        return 0;
    for (int k = 1; k <= na / 2; k++) {
        bool ok = true;
        for (int i = 0; ok && i < na - k; i++)
            ok = b[i] == a[i + k] && (poslab || strcmp(bl[i], al[i + k]) == 0);
        if (ok)
            return k;
    }
    return 0;
}

/* The value axis: data of what is visible, the target, fixed ends. Needs
 * no text, so data() can tell when it changes (the base shows it). */

static line_axis_t axis_of(const line_t *L)
{
    double lo = INFINITY, hi = -INFINITY;
    bool whole = true;                       /* counts: no 0.5 steps */
    for (int s = 0; s < L->ns; s++)
        for (int i = 0; i < L->s[s].m; i++) {
            double x = fmin(L->s[s].v[i], L->s[s].from[i]), y = fmax(L->s[s].v[i], L->s[s].from[i]);
            lo = fmin(lo, x);
            hi = fmax(hi, y);
            whole = whole && L->s[s].v[i] == floor(L->s[s].v[i]);
        }
    if (isfinite(L->target)) {
        lo = fmin(lo, L->target);
        hi = fmax(hi, L->target);
    }
    if (lo >= 0)
        lo = 0;
    if (isfinite(L->y_min))
        lo = L->y_min;
    if (isfinite(L->y_max))
        hi = L->y_max;
    wdg_range(&lo, &hi);                     /* bounded, a span a step can divide */
    double step = wdg_nice_step(hi - lo, 4);
    if (whole && step < 1)
        step = 1;
    double vmin = isfinite(L->y_min) ? lo : floor(lo / step) * step;
    double vmax = isfinite(L->y_max) ? hi : ceil(hi / step) * step;
    if (!isfinite(L->y_max) && vmax - hi < step * 0.15)
        vmax += step;                       /* room for the last value's tag */
    return (line_axis_t){ vmin, vmax, step };
}

/* The chart's text size for its content rect c (the panel's content). */
static double line_fs(rect_t c)
{
    return fmax(12, fmin(18, fmin(c.w, c.h) * 0.045));
}

/* What the value axis changes in the base (design units): the content
 * under the top row (unit, legend) as line_geom lays it out, which holds
 * the ticks, their labels and the plot, whose left edge follows the
 * labels' width. */
static rect_t axis_area(const line_t *L)
{
    const wdg_t *w = &L->base;
    rect_t c = L->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double fs = line_fs(c);
    if ((L->fmt.unit && L->fmt.unit[0]) || L->ns > 1) {
        c.y += fs * 1.6;
        c.h -= fs * 1.6;
    }
    return c;
}

static void line_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    line_t *L = (line_t *)w;
    if (slot < 0 || slot >= L->ns || slot >= LINE_MAX_SERIES)
        return;
    sstate_t *s = &L->s[slot];
    const char *path = w->binds[slot].path;
    int keep = L->points + 1;
    sstate_t n;
    memset(&n, 0, sizeof n);
    bool timed = true;                       /* points arrive in time order */

    if (v && v->type == BS_ARR) {
        timed = false;
        n.poslab = true;
        uint32_t start = v->n > (uint32_t)L->points ? v->n - (uint32_t)L->points : 0;
        for (uint32_t i = start; i < v->n && n.m < L->points; i++) {
            const bs_value_t *it = v->u.c.items[i];
            double x = it && it->type == BS_OBJ ? wdg_number(bs_value_get(it, L->value_field)) : wdg_number(it);
            if (!isfinite(x))
                continue;
            if (it && it->type == BS_OBJ) {
                if (item_label(it, i, n.lab[n.m]))
                    n.poslab = false;
            } else {
                snprintf(n.lab[n.m], LABEL_LEN, "%u", i + 1);
            }
            n.v[n.m++] = x;
        }
    } else if (e && e->hist_len > 0) {
        size_t len = e->hist_len, start = len > (size_t)keep ? len - (size_t)keep : 0;
        for (size_t i = start; i < len && n.m < LINE_CAP; i++) {
            int64_t ts = 0;
            const bs_value_t *it = store_hist(e, i, &ts);
            double x = wdg_number(bs_value_path(it, path));
            if (!isfinite(x))
                continue;
            n.ts[n.m] = ts;
            n.v[n.m++] = x;
        }
    } else if (isfinite(wdg_number(v))) {
        /* a plain number: sample it into our own ring */
        n = *s;
        if (n.m >= keep) {
            memmove(n.v, n.v + 1, sizeof n.v[0] * (size_t)(n.m - 1));
            memmove(n.ts, n.ts + 1, sizeof n.ts[0] * (size_t)(n.m - 1));
            memmove(n.lab, n.lab + 1, sizeof n.lab[0] * (size_t)(n.m - 1));
            n.m--;
        }
        n.v[n.m] = wdg_number(v);
        n.ts[n.m] = e && e->ts_ms ? e->ts_ms : 0;
        n.lab[n.m][0] = '\0';
        n.m++;
    }

    /* unchanged? (an array against the items it shows, not those sliding out) */
    int se = !timed && !s->timed ? s->extra : 0;
    bool same = n.m == s->m - se;
    for (int i = 0; same && i < n.m; i++)
        same = n.v[i] == s->v[i + se] && n.ts[i] == s->ts[i + se] && strcmp(n.lab[i], s->lab[i + se]) == 0;
    if (same && s->has)
        return;

    /* how many new points arrived at the right end: they slide in */
    int k = 0, shift = 0;
    if (s->has && s->m > 0 && n.m > 0 && timed) {
        int64_t newest = s->ts[s->m - 1];
        for (int i = n.m - 1; i >= 0 && n.ts[i] > newest; i--)
            k++;
        if (k == 0 && n.ts[n.m - 1] == 0 && n.m >= s->m)
            k = 1;                           /* untimed samples */
    }
    /* an array that is the last one moved left by k items (a rolling
     * window: the oldest dropped, new ones appended) slides as history
     * does, instead of every point easing to its neighbour's height; the
     * items that dropped out are kept in front (extra) while they slide out */
    if (s->has && !timed && !s->timed && n.poslab == s->poslab)
        k = shift = shift_of(s->v + se, s->lab + se, s->m - se, n.v, n.lab, n.m, n.poslab);
    double cur_slide = slide_now(L, s, now);
    if (shift > 0 && L->slide > 0) {
        double sf = fmin(cur_slide + shift, LINE_SLIDE_MAX);
        int want = (int)ceil(sf) + 1, have = se + shift;  /* s's items before the new first */
        int e = want < have ? want : have;
        memmove(n.v + e, n.v, sizeof n.v[0] * (size_t)n.m);
        memmove(n.lab + e, n.lab, sizeof n.lab[0] * (size_t)n.m);
        memcpy(n.v, s->v + have - e, sizeof n.v[0] * (size_t)e);
        memcpy(n.lab, s->lab + have - e, sizeof n.lab[0] * (size_t)e);
        n.m += e;
        n.extra = e;
    }
    /* what the marks' rectangles must know: a change that does not ease or
     * slide (the whole content is repainted this frame), new x labels */
    if (!((k == 0 && s->has && n.m - n.extra == s->m - se && timed == s->timed) || shift > 0))
        L->jump_t = now;
    bool labels = n.m - n.extra != s->m - se || (k > 0 && !n.poslab) || timed != s->timed;
    for (int i = 0; !labels && i < n.m - n.extra; i++)
        labels = n.ts[i + n.extra] != s->ts[i + se] || strcmp(n.lab[i + n.extra], s->lab[i + se]) != 0;
    if (labels)
        L->xlab_t0 = now;
    n.seq = s->seq + (uint64_t)(k > 0 ? k : 0);
    n.gen = s->gen + 1;
    n.has = true;
    n.data_t = now;
    n.fast = s->has && now - s->data_t < LINE_FAST_S;
    if (n.fast != s->fast)
        L->jump_t = now;                     /* drawn another way: all of it */
    if (k > 0) {
        n.slide_from = fmin(cur_slide + k, LINE_SLIDE_MAX);
        n.slide_t0 = now;
        for (int i = 0; i < n.m; i++)
            n.from[i] = n.v[i];
    } else {
        n.slide_from = cur_slide;
        n.slide_t0 = s->slide_t0;
        /* values changed in place (same count): ease to the new heights */
        for (int i = 0; i < n.m; i++)
            n.from[i] = (s->has && n.m == s->m - se) ? value_now(L, s, i + se, now) : n.v[i];
        n.ease_t0 = now;
    }
    n.timed = timed;
    *s = n;
    /* redraw until what this change started has run: the slide, the
     * values' ease, the first reveal (a frame more: the first at rest) */
    double until = now;
    if (!L->revealed && n.m > 0) {
        L->revealed = true;
        L->reveal_t0 = now;
        until = fmax(until, now + L->animate);
    }
    if (k > 0)
        until = fmax(until, now + L->slide);
    for (int i = 0; k == 0 && i < n.m; i++)
        if (n.from[i] != n.v[i]) {
            until = fmax(until, now + L->animate);
            break;
        }
    if (until > L->anim_until)
        L->anim_until = until;
    /* the base shows the axis: remade only when it changes; otherwise only
     * the marks (curves, tags, x labels) move */
    line_axis_t ax = axis_of(L);
    if (!L->has_axis) {
        L->axis = ax;
        L->has_axis = true;
        wdg_invalidate_base(w);
    } else if (ax.vmin != L->axis.vmin || ax.vmax != L->axis.vmax || ax.step != L->axis.step) {
        /* the ticks, their labels and the plot they bound: the content
         * under the top row, not the panel round it (at 4K the panel's
         * glowing frame was most of a 12 ms remake) */
        L->axis = ax;
        wdg_invalidate_base_area(w, axis_area(L));
        wdg_invalidate_overlay(w);
    } else {
        wdg_invalidate_overlay(w);
    }
}

static void line_tick(wdg_t *w, double now, int64_t wall_ms)
{
    line_t *L = (line_t *)w;
    (void)wall_ms;
    if (L->anim_until > 0) {
        wdg_invalidate_overlay(w);
        if (now >= L->anim_until)
            L->anim_until = 0;
    }
}

static bs_color_t series_color(const line_t *L, const draw_t *d, int s)
{
    return wdg_series_color(&L->series, s, L->color, d);
}

static const char *series_name(const line_t *L, int s)
{
    if (s == 0)
        return L->name ? L->name : (L->base.nbinds > 0 ? L->base.binds[0].topic : "");
    return wdg_series_name(&L->series, s);
}

/* The slopes at the points of the monotone cubic (Fritsch–Carlson) through
 * (xs, ys), n >= 3, which never overshoots between points. */
static void tangents(const double *xs, const double *ys, int n, double *m)
{
    double dl[LINE_CAP] = { 0 };
    for (int i = 0; i < n - 1; i++) {
        double dx = xs[i + 1] - xs[i];
        dl[i] = dx != 0 ? (ys[i + 1] - ys[i]) / dx : 0;
    }
    m[0] = dl[0];
    m[n - 1] = dl[n - 2];
    for (int i = 1; i < n - 1; i++)
        m[i] = dl[i - 1] * dl[i] <= 0 ? 0 : (dl[i - 1] + dl[i]) / 2;
    for (int i = 0; i < n - 1; i++) {
        if (dl[i] == 0) {
            m[i] = m[i + 1] = 0;
            continue;
        }
        double a = m[i] / dl[i], b = m[i + 1] / dl[i], h = a * a + b * b;
        if (h > 9) {
            double t = 3 / sqrt(h);
            m[i] = t * a * dl[i];
            m[i + 1] = t * b * dl[i];
        }
    }
}

/* The curve through (xs, ys): straight segments, or the monotone cubic. */
static void curve(cairo_t *cr, const double *xs, const double *ys, int n, bool smooth, bool move)
{
    if (n <= 0)
        return;
    if (move)
        cairo_move_to(cr, xs[0], ys[0]);
    else
        cairo_line_to(cr, xs[0], ys[0]);
    if (!smooth || n < 3) {
        for (int i = 1; i < n; i++)
            cairo_line_to(cr, xs[i], ys[i]);
        return;
    }
    double m[LINE_CAP];
    tangents(xs, ys, n, m);
    for (int i = 0; i < n - 1; i++) {
        double dx = (xs[i + 1] - xs[i]) / 3;
        cairo_curve_to(cr, xs[i] + dx, ys[i] + m[i] * dx, xs[i + 1] - dx, ys[i + 1] - m[i + 1] * dx,
                       xs[i + 1], ys[i + 1]);
    }
}

/* The height of that curve at x, within [xs[0], xs[n - 1]] (xs rising). */
static double curve_y(const double *xs, const double *ys, int n, bool smooth, double x)
{
    int i = 0;
    while (i + 2 < n && xs[i + 1] <= x)
        i++;
    double h = xs[i + 1] - xs[i], t = h > 0 ? fmax(0, fmin(1, (x - xs[i]) / h)) : 0;
    if (!smooth || n < 3)
        return ys[i] + (ys[i + 1] - ys[i]) * t;
    double m[LINE_CAP];
    tangents(xs, ys, n, m);
    double p1 = ys[i] + m[i] * h / 3, p2 = ys[i + 1] - m[i + 1] * h / 3, u = 1 - t;   /* the Bézier's */
    return u * u * u * ys[i] + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * ys[i + 1];
}

static void time_label(const line_t *L, const draw_t *d, int64_t ts, char *out, size_t len)
{
    time_t t = (time_t)(ts / 1000) + (time_t)d->utc_offset_min * 60;
    struct tm tm;
    gmtime_r(&t, &tm);
    if (L->time_format == 0)
        snprintf(out, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    else if (L->time_format == 1)
        snprintf(out, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
    else
        snprintf(out, len, "%02d-%02d", tm.tm_mon + 1, tm.tm_mday);
}

/* Where things go: c, the content under the top row; p, the plot. false
 * (c only) when there is no data yet. */
typedef struct {
    rect_t      c, p;
    line_axis_t ax;
    fmt_opts_t  axf;
    double      fs, alpha;
    int         mmax;
} line_geom_t;

/* Points held by the fullest series (an array's sliding-out items not
 * counted: they are left of the plot at rest). */
static int points_max(const line_t *L)
{
    int mmax = 0;
    for (int s = 0; s < L->ns; s++)
        if (L->s[s].m - L->s[s].extra > mmax)
            mmax = L->s[s].m - L->s[s].extra;
    return mmax;
}

/* Where point i of st is drawn, slid sl steps right of where it rests:
 * history with the newest point at the plot's right edge, an array with
 * its first item shown at the left edge (its sliding-out items before it). */
static double point_x(const sstate_t *st, int i, double sl, rect_t p, double xstep)
{
    if (st->timed)
        return p.x + p.w - (st->m - 1 - i - sl) * xstep;
    return p.x + (i - st->extra + sl) * xstep;
}

/* How the value axis writes its labels at that step. */
static fmt_opts_t axis_format(const line_t *L, double step)
{
    fmt_opts_t axf = L->fmt;
    axf.unit = NULL;
    axf.thresholds.n = 0;
    if (axf.decimals < 0)
        axf.decimals = step >= 1 || axf.scale != FMT_SCALE_NONE ? -1 : (step >= 0.1 ? 1 : 2);
    return axf;
}

static bool line_geom(const line_t *L, draw_t *d, line_geom_t *G)
{
    const wdg_t *w = &L->base;
    rect_t c = L->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double fs = line_fs(c);
    G->fs = fs;
    G->alpha = 1.0;   /* stale: the core dims it */
    G->mmax = points_max(L);
    G->c = c;
    if (G->mmax == 0)
        return false;
    c = axis_area(L);                        /* under the top row */
    G->c = c;
    G->ax = axis_of(L);
    double vmin = G->ax.vmin, vmax = G->ax.vmax, step = G->ax.step;
    fmt_opts_t axf = axis_format(L, step);
    double axis_w = 0;
    int nticks = wdg_ticks(vmin, vmax, step, 1e-6);
    for (int i = 0; i < nticks; i++) {
        double t = vmin + i * step;
        char lb[96];
        fmt_axis(&axf, t, lb, sizeof lb);
        axis_w = fmax(axis_w, draw_number_width(d, FONT_TEXT, fs * 0.8, lb));
    }
    G->axf = axf;
    /* right margin: half an x label, so the newest label fits */
    G->p = (rect_t){ c.x + axis_w + 10, c.y + fs * 0.6, c.w - axis_w - 10 - fs * 2.2, c.h - fs * 0.6 - fs * 1.9 };
    return true;
}

/* The base: the top row (unit, legend) and the value axis with its grid;
 * the core draws the panel. Remade when the axis changes. */
static void line_draw_base(const wdg_t *w, draw_t *d)
{
    const line_t *L = (const line_t *)w;
    cairo_t *cr = d->cr;
    line_geom_t G;
    if (!line_geom(L, d, &G))
        return;
    bs_color_t text = draw_theme(d, THEME_TEXT), dim = draw_theme(d, THEME_DIM);
    bs_color_t frame = draw_theme(d, THEME_FRAME);
    double alpha = G.alpha, fs = G.fs;
    rect_t c = L->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    /* top row: unit on the left, legend on the right */
    bool legend = L->ns > 1;
    bool unit = L->fmt.unit && L->fmt.unit[0];
    if (unit) {
        char ub[96];
        snprintf(ub, sizeof ub, "单位：%s", L->fmt.unit);
        draw_text(d, FONT_TEXT, fs * 0.85, c.x, c.y + fs * 0.6, ub, dim, AL_LEFT);
    }
    if (legend) {
        double lx = c.x + c.w;
        for (int s = L->ns - 1; s >= 0; s--) {
            double tw = draw_text(d, FONT_TEXT, fs * 0.9, lx, c.y + fs * 0.6, series_name(L, s), text, AL_RIGHT);
            bs_color_t sc = series_color(L, d, s);
            cairo_move_to(cr, lx - tw - 28, c.y + fs * 0.6);
            cairo_line_to(cr, lx - tw - 8, c.y + fs * 0.6);
            cairo_set_source_rgba(cr, sc.r, sc.g, sc.b, alpha);
            cairo_set_line_width(cr, 2.5);
            cairo_stroke(cr);
            cairo_arc(cr, lx - tw - 18, c.y + fs * 0.6, 4, 0, 2 * M_PI);
            cairo_fill(cr);
            lx -= tw + 44;
        }
    }

    rect_t p = G.p;
    double vmin = G.ax.vmin, vmax = G.ax.vmax, step = G.ax.step;
    fmt_opts_t axf = G.axf;
#define YOF(val) (p.y + p.h - p.h * wdg_frac((val), vmin, vmax))
    cairo_set_line_width(cr, 1);
    int nticks = wdg_ticks(vmin, vmax, step, 1e-6);
    for (int i = 0; i < nticks; i++) {
        double t = vmin + i * step;
        double y = round(YOF(t) * d->scale) / d->scale + 0.5 / d->scale;
        cairo_move_to(cr, p.x, y);
        cairo_line_to(cr, p.x + p.w, y);
        cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, i == 0 ? 0.9 : 0.32);
        if (i != 0)
            cairo_set_dash(cr, (double[]){ 4, 4 }, 2, 0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        char lb[96];
        fmt_axis(&axf, t, lb, sizeof lb);
        draw_number(d, FONT_TEXT, fs * 0.8, p.x - 8, YOF(t), lb, dim, AL_RIGHT);
    }

#undef YOF
}

/* The look of a point's dot and of the newest point's halo (sprites). */
typedef struct { float r, g, b, alpha; } sprite_arg_t;

static void paint_dot(cairo_t *cr, const void *arg)
{
    const sprite_arg_t *a = arg;
    cairo_arc(cr, 0, 0, 3.2, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 0.02, 0.08, 0.2, a->alpha);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, a->r, a->g, a->b, a->alpha);
    cairo_set_line_width(cr, 1.6);
    cairo_stroke(cr);
}

static void paint_halo(cairo_t *cr, const void *arg)
{
    const sprite_arg_t *a = arg;
    cairo_arc(cr, 0, 0, 8, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a->r, a->g, a->b, 0.25 * a->alpha);
    cairo_fill(cr);
    cairo_arc(cr, 0, 0, 4.2, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, 1, 1, 1, a->alpha);
    cairo_fill(cr);
}

/* Whether series s moves in place at now (values easing, no slide). */
static bool easing(const line_t *L, const sstate_t *st, double now)
{
    if (st->m == 0 || L->animate <= 0 || now >= st->ease_t0 + L->animate)
        return false;
    for (int i = 0; i < st->m; i++)
        if (st->from[i] != st->v[i] && isfinite(st->from[i]))
            return true;
    return false;
}

/* A series' dots at (xs, ys), when there is room for them (through px:
 * the same pixels as draw_sprite). */
static void paint_dots(const line_t *L, draw_t *d, draw_px_t *px, const double *xs, const double *ys, int m,
                       bs_color_t col, double alpha, double xstep)
{
    sprite_arg_t sa = { col.r, col.g, col.b, (float)alpha };
    if (L->dots && xstep >= 14)
        for (int i = 0; i < m; i++)
            draw_sprite_px(px, d, xs[i], ys[i], 4.1, paint_dot, &sa, sizeof sa);
}

/* A series' area and glowing line through (xs, ys), into d->cr: one
 * colour, col, at alphas that vary (what the curve cache keeps as a mask). */
static void paint_series(const line_t *L, draw_t *d, draw_px_t *px, const double *xs, const double *ys, int m,
                         double base, rect_t p, bs_color_t col, double alpha)
{
    cairo_t *cr = d->cr;
    if (L->area) {
        cairo_new_path(cr);
        cairo_move_to(cr, xs[0], base);
        curve(cr, xs, ys, m, L->smooth, false);
        cairo_line_to(cr, xs[m - 1], base);
        cairo_close_path(cr);
        double a0 = (L->ns > 1 ? 0.28 : 0.42) * alpha;
        bs_color_t ac = { col.r, col.g, col.b, 1, -1 };
        /* straight into the pixels (the gradient row by row through the
         * area's coverage) where px takes it, else cairo's gradient */
        if (!px || !draw_fill_vgrad_px(px, d, ac, p.y, a0, p.y + p.h, 0)) {
            cairo_pattern_t *g = cairo_pattern_create_linear(0, p.y, 0, p.y + p.h);
            cairo_pattern_add_color_stop_rgba(g, 0, col.r, col.g, col.b, a0);
            cairo_pattern_add_color_stop_rgba(g, 1, col.r, col.g, col.b, 0.0);
            cairo_set_source(cr, g);
            cairo_fill(cr);
            cairo_pattern_destroy(g);
        }
    }
    cairo_new_path(cr);
    curve(cr, xs, ys, m, L->smooth, true);
    bs_color_t lc = col;
    lc.a = (float)alpha;
    draw_glow_stroke(d, lc, 2.5, 4);
}

/* ---- the curve cache ------------------------------------------------------
 *
 * A series that slides (a new point, a rolling window moved on) moves as a
 * whole: every frame of the slide is the picture at rest translated by the
 * slide. So the area and the glowing line are drawn once per change, at
 * rest, into a mask a little larger than the plot (the items sliding out
 * included; one colour at varying alpha, so 8 bits a pixel), and each frame
 * paints the series' colour through it at the slide's offset, a fraction of
 * a pixel included (bilinear: the motion stays smooth), then the
 * dots (small sprites) where the points are. At rest the offset is 0: the
 * mask as drawn. The mask is a pure function of its key (the series' change
 * count, the axis, the plot, the output transform, the alpha), so a
 * snapshot at t is the same however the screen got there. Not used while
 * values ease in place (the shape
 * changes every frame), nor for a series that changes faster than every
 * LINE_FAST_S (at 1000 msg/s a rolling window moves on every frame: a
 * cache remade each frame costs its drawing and a composite more). */

/* Tests only (test_repaint): draw every series directly, to compare. */
bool wdg_line_direct;

/* Whether series st is drawn from its cache at now: unless it eases or
 * changes fast. */
static bool use_cache(const line_t *L, const sstate_t *st, double now)
{
    return L->cache && !wdg_line_direct && !st->fast && !easing(L, st, now);
}

/* Series st of L at rest (rx, ys) into its cache c, unless the cache holds
 * it already; false when it cannot (no memory, an odd transform). */
static bool cache_fill(const line_t *L, draw_t *d, int si, const sstate_t *st, const double *rx, const double *ys,
                       double base, rect_t p, double alpha, double xstep, double fs)
{
    struct line_cache *c = &L->cache[si];
    cairo_matrix_t m;
    cairo_get_matrix(d->cr, &m);
    if (m.xy != 0 || m.yx != 0 || !(m.xx > 0) || !(m.yy > 0))
        return false;
    const double M = 8;                  /* glow, dots, antialiasing */
    double x0 = fmin(rx[0], p.x) - M, x1 = fmax(rx[st->m - 1], p.x + p.w) + M;
    double y0 = p.y - M, y1 = p.y + p.h + M;
    double X0 = m.xx * x0 + m.x0, X1 = m.xx * x1 + m.x0, Y0 = m.yy * y0 + m.y0, Y1 = m.yy * y1 + m.y0;
    if (!(fabs(X0) < 1e6 && fabs(X1) < 1e6 && fabs(Y0) < 1e6 && fabs(Y1) < 1e6))
        return false;
    int ix = (int)floor(X0), iy = (int)floor(Y0), iw = (int)ceil(X1) - ix, ih = (int)ceil(Y1) - iy;
    if (iw <= 0 || ih <= 0 || iw > 16384 || ih > 16384)
        return false;
    double key[CURVE_KEYS] = { (double)st->gen, L->axis.vmin, L->axis.vmax, m.xx, m.yy, m.x0, m.y0,
                               p.x, p.y, p.w, p.h, xstep, fs, alpha, L->ns, L->area, L->smooth };
    if (c->ok && c->x == ix && c->y == iy && c->w == iw && c->h == ih && memcmp(key, c->key, sizeof key) == 0)
        return true;
    if (!c->surf || c->w != iw || c->h != ih) {
        if (c->surf)
            cairo_surface_destroy(c->surf);
        c->surf = cairo_image_surface_create(CAIRO_FORMAT_A8, iw, ih);
        if (cairo_surface_status(c->surf) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(c->surf);
            c->surf = NULL;
            c->ok = false;
            return false;
        }
    }
    cairo_t *cc = cairo_create(c->surf);
    cairo_set_operator(cc, CAIRO_OPERATOR_CLEAR);
    cairo_paint(cc);
    cairo_set_operator(cc, CAIRO_OPERATOR_OVER);
    cairo_translate(cc, -ix, -iy);
    cairo_transform(cc, &m);
    draw_t dd = *d;
    dd.cr = cc;
    paint_series(L, &dd, NULL, rx, ys, st->m, base, p, (bs_color_t){ 1, 1, 1, 1, -1 }, alpha);
    cairo_destroy(cc);
    cairo_surface_flush(c->surf);
    c->x = ix;
    c->y = iy;
    c->w = iw;
    c->h = ih;
    memcpy(c->key, key, sizeof key);
    c->ok = true;
    return true;
}

/* Colour col through the cache of series si into d->cr (its clip as it
 * is: whole pixels), moved right by dx design units, a fraction of a pixel
 * too (bilinear: the same pixels wherever the clip cuts, the step from one
 * output pixel to the next being exactly one mask pixel). Straight into the
 * pixels through px when it is ok (one pass over the clip's rectangles,
 * where the mask has ink; cairo_mask's bilinear fetch of the whole clip
 * cost 0.33 ms a sliding frame at live-10), else cairo_mask. */
static void cache_paint(const line_t *L, draw_t *d, draw_px_t *px, int si, double dx, bs_color_t col)
{
    const struct line_cache *c = &L->cache[si];
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double off = dx * m.xx;
    if (draw_mask_px(px, c->surf, c->x + off, c->y, col))
        return;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_pattern_t *mp = cairo_pattern_create_for_surface(c->surf);
    cairo_matrix_t at;
    cairo_matrix_init_translate(&at, -(c->x + off), -c->y);
    cairo_pattern_set_matrix(mp, &at);
    cairo_pattern_set_filter(mp, off != floor(off) ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
    cairo_mask(cr, mp);
    cairo_pattern_destroy(mp);
    cairo_restore(cr);
}

/* The marks: x labels (they slide with the points), the series with their
 * areas, dots, halos and the newest value's tag. */
static void line_draw_overlay(const wdg_t *w, draw_t *d)
{
    const line_t *L = (const line_t *)w;
    cairo_t *cr = d->cr;
    line_geom_t G;
    bs_color_t dim = draw_theme(d, THEME_DIM), frame = draw_theme(d, THEME_FRAME);
    if (!line_geom(L, d, &G)) {
        rect_t c = G.c;
        draw_text(d, FONT_TEXT, 18, c.x + c.w / 2, c.y + c.h / 2, "等待数据…", dim, AL_CENTER);
        return;
    }
    double alpha = G.alpha, fs = G.fs, now = d->now;
    rect_t c = G.c, p = G.p;
    double vmin = G.ax.vmin, vmax = G.ax.vmax;
    int mmax = G.mmax;
#define YOF(val) (p.y + p.h - p.h * wdg_frac((val), vmin, vmax))
    /* x: the newest point sits at the right edge; steps from the fullest series */
    int vis = mmax < L->points ? mmax : L->points;
    double xstep = p.w / (vis > 1 ? vis - 1 : 1);
    double reveal = L->animate > 0 ? wdg_ease(0, 1, (now - L->reveal_t0) / L->animate) : 1;

    /* x labels from the series with the most points */
    int ls = 0;
    for (int s = 1; s < L->ns; s++)
        if (L->s[s].m - L->s[s].extra > L->s[ls].m - L->s[ls].extra)
            ls = s;
    const sstate_t *S = &L->s[ls];
    int sm = S->m - S->extra;                        /* the items shown at rest */
    double lw = draw_text_width(d, FONT_TEXT, fs * 0.8, S->lab[0][0] ? S->lab[S->m - 1] : "00:00:00") + fs;
    double ev = xstep > 0 ? ceil(lw / xstep) : 1;     /* a plot squeezed to nothing: 1 */
    int every = ev >= 1 && ev <= 1e6 ? (int)ev : 1;
    /* places (an array of plain numbers) stay put while the points slide */
    double sl = !S->timed && S->poslab ? 0 : slide_now(L, S, now);
    cairo_save(cr);
    cairo_rectangle(cr, c.x, p.y + p.h, c.w, fs * 2);
    cairo_clip(cr);
    for (int i = S->timed || !S->poslab ? 0 : S->extra; i < S->m; i++) {
        /* steady as points slide */
        uint64_t abs_i = (S->timed || !S->poslab ? S->seq : 0) + (uint64_t)(i - (S->timed ? 0 : S->extra)) + 1000000 -
                         (uint64_t)(S->timed ? S->m : sm);
        if (abs_i % (uint64_t)every != 0)
            continue;
        double x = point_x(S, i, sl, p, xstep);
        if (x < p.x - 1 || x > p.x + p.w + 1)
            continue;                           /* sliding in or out */
        char lb[LABEL_LEN];
        if (S->lab[i][0])
            snprintf(lb, sizeof lb, "%s", S->lab[i]);
        else if (S->ts[i])
            time_label(L, d, S->ts[i], lb, sizeof lb);
        else
            snprintf(lb, sizeof lb, "%llu", (unsigned long long)abs_i);
        draw_text(d, FONT_TEXT, fs * 0.8, x, p.y + p.h + fs * 0.95, lb, dim, AL_CENTER);
        cairo_move_to(cr, x, p.y + p.h);
        cairo_line_to(cr, x, p.y + p.h + 4);
        cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, 0.9);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    /* the series, clipped to the plot (and to the reveal) */
    for (int s = 0; s < L->ns; s++) {
        const sstate_t *st = &L->s[s];
        if (st->m == 0)
            continue;
        bs_color_t col = series_color(L, d, s);
        double sld = slide_now(L, st, now);
        double xs[LINE_CAP], ys[LINE_CAP];
        bool cached = use_cache(L, st, now);
        for (int i = 0; i < st->m; i++) {
            xs[i] = point_x(st, i, cached ? 0 : sld, p, xstep);
            ys[i] = YOF(value_now(L, st, i, now));
        }
        double base = YOF(fmax(vmin, fmin(vmax, 0)));
        cairo_save(cr);
        /* whole pixels: cairo composites through a clip of pixel boxes
         * without a mask of its own */
        draw_clip_pixels(cr, (rect_t){ p.x, p.y - fs * 2, p.w * reveal + 1, p.h + fs * 2 + 1 });
        bool from_cache = cached && cache_fill(L, d, s, st, xs, ys, base, p, alpha, xstep, fs);
        for (int i = 0; cached && i < st->m; i++)
            xs[i] = point_x(st, i, sld, p, xstep);
        draw_px_t px;
        draw_px_begin(&px, d);
        if (from_cache)
            cache_paint(L, d, &px, s, sld * xstep, col);
        else
            paint_series(L, d, &px, xs, ys, st->m, base, p, col, alpha);
        paint_dots(L, d, &px, xs, ys, st->m, col, alpha, xstep);
        draw_px_end(&px);
        cairo_restore(cr);

        /* the newest point: a halo, and the main series' value in a tag;
         * while it slides in from beyond the plot, they ride the curve at
         * the plot's right edge */
        sprite_arg_t sa = { col.r, col.g, col.b, (float)alpha };
        bs_color_t lc = col;
        lc.a = (float)alpha;
        double lx = xs[st->m - 1], ly = ys[st->m - 1];
        if (lx > p.x + p.w && st->m > 1 && xs[0] <= p.x + p.w) {
            lx = p.x + p.w;
            ly = curve_y(xs, ys, st->m, L->smooth, lx);
        }
        if (reveal >= 1 && lx <= p.x + p.w + 0.5)
            draw_sprite(d, lx, ly, 8, paint_halo, &sa, sizeof sa);
        if (reveal >= 1 && lx <= p.x + p.w + 0.5 && s == 0) {
            fmt_out_t fo;
            char vb[160];
            fmt_number(&L->fmt, st->v[st->m - 1], &fo);
            fmt_join(&fo, vb, sizeof vb);
            double tw = draw_number_width(d, FONT_NUMBER, fs * 0.9, vb) + 14, th = fs * 1.4;
            double tx = fmin(lx - tw / 2, c.x + c.w - tw), ty = ly - th - 10;
            if (ty < p.y - fs)
                ty = ly + 12;
            draw_round_rect(cr, tx, ty, tw, th, 3);
            cairo_set_source_rgba(cr, col.r * 0.25, col.g * 0.25 + 0.05, col.b * 0.3 + 0.12, 0.9 * alpha);
            cairo_fill_preserve(cr);
            cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.9 * alpha);
            cairo_set_line_width(cr, 1);
            cairo_stroke(cr);
            draw_number(d, FONT_NUMBER, fs * 0.9, tx + tw / 2, ty + th / 2, vb, lc, AL_CENTER);
        }
    }
#undef YOF
}

/* The top: the target line and its label, over the series. */
static void line_draw_top(const wdg_t *w, draw_t *d)
{
    const line_t *L = (const line_t *)w;
    cairo_t *cr = d->cr;
    line_geom_t G;
    if (!line_geom(L, d, &G))
        return;
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    double fs = G.fs;
    rect_t p = G.p;
    double vmin = G.ax.vmin, vmax = G.ax.vmax;
#define YOF(val) (p.y + p.h - p.h * wdg_frac((val), vmin, vmax))
    /* target line, over the series */
    if (isfinite(L->target) && L->target >= vmin && L->target <= vmax) {
        double ty = YOF(L->target);
        cairo_move_to(cr, p.x, ty);
        cairo_line_to(cr, p.x + p.w, ty);
        cairo_set_source_rgba(cr, gold.r, gold.g, gold.b, 0.9);
        cairo_set_line_width(cr, 1.5);
        cairo_set_dash(cr, (double[]){ 6, 4 }, 2, 0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        fmt_out_t fo;
        fmt_number(&L->fmt, L->target, &fo);
        char tl[160];
        snprintf(tl, sizeof tl, "%s %s%s", L->target_label ? L->target_label : "", fo.num, fo.unit);
        double tw = draw_text_width(d, FONT_TEXT, fs * 0.8, tl) + 12, th = fs * 1.25;
        double tx = p.x + p.w - tw - 6, tyy = ty - th - 3 < p.y - fs * 0.5 ? ty + 3 : ty - th - 3;
        draw_round_rect(cr, tx, tyy, tw, th, th / 2);
        cairo_set_source_rgba(cr, 0.03, 0.08, 0.2, 0.85);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, gold.r, gold.g, gold.b, 0.7);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        draw_text(d, FONT_TEXT, fs * 0.8, tx + tw / 2, tyy + th / 2, tl, gold, AL_CENTER);
    }

#undef YOF
}

/* The content under the top row (the plot, its tags and x labels; text
 * widths are not known here, so the axis labels are inside too). */
static rect_t marks_area(const line_t *L)
{
    const wdg_t *w = &L->base;
    rect_t c = L->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double fs = line_fs(c);
    if (points_max(L) > 0 && (L->ns > 1 || (L->fmt.unit && L->fmt.unit[0]))) {
        c.y += fs * 1.6;
        c.h -= fs * 1.6;
    }
    return (rect_t){ c.x - 8, c.y - 4, c.w + 16, c.h + 10 };
}

static rect_t rect_join(rect_t a, rect_t b)
{
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
    return (rect_t){ x0, y0, x1 - x0, y1 - y0 };
}

/* Joins neighbours of r[0..n) (ordered left to right) where that adds the
 * least area until at most max are left; the new count. */
static int join_columns(rect_t *r, int n, int max)
{
    while (n > max && n > 1) {
        int best = 0;
        double cost = INFINITY;
        for (int i = 0; i + 1 < n; i++) {
            rect_t j = rect_join(r[i], r[i + 1]);
            double c = j.w * j.h - r[i].w * r[i].h - r[i + 1].w * r[i + 1].h;
            if (c < cost) {
                cost = c;
                best = i;
            }
        }
        r[best] = rect_join(r[best], r[best + 1]);
        memmove(r + best + 1, r + best + 2, sizeof r[0] * (size_t)(n - best - 2));
        n--;
    }
    return n;
}

#define LINE_BAND_RECTS 14          /* columns kept apart while easing or sliding */

/* Whether series st's slide has just ended at now: the frames that show it
 * come to rest (within a quarter of a second) need only its columns at
 * rest; the core adds the last frame's, which hold the rest of the slide. */
static bool slide_ended(const line_t *L, const sstate_t *st, double now)
{
    return st->m > 0 && st->slide_from != 0 && L->slide > 0 && slide_now(L, st, now) == 0 &&
           now < st->slide_t0 + L->slide + 0.25;
}

/* Where the marks go. While values ease in place (an array replaced by one
 * of the same length, every point at its x), what moves is the band
 * between each point's start and end heights: a monotone cubic between two
 * points stays within their heights, so over the tween a column between
 * points i and i + 1 changes only within the heights both take, grown by
 * the glow, the dots and the antialiasing. While a series slides (new
 * points, a rolling window moved on) its picture moves left by up to S =
 * ceil(slide now) steps before it rests: the column between the rest
 * places of points i and i + 1 shows, until then, the curve between points
 * i - S and i + 1, so it changes only within their heights; below them the
 * area's gradient is the same at every x, so nothing changes there but at
 * the area's ends (the newest point's column, and the oldest's when it is
 * not out of the plot); on the frames it comes to rest, S = 0. The newest
 * point's halo and tag move with it; the x
 * labels only when they changed. The rectangles hold from now to the end of
 * the tween (a pure function of state and now, the slide only shrinking),
 * so the core's old ∪ new always holds the frame's change, also when a
 * tween or a slide is retargeted from where it is. Anything else (the
 * reveal, no data): the whole content. */
static int line_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const line_t *L = (const line_t *)w;
    if (max < 1)
        return 0;
    rect_t all = marks_area(L);
    out[0] = all;
    int mmax = points_max(L);
    bool revealed = L->revealed && (L->animate <= 0 || now >= L->reveal_t0 + L->animate);
    if (mmax < 2 || !revealed || !L->has_axis || max < 4)
        return 1;
    bool moving = false;
    for (int s = 0; s < L->ns; s++) {
        const sstate_t *st = &L->s[s];
        moving = moving || easing(L, st, now) || (st->m > 0 && slide_now(L, st, now) != 0) || slide_ended(L, st, now);
    }
    if (!moving || now <= L->jump_t + 1e-9)
        return 1;                         /* nothing moves, or a jump this frame */
    /* the plot as line_geom places it, with the axis labels' width (text,
     * not measurable here) between bounds from their estimate: a point's x
     * grows with that width, so each column spans both */
    rect_t c = L->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double fs = line_fs(c);
    if (L->ns > 1 || (L->fmt.unit && L->fmt.unit[0])) {
        c.y += fs * 1.6;
        c.h -= fs * 1.6;
    }
    line_axis_t ax = L->axis;
    fmt_opts_t axf = axis_format(L, ax.step);
    double est = 0;
    int nticks = wdg_ticks(ax.vmin, ax.vmax, ax.step, 1e-6);
    for (int i = 0; i < nticks; i++) {
        char lb[96];
        fmt_axis(&axf, ax.vmin + i * ax.step, lb, sizeof lb);
        est = fmax(est, draw_text_width_estimate(lb, fs * 0.8));
    }
    double aw_lo = est * 0.3, aw_hi = est * 1.8 + fs;
    double py = c.y + fs * 0.6, ph = c.h - fs * 0.6 - fs * 1.9, wfix = c.w - 10 - fs * 2.2;
    int vis = mmax < L->points ? mmax : L->points;
    double n1 = vis - 1;
    /* the plot's left edge and a step, at their smallest and largest */
    double px_lo = c.x + aw_lo + 10, xs_lo = (wfix - aw_hi) / n1, xs_hi = (wfix - aw_lo) / n1;
#define XAT(q, aw) (c.x + (aw) + 10 + (q) * (wfix - (aw)) / n1)
#define YOF(val) (py + ph - ph * wdg_frac((val), ax.vmin, ax.vmax))
    const double M = 7.5;                 /* the glow's reach (5.25), a dot's (4.1), antialiasing, the
                                             cache's bilinear filter */
    double base = YOF(fmax(ax.vmin, fmin(ax.vmax, 0))) + M;
    rect_t col[LINE_MAX_SERIES * (LINE_CAP + 2)];
    int nc = 0, n = 0;
    rect_t extra[LINE_MAX_SERIES + 2];
    for (int s = 0; s < L->ns; s++) {
        const sstate_t *st = &L->s[s];
        double sl = st->m > 0 ? slide_now(L, st, now) : 0;
        bool eases = easing(L, st, now);
        if (st->m == 0 || (!eases && sl == 0 && !slide_ended(L, st, now)))
            continue;                     /* redrawn as it was wherever damaged */
        if (!(sl >= 0 && sl <= LINE_SLIDE_MAX) || !(xs_lo > 0))
            return 1;
        int S = (int)ceil(sl - 1e-9);
        double lo[LINE_CAP] = { 0 }, hi[LINE_CAP] = { 0 };
        for (int i = 0; i < st->m; i++) {
            double a = YOF(st->v[i]), b = isfinite(st->from[i]) ? YOF(st->from[i]) : a;
            lo[i] = fmin(a, b);
            hi[i] = fmax(a, b);
        }
        /* point i rests at place i - lead (0 = the plot's left edge) */
        int lead = st->timed ? st->m - vis : st->extra, last = st->m - 1;
        if (st->timed && st->m < vis)
            return 1;                     /* a short history, right-aligned: not worth it */
        for (int i = 0; i + 1 < st->m; i++) {
            if (XAT(i + 1 - lead, aw_hi) + M < px_lo)
                continue;                 /* left of the plot at rest */
            double x0 = XAT(i - lead, aw_lo) - M, x1 = XAT(i + 1 - lead, aw_hi) + M;
            double y0 = INFINITY, y1 = -INFINITY;
            for (int j = i - S < 0 ? 0 : i - S; j <= i + 1; j++) {
                y0 = fmin(y0, lo[j]);
                y1 = fmax(y1, hi[j]);
            }
            col[nc++] = (rect_t){ x0, y0 - M, x1 - x0, y1 - y0 + 2 * M };
        }
        if (S > 0) {
            /* the area's ends: the newest point's column, swept by the slide,
             * and the oldest's unless it stays a margin out of the plot */
            double y0 = INFINITY, y1 = -INFINITY;
            for (int j = last - S < 0 ? 0 : last - S; j <= last; j++) {
                y0 = fmin(y0, lo[j]);
                y1 = fmax(y1, hi[j]);
            }
            double x0 = XAT(last - lead, aw_lo) - M, x1 = XAT(last - lead, aw_hi) + S * xs_hi + M;
            col[nc++] = (rect_t){ x0, y0 - M, x1 - x0, fmax(base, y1 + M) - y0 + M };
            if ((lead - S) * xs_lo < M) {
                double z0 = INFINITY, z1 = -INFINITY;
                for (int j = 0; j <= S + 1 && j <= last; j++) {
                    z0 = fmin(z0, lo[j]);
                    z1 = fmax(z1, hi[j]);
                }
                double a = XAT(-lead, aw_lo) - M, b = XAT(S - lead, aw_hi) + M;
                col[nc++] = (rect_t){ a, z0 - M, b - a, fmax(base, z1 + M) - z0 + M };
            }
        }
        /* the newest point's halo, and the main series' tag (while it slides
         * in, they ride the curve between the last S + 1 points) */
        double lx0 = XAT(last - lead, aw_lo), lx1 = XAT(last - lead, aw_hi) + S * xs_hi;
        double hy0 = lo[last], hy1 = hi[last];
        for (int j = last - S < 0 ? 0 : last - S; j <= last; j++) {
            hy0 = fmin(hy0, lo[j]);
            hy1 = fmax(hy1, hi[j]);
        }
        extra[n++] = (rect_t){ lx0 - 10, hy0 - 10, lx1 - lx0 + 20, hy1 - hy0 + 20 };
        if (s == 0) {
            fmt_out_t fo;
            char vb[160];
            fmt_number(&L->fmt, st->v[last], &fo);
            fmt_join(&fo, vb, sizeof vb);
            double twm = draw_text_width_estimate(vb, fs * 0.9) * 1.8 + 14 + fs, th = fs * 1.4;
            double tx = fmin(lx0 - twm / 2, c.x + c.w - twm) - 2;
            double ty = hy0 - th - 12;
            extra[n++] = (rect_t){ tx, ty, c.x + c.w + 2 - tx, hy1 + 14 + th - ty };
        }
    }
#undef XAT
#undef YOF
    if (now < L->xlab_t0 + fmax(L->animate, L->slide))      /* the x labels changed */
        extra[n++] = (rect_t){ c.x - 8, py + ph - 2, c.w + 16, fs * 2 + 4 };
    if (nc == 0 || n + 1 > max)
        return 1;
    /* left to right, then neighbours joined to what the damage list holds well */
    for (int i = 1; i < nc; i++)
        for (int k = i; k > 0 && col[k].x < col[k - 1].x; k--) {
            rect_t t = col[k];
            col[k] = col[k - 1];
            col[k - 1] = t;
        }
    int budget = max - n < LINE_BAND_RECTS ? max - n : LINE_BAND_RECTS;
    nc = join_columns(col, nc, budget);
    int o = 0;
    for (int i = 0; i < nc; i++)
        out[o++] = col[i];
    for (int i = 0; i < n; i++)
        out[o++] = extra[i];
    return o;
}

static void line_text(const wdg_t *w, wdg_text_t *out)
{
    const line_t *L = (const line_t *)w;
    for (int s = 0; s < L->ns; s++) {
        const sstate_t *st = &L->s[s];
        char line[1024];
        size_t o = (size_t)snprintf(line, sizeof line, "%s:", series_name(L, s));
        int from = st->m > L->points ? st->m - L->points : 0;   /* the visible points */
        if (!st->timed)
            from = st->extra;
        for (int i = from; i < st->m && o < sizeof line; i++) {
            fmt_out_t fo;
            fmt_number(&L->fmt, st->v[i], &fo);
            o += (size_t)snprintf(line + o, sizeof line - o, " %s", fo.num);
        }
        wdg_text_add(out, "%s", line);
    }
}

static double line_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const line_t *L = (const line_t *)w;
    (void)wall_ms;
    return L->anim_until > 0 ? now : INFINITY;
}

const wdg_class_t wdg_line_class = {
    .name = "line",
    .doc  = "A line / area chart. Each series takes an array value (numbers, or objects with a "
            "\"label\"/\"x\" and a \"value\"), else the topic's history ring (appended values, labelled "
            "by source time), else samples a plain number on every change. \"series\" adds up to five "
            "more lines with a legend. Smooth monotone curves, gradient area fills, dashed gridlines, a "
            "dashed target line, CJK axis labels and a tag on the newest value. New points slide in over "
            "\"slide\" seconds, and so does an array value that is the last one moved on by some items (a "
            "rolling window: the oldest dropped, new ones appended); values of an array changed in place "
            "ease to their new heights; the first data is revealed left to right; the widget redraws only "
            "while these run. At most 64 points per series.",
    .size = sizeof(line_t),
    .opts = line_opts,
    .bindable = true,
    .init = line_init,
    .destroy = line_destroy,
    .data = line_data,
    .tick = line_tick,
    .next_tick = line_next_tick,
    .draw_base = line_draw_base,
    .draw_overlay = line_draw_overlay,
    .overlay_rects = line_overlay_rects,
    .draw_top = line_draw_top,
    .panel = offsetof(line_t, frame),
    .text = line_text,
};
