/*
 * w_gauge.c — "gauge": a ring against a target, e.g. the online-office rate
 * of grassroots unions against 90 %. A 270° track with scale ticks, the value
 * arc coloured by threshold, a marker at the target, the number in the middle.
 */
#include "widget.h"
#include "geom.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The arc's picture (see draw_arc): drawing's scratch, not state. */
#define ARC_KEYS 13
struct arc_cache {
    cairo_surface_t *surf;                /* ARGB32: the arc over its glow at f */
    int    x, y, w, h;                    /* device pixels: the ring's box */
    double key[ARC_KEYS], f;
    uint64_t used;                        /* when last drawn from (the LRU's clock) */
    bool   ok;
};
#define ARC_PICTURES 2                    /* the two colours either side of the threshold it hovers at */

typedef struct {
    wdg_t      base;
    fmt_opts_t fmt;
    double     min, max, target, animate, size;
    char      *label;
    char      *target_label;
    bool       frame;
    bs_color_t color;
    wdg_tween_t tw;
    double     to, shown;
    bool       has;
    /* the arc's colours follow the target (arc_key); when they change the
     * whole arc is repainted that frame */
    bs_color_t key_c;
    double     key_f, recolour_t;
    struct arc_cache *cache;              /* render thread only */
} gauge_t;

static const opt_def_t gauge_opts[] = {
    { "format",  OPT_GROUP, offsetof(gauge_t, fmt), 0, 0, NULL, NULL, fmt_opt_table, NULL },
    { "min",     OPT_NUM,  offsetof(gauge_t, min),     -1e15, 1e15, "0", NULL, NULL, "value at the start of the arc" },
    { "max",     OPT_NUM,  offsetof(gauge_t, max),     -1e15, 1e15, "100", NULL, NULL, "value at the end of the arc" },
    { "target",  OPT_NUM,  offsetof(gauge_t, target),  -1e15, 1e15, "nan", NULL, NULL, "marked on the ring, e.g. 90" },
    { "target_label", OPT_STR, offsetof(gauge_t, target_label), 0, 32, "目标", NULL, NULL, "word before the target" },
    { "label",   OPT_STR,  offsetof(gauge_t, label),   0, 64, NULL, NULL, NULL, "line under the number" },
    { "size",    OPT_NUM,  offsetof(gauge_t, size),    0, 300, "0", NULL, NULL, "number size; 0 = from the ring" },
    { "animate", OPT_NUM,  offsetof(gauge_t, animate), 0, 10, "1.2", NULL, NULL, "seconds the arc takes to move" },
    { "frame",   OPT_BOOL, offsetof(gauge_t, frame),   0, 0, "true", NULL, NULL, "draw the panel behind it" },
    { "color",   OPT_COLOR, offsetof(gauge_t, color),  0, 0, "accent", NULL, NULL, "arc colour when no threshold applies" },
    OPT_END,
};

static int gauge_init(wdg_t *w, char *err, size_t errlen)
{
    gauge_t *g = (gauge_t *)w;
    if (!(g->max > g->min)) {
        snprintf(err, errlen, "\"max\" (%g) must be above \"min\" (%g)", g->max, g->min);
        return -1;
    }
    g->recolour_t = -INFINITY;
    g->key_f = NAN;
    g->cache = calloc(ARC_PICTURES, sizeof *g->cache);   /* none: drawn each time */
    return 0;
}

static void gauge_destroy(wdg_t *w)
{
    gauge_t *g = (gauge_t *)w;
    for (int i = 0; g->cache && i < ARC_PICTURES; i++)
        if (g->cache[i].surf)
            cairo_surface_destroy(g->cache[i].surf);
    free(g->cache);
    g->cache = NULL;
}

#define A0 (0.75 * M_PI)           /* arc start: lower left  */
#define SPAN (1.5 * M_PI)          /* 270° clockwise          */

static double frac_of(const gauge_t *g, double v)
{
    return fmax(0, fmin(1, wdg_frac(v, g->min, g->max)));
}

/* The arc runs from accent2 at its start to the value's colour, reached at
 * this fraction of the span: the target's, rounded up to 1/32, so the
 * colours stay put while the arc sweeps and while the target moves by
 * little (only the swept sector is repainted then). */
static double arc_ref(const gauge_t *g)
{
    double f = g->has && isfinite(g->to) ? frac_of(g, g->to) : 0;
    return fmax(1.0 / 32, ceil(f * 32 - 1e-9) / 32);
}

static void gauge_data(wdg_t *w, int slot, const bs_value_t *v, const store_entry_t *e, double now)
{
    gauge_t *g = (gauge_t *)w;
    (void)slot;
    (void)e;
    double x = wdg_number(v);
    if (g->has && (x == g->to || (isnan(x) && isnan(g->to))))
        return;
    if (!g->has || isnan(x) != isnan(g->to))
        g->recolour_t = now;              /* the arc comes or goes: all of it */
    wdg_tween_to(&g->tw, x, now, g->animate, g->min, g->max - g->min);
    g->to = x;
    g->has = true;
    bs_color_t kc = fmt_color(&g->fmt, x, g->color);
    double kf = arc_ref(g);
    if (kf != g->key_f || kc.r != g->key_c.r || kc.g != g->key_c.g || kc.b != g->key_c.b || kc.a != g->key_c.a ||
        kc.theme != g->key_c.theme)
        g->recolour_t = now;
    g->key_c = kc;
    g->key_f = kf;
    wdg_invalidate_overlay(w);
}

static void gauge_tick(wdg_t *w, double now, int64_t wall_ms)
{
    gauge_t *g = (gauge_t *)w;
    (void)wall_ms;
    double s = g->has ? wdg_tween_at(&g->tw, now) : NAN;
    if (s != g->shown && !(isnan(s) && isnan(g->shown))) {
        g->shown = s;
        wdg_invalidate_overlay(w);
    }
}


/* The ring's centre, radius and width (design units). */
typedef struct { double cx, cy, R, ring; } gauge_geom_t;

static gauge_geom_t geom(const gauge_t *g)
{
    const wdg_t *w = &g->base;
    rect_t c = g->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    double R = fmin(c.w, c.h * 1.08) * 0.40;
    return (gauge_geom_t){ c.x + c.w / 2, c.y + c.h * 0.50 + R * 0.06, R, R * 0.16 };
}

/* The base: scale, track, inner ring, the label (the core draws the panel). */
static void gauge_draw_base(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    bs_color_t dim = draw_theme(d, THEME_DIM), a2 = draw_theme(d, THEME_ACCENT2);
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;

    /* scale ticks outside the ring */
    for (int i = 0; i <= 50; i++) {
        double a = A0 + SPAN * i / 50.0, big = (i % 5 == 0);
        double r0 = R + ring * 0.9, r1 = r0 + (big ? ring * 0.75 : ring * 0.4);
        cairo_move_to(cr, cx + cos(a) * r0, cy + sin(a) * r0);
        cairo_line_to(cr, cx + cos(a) * r1, cy + sin(a) * r1);
        cairo_set_source_rgba(cr, dim.r, dim.g, dim.b, big ? 0.9 : 0.45);
        cairo_set_line_width(cr, big ? 2 : 1);
        cairo_stroke(cr);
        if (i % 10 == 0) {
            char buf[32];
            double val = g->min + (g->max - g->min) * i / 50.0;
            snprintf(buf, sizeof buf, "%g", round(val * 10) / 10);
            double rl = r1 + ring * 0.9;
            draw_text(d, FONT_TEXT, fmax(11, R * 0.085), cx + cos(a) * rl, cy + sin(a) * rl, buf, dim, AL_CENTER);
        }
    }
    /* track */
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_arc(cr, cx, cy, R, A0, A0 + SPAN);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.16);
    cairo_set_line_width(cr, ring);
    cairo_stroke(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    /* inner decorative ring */
    cairo_arc(cr, cx, cy, R - ring * 1.4, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, a2.r, a2.g, a2.b, 0.35);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, (double[]){ 3, 5 }, 2, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (g->label) {
        double size = g->size > 0 ? g->size : R * 0.46, ny = cy + size * 0.25;
        draw_text(d, FONT_TEXT, fmax(13, R * 0.14), cx, ny + size * 0.45, g->label, dim, AL_CENTER);
    }
}

/* The top: the target marker over the moving arc, and its words. */
static void gauge_draw_top(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;
    if (isfinite(g->target)) {
        fmt_out_t fo;
        double a = A0 + SPAN * frac_of(g, g->target);
        bs_color_t gold = draw_theme(d, THEME_GOLD);
        cairo_move_to(cr, cx + cos(a) * (R - ring * 0.9), cy + sin(a) * (R - ring * 0.9));
        cairo_line_to(cr, cx + cos(a) * (R + ring * 1.1), cy + sin(a) * (R + ring * 1.1));
        draw_glow_stroke(d, gold, 3, 4);
        fmt_target(&g->fmt, g->target, &fo);
        char line[160];
        snprintf(line, sizeof line, "%s %s%s", g->target_label ? g->target_label : "", fo.num, fo.unit);
        draw_text(d, FONT_TEXT, fmax(13, R * 0.12), cx, cy + R * 0.80, line, gold, AL_CENTER);
    }
}

/* atan2 within 1e-5 rad (Abramowitz & Stegun 4.4.49 on [0, 1], folded):
 * at a 400-pixel radius the arc's ends move by under 0.004 pixels. */
static float fast_atan2f(float y, float x)
{
    float ax = fabsf(x), ay = fabsf(y), mx = ax > ay ? ax : ay, mn = ax > ay ? ay : ax;
    float a = mx > 0 ? mn / mx : 0, q = a * a;
    float r = a * (0.9998660f + q * (-0.3302995f + q * (0.1801410f + q * (-0.0851330f + q * 0.0208351f))));
    if (ay > ax)
        r = (float)M_PI_2 - r;
    if (x < 0)
        r = (float)M_PI - r;
    return y < 0 ? -r : r;
}

static float clamp01(float v)
{
    v = v > 0 ? v : 0;                    /* maxss, minss: no branches */
    return v < 1 ? v : 1;
}

/* The arc's colour at fraction u of the span. */
static bs_color_t arc_color(bs_color_t a2, bs_color_t vc, double u, double ref)
{
    double m = fmax(0, fmin(1, u / ref));
    return (bs_color_t){ (float)(a2.r + (vc.r - a2.r) * m), (float)(a2.g + (vc.g - a2.g) * m),
                         (float)(a2.b + (vc.b - a2.b) * m), 1, -1 };
}

/* draw_arc's pixels: the arc (device centre X, Y, radius Rd, half widths
 * hm of the arc and hg of its glow) within the boxes part[0..np) of the
 * pixels at px (rows of stride bytes, pixel (ux0, uy0) first), written
 * (over false: a cleared picture) or composited OVER (over true). */
static void arc_pixels(int (*part)[4], int np, double X, double Y, double Rd, double hm, double hg, double f,
                       double ref, bs_color_t a2, bs_color_t vc, double alpha, uint8_t *px, int stride, int ux0,
                       int uy0, bool over)
{
    float fR = (float)Rd, fm = (float)hm + 0.5f, fg = (float)hg + 0.5f, fa = (float)alpha;
    float lo = fmaxf(0, fR - fg), hi = fR + fg, lo2 = lo * lo, hi2 = hi * hi;
    float pe = (float)(SPAN * f), inv = (float)(1 / (SPAN * ref)), a0f = (float)A0;
    float dr = vc.r - a2.r, dg = vc.g - a2.g, db = vc.b - a2.b;
    for (int k = 0; k < np; k++)
        for (int y = part[k][1]; y < part[k][3]; y++) {
            float dy = (float)y + 0.5f - (float)Y;
            if (dy * dy >= hi2)
                continue;
            uint32_t *row = (uint32_t *)(px + (size_t)(y - uy0) * (size_t)stride) - ux0;
            /* the row's part of the annulus: |dx| within [xin, xout] */
            float xout = sqrtf(hi2 - dy * dy), xin = lo2 > dy * dy ? sqrtf(lo2 - dy * dy) : 0;
            int xa = (int)floorf((float)X - xout), xb = (int)ceilf((float)X + xout);
            int ia = (int)ceilf((float)X - xin) + 1, ib = (int)floorf((float)X + xin) - 1;
            xa = xa > part[k][0] ? xa : part[k][0];
            xb = xb < part[k][2] ? xb : part[k][2];
            for (int x = xa; x < xb; x++) {
                if (x > ia && x < ib) {
                    x = ib - 1;           /* over the hole */
                    continue;
                }
                float dx = (float)x + 0.5f - (float)X, e2 = dx * dx + dy * dy;
                if (e2 >= hi2 || e2 <= lo2)
                    continue;
                float e = sqrtf(e2), de = fabsf(e - fR);
                float cg = clamp01(fg - de), cm = clamp01(fm - de);
                if (!(cg > 0))
                    continue;
                /* the angle from the start, clockwise, in [-0.25π, 1.75π):
                 * the wrap falls in the middle of the gap */
                float phi = fast_atan2f(dy, dx) - a0f;
                if (phi < -0.25f * (float)M_PI)
                    phi += 2 * (float)M_PI;
                /* the butt ends: distance to each end's radial line */
                float d0 = phi >= (float)M_PI_2 ? e : e * phi < 2 ? e * sinf(phi) : 1;
                float q = pe - phi;
                float d1 = q >= (float)M_PI_2 ? e : q <= -(float)M_PI_2 ? -1 : e * q < 2 ? e * sinf(q) : 1;
                float ca = clamp01(d0 + 0.5f) * clamp01(d1 + 0.5f);
                if (!(ca > 0))
                    continue;
                float mix = clamp01((phi < pe ? phi : pe) * inv);
                float A = 1 - (1 - fa * cm * ca) * (1 - 0.18f * fa * cg * ca), A255 = A * 255;
                float r = a2.r + dr * mix, gg = a2.g + dg * mix, b = a2.b + db * mix;
                int32_t pa = (int32_t)(A255 + 0.5f);
                int32_t pr = (int32_t)(r * A255 + 0.5f), pg = (int32_t)(gg * A255 + 0.5f), pb = (int32_t)(b * A255 + 0.5f);
                pr = pr > pa ? pa : pr;
                pg = pg > pa ? pa : pg;
                pb = pb > pa ? pa : pb;
                uint32_t v = (uint32_t)pa << 24 | (uint32_t)pr << 16 | (uint32_t)pg << 8 | (uint32_t)pb;
                row[x] = over ? draw_px_over(v, row[x]) : v;
            }
        }
}

/* ---- the arc's picture -----------------------------------------------------
 *
 * At 1000 msg/s the rate changes every frame: the arc's end moves by a
 * little, and the number's row, damaged too, crosses the ring at both
 * sides. Computing the arc per pixel there each frame (an atan2, a sqrt and
 * a sin a pixel) cost ~0.5 ms a frame. So the arc is kept as a picture of
 * the ring's box, a pure function of its key (centre, radii, colours,
 * alpha) and f: a pixel's value depends on f only within a few pixels of
 * the end's radial line (the butt end's antialiasing, e × (pe - phi) < 2,
 * and its colour beyond the end, where it has no coverage), so moving f
 * recomputes the boxes of the sector between the old and the new end (a
 * margin of 3 pixels of arc at the inner edge), the rest stays; anything
 * else in the key changed: all of it. A rate about a threshold flips the
 * arc's colour back and forth (every few frames at 1000 msg/s): a picture
 * is kept for each of the last ARC_PICTURES keys. Each frame composites
 * the picture within the clip, one blend a pixel. */

/* The boxes (device pixels, within the cache's box) of the ring's sector
 * between angles a0 < a1 (radians from the x axis, clockwise), annulus
 * radii ri..ro around (X, Y), in pieces of at most 1/12 of the span; how
 * many (at most max). */
static int arc_boxes(const struct arc_cache *c, double X, double Y, double ri, double ro, double a0, double a1,
                     int (*out)[4], int max)
{
    int k = (int)ceil((a1 - a0) / (SPAN / 12));
    k = k < 1 ? 1 : k > max ? max : k;
    int n = 0;
    for (int i = 0; i < k; i++) {
        double b0 = a0 + (a1 - a0) * i / k, b1 = a0 + (a1 - a0) * (i + 1) / k;
        double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
        double as[12] = { b0, b1 };
        int na = 2;
        for (int q = -4; q <= 8 && na < 12; q++)      /* the extremes of x and y between */
            if (q * M_PI / 2 > b0 && q * M_PI / 2 < b1)
                as[na++] = q * M_PI / 2;
        for (int j = 0; j < na; j++) {
            double cs = cos(as[j]), sn = sin(as[j]);
            x0 = fmin(x0, fmin(cs * ri, cs * ro));
            x1 = fmax(x1, fmax(cs * ri, cs * ro));
            y0 = fmin(y0, fmin(sn * ri, sn * ro));
            y1 = fmax(y1, fmax(sn * ri, sn * ro));
        }
        int bx0 = (int)floor(X + x0) - 1, by0 = (int)floor(Y + y0) - 1;
        int bx1 = (int)ceil(X + x1) + 1, by1 = (int)ceil(Y + y1) + 1;
        bx0 = bx0 > c->x ? bx0 : c->x;
        by0 = by0 > c->y ? by0 : c->y;
        bx1 = bx1 < c->x + c->w ? bx1 : c->x + c->w;
        by1 = by1 < c->y + c->h ? by1 : c->y + c->h;
        if (bx0 < bx1 && by0 < by1) {
            out[n][0] = bx0;
            out[n][1] = by0;
            out[n][2] = bx1;
            out[n][3] = by1;
            n++;
        }
    }
    return n;
}

/* Clears the boxes of c's picture and computes the arc at f there. */
static void arc_redo(struct arc_cache *c, int (*part)[4], int np, double X, double Y, double Rd, double hm,
                     double hg, double f, double ref, bs_color_t a2, bs_color_t vc, double alpha)
{
    uint8_t *px = cairo_image_surface_get_data(c->surf);
    int stride = cairo_image_surface_get_stride(c->surf);
    for (int k = 0; k < np; k++)
        for (int y = part[k][1]; y < part[k][3]; y++)
            memset(px + (size_t)(y - c->y) * (size_t)stride + (size_t)(part[k][0] - c->x) * 4, 0,
                   (size_t)(part[k][2] - part[k][0]) * 4);
    arc_pixels(part, np, X, Y, Rd, hm, hg, f, ref, a2, vc, alpha, px, stride, c->x, c->y, false);
}

/* Brings the picture of pictures[0..ARC_PICTURES) that holds this key
 * (else the least recently used) to the arc at f (device centre X, Y); it,
 * or NULL when it cannot (no memory). */
static struct arc_cache *arc_cache_fill(struct arc_cache *pictures, double X, double Y, double Rd, double hm,
                                        double hg, double f, double ref, bs_color_t a2, bs_color_t vc, double alpha)
{
    double out = Rd + hg + 1;
    int bx0 = (int)floor(X - out), by0 = (int)floor(Y - out), bx1 = (int)ceil(X + out), by1 = (int)ceil(Y + out);
    int iw = bx1 - bx0, ih = by1 - by0;
    double key[ARC_KEYS] = { X, Y, Rd, hm, hg, ref, a2.r, a2.g, a2.b, vc.r, vc.g, vc.b, alpha };
    double lo = Rd - hg - 0.5;
    struct arc_cache *c = NULL, *lru = &pictures[0];
    uint64_t clock = 0;
    for (int i = 0; i < ARC_PICTURES; i++) {
        struct arc_cache *p = &pictures[i];
        clock = p->used > clock ? p->used : clock;
        if (!c && p->ok && p->x == bx0 && p->y == by0 && p->w == iw && p->h == ih &&
            memcmp(key, p->key, sizeof key) == 0)
            c = p;
        if (p->used < lru->used)
            lru = p;
    }
    bool same = c != NULL;
    if (!c)
        c = lru;
    c->used = clock + 1;
    if (same && c->f == f)
        return c;
    if (same && lo >= 8) {
        cairo_surface_flush(c->surf);
        double pad = 3 / lo + 1e-3;
        double a0 = A0 + SPAN * fmin(f, c->f) - pad, a1 = A0 + SPAN * fmax(f, c->f) + pad;
        int part[16][4];
        int np = arc_boxes(c, X, Y, lo - 1, Rd + hg + 1.5, a0, a1, part, 16);
        arc_redo(c, part, np, X, Y, Rd, hm, hg, f, ref, a2, vc, alpha);
        cairo_surface_mark_dirty(c->surf);
        c->f = f;
        return c;
    }
    if (!c->surf || c->w != iw || c->h != ih) {
        if (c->surf)
            cairo_surface_destroy(c->surf);
        c->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, iw, ih);
        if (cairo_surface_status(c->surf) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(c->surf);
            c->surf = NULL;
            c->ok = false;
            return NULL;
        }
    }
    c->x = bx0;
    c->y = by0;
    c->w = iw;
    c->h = ih;
    cairo_surface_flush(c->surf);
    int all[1][4] = { { bx0, by0, bx1, by1 } };
    arc_redo(c, all, 1, X, Y, Rd, hm, hg, f, ref, a2, vc, alpha);
    cairo_surface_mark_dirty(c->surf);
    memcpy(c->key, key, sizeof key);
    c->f = f;
    c->ok = true;
    return c;
}

/* The value arc from the start to fraction f of the span, ring wide, over
 * its glow (1.9 rings wide at 18 %), butt ends, coloured by arc_color. One
 * pass: each pixel's distance to the centre and its angle give the two
 * strokes' coverage (a box filter across each edge, as cairo's antialiasing
 * has it) and its colour; the two OVERs of one colour fold into one
 * premultiplied picture, composited once, and only inside the clip's
 * rectangles (the damage). Cairo strokes it, in 1/32 steps of colour at
 * fixed places, when the transform is not a uniform scale. */
static void draw_arc(draw_t *d, struct arc_cache *cache, const gauge_geom_t *G, double f, bs_color_t a2,
                     bs_color_t vc, double ref, double alpha)
{
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx, X = G->cx, Y = G->cy;
    cairo_user_to_device(cr, &X, &Y);
    double Rd = G->R * s, hm = G->ring * s / 2, hg = G->ring * 1.9 * s / 2, out = Rd + hg + 1;
    if (m.xy != 0 || m.yx != 0 || !(s > 0) || m.yy != s || !(out < 4096) || fabs(X) > 1e6 || fabs(Y) > 1e6 ||
        cairo_get_operator(cr) != CAIRO_OPERATOR_OVER) {
        int segs = (int)ceil(f * 32);     /* at fixed places: colours stay put as f moves */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < segs; i++) {
                double t0 = i / 32.0, t1 = fmin(f, (i + 1) / 32.0 + (i + 1 < segs ? 0.002 : 0));
                bs_color_t c = arc_color(a2, vc, (i + 0.5) / 32, ref);
                cairo_new_path(cr);
                cairo_arc(cr, G->cx, G->cy, G->R, A0 + SPAN * t0, A0 + SPAN * t1);
                cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
                cairo_set_source_rgba(cr, c.r, c.g, c.b, pass == 0 ? 0.18 * alpha : alpha);
                cairo_set_line_width(cr, pass == 0 ? G->ring * 1.9 : G->ring);
                cairo_stroke(cr);
            }
        return;
    }
    /* from the arc's picture (above) */
    if (cache && (cache = arc_cache_fill(cache, X, Y, Rd, hm, hg, f, ref, a2, vc, alpha))) {
        draw_px_t dp;
        if (draw_px_begin(&dp, d)) {
            draw_image_px(&dp, cache->surf, cache->x, cache->y);
            draw_px_end(&dp);
        } else {
            cairo_save(cr);
            cairo_identity_matrix(cr);
            cairo_set_source_surface(cr, cache->surf, cache->x, cache->y);
            cairo_paint(cr);
            cairo_restore(cr);
        }
        return;
    }
    cairo_save(cr);
    cairo_identity_matrix(cr);
    /* where to work: the ring's box within the clip's rectangles */
    int bx0 = (int)floor(X - out), by0 = (int)floor(Y - out), bx1 = (int)ceil(X + out), by1 = (int)ceil(Y + out);
    enum { MAXR = 64 };
    int part[MAXR][4], np = 0;
    cairo_rectangle_list_t *rl = cairo_copy_clip_rectangle_list(cr);
    if (rl->status == CAIRO_STATUS_SUCCESS && rl->num_rectangles <= MAXR) {
        for (int k = 0; k < rl->num_rectangles; k++) {
            const cairo_rectangle_t *r = &rl->rectangles[k];
            int a0 = (int)fmax(bx0, floor(r->x)), b0 = (int)fmax(by0, floor(r->y));
            int a1 = (int)fmin(bx1, ceil(r->x + r->width)), b1 = (int)fmin(by1, ceil(r->y + r->height));
            if (a0 < a1 && b0 < b1) {
                part[np][0] = a0;
                part[np][1] = b0;
                part[np][2] = a1;
                part[np][3] = b1;
                np++;
            }
        }
    } else {
        double cx0, cy0, cx1, cy1;
        cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
        part[0][0] = (int)fmax(bx0, floor(cx0));
        part[0][1] = (int)fmax(by0, floor(cy0));
        part[0][2] = (int)fmin(bx1, ceil(cx1));
        part[0][3] = (int)fmin(by1, ceil(cy1));
        np = part[0][0] < part[0][2] && part[0][1] < part[0][3];
    }
    cairo_rectangle_list_destroy(rl);
    int ux0 = bx1, uy0 = by1, ux1 = bx0, uy1 = by0;
    for (int k = 0; k < np; k++) {
        ux0 = part[k][0] < ux0 ? part[k][0] : ux0;
        uy0 = part[k][1] < uy0 ? part[k][1] : uy0;
        ux1 = part[k][2] > ux1 ? part[k][2] : ux1;
        uy1 = part[k][3] > uy1 ? part[k][3] : uy1;
    }
    cairo_surface_t *img = np > 0 ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, ux1 - ux0, uy1 - uy0) : NULL;
    if (!img || cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        if (img)
            cairo_surface_destroy(img);
        cairo_restore(cr);
        return;                           /* clipped away, or no memory */
    }
    cairo_surface_flush(img);
    arc_pixels(part, np, X, Y, Rd, hm, hg, f, ref, a2, vc, alpha, cairo_image_surface_get_data(img),
               cairo_image_surface_get_stride(img), ux0, uy0, false);
    cairo_surface_mark_dirty(img);
    cairo_set_source_surface(cr, img, ux0, uy0);
    cairo_paint(cr);
    cairo_surface_destroy(img);
    cairo_restore(cr);
}

/* Tests only (test_repaint): compute the arc per pixel, no picture. */
bool wdg_gauge_direct;

/* The marks: the value arc with its glow and bright head, and the number. */
static void gauge_draw_overlay(const wdg_t *w, draw_t *d)
{
    const gauge_t *g = (const gauge_t *)w;
    cairo_t *cr = d->cr;
    bs_color_t text = draw_theme(d, THEME_TEXT), a2 = draw_theme(d, THEME_ACCENT2);
    double alpha = 1.0;   /* stale: the core dims it */
    gauge_geom_t G = geom(g);
    double R = G.R, cx = G.cx, cy = G.cy, ring = G.ring;
    /* value arc, accent2 → value colour, its glow under it, a bright head */
    bs_color_t vc = draw_color(d, fmt_color(&g->fmt, g->to, g->color));
    double f = g->has && isfinite(g->shown) ? frac_of(g, g->shown) : 0;
    if (f > 0) {
        draw_arc(d, wdg_gauge_direct ? NULL : g->cache, &G, f, a2, vc, arc_ref(g), alpha);
        double ah = A0 + SPAN * f;
        cairo_new_path(cr);
        cairo_arc(cr, cx + cos(ah) * R, cy + sin(ah) * R, ring * 0.42, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.95 * alpha);
        cairo_fill(cr);
    }
    /* the number */
    fmt_out_t fo;
    double size = g->size > 0 ? g->size : R * 0.46;
    fmt_number_as(&g->fmt, g->has ? g->shown : NAN, g->to, &fo);
    bs_color_t nc = text;
    nc.a *= alpha;
    double nw = draw_number_width(d, FONT_NUMBER, size, fo.num);
    double uw = fo.unit[0] ? draw_text_width(d, FONT_TEXT, size * 0.42, fo.unit) + 4 : 0;
    double nx = cx - (nw + uw) / 2, ny = cy + size * 0.25;
    draw_number(d, FONT_NUMBER, size, nx, ny, fo.num, nc, AL_LEFT | AL_BASELINE);
    if (uw > 0) {
        bs_color_t vcc = vc;
        vcc.a *= alpha;
        draw_text(d, FONT_BOLD, size * 0.42, nx + nw + 4, ny, fo.unit, vcc, AL_LEFT | AL_BASELINE);
    }
}

/* The box of the ring's sector from fraction f0 to f1 of the span (its glow
 * included), grown by e. */
static rect_t sector_box(const gauge_geom_t *G, double f0, double f1, double e)
{
    double ri = G->R - G->ring * 0.95 - e, ro = G->R + G->ring * 0.95 + e;
    double a0 = A0 + SPAN * f0, a1 = A0 + SPAN * f1;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
#define TAKE(a)                                                                  \
    do {                                                                         \
        double c_ = cos(a), s_ = sin(a);                                         \
        x0 = fmin(x0, fmin(c_ * ri, c_ * ro));                                   \
        x1 = fmax(x1, fmax(c_ * ri, c_ * ro));                                   \
        y0 = fmin(y0, fmin(s_ * ri, s_ * ro));                                   \
        y1 = fmax(y1, fmax(s_ * ri, s_ * ro));                                   \
    } while (0)
    TAKE(a0);
    TAKE(a1);
    for (int k = 1; k <= 8; k++)              /* the extremes of x and y between */
        if (k * M_PI / 2 > a0 && k * M_PI / 2 < a1)
            TAKE(k * M_PI / 2);
#undef TAKE
    x0 -= e; y0 -= e; x1 += e; y1 += e;
    return (rect_t){ G->cx + x0, G->cy + y0, x1 - x0, y1 - y0 };
}

#define GAUGE_SECTORS 12                    /* boxes a sweep is cut into */

/* Where the marks go. The number's row, as wide as its text may be (a
 * long number may reach past the ring, up to the widget's edges). The arc: its colours stay put
 * while it sweeps (arc_ref), so what changes over a tween is the sector
 * between where it starts and where it ends, with the head there and the
 * glow around it: that sector's boxes, in pieces of at most 1/12 of the
 * span. The boxes are those of what is left of the tween (from the arc's
 * end now to where it goes), so the core's old ∪ new holds every frame's
 * change, also after a retarget or a jump (the old frame's boxes reach
 * back to where the arc was drawn). When the colours
 * change (the target moved to another 1/32, or another threshold colour)
 * the frame that applies it repaints the whole ring. */
static int gauge_overlay_rects(const wdg_t *w, double now, rect_t *out, int max)
{
    const gauge_t *g = (const gauge_t *)w;
    gauge_geom_t G = geom(g);
    double e = G.R + G.ring * 1.0 + 2;
    int n = 0;
    double size = g->size > 0 ? g->size : G.R * 0.46, ny = G.cy + size * 0.25;
    /* the number's row, as wide as the widest text the tween shows could be
     * (text widths are not known here: their estimate, generously) */
    double half = w->rect.w;
    if (g->tw.set) {
        double wmax = 0;
        double ends[2] = { g->tw.from, g->tw.to };
        for (int i = 0; i < 2; i++) {
            fmt_out_t fo;
            fmt_number_as(&g->fmt, ends[i], g->to, &fo);
            wmax = fmax(wmax, draw_text_width_estimate(fo.num, size) + draw_text_width_estimate(fo.unit, size * 0.42));
        }
        half = wmax * 0.8 + size * 0.5 + 8;
    }
    double rx0 = fmax(w->rect.x, G.cx - half), rx1 = fmin(w->rect.x + w->rect.w, G.cx + half);
    if (n < max && rx1 > rx0)
        out[n++] = (rect_t){ rx0, ny - size * 1.05, rx1 - rx0, size * 1.4 };
    rect_t ring = { G.cx - e, G.cy - e, 2 * e, 2 * e };
    bool whole = !g->has || now <= g->recolour_t + 1e-9 || !g->tw.set || max - n < GAUGE_SECTORS;
    double fa = 0, fb = 0;
    if (!whole) {
        /* from where the arc is now to where it ends: the ease only goes on
         * towards its end, also after a retarget (which bends it from where
         * it is), so what is left of the tween is all that still moves */
        double a = wdg_tween_at(&g->tw, now), b = g->tw.to;
        a = isfinite(a) ? frac_of(g, a) : NAN;
        b = isfinite(b) ? frac_of(g, b) : NAN;
        if (isnan(a) && isnan(b))
            return n;                     /* no arc now, and none moving */
        fa = isnan(a) ? b : isnan(b) ? a : fmin(a, b);
        fb = isnan(a) ? b : isnan(b) ? a : fmax(a, b);
        /* the head reaches a little past the arc's end */
        double pad = (G.ring * 0.42 + 2) / (G.R * SPAN);
        fa = fmax(0, fa - pad);
        fb = fmin(1, fb + pad);
        whole = !(fb >= fa);
    }
    if (whole) {
        if (n < max)
            out[n++] = ring;
        return n;
    }
    int k = (int)ceil((fb - fa) * GAUGE_SECTORS);
    if (k < 1)
        k = 1;
    for (int i = 0; i < k && n < max; i++)
        out[n++] = sector_box(&G, fa + (fb - fa) * i / k, fa + (fb - fa) * (i + 1) / k, 2);
    return n;
}

static void gauge_text(const wdg_t *w, wdg_text_t *out)
{
    const gauge_t *g = (const gauge_t *)w;
    fmt_out_t f;
    char line[160];
    fmt_number(&g->fmt, g->has ? g->to : NAN, &f);
    fmt_join(&f, line, sizeof line);
    wdg_text_add(out, "%s", line);
}

static double gauge_next_tick(const wdg_t *w, double now, int64_t wall_ms)
{
    const gauge_t *g = (const gauge_t *)w;
    (void)wall_ms;
    return g->has && wdg_tween_running(&g->tw, now) ? now : INFINITY;
}

const wdg_class_t wdg_gauge_class = {
    .name = "gauge",
    .doc  = "A 270° ring against a target: scale ticks, the value arc coloured by threshold, a gold "
            "marker at the target and the number in the middle. For rates such as the online-office "
            "rate against 90 %.",
    .size = sizeof(gauge_t),
    .opts = gauge_opts,
    .bindable = true,
    .init = gauge_init,
    .destroy = gauge_destroy,
    .data = gauge_data,
    .tick = gauge_tick,
    .next_tick = gauge_next_tick,
    .draw_base = gauge_draw_base,
    .draw_overlay = gauge_draw_overlay,
    .overlay_rects = gauge_overlay_rects,
    .draw_top = gauge_draw_top,
    .panel = offsetof(gauge_t, frame),
    .text = gauge_text,
};
