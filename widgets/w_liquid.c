/*
 * w_liquid.c — "liquid": a water-level gauge for a rate, e.g. the online-office
 * rate of grassroots unions. A round vessel filled to the value's share of
 * min..max, with two waves whose phase is a pure function of time, the number
 * in the centre (white where the liquid covers it), an optional target mark
 * and threshold colours for the liquid.
 *
 * Cost: the waves move, so while "wave_period" > 0 the widget repaints every
 * frame the band their crests sweep (set "wave_period": 0 for a still
 * surface); while the level eases to a new value (over "animate" seconds),
 * the band from the level to where it goes, and the number.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    double     min, max, target, animate, period, amplitude, size;
    char      *label, *target_label;
    bool       frame;
    bs_color_t color;
    wdg_tween_t tw;         /* the level moving */
    double     to;
    bool       has;
    double     anim_until;
    double     jump_t;      /* when the value last jumped (no ease): its number changed then */
} liquid_t;

static const opt_def_t liquid_opts[] = {
    { "format",  OPT_GROUP, offsetof(liquid_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "min",     OPT_NUM,  offsetof(liquid_t, min),    -1e15, 1e15, "0", NULL, NULL, "value of an empty vessel" },
    { "max",     OPT_NUM,  offsetof(liquid_t, max),    -1e15, 1e15, "100", NULL, NULL, "value of a full vessel" },
    { "target",  OPT_NUM,  offsetof(liquid_t, target), -1e15, 1e15, "nan", NULL, NULL,
      "a level marked on the vessel, e.g. 90" },
    { "target_label", OPT_STR, offsetof(liquid_t, target_label), 0, 32, "目标", NULL, NULL, "word before the target" },
    { "label",   OPT_STR,  offsetof(liquid_t, label),  0, 64, NULL, NULL, NULL, "line under the number" },
    { "size",    OPT_NUM,  offsetof(liquid_t, size),   0, 300, "0", NULL, NULL, "number size; 0 = from the vessel" },
    { "animate", OPT_NUM,  offsetof(liquid_t, animate), 0, 10, "1.5", NULL, NULL, "seconds the level takes to move" },
    { "wave_period", OPT_NUM, offsetof(liquid_t, period), 0, 60, "4", NULL, NULL,
      "seconds for a wave to travel one length; 0 = a still surface (no redraws)" },
    { "wave_height", OPT_NUM, offsetof(liquid_t, amplitude), 0, 0.2, "0.05", NULL, NULL,
      "wave height as a share of the vessel's radius" },
    { "frame",   OPT_BOOL, offsetof(liquid_t, frame),  0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(liquid_t, color), 0, 0, "accent", NULL, NULL, "liquid colour when no threshold applies" },
    OPT_END,
};

static int liquid_init(wdg_t *w, char *err, size_t errlen)
{
    liquid_t *q = (liquid_t *)w;
    if (!(q->max > q->min)) {
        snprintf(err, errlen, "\"max\" (%g) must be above \"min\" (%g)", q->max, q->min);
        return -1;
    }
    return 0;
}

static double level(const liquid_t *q, double now)
{
    if (!q->has || !isfinite(q->to))
        return NAN;
    return wdg_tween_at(&q->tw, now);
}

static void liquid_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    liquid_t *q = (liquid_t *)w;
    (void)slot;
    (void)e;
    double x = wdg_number(v);
    if (q->has && (x == q->to || (isnan(x) && isnan(q->to))))
        return;
    bs_color_t was = fmt_color(&q->fmt, q->to, q->color), is = fmt_color(&q->fmt, x, q->color);
    bool recolour = !q->has || was.r != is.r || was.g != is.g || was.b != is.b || was.a != is.a ||
                    was.theme != is.theme;
    wdg_tween_to(&q->tw, x, now, q->animate, q->min, q->max - q->min);
    q->to = x;
    q->has = true;
    if (wdg_tween_running(&q->tw, now))
        q->anim_until = q->tw.t0 + q->tw.dur;
    else
        q->jump_t = now;
    if (recolour)
        wdg_invalidate(w);               /* the rings and the vessel take the threshold colour */
    else
        wdg_invalidate_overlay(w);       /* only the level and the number: the vessel stays */
}

static void liquid_tick(wdg_t *w, double now, int64_t wall_ms)
{
    liquid_t *q = (liquid_t *)w;
    (void)wall_ms;
    if (q->period > 0 && q->has && isfinite(q->to)) {
        wdg_invalidate_overlay(w);               /* the waves move; the vessel stays cached */
    } else if (q->anim_until > 0) {
        wdg_invalidate_overlay(w);
        if (now >= q->anim_until)
            q->anim_until = 0;
    }
}

/* The liquid surface from x0 to x1 at height y with a sine wave, closed
 * down to bottom. */
static void wave_path(cairo_t *cr, double x0, double x1, double y, double amp, double len, double ph,
                      double bottom)
{
    int steps = 64;
    cairo_move_to(cr, x0, bottom);
    for (int i = 0; i <= steps; i++) {
        double x = x0 + (x1 - x0) * i / steps;
        cairo_line_to(cr, x, y + amp * sin(2 * M_PI * (x - x0) / len + ph));
    }
    cairo_line_to(cr, x1, bottom);
    cairo_close_path(cr);
}

enum { PART_STILL = 1, PART_MOVING = 2, PART_TOP = 3 };

/* Where the moving part (waves, level, number, target line) lies, design
 * units: across the content, from the top to the bottom of the rings (all
 * of the content when the number has a size of its own). It is drawn
 * clipped to this. */
static rect_t moving_rect(const liquid_t *q)
{
    rect_t c = q->frame ? draw_panel_content(q->base.rect, q->base.title) : q->base.rect;
    if (q->size > 0)
        return c;
    double foot = isfinite(q->target) ? 26 : 0;
    double R = fmin(c.w, c.h - foot) / 2 * 0.92, cy = c.y + (c.h - foot) / 2;
    return (rect_t){ c.x, cy - R - 2, c.w, 2 * R + 4 };
}

/* Draws the still parts (panel, rings, vessel, target label) into the
 * cached layer, or the moving parts (waves, level, number) over it. */
static void liquid_paint(const wdg_t *w, draw_t *d, int part)
{
    const liquid_t *q = (const liquid_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = !q->frame ? w->rect : part == PART_STILL ? draw_panel(d, w->rect, w->title)
                                                        : draw_panel_content(w->rect, w->title);
    bs_color_t dim = draw_theme(d, THEME_DIM);
    bs_color_t gold = draw_theme(d, THEME_GOLD);
    double alpha = 1.0;   /* stale: the core dims it */
    bool tgt = isfinite(q->target);
    double foot = tgt ? 26 : 0;
    double R = fmin(c.w, c.h - foot) / 2 * 0.92;
    double cx = c.x + c.w / 2, cy = c.y + (c.h - foot) / 2;
    double r = R * 0.86;                         /* the vessel inside the rings */
    double lv = level(q, d->now);
    double f = isfinite(lv) ? fmax(0, fmin(1, wdg_frac(lv, q->min, q->max))) : 0;
    bs_color_t col = draw_color(d, fmt_color(&q->fmt, q->to, q->color));

    cairo_pattern_t *g;
    fmt_out_t fo;
    if (part == PART_STILL) {
    /* outer rings: a glowing circle and a dashed one */
    cairo_arc(cr, cx, cy, R, 0, 2 * M_PI);
    draw_glow_stroke(d, (bs_color_t){ col.r, col.g, col.b, (float)(0.9 * alpha), -1 }, 2.5, 6);
    cairo_arc(cr, cx, cy, R * 0.93, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.35 * alpha);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, (double[]){ 3, 4 }, 2, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);

    /* the vessel: a dark glassy inside */
    g = cairo_pattern_create_radial(cx, cy - r * 0.3, r * 0.1, cx, cy, r);
    cairo_pattern_add_color_stop_rgba(g, 0, col.r, col.g, col.b, 0.10);
    cairo_pattern_add_color_stop_rgba(g, 1, col.r, col.g, col.b, 0.22);
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_set_source(cr, g);
    cairo_fill(cr);
    cairo_pattern_destroy(g);
    if (tgt) {
        fmt_target(&q->fmt, q->target, &fo);
        char line[160];
        snprintf(line, sizeof line, "%s %s%s", q->target_label ? q->target_label : "", fo.num, fo.unit);
        draw_text(d, FONT_TEXT, fmax(13, fmin(18, R * 0.13)), cx, c.y + c.h - 12, line, gold, AL_CENTER);
    }
    return;
    }

    if (part == PART_TOP) {
        /* target: a dashed gold line across the vessel at its level, over
         * the waves (the static top layer) */
        if (tgt) {
            double tf = fmax(0, fmin(1, wdg_frac(q->target, q->min, q->max)));
            double ty = cy + r - 2 * r * tf, half = sqrt(fmax(0, r * r - (ty - cy) * (ty - cy)));
            cairo_move_to(cr, cx - half, ty);
            cairo_line_to(cr, cx + half, ty);
            cairo_set_source_rgba(cr, gold.r, gold.g, gold.b, 0.9);
            cairo_set_line_width(cr, 1.5);
            cairo_set_dash(cr, (double[]){ 5, 4 }, 2, 0);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        return;
    }
    rect_t mr = moving_rect(q);
    cairo_save(cr);
    draw_clip_pixels(cr, mr);
    /* waves: phase from time, so every tile of a wall agrees */
    double y = cy + r - 2 * r * f;
    double amp = q->amplitude * R * (f > 0 && f < 1 ? 1 : 0);
    double ph = q->period > 0 ? 2 * M_PI * fmod(d->now / q->period, 1.0) : 0;
    double len = r * 1.6;
    cairo_save(cr);
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_clip(cr);
    if (q->has && f > 0) {
        wave_path(cr, cx - r, cx + r, y, amp * 0.8, len * 1.15, -ph * 1.3 + 1.8, cy + r);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.35 * alpha);
        cairo_fill(cr);
        g = cairo_pattern_create_linear(0, y - amp, 0, cy + r);
        cairo_pattern_add_color_stop_rgba(g, 0, col.r, col.g, col.b, 0.95 * alpha);
        cairo_pattern_add_color_stop_rgba(g, 1, col.r * 0.3, col.g * 0.45, col.b * 0.7 + 0.1, 0.95 * alpha);
        wave_path(cr, cx - r, cx + r, y, amp, len, ph, cy + r);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
    }
    /* a highlight on the glass */
    cairo_arc(cr, cx, cy, r * 0.82, M_PI * 1.1, M_PI * 1.4);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.18);
    cairo_set_line_width(cr, r * 0.05);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_stroke(cr);
    cairo_restore(cr);

    /* the number: in the liquid colour above the surface, white below it */
    double size = q->size > 0 ? q->size : r * 0.42;
    fmt_number_as(&q->fmt, q->has ? lv : NAN, q->to, &fo);
    double nw = draw_number_width(d, FONT_NUMBER, size, fo.num);
    double uw = fo.unit[0] ? draw_text_width(d, FONT_BOLD, size * 0.45, fo.unit) + 4 : 0;
    double nx = cx - (nw + uw) / 2, ny = cy + size * 0.30;
    for (int pass = 0; pass < 2; pass++) {
        cairo_save(cr);
        if (pass == 1) {
            if (!q->has || f <= 0) {
                cairo_restore(cr);
                break;
            }
            cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
            cairo_clip(cr);
            wave_path(cr, cx - r, cx + r, y, amp, len, ph, cy + r);
            cairo_clip(cr);
        }
        bs_color_t tc = pass ? (bs_color_t){ 1, 1, 1, (float)alpha, -1 }
                             : (bs_color_t){ col.r, col.g, col.b, (float)alpha, -1 };
        draw_number(d, FONT_NUMBER, size, nx, ny, fo.num, tc, AL_LEFT | AL_BASELINE);
        if (uw > 0)
            draw_text(d, FONT_BOLD, size * 0.45, nx + nw + 4, ny, fo.unit, tc, AL_LEFT | AL_BASELINE);
        if (q->label) {
            bs_color_t lc = pass ? (bs_color_t){ 1, 1, 1, (float)(0.85 * alpha), -1 } : dim;
            draw_text(d, FONT_TEXT, fmax(12, size * 0.30), cx, ny + size * 0.45, q->label, lc, AL_CENTER);
        }
        cairo_restore(cr);
    }
    cairo_restore(cr);
}

static void liquid_draw(const wdg_t *w, draw_t *d)
{
    liquid_paint(w, d, PART_STILL);
}

static void liquid_overlay(const wdg_t *w, draw_t *d)
{
    liquid_paint(w, d, PART_MOVING);
}

static void liquid_top(const wdg_t *w, draw_t *d)
{
    liquid_paint(w, d, PART_TOP);
}

/* The y of the surface at level fraction f (design units). */
static double surface_y(double cy, double r, double f)
{
    return cy + r - 2 * r * fmax(0, fmin(1, f));
}

/* What moves at now, inside the moving rect: the waves only sweep the band
 * of their crests, so that band (its full height of crests either side of
 * the level) is all of a frame's change while the level stands; while it
 * eases, the liquid's gradient (from the surface down) changes too, so from
 * the highest of the level now and the level it goes to (a retarget bends
 * from where the level is, so last frame's rect held this frame's level)
 * down to the bottom, and the number, which counts (or, the frame a value
 * jumps, changes at once). Rects a frame apart
 * thus overlap: old ∪ new holds every pixel that changed. */
static int liquid_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const liquid_t *q = (const liquid_t *)w;
    if (max < 2)
        return -1;
    rect_t mr = moving_rect(q);
    double lv = level(q, now);
    if (!q->has || !isfinite(lv) || !isfinite(q->to)) {
        out[0] = mr;
        return 1;
    }
    rect_t c = q->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double foot = isfinite(q->target) ? 26 : 0;
    double R = fmin(c.w, c.h - foot) / 2 * 0.92, cy = c.y + (c.h - foot) / 2, r = R * 0.86;
    double amp = q->amplitude * R, pad = 3;
    double y0 = surface_y(cy, r, wdg_frac(lv, q->min, q->max)), y1 = y0;
    bool moving = wdg_tween_running(&q->tw, now);
    if (moving)
        y1 = surface_y(cy, r, wdg_frac(q->to, q->min, q->max));
    double top = fmax(mr.y, fmin(y0, y1) - amp - pad), bot = fmin(mr.y + mr.h, fmax(y0, y1) + amp + pad);
    if (moving)                          /* the liquid's gradient runs from the surface down: all of it */
        bot = mr.y + mr.h;
    int n = 0;
    if (bot > top)
        out[n++] = (rect_t){ mr.x, top, mr.w, bot - top };
    if (moving || now == q->jump_t) {    /* the number and its label, counting or jumped */
        double size = q->size > 0 ? q->size : r * 0.42, ny = cy + size * 0.30;
        double nt = fmax(mr.y, ny - size * 1.05), nb = fmin(mr.y + mr.h, ny + size * 0.45 + fmax(12, size * 0.30) + 4);
        if (nb > nt)
            out[n++] = (rect_t){ mr.x, nt, mr.w, nb - nt };
    }
    if (n == 0)
        out[n++] = (rect_t){ mr.x, mr.y, 1, 1 };
    return n;
}

static void liquid_text(const wdg_t *w, wdg_text_t *out)
{
    const liquid_t *q = (const liquid_t *)w;
    fmt_out_t f;
    char line[160];
    fmt_number(&q->fmt, q->has ? q->to : NAN, &f);
    fmt_join(&f, line, sizeof line);
    wdg_text_add(out, "%s", line);
}

const wdg_class_t wdg_liquid_class = {
    .name = "liquid",
    .doc  = "A liquid-fill (water-level) gauge for a rate: a round vessel filled to the value's share "
            "of min..max, two travelling waves, the number in the centre (white where the liquid covers "
            "it), an optional dashed target level, and threshold colours for the liquid. The waves are "
            "a pure function of time: while \"wave_period\" > 0 the liquid and the number are redrawn "
            "every frame over the cached vessel; with 0 they are redrawn only while the level moves.",
    .size = sizeof(liquid_t),
    .opts = liquid_opts,
    .bindable = true,
    .init = liquid_init,
    .data = liquid_data,
    .tick = liquid_tick,
    .draw = liquid_draw,
    .draw_overlay = liquid_overlay,
    .overlay_rects = liquid_rects,
    .draw_top = liquid_top,
    .text = liquid_text,
};
