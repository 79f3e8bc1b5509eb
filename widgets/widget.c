/* widget.c — helpers every kind shares, and the theme defaults. */
#include "widget.h"
#include "datadir.h"
#include "theme.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


const char *const wdg_common_keys[] = {
    "id", "type", "rect", "title", "bind", "stale_after", NULL,
};

const char *const theme_font_roles[FONT_N_ROLES + 1] = {
    "text", "bold", "title", "number", NULL,
};

void theme_default(theme_t *t)
{
    static const char *const hex[THEME_N_COLORS] = {
        [THEME_BG] = "#030b26", [THEME_BG2] = "#0a2a5e", [THEME_PANEL] = "#0b2453cc",
        [THEME_FRAME] = "#1f6fb2", [THEME_ACCENT] = "#00e5ff", [THEME_ACCENT2] = "#2a7cff",
        [THEME_TEXT] = "#e8f4ff", [THEME_DIM] = "#7fa3c8", [THEME_GOOD] = "#2ee6a6",
        [THEME_WARN] = "#ffb02e", [THEME_BAD] = "#ff4d5e", [THEME_GOLD] = "#ffd34d",
    };
    memset(t, 0, sizeof *t);
    for (int i = 0; i < THEME_N_COLORS; i++)
        opt_parse_color(hex[i], &t->colors[i]);
    static const char *const fonts[FONT_N_ROLES] = {
        "Noto Sans CJK SC", "Noto Sans CJK SC Bold", "Noto Sans CJK SC Bold", "Noto Sans CJK SC Bold",
    };
    for (int i = 0; i < FONT_N_ROLES; i++)
        t->fonts[i] = strdup(fonts[i]);
}

void wdg_text_add(wdg_text_t *t, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line) + 1;           /* + newline */
    if (t->used + n + 1 > t->len) {
        size_t cap = t->len ? t->len * 2 : 256;
        while (cap < t->used + n + 1)
            cap *= 2;
        char *b = realloc(t->buf, cap);
        if (!b)
            return;
        t->buf = b;
        t->len = cap;
    }
    memcpy(t->buf + t->used, line, n - 1);
    t->buf[t->used + n - 1] = '\n';
    t->used += n;
    t->buf[t->used] = '\0';
}

int wdg_add_bind(wdg_t *w, const char *topic, const char *path)
{
    if (w->nbinds >= WDG_MAX_BINDS || !topic)
        return -1;
    wdg_bind_t *b = &w->binds[w->nbinds];
    memset(b, 0, sizeof *b);
    b->topic = strdup(topic);
    b->path = path && path[0] ? strdup(path) : NULL;
    if (!b->topic || (path && path[0] && !b->path)) {
        free(b->topic);
        free(b->path);
        return -1;
    }
    return w->nbinds++;
}

double wdg_number(const bs_value_t *v)
{
    double d;
    return bs_value_number(v, &d) ? d : NAN;
}

double wdg_anim_from(double shown, double to, double span)
{
    if (!isfinite(shown) || !isfinite(to))
        return to;
    return fabs(to - shown) < fabs(span) * 0.005 ? to : shown;
}

double wdg_ease(double a, double b, double t)
{
    if (t <= 0)
        return a;
    if (t >= 1)
        return b;
    double e = 1 - pow(1 - t, 3);
    if (!isfinite(b - a))                     /* ±1.7e308: the span overflows */
        return a * (1 - e) + b * e;
    return a + (b - a) * e;
}

double wdg_tween_at(const wdg_tween_t *t, double now)
{
    if (!t->set)
        return NAN;
    if (!(t->dur > 0) || !isfinite(t->from))
        return t->to;
    return wdg_ease(t->from, t->to, (now - t->t0) / t->dur);
}

bool wdg_tween_running(const wdg_tween_t *t, double now)
{
    return t->set && t->dur > 0 && now < t->t0 + t->dur && t->from != t->to;
}

bool wdg_tween_to(wdg_tween_t *t, double to, double now, double dur, double start, double span)
{
    if (t->set && (to == t->to || (isnan(to) && isnan(t->to))))
        return false;
    double shown = t->set ? wdg_tween_at(t, now) : start;
    if (!isfinite(to) || !(dur > 0) || !isfinite(shown)) {     /* jump */
        *t = (wdg_tween_t){ to, to, now, 0, true };
        return true;
    }
    if (t->set)
        shown = wdg_anim_from(shown, to, span);
    if (wdg_tween_running(t, now) && shown != to) {
        /* in flight: keep the clock, bend towards the new value from where
         * it is (value(now) stays the same), unless little is left of the
         * ease, where a bend would be steep: then start a new one */
        double p = (now - t->t0) / t->dur;
        double e = p <= 0 ? 0 : 1 - (1 - p) * (1 - p) * (1 - p);
        double from = (shown - to * e) / (1 - e);
        if (e < 0.8 && isfinite(from) && fabs(from) < 1e300) {
            t->from = from;
            t->to = to;
            return true;
        }
    }
    *t = (wdg_tween_t){ shown, to, now, dur, true };
    return true;
}

bool wdg_rect_ok(rect_t r)
{
    return isfinite(r.x) && isfinite(r.y) && isfinite(r.w) && isfinite(r.h) && fabs(r.x) < 1e6 &&
           fabs(r.y) < 1e6 && r.w >= 0 && r.h >= 0 && r.w < 1e6 && r.h < 1e6;
}

/* Joins a (design units, wdg_rect_ok; nothing when empty) into the area
 * *acc, which *on says is held. */
static void area_join(bool *on, rect_t *acc, rect_t a)
{
    if (a.w <= 0 || a.h <= 0)
        return;
    if (*on) {
        rect_t b = *acc;
        double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
        double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
        a = (rect_t){ x0, y0, x1 - x0, y1 - y0 };
    }
    *acc = a;
    *on = true;
}

void wdg_invalidate_area(wdg_t *w, rect_t a)
{
    if (!wdg_rect_ok(a))                /* geometry gone wrong: all of it, safely */
        wdg_invalidate(w);
    else
        area_join(&w->area_invalid, &w->inval_area, a);
}

void wdg_invalidate_base_area(wdg_t *w, rect_t a)
{
    if (!wdg_rect_ok(a))                /* geometry gone wrong: all of it, safely */
        wdg_invalidate_base(w);
    else
        area_join(&w->base_area_invalid, &w->base_area, a);
}

int wdg_find_file(const wdg_t *w, const char *name, char *out, size_t len)
{
    if (!name || !name[0] || !out || len == 0)
        return -1;
    if (name[0] == '/') {
        snprintf(out, len, "%s", name);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    char first[1024] = "";
    if (w && w->layout_file) {
        const char *slash = strrchr(w->layout_file, '/');
        int dl = slash ? (int)(slash - w->layout_file) : 1;
        snprintf(first, sizeof first, "%.*s/%s", dl, slash ? w->layout_file : ".", name);
        if (access(first, R_OK) == 0) {
            snprintf(out, len, "%s", first);
            return 0;
        }
    }
    const char *dirs[BS_DATADIR_MAX];
    int n = bs_datadir_list(dirs);
    for (int i = 0; i < n * 2; i++) {
        snprintf(out, len, "%s%s/%s", dirs[i / 2], i % 2 ? "/layouts" : "", name);
        if (access(out, R_OK) == 0)
            return 0;
    }
    char searched[768];
    bs_datadir_describe(searched, sizeof searched);
    if (first[0])
        snprintf(out, len, "%.*s, %s and their layouts/", (int)(strrchr(first, '/') - first), first, searched);
    else
        snprintf(out, len, "%s and their layouts/", searched);
    return -1;
}

const opt_def_t wdg_series_opts[] = {
    { "bind",  OPT_STR,   offsetof(wdg_series_t, bind),  0, 256, NULL, NULL, NULL, "topic of this series (required)" },
    { "path",  OPT_STR,   offsetof(wdg_series_t, path),  0, 256, NULL, NULL, NULL, "field path inside the topic's value" },
    { "name",  OPT_STR,   offsetof(wdg_series_t, name),  0, 64, NULL, NULL, NULL, "legend name" },
    { "color", OPT_COLOR, offsetof(wdg_series_t, color), 0, 0, "#00000000", NULL, NULL,
      "colour of this series; transparent (the default) takes the next palette colour" },
    OPT_END,
};

static const bs_color_t series_palette[WDG_MAX_SERIES] = {
    { 0.00f, 0.90f, 1.00f, 1, -1 }, { 1.00f, 0.83f, 0.30f, 1, -1 }, { 0.18f, 0.90f, 0.65f, 1, -1 },
    { 0.64f, 0.48f, 1.00f, 1, -1 }, { 1.00f, 0.54f, 0.24f, 1, -1 }, { 1.00f, 0.37f, 0.64f, 1, -1 },
};

int wdg_bind_series(wdg_t *w, const bs_list_t *series, char *err, size_t errlen)
{
    for (int i = 0; i < series->n; i++) {
        const wdg_series_t *s = opt_list_at(series, i);
        if (!s->bind || !s->bind[0]) {
            snprintf(err, errlen, "item %d of \"series\" has no \"bind\"", i + 1);
            return -1;
        }
        /* the main bind is slot 0, so series i is slot i + 1 */
        if (wdg_add_bind(w, s->bind, s->path) != i + 1) {
            snprintf(err, errlen, "too many bindings");
            return -1;
        }
    }
    return 0;
}

bs_color_t wdg_series_color(const bs_list_t *series, int s, bs_color_t main_color, const draw_t *d)
{
    if (s == 0)
        return draw_color(d, main_color);
    const wdg_series_t *sp = opt_list_at(series, s - 1);
    if (sp && sp->color.a > 0)
        return draw_color(d, sp->color);
    return series_palette[s % WDG_MAX_SERIES];
}

const char *wdg_series_name(const bs_list_t *series, int s)
{
    const wdg_series_t *sp = s >= 1 ? opt_list_at(series, s - 1) : NULL;
    return sp && sp->name ? sp->name : sp ? sp->bind : "";
}

double wdg_nice_step(double range, int n)
{
    double raw = n > 0 ? range / n : range;
    if (!(raw >= DBL_MIN) || !isfinite(raw))  /* NaN, inf, 0, denormal: no round step */
        return 1;
    double mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}
