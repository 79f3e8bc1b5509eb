/* draw.c — shared drawing kit for widgets (see draw.h). */
#include "draw.h"
#include "format.h"
#include "text.h"
#include "value.h"

#include <math.h>
#include <stdbool.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bs_color_t theme_color(const theme_t *t, bs_color_t c)
{
    if (c.theme >= 0 && c.theme < THEME_N_COLORS) {
        bs_color_t r = t->colors[c.theme];
        r.a *= c.a;
        return r;
    }
    return c;
}

bs_color_t draw_color(const draw_t *d, bs_color_t c)
{
    return theme_color(d->theme, c);
}

bs_color_t draw_theme(const draw_t *d, int i)
{
    return d->theme->colors[i];
}

void draw_source(draw_t *d, bs_color_t c, double alpha)
{
    c = draw_color(d, c);
    cairo_set_source_rgba(d->cr, c.r, c.g, c.b, c.a * alpha);
}

static int px_of(const draw_t *d, double size)
{
    int px = (int)lround(size * d->scale);
    return px < 1 ? 1 : px;
}

/* Device-space top-left for a run of advance adv at anchor (x, y). */
static void place(draw_t *d, double x, double y, int px, double adv, double ascent, int align,
                  double *left, double *top)
{
    cairo_user_to_device(d->cr, &x, &y);
    int h = align & 3;
    if (h == AL_CENTER)
        x -= adv / 2;
    else if (h == AL_RIGHT)
        x -= adv;
    double baseline;
    if (align & AL_TOP)
        baseline = y + 0.88 * px;
    else if (align & AL_BASELINE)
        baseline = y;
    else if (align & AL_BOTTOM)
        baseline = y - 0.12 * px;
    else
        baseline = y + 0.37 * px;
    *left = round(x);
    *top = round(baseline - ascent);
}

static void blit(draw_t *d, const text_run_t *run, double left, double top, bs_color_t c, double alpha)
{
    if (!run->mask)
        return;
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    c = draw_color(d, c);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * alpha);
    cairo_mask_surface(cr, run->mask, left - run->pad, top - run->pad);
    cairo_restore(cr);
}

double draw_text_width(draw_t *d, int role, double size, const char *s)
{
    return text_measure(d->tc, role, px_of(d, size), s) / d->scale;
}

bool draw_text_ink(draw_t *d, int role, double size, const char *s, int align, rect_t *out)
{
    *out = (rect_t){ 0, 0, 0, 0 };
    int px = px_of(d, size);
    const text_run_t *run = s ? text_get(d->tc, role, px, s, 0) : NULL;
    if (!run || !run->mask)
        return false;
    cairo_surface_t *m = run->mask;
    cairo_surface_flush(m);
    const unsigned char *p = cairo_image_surface_get_data(m);
    int st = cairo_image_surface_get_stride(m), w = cairo_image_surface_get_width(m);
    int h = cairo_image_surface_get_height(m);
    int x0 = w, x1 = -1, y0 = h, y1 = -1;
    for (int y = 0; y < h; y++) {
        const unsigned char *row = p + (size_t)y * (size_t)st;
        for (int x = 0; x < w; x++)
            if (row[x]) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y;
            }
    }
    if (x1 < 0)
        return false;
    /* where place() puts the mask's top-left, before its rounding */
    double adv = run->advance, left = 0, baseline;
    int hal = align & 3;
    if (hal == AL_CENTER)
        left = -adv / 2;
    else if (hal == AL_RIGHT)
        left = -adv;
    if (align & AL_TOP)
        baseline = 0.88 * px;
    else if (align & AL_BASELINE)
        baseline = 0;
    else if (align & AL_BOTTOM)
        baseline = -0.12 * px;
    else
        baseline = 0.37 * px;
    double top = baseline - run->ascent;
    double ax = left - run->pad + x0 - 1, bx = left - run->pad + x1 + 2;
    double ay = top - run->pad + y0 - 1, by = top - run->pad + y1 + 2;
    cairo_matrix_t mt;                    /* device pixels to design units, as the text is placed */
    cairo_get_matrix(d->cr, &mt);
    double sx = mt.xx > 0 ? mt.xx : d->scale, sy = mt.yy > 0 ? mt.yy : d->scale;
    *out = (rect_t){ ax / sx, ay / sy, (bx - ax) / sx, (by - ay) / sy };
    return true;
}

static double text_common(draw_t *d, int role, double size, double x, double y, const char *s,
                          bs_color_t c, bs_color_t *glow, int align)
{
    int px = px_of(d, size);
    const text_run_t *run = text_get(d->tc, role, px, s, 0);
    if (!run)
        return 0;
    double adv = run->advance, asc = run->ascent, left, top;
    place(d, x, y, px, adv, asc, align, &left, &top);
    if (glow) {
        int blur = px / 10 > 1 ? px / 10 : 1;
        const text_run_t *g = text_get(d->tc, role, px, s, blur);
        if (g) {
            blit(d, g, left, top, *glow, 0.9);
            blit(d, g, left, top, *glow, 0.5);
        }
        run = text_get(d->tc, role, px, s, 0);   /* the glow call may evict */
        if (!run)
            return 0;
    }
    blit(d, run, left, top, c, 1.0);
    return adv / d->scale;
}

double draw_text(draw_t *d, int role, double size, double x, double y, const char *s,
                 bs_color_t c, int align)
{
    return text_common(d, role, size, x, y, s, c, NULL, align);
}

double draw_text_glow(draw_t *d, int role, double size, double x, double y, const char *s,
                      bs_color_t c, bs_color_t glow, int align)
{
    return text_common(d, role, size, x, y, s, c, &glow, align);
}

/* Length in bytes of the UTF-8 sequence starting with lead byte c. */
static int u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

double draw_text_fit(draw_t *d, int role, double size, double x, double y, const char *s,
                     bs_color_t c, int align, double max_w)
{
    if (draw_text_width(d, role, size, s) <= max_w)
        return draw_text(d, role, size, x, y, s, c, align);
    char buf[1024];
    size_t n = strlen(s);
    if (n > sizeof buf - 4)
        n = sizeof buf - 4;
    /* drop whole characters from the end until it fits with "…" */
    while (n > 0) {
        size_t k = 0, last = 0;
        while (k < n) {
            last = k;
            k += (size_t)u8len((unsigned char)s[k]);
        }
        n = last;
        memcpy(buf, s, n);
        memcpy(buf + n, "…", 4);
        if (draw_text_width(d, role, size, buf) <= max_w)
            return draw_text(d, role, size, x, y, buf, c, align);
    }
    return 0;
}

/* Width in pixels of one digit cell at px: the widest of 0-9. */
static double digit_cell(draw_t *d, int role, int px)
{
    /* per thread: a reload's next screen is drawn on the reload thread */
    static _Thread_local struct { text_cache_t *tc; int role, px; double w; } memo[8];
    static _Thread_local unsigned next;
    for (unsigned i = 0; i < 8; i++)
        if (memo[i].tc == d->tc && memo[i].role == role && memo[i].px == px)
            return memo[i].w;
    double w = 0;
    for (char c = '0'; c <= '9'; c++) {
        char s[2] = { c, 0 };
        double a = text_measure(d->tc, role, px, s);
        if (a > w)
            w = a;
    }
    memo[next % 8].tc = d->tc;
    memo[next % 8].role = role;
    memo[next % 8].px = px;
    memo[next % 8].w = w;
    next++;
    return w;
}

static double number_px_width(draw_t *d, int role, int px, const char *s)
{
    double cell = digit_cell(d, role, px), w = 0;
    for (const char *p = s; *p;) {
        int n = u8len((unsigned char)*p);
        if (*p >= '0' && *p <= '9') {
            w += cell;
        } else {
            char ch[5] = { 0 };
            for (int i = 0; i < n && p[i]; i++)
                ch[i] = p[i];
            w += text_measure(d->tc, role, px, ch);
        }
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

double draw_number_width(draw_t *d, int role, double size, const char *s)
{
    return number_px_width(d, role, px_of(d, size), s) / d->scale;
}

double draw_number(draw_t *d, int role, double size, double x, double y, const char *s,
                   bs_color_t c, int align)
{
    if (!s || !bs_utf8_valid(s, strlen(s)))
        return 0;
    int px = px_of(d, size);
    double total = number_px_width(d, role, px, s), cell = digit_cell(d, role, px);
    const text_run_t *probe = text_get(d->tc, role, px, "0", 0);
    if (!probe)
        return 0;
    double asc = probe->ascent, left, top;
    place(d, x, y, px, total, asc, align, &left, &top);
    double pen = left;
    for (const char *p = s; *p;) {
        int n = u8len((unsigned char)*p);
        char ch[5] = { 0 };
        for (int i = 0; i < n && p[i]; i++)
            ch[i] = p[i];
        const text_run_t *run = text_get(d->tc, role, px, ch, 0);
        if (!run)
            return 0;
        double adv = run->advance;
        if (*p >= '0' && *p <= '9') {
            blit(d, run, round(pen + (cell - adv) / 2), top, c, 1.0);
            pen += cell;
        } else {
            blit(d, run, round(pen), top, c, 1.0);
            pen += adv;
        }
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return total / d->scale;
}

/* ---- the damage as the clip holds it ------------------------------------ */

void draw_clip_get(draw_t *d, draw_clip_t *c)
{
    c->n = 0;
    c->all = true;
    cairo_save(d->cr);
    cairo_identity_matrix(d->cr);
    cairo_rectangle_list_t *l = cairo_copy_clip_rectangle_list(d->cr);
    cairo_restore(d->cr);
    if (l->status == CAIRO_STATUS_SUCCESS && l->num_rectangles <= DRAW_CLIP_MAX) {
        c->all = false;
        for (int i = 0; i < l->num_rectangles; i++) {
            const cairo_rectangle_t *r = &l->rectangles[i];
            c->x0[c->n] = r->x;
            c->y0[c->n] = r->y;
            c->x1[c->n] = r->x + r->width;
            c->y1[c->n++] = r->y + r->height;
        }
    }
    cairo_rectangle_list_destroy(l);
}

bool draw_clip_hits(const draw_clip_t *c, const draw_t *d, rect_t r)
{
    if (!c || c->all)
        return true;
    double ax = r.x, ay = r.y, bx = r.x + r.w, by = r.y + r.h;
    cairo_user_to_device(d->cr, &ax, &ay);
    cairo_user_to_device(d->cr, &bx, &by);
    double x0 = fmin(ax, bx) - 1, x1 = fmax(ax, bx) + 1, y0 = fmin(ay, by) - 1, y1 = fmax(ay, by) + 1;
    for (int i = 0; i < c->n; i++)
        if (x0 < c->x1[i] && x1 > c->x0[i] && y0 < c->y1[i] && y1 > c->y0[i])
            return true;
    return false;
}

/* ---- numbers on fixed cells ---------------------------------------------- */

double draw_cell_em(const char *ch)
{
    unsigned char c = (unsigned char)ch[0];
    if (c >= '0' && c <= '9')
        return 0.6;
    switch (c) {
    case '.': case ',': case ':': case '\'': return 0.33;
    case '-': return 0.38;
    case '%': return 0.97;
    case ' ': return 0.25;
    default: return c < 0x80 ? 0.62 : 1.0;
    }
}

/* One cell of a cells string: where its character's bytes are, its width. */
typedef struct { int at, len; double em; } cell_t;
#define CELLS_MAX 64

/* The cells of s (at most CELLS_MAX; the rest ignored); returns how many. */
static int cells_of(const char *s, cell_t *out)
{
    int n = 0;
    for (int i = 0; s[i] && n < CELLS_MAX;) {
        int len = u8len((unsigned char)s[i]);
        for (int k = 1; k < len; k++)
            if (!s[i + k]) {
                len = k;
                break;
            }
        out[n++] = (cell_t){ i, len, draw_cell_em(s + i) };
        i += len;
    }
    return n;
}

double draw_cells_width(const char *s, double size)
{
    cell_t c[CELLS_MAX];
    int n = s ? cells_of(s, c) : 0;
    double w = 0;
    for (int i = 0; i < n; i++)
        w += c[i].em;
    return w * size;
}

/* The left edge of a cells run of width w anchored at x, and its baseline
 * anchored at y (as place() puts a run, in design units). */
static double cells_left(double x, double w, int align)
{
    int h = align & 3;
    return h == AL_CENTER ? x - w / 2 : h == AL_RIGHT ? x - w : x;
}

static double cells_baseline(double y, double size, int align)
{
    if (align & AL_TOP)
        return y + 0.88 * size;
    if (align & AL_BASELINE)
        return y;
    if (align & AL_BOTTOM)
        return y - 0.12 * size;
    return y + 0.37 * size;
}

/* The box the ink of the cells from x0 to x1 can cover: a tenth of an em
 * more on each side (glyphs overhang their advance a little), the ascent
 * and descent of a CJK face, and a unit for the pixel rounding. */
static rect_t cell_box(double x0, double x1, double base, double size)
{
    double m = 0.1 * size + 1;
    return (rect_t){ x0 - m, base - 1.0 * size - 1, x1 - x0 + 2 * m, 1.32 * size + 2 };
}

rect_t draw_cells_box(const char *s, double size, double x, double y, int align)
{
    double w = draw_cells_width(s, size), x0 = cells_left(x, w, align);
    return cell_box(x0, x0 + w, cells_baseline(y, size, align), size);
}

double draw_cells(draw_t *d, int role, double size, double x, double y, const char *s, bs_color_t c, int align,
                  const draw_clip_t *clip)
{
    if (!s || !bs_utf8_valid(s, strlen(s)))
        return 0;
    cell_t cell[CELLS_MAX];
    int n = cells_of(s, cell), px = px_of(d, size);
    double w = 0;
    for (int i = 0; i < n; i++)
        w += cell[i].em * size;
    const text_run_t *probe = text_get(d->tc, role, px, "0", 0);
    if (!probe)
        return 0;
    double x0 = cells_left(x, w, align), base = cells_baseline(y, size, align);
    double asc = probe->ascent, left, top;
    place(d, x, y, px, 0, asc, align & ~3, &left, &top);      /* the baseline as draw_number puts it */
    double pen = x0;
    for (int i = 0; i < n; i++) {
        double cw = cell[i].em * size;
        if (clip && !draw_clip_hits(clip, d, cell_box(pen, pen + cw, base, size))) {
            pen += cw;
            continue;
        }
        char ch[5] = { 0 };
        memcpy(ch, s + cell[i].at, (size_t)cell[i].len);
        const text_run_t *run = text_get(d->tc, role, px, ch, 0);
        if (!run)
            return 0;
        double X = pen + cw / 2, Y = y;
        cairo_user_to_device(d->cr, &X, &Y);
        blit(d, run, round(X - run->advance / 2), top, c, 1.0);
        pen += cw;
    }
    return w;
}

int draw_cells_diff(const char *was, const char *s, double size, double x, double y, int align, rect_t *out,
                    int max)
{
    if (max < 2 || !s)
        return -1;
    if (was && strcmp(was, s) == 0)
        return 0;
    cell_t a[CELLS_MAX], b[CELLS_MAX];
    int na = was ? cells_of(was, a) : -1, nb = cells_of(s, b);
    bool same = na == nb;
    for (int i = 0; same && i < nb; i++)
        same = a[i].em == b[i].em;
    if (!same) {                           /* moved about: all of both */
        int n = 0;
        out[n++] = draw_cells_box(s, size, x, y, align);
        if (was)
            out[n++] = draw_cells_box(was, size, x, y, align);
        return n;
    }
    double w = draw_cells_width(s, size), pen = cells_left(x, w, align), base = cells_baseline(y, size, align);
    int n = 0;
    double run0 = 0;
    bool in_run = false;
    for (int i = 0; i <= nb; i++) {
        bool diff = i < nb && (a[i].len != b[i].len || memcmp(was + a[i].at, s + b[i].at, (size_t)b[i].len) != 0);
        if (diff && !in_run) {
            run0 = pen;
            in_run = true;
        } else if (!diff && in_run) {      /* a run of changed cells ends at pen */
            if (n == max) {                /* out of room: from the first to here */
                rect_t f = out[0];
                rect_t l = cell_box(run0, pen, base, size);
                out[0] = (rect_t){ f.x, f.y, l.x + l.w - f.x, f.h };
                n = 1;
            } else {
                out[n++] = cell_box(run0, pen, base, size);
            }
            in_run = false;
        }
        if (i < nb)
            pen += b[i].em * size;
    }
    return n;
}

static rect_t rect_join(rect_t a, rect_t b)
{
    double x0 = fmin(a.x, b.x), y0 = fmin(a.y, b.y);
    double x1 = fmax(a.x + a.w, b.x + b.w), y1 = fmax(a.y + a.h, b.y + b.h);
    return (rect_t){ x0, y0, x1 - x0, y1 - y0 };
}

static bool rect_inside(rect_t a, rect_t b)        /* a within b */
{
    return a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
}

int draw_rects_fit(rect_t *r, int n, int max)
{
    if (max < 1)
        max = 1;
    for (int i = 0; i < n; i++)                     /* drop what another holds */
        for (int j = 0; j < n; j++)
            if (i != j && rect_inside(r[i], r[j])) {
                r[i] = r[--n];
                i--;
                break;
            }
    while (n > max) {
        int bi = 0, bj = 1;
        double best = INFINITY;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                rect_t u = rect_join(r[i], r[j]);
                double extra = u.w * u.h - r[i].w * r[i].h - r[j].w * r[j].h;
                if (extra < best) {
                    best = extra;
                    bi = i;
                    bj = j;
                }
            }
        r[bi] = rect_join(r[bi], r[bj]);
        r[bj] = r[--n];
    }
    return n;
}

void draw_round_rect(cairo_t *cr, double x, double y, double w, double h, double r)
{
    if (r > w / 2) r = w / 2;
    if (r > h / 2) r = h / 2;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
    cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
    cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

/* ---- glow strokes --------------------------------------------------------
 *
 * A glowing line is four nested round-capped strokes of one colour: three
 * wide ones at 10 % and the line itself. Stroked by cairo that is four passes
 * of its stroker, the dearest thing a moving mark did (a 30-point curve
 * easing cost 3.7 ms a frame at 1080p). The same pixels come from one pass:
 * the distance of each pixel centre to the flattened path gives each
 * stroke's coverage (a box filter across the edge: clamp(half width - d +
 * 0.5, 0, 1), as an antialiased stroke covers), the four OVERs of one colour
 * fold into one alpha 1 - Π(1 - a_k · cov_k), and that mask is composited
 * once. Round joins and caps come free: a distance to a polyline is round.
 * Done in bands of rows so the scratch stays small at 4K. Falls back to
 * cairo's strokes for dashes and for transforms that are not a uniform
 * scale (a stretched canvas). */

#define GLOW_BAND  64             /* rows per band */
#define GLOW_MAX_W 8192           /* widest band, pixels */

typedef struct { float ax, ay, bx, by; } gseg_t;

static _Thread_local struct {
    float   *d2;                  /* squared distances, one band */
    uint8_t *mask;                /* the band's alpha */
    gseg_t  *seg;
    size_t   d2_cap, mask_cap, seg_cap;
} glow_tls;

static void *grow(void *p, size_t *cap, size_t want, size_t elem)
{
    if (want <= *cap)
        return p;
    size_t n = *cap ? *cap : 256;
    while (n < want)
        n *= 2;
    void *q = realloc(p, n * elem);
    if (!q)
        return NULL;
    *cap = n;
    return q;
}

static void cairo_glow_stroke(draw_t *d, bs_color_t c, double width, double glow)
{
    cairo_t *cr = d->cr;
    cairo_path_t *path = cairo_copy_path(cr);
    for (int i = 3; i >= 1; i--) {
        cairo_new_path(cr);
        cairo_append_path(cr, path);
        draw_source(d, c, 0.10);
        cairo_set_line_width(cr, width + glow * i / 1.5);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
    cairo_append_path(cr, path);
    draw_source(d, c, 1.0);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
    cairo_path_destroy(path);
}

/* The path of cr as device-space segments into glow_tls.seg (flattened);
 * their count, or -1 when out of memory. Extents into *box. */
static int glow_segments(cairo_t *cr, const cairo_matrix_t *m, double box[4])
{
    double tol = cairo_get_tolerance(cr);
    cairo_set_tolerance(cr, 0.2);
    cairo_path_t *p = cairo_copy_path_flat(cr);
    cairo_set_tolerance(cr, tol);
    if (!p || p->status != CAIRO_STATUS_SUCCESS) {
        cairo_path_destroy(p);
        return -1;
    }
    int n = 0;
    double sx = 0, sy = 0, cx = 0, cy = 0;
    bool have = false;
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (int i = 0; i < p->num_data; i += p->data[i].header.length) {
        const cairo_path_data_t *e = &p->data[i];
        double x = 0, y = 0;
        bool seg = false;
        if (e->header.type == CAIRO_PATH_MOVE_TO) {
            sx = cx = m->xx * e[1].point.x + m->x0;
            sy = cy = m->yy * e[1].point.y + m->y0;
            have = true;
            continue;
        } else if (e->header.type == CAIRO_PATH_LINE_TO) {
            x = m->xx * e[1].point.x + m->x0;
            y = m->yy * e[1].point.y + m->y0;
            seg = true;
        } else if (e->header.type == CAIRO_PATH_CLOSE_PATH) {
            x = sx;
            y = sy;
            seg = have;
        }
        if (!seg)
            continue;
        if (!have) {                      /* a line_to without a current point starts there */
            sx = cx = x;
            sy = cy = y;
            have = true;
        }
        gseg_t *g = grow(glow_tls.seg, &glow_tls.seg_cap, (size_t)n + 1, sizeof *g);
        if (!g) {
            cairo_path_destroy(p);
            return -1;
        }
        glow_tls.seg = g;
        g[n++] = (gseg_t){ (float)cx, (float)cy, (float)x, (float)y };
        box[0] = fmin(box[0], fmin(cx, x));
        box[1] = fmin(box[1], fmin(cy, y));
        box[2] = fmax(box[2], fmax(cx, x));
        box[3] = fmax(box[3], fmax(cy, y));
        cx = x;
        cy = y;
    }
    cairo_path_destroy(p);
    return n;
}

/* The band of rows [y0, y0 + bh) x [x0, x0 + bw): squared distance of each
 * pixel centre to the nearest segment, for those within R. Only the span
 * [lo[y], hi[y]] of each row (band-relative x; empty when lo > hi) is
 * written: what a segment reaches, so the rest of the band costs nothing
 * (most of a curve's bounding box is far from it). */
static void glow_band_dist(int nseg, float R, int x0, int y0, int bw, int bh, int *lo, int *hi)
{
    float *d2 = glow_tls.d2;
    for (int y = 0; y < bh; y++) {
        lo[y] = bw;
        hi[y] = -1;
    }
    float R2 = R * R;
    for (int s = 0; s < nseg; s++) {
        gseg_t g = glow_tls.seg[s];
        float slo = fminf(g.ay, g.by) - R, shi = fmaxf(g.ay, g.by) + R;
        int ya = (int)floorf(slo - 0.5f), yb = (int)ceilf(shi - 0.5f);
        if (ya < y0)
            ya = y0;
        if (yb > y0 + bh - 1)
            yb = y0 + bh - 1;
        if (ya > yb)
            continue;
        float dx = g.bx - g.ax, dy = g.by - g.ay, len2 = dx * dx + dy * dy;
        float inv = len2 > 0 ? 1.0f / len2 : 0;
        for (int y = ya; y <= yb; y++) {
            float py = (float)y + 0.5f;
            /* the x span of the segment where it is within R of this row */
            float xl, xr;
            if (fabsf(dy) < 1e-6f) {
                xl = fminf(g.ax, g.bx);
                xr = fmaxf(g.ax, g.bx);
            } else {
                float t0 = (py - R - g.ay) / dy, t1 = (py + R - g.ay) / dy;
                if (t0 > t1) {
                    float t = t0;
                    t0 = t1;
                    t1 = t;
                }
                t0 = fmaxf(t0, 0);
                t1 = fminf(t1, 1);
                if (t0 > t1)
                    continue;
                xl = fminf(g.ax + dx * t0, g.ax + dx * t1);
                xr = fmaxf(g.ax + dx * t0, g.ax + dx * t1);
            }
            int xa = (int)floorf(xl - R - 0.5f), xb = (int)ceilf(xr + R - 0.5f);
            if (xa < x0)
                xa = x0;
            if (xb > x0 + bw - 1)
                xb = x0 + bw - 1;
            if (xa > xb)
                continue;
            int r = y - y0;
            float *row = d2 + (size_t)r * (size_t)bw - x0;
            /* grow the row's span to [xa, xb], clearing what is new */
            if (lo[r] > hi[r]) {
                for (int x = xa; x <= xb; x++)
                    row[x] = INFINITY;
                lo[r] = xa - x0;
                hi[r] = xb - x0;
            } else {
                for (int x = xa; x < x0 + lo[r]; x++)
                    row[x] = INFINITY;
                for (int x = x0 + hi[r] + 1; x <= xb; x++)
                    row[x] = INFINITY;
                if (xa - x0 < lo[r])
                    lo[r] = xa - x0;
                if (xb - x0 > hi[r])
                    hi[r] = xb - x0;
            }
            float qy = py - g.ay;
            for (int x = xa; x <= xb; x++) {
                float qx = (float)x + 0.5f - g.ax;
                float t = (qx * dx + qy * dy) * inv;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                float ex = qx - t * dx, ey = qy - t * dy, e2 = ex * ex + ey * ey;
                if (e2 < row[x] && e2 < R2)
                    row[x] = e2;
            }
        }
    }
}

void draw_glow_stroke_exact(draw_t *d, bs_color_t c, double width, double glow)
{
    cairo_t *cr = d->cr;
    cairo_path_t *path = cairo_copy_path(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int i = 3; i >= 0; i--) {
        cairo_new_path(cr);
        cairo_append_path(cr, path);
        draw_source(d, c, i ? 0.10 : 1.0);
        cairo_set_line_width(cr, width + glow * i / 1.5);
        cairo_stroke(cr);
    }
    cairo_path_destroy(path);
}

double draw_text_width_estimate(const char *s, double size)
{
    double w = 0;
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch < 0x80)
            w += 0.62;
        else if ((ch & 0xc0) == 0xc0)
            w += 1.0;
    }
    return w * size;
}

void draw_glow_stroke(draw_t *d, bs_color_t c, double width, double glow)
{
    cairo_t *cr = d->cr;
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = fabs(m.xx);
    if (cairo_get_dash_count(cr) > 0 || m.xy != 0 || m.yx != 0 || !(s > 0) ||
        fabs(fabs(m.yy) - s) > 1e-9 * s || cairo_get_operator(cr) != CAIRO_OPERATOR_OVER) {
        cairo_glow_stroke(d, c, width, glow);
        return;
    }
    double box[4];
    int nseg = glow_segments(cr, &m, box);
    if (nseg < 0) {
        cairo_glow_stroke(d, c, width, glow);
        return;
    }
    cairo_new_path(cr);                   /* the path is consumed, as a stroke would */
    c = draw_color(d, c);
    if (nseg == 0 || !(c.a > 0))
        return;
    /* the strokes, outermost first: half widths in pixels and alphas */
    float hw[4], al[4];
    for (int i = 0; i < 3; i++) {
        hw[i] = (float)((width + glow * (3 - i) / 1.5) * s / 2);
        al[i] = (float)(c.a * 0.10);
    }
    hw[3] = (float)(width * s / 2);
    al[3] = (float)c.a;
    float R = fmaxf(fmaxf(hw[0], hw[3]), 0) + 0.5f;
    /* the mask's extent: the path's, grown by R, within the clip */
    double cx0, cy0, cx1, cy1;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    int x0 = (int)floor(fmax(box[0] - R, cx0)), y0 = (int)floor(fmax(box[1] - R, cy0));
    int x1 = (int)ceil(fmin(box[2] + R, cx1)), y1 = (int)ceil(fmin(box[3] + R, cy1));
    if (x1 - x0 > GLOW_MAX_W)
        x1 = x0 + GLOW_MAX_W;
    int bw = x1 - x0;
    if (bw <= 0 || y1 <= y0) {
        cairo_restore(cr);
        return;
    }
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_A8, bw);
    float *d2 = grow(glow_tls.d2, &glow_tls.d2_cap, (size_t)bw * GLOW_BAND, sizeof *d2);
    if (d2)
        glow_tls.d2 = d2;
    uint8_t *mk = grow(glow_tls.mask, &glow_tls.mask_cap, (size_t)stride * GLOW_BAND, 1);
    if (mk)
        glow_tls.mask = mk;
    if (!d2 || !mk) {
        cairo_restore(cr);
        return;                           /* out of memory: no glow this time */
    }
    cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
    float R2 = R * R;
    for (int by = y0; by < y1; by += GLOW_BAND) {
        int bh = y1 - by < GLOW_BAND ? y1 - by : GLOW_BAND;
        int lo[GLOW_BAND], hi[GLOW_BAND];
        glow_band_dist(nseg, R, x0, by, bw, bh, lo, hi);
        int ux0 = bw, ux1 = -1;           /* the columns touched */
        for (int y = 0; y < bh; y++) {
            const float *row = glow_tls.d2 + (size_t)y * (size_t)bw;
            uint8_t *out = glow_tls.mask + (size_t)y * (size_t)stride;
            memset(out, 0, (size_t)bw);
            if (lo[y] > hi[y])
                continue;
            if (lo[y] < ux0)
                ux0 = lo[y];
            if (hi[y] > ux1)
                ux1 = hi[y];
            for (int x = lo[y]; x <= hi[y]; x++) {
                float e2 = row[x];
                if (!(e2 < R2))
                    continue;
                float e = sqrtf(e2), keep = 1;
                for (int k = 0; k < 4; k++) {
                    float cov = hw[k] + 0.5f - e;
                    cov = cov < 0 ? 0 : cov > 1 ? 1 : cov;
                    keep *= 1 - al[k] * cov;
                }
                /* lrintf without the call: adding 1.5 * 2^23 rounds to
                 * the nearest integer, ties to even, as lrintf does */
                float v = ((1 - keep) * 255 + 0x1.8p23f) - 0x1.8p23f;
                out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
        if (ux1 < ux0)
            continue;
        cairo_surface_t *ms = cairo_image_surface_create_for_data(glow_tls.mask, CAIRO_FORMAT_A8, bw, bh, stride);
        cairo_save(cr);
        cairo_rectangle(cr, x0 + ux0, by, ux1 - ux0 + 1, bh);
        cairo_clip(cr);
        cairo_mask_surface(cr, ms, x0, by);
        cairo_restore(cr);
        cairo_surface_destroy(ms);
    }
    cairo_restore(cr);
}

/* ---- direct pixels ---------------------------------------------------------
 *
 * pixman's arithmetic, so that what is composited here is byte for byte
 * what cairo's OVER gives through pixman (its C and SIMD paths agree): a
 * channel times a coverage is (t + (t >> 8)) >> 8 with t = a × b + 0x80,
 * and OVER adds the source to the destination times the source's missing
 * alpha, saturating. */

/* Solid premultiplied s through coverage m, OVER d (m 255 and m 0 exact,
 * as above). */
static inline uint32_t px_over_n(uint32_t s, uint32_t m, uint32_t d)
{
    return draw_px_over(draw_un8x2_mul((s >> 8) & 0xff00ff, m) << 8 | draw_un8x2_mul(s & 0xff00ff, m), d);
}

/* The 8-bit channel cairo hands pixman for a colour channel v in [0, 1]
 * (cairo keeps 16 bits, v × 65535 rounded; pixman takes the high byte). */
static inline uint32_t px_channel(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return (uint32_t)(uint16_t)(v * 65535.0 + 0.5) >> 8;
}

bool draw_px_begin(draw_px_t *px, draw_t *d)
{
    cairo_t *cr = d->cr;
    memset(px, 0, sizeof *px);
    cairo_surface_t *sf = cairo_get_group_target(cr);
    if (!sf || cairo_surface_get_type(sf) != CAIRO_SURFACE_TYPE_IMAGE || cairo_get_operator(cr) != CAIRO_OPERATOR_OVER)
        return false;
    cairo_format_t f = cairo_image_surface_get_format(sf);
    double sx, sy;
    cairo_surface_get_device_scale(sf, &sx, &sy);
    if ((f != CAIRO_FORMAT_ARGB32 && f != CAIRO_FORMAT_RGB24) || sx != 1 || sy != 1)
        return false;
    cairo_surface_get_device_offset(sf, &px->ox, &px->oy);
    if (px->ox != floor(px->ox) || px->oy != floor(px->oy) || fabs(px->ox) > 1e6 || fabs(px->oy) > 1e6)
        return false;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle_list_t *rl = cairo_copy_clip_rectangle_list(cr);
    cairo_restore(cr);
    if (!rl || rl->status != CAIRO_STATUS_SUCCESS || rl->num_rectangles > DRAW_PX_RECTS) {
        cairo_rectangle_list_destroy(rl);
        return false;
    }
    cairo_surface_flush(sf);
    px->data = cairo_image_surface_get_data(sf);
    px->stride = cairo_image_surface_get_stride(sf);
    px->w = cairo_image_surface_get_width(sf);
    px->h = cairo_image_surface_get_height(sf);
    px->ext[0] = px->ext[1] = INT32_MAX;
    px->ext[2] = px->ext[3] = INT32_MIN;
    for (int i = 0; i < rl->num_rectangles; i++) {
        const cairo_rectangle_t *c = &rl->rectangles[i];
        double x0 = c->x + px->ox, y0 = c->y + px->oy, x1 = x0 + c->width, y1 = y0 + c->height;
        if (x0 != floor(x0) || y0 != floor(y0) || x1 != floor(x1) || y1 != floor(y1)) {
            cairo_rectangle_list_destroy(rl);
            return false;             /* (a region's rectangles always are whole) */
        }
        int b[4] = { (int)fmax(x0, 0), (int)fmax(y0, 0), (int)fmin(x1, px->w), (int)fmin(y1, px->h) };
        if (b[2] <= b[0] || b[3] <= b[1])
            continue;
        memcpy(px->r[px->n++], b, sizeof b);
        px->ext[0] = b[0] < px->ext[0] ? b[0] : px->ext[0];
        px->ext[1] = b[1] < px->ext[1] ? b[1] : px->ext[1];
        px->ext[2] = b[2] > px->ext[2] ? b[2] : px->ext[2];
        px->ext[3] = b[3] > px->ext[3] ? b[3] : px->ext[3];
    }
    cairo_rectangle_list_destroy(rl);
    if (!px->data) {
        memset(px, 0, sizeof *px);
        return false;
    }
    px->sf = sf;
    px->dirty[0] = px->dirty[1] = INT32_MAX;
    px->dirty[2] = px->dirty[3] = INT32_MIN;
    px->ok = true;
    return true;
}

void draw_px_end(draw_px_t *px)
{
    if (px->ok && px->dirty[2] > px->dirty[0] && px->dirty[3] > px->dirty[1])
        cairo_surface_mark_dirty_rectangle(px->sf, px->dirty[0], px->dirty[1], px->dirty[2] - px->dirty[0],
                                           px->dirty[3] - px->dirty[1]);
    px->ok = false;
}

static void px_touch(draw_px_t *px, int x0, int y0, int x1, int y1)
{
    px->dirty[0] = x0 < px->dirty[0] ? x0 : px->dirty[0];
    px->dirty[1] = y0 < px->dirty[1] ? y0 : px->dirty[1];
    px->dirty[2] = x1 > px->dirty[2] ? x1 : px->dirty[2];
    px->dirty[3] = y1 > px->dirty[3] ? y1 : px->dirty[3];
}

/* Whether px can take d's drawing now: ok, the matrix a uniform scale. */
static bool px_usable(const draw_px_t *px, const draw_t *d)
{
    if (!px || !px->ok || px->n == 0)
        return false;
    cairo_matrix_t m;
    cairo_get_matrix(d->cr, &m);
    return m.xy == 0 && m.yx == 0 && m.xx > 0 && m.yy == m.xx;
}

/* ---- rings ----------------------------------------------------------------- */

/* A ring in device pixels: centre, radius, half width (+ half a pixel),
 * alpha, and the squared radii of the annulus's outer and inner edges. */
typedef struct {
    double X, Y;
    float  fr, fh, fa, lo, hi, lo2, hi2;
} ring_t;

/* The squared distance ring_cov takes for column x of a row dy off the
 * centre. */
static inline float ring_e2(const ring_t *g, int x, float dy)
{
    float dx = (float)x + 0.5f - (float)g->X;
    return dx * dx + dy * dy;
}

/* Columns of device row y the annulus can reach: [*a0, *a1] (with a pixel
 * to spare), except the hole [*h0, *h1] surely inside its inner edge
 * (h1 < h0: none). Outside the annulus the coverage is zero by itself
 * (ring_cov_in), so the spare costs pixels, never changes one. false when
 * the row misses the ring. */
static bool ring_span(const ring_t *g, int y, float *dy, int *a0, int *a1, int *h0, int *h1)
{
    *dy = (float)y + 0.5f - (float)g->Y;
    double dd = (double)*dy * *dy;
    if (dd >= (double)g->hi2 + 1 + 2 * g->hi)
        return false;
    double xo = sqrt(fmax(0, (double)g->hi2 - dd)) + 1, xi = g->lo > 0 && dd < g->lo2 ? sqrt(g->lo2 - dd) - 1 : -1;
    *a0 = (int)floor(g->X - xo - 0.5);
    *a1 = (int)ceil(g->X + xo - 0.5);
    *h0 = 1;
    *h1 = 0;
    if (xi > 0) {
        *h0 = (int)ceil(g->X - xi - 0.5);
        *h1 = (int)floor(g->X + xi - 0.5);
    }
    return true;
}

/* The ring's coverage byte at device pixel column x of a row dy off its
 * centre. */
static inline uint8_t ring_cov(const ring_t *g, int x, float dy)
{
    float e2 = ring_e2(g, x, dy);
    if ((e2 <= g->lo2 && g->lo > 0) || e2 >= g->hi2)
        return 0;
    float cov = g->fh - fabsf(sqrtf(e2) - g->fr);
    cov = cov < 0 ? 0 : cov > 1 ? 1 : cov;
    /* lrintf without the call: adding 1.5 * 2^23 rounds to the nearest
     * integer, ties to even, as lrintf does */
    return (uint8_t)((cov * g->fa * 255 + 0x1.8p23f) - 0x1.8p23f);
}

/* ring_cov without its distance tests: outside the annulus the coverage
 * is zero by itself (further than the half width from the radius), so it
 * gives the same byte, without a branch. */
static inline uint32_t ring_cov_in(const ring_t *g, int x, float dy)
{
    float cov = g->fh - fabsf(sqrtf(ring_e2(g, x, dy)) - g->fr);
    cov = cov < 0 ? 0 : cov;
    cov = cov > 1 ? 1 : cov;
    return (uint32_t)((cov * g->fa * 255 + 0x1.8p23f) - 0x1.8p23f);
}

/* Composites solid s through the ring's coverage over row[a .. b]
 * (surface columns; device column = surface column - ox), dy off the
 * centre, every pixel in the ring's spans. With SSE2 four pixels at a
 * time: the same float operations in the same order (so the same coverage
 * bytes) and pixman's integer blend on 16-bit lanes, so the bytes are the
 * scalar loop's. w: the surface's width (a group of four never reads or
 * writes past it; lanes past b get coverage 0, which leaves them as they
 * are). */
static void ring_run(const ring_t *g, uint32_t s, uint32_t *row, int a, int b, int ox, float dy, int w)
{
    int x = a;
#if defined(__SSE2__)
    const __m128 Xf = _mm_set1_ps((float)g->X), half = _mm_set1_ps(0.5f), dd = _mm_set1_ps(dy * dy);
    const __m128 fh = _mm_set1_ps(g->fh), fr = _mm_set1_ps(g->fr), fa = _mm_set1_ps(g->fa);
    const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1), k255 = _mm_set1_ps(255), big = _mm_set1_ps(0x1.8p23f);
    const __m128 absmask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
    const __m128i z = _mm_setzero_si128(), c80 = _mm_set1_epi16(0x80), cff = _mm_set1_epi16(0xff);
    const __m128i src = _mm_unpacklo_epi8(_mm_set1_epi32((int)s), z);      /* 2 pixels of 16-bit lanes */
    const __m128i lane = _mm_setr_epi32(0, 1, 2, 3);
    for (; x <= b && x + 4 <= w; x += 4) {
        __m128i xi = _mm_add_epi32(_mm_set1_epi32(x - ox), lane);
        __m128 dx = _mm_sub_ps(_mm_add_ps(_mm_cvtepi32_ps(xi), half), Xf);
        __m128 e2 = _mm_add_ps(_mm_mul_ps(dx, dx), dd);
        __m128 cov = _mm_sub_ps(fh, _mm_and_ps(_mm_sub_ps(_mm_sqrt_ps(e2), fr), absmask));
        cov = _mm_min_ps(_mm_max_ps(cov, zero), one);
        __m128 t = _mm_sub_ps(_mm_add_ps(_mm_mul_ps(_mm_mul_ps(cov, fa), k255), big), big);
        __m128i m = _mm_cvttps_epi32(t);
        m = _mm_and_si128(m, _mm_cmplt_epi32(lane, _mm_set1_epi32(b - x + 1)));   /* lanes past b: 0 */
        __m128i m16 = _mm_packs_epi32(m, m);                                      /* m0 m1 m2 m3 ... */
        m16 = _mm_unpacklo_epi16(m16, m16);                                       /* m0 m0 m1 m1 m2 m2 m3 m3 */
        __m128i mlo = _mm_unpacklo_epi32(m16, m16), mhi = _mm_unpackhi_epi32(m16, m16);
        __m128i d = _mm_loadu_si128((const __m128i *)(row + x));
        __m128i out[2];
        for (int h = 0; h < 2; h++) {
            __m128i mm = h ? mhi : mlo, dh = h ? _mm_unpackhi_epi8(d, z) : _mm_unpacklo_epi8(d, z);
            __m128i in = _mm_add_epi16(_mm_mullo_epi16(src, mm), c80);            /* s × m */
            in = _mm_srli_epi16(_mm_add_epi16(in, _mm_srli_epi16(in, 8)), 8);
            __m128i ia = _mm_shufflehi_epi16(_mm_shufflelo_epi16(in, 0xff), 0xff);  /* its alpha, each lane */
            ia = _mm_sub_epi16(cff, ia);
            __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, ia), c80);             /* d × (255 - alpha) */
            dm = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
            out[h] = _mm_adds_epu8(_mm_packus_epi16(in, in), _mm_packus_epi16(dm, dm));
        }
        _mm_storeu_si128((__m128i *)(row + x), _mm_unpacklo_epi64(out[0], out[1]));
    }
#else
    (void)w;
#endif
    for (; x <= b; x++)
        row[x] = px_over_n(s, ring_cov_in(g, x - ox, dy), row[x]);
}

/* Sets up ring g for d's cr; false when there is nothing to draw. *cairo:
 * cairo strokes it instead (a transform that is not a uniform scale, a
 * huge ring, another operator). */
static bool ring_setup(draw_t *d, double cx, double cy, double r, double width, bs_color_t *c, double alpha,
                       ring_t *g, double *out, bool *cairo)
{
    cairo_t *cr = d->cr;
    *c = draw_color(d, *c);
    double a = c->a * alpha;
    *cairo = false;
    if (!(a > 0) || !(r >= 0) || !(width > 0) || !isfinite(cx) || !isfinite(cy))
        return false;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx, X = cx, Y = cy;
    cairo_user_to_device(cr, &X, &Y);
    double R = r * s, hw = width * s / 2;
    *out = R + hw + 1;
    if (m.xy != 0 || m.yx != 0 || !(s > 0) || m.yy != s || *out > 2048 || fabs(X) > 1e6 || fabs(Y) > 1e6 ||
        cairo_get_operator(cr) != CAIRO_OPERATOR_OVER) {
        *cairo = true;
        return true;
    }
    g->X = X;
    g->Y = Y;
    g->fr = (float)R;
    g->fh = (float)hw + 0.5f;
    g->fa = (float)a;
    g->lo = fmaxf(0, g->fr - g->fh);
    g->hi = g->fr + g->fh;
    g->lo2 = g->lo * g->lo;
    g->hi2 = g->hi * g->hi;
    return true;
}

static void ring_stroke(draw_t *d, double cx, double cy, double r, double width, bs_color_t c, double alpha)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_new_path(cr);
    cairo_arc(cr, cx, cy, r, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * alpha);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* ring_setup, and a ring that cairo strokes is stroked here: true when the
 * caller is to compute the ring's pixels itself (g, out set). */
static bool ring_pixels(draw_t *d, double cx, double cy, double r, double width, bs_color_t *c, double alpha,
                        ring_t *g, double *out)
{
    bool stroke;
    if (!ring_setup(d, cx, cy, r, width, c, alpha, g, out, &stroke))
        return false;
    if (stroke) {
        ring_stroke(d, cx, cy, r, width, *c, alpha);
        return false;
    }
    return true;
}

void draw_ring(draw_t *d, double cx, double cy, double r, double width, bs_color_t c, double alpha)
{
    cairo_t *cr = d->cr;
    ring_t g;
    double out;
    if (!ring_pixels(d, cx, cy, r, width, &c, alpha, &g, &out))
        return;                           /* nothing to draw, or stroked by cairo */
    double cx0, cy0, cx1, cy1;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    int x0 = (int)floor(fmax(g.X - out, cx0)), y0 = (int)floor(fmax(g.Y - out, cy0));
    int x1 = (int)ceil(fmin(g.X + out, cx1)), y1 = (int)ceil(fmin(g.Y + out, cy1));
    int bw = x1 - x0, bh = y1 - y0;
    int stride = bw > 0 ? cairo_format_stride_for_width(CAIRO_FORMAT_A8, bw) : 0;
    uint8_t *mk = bw > 0 && bh > 0 ? grow(glow_tls.mask, &glow_tls.mask_cap, (size_t)stride * (size_t)bh, 1) : NULL;
    if (!mk) {                            /* clipped away, or no memory */
        cairo_restore(cr);
        return;
    }
    glow_tls.mask = mk;
    for (int y = 0; y < bh; y++) {
        uint8_t *row = mk + (size_t)y * (size_t)stride;
        /* only the columns the annulus can reach on this row are computed,
         * the rest, outside and in the hole, are zero */
        memset(row, 0, (size_t)bw);
        float dy;
        int a0, a1, h0, h1;
        if (!ring_span(&g, y0 + y, &dy, &a0, &a1, &h0, &h1))
            continue;
        a0 = a0 < x0 ? x0 : a0;
        a1 = a1 > x1 - 1 ? x1 - 1 : a1;
        for (int x = a0; x <= a1; x++) {
            if (x >= h0 && x <= h1) {
                x = h1;
                continue;
            }
            row[x - x0] = ring_cov(&g, x, dy);
        }
    }
    cairo_surface_t *ms = cairo_image_surface_create_for_data(mk, CAIRO_FORMAT_A8, bw, bh, stride);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, 1);
    cairo_mask_surface(cr, ms, x0, y0);
    cairo_surface_destroy(ms);
    cairo_restore(cr);
}

void draw_ring_px(draw_px_t *px, draw_t *d, double cx, double cy, double r, double width, bs_color_t c, double alpha)
{
    if (!px_usable(px, d)) {
        draw_ring(d, cx, cy, r, width, c, alpha);
        return;
    }
    ring_t g;
    double out;
    if (!ring_pixels(d, cx, cy, r, width, &c, alpha, &g, &out))
        return;                           /* nothing to draw, or stroked by cairo */
    /* the ring's box in surface pixels (device + offset), as draw_ring's */
    int bx0 = (int)floor(g.X - out), by0 = (int)floor(g.Y - out), bx1 = (int)ceil(g.X + out), by1 = (int)ceil(g.Y + out);
    int ox = (int)px->ox, oy = (int)px->oy;
    uint32_t s = 0xffu << 24 | px_channel(c.r) << 16 | px_channel(c.g) << 8 | px_channel(c.b);
    for (int k = 0; k < px->n; k++) {
        const int *b = px->r[k];
        int x0 = bx0 + ox > b[0] ? bx0 + ox : b[0], x1 = bx1 + ox < b[2] ? bx1 + ox : b[2];
        int y0 = by0 + oy > b[1] ? by0 + oy : b[1], y1 = by1 + oy < b[3] ? by1 + oy : b[3];
        if (x1 <= x0 || y1 <= y0)
            continue;
        px_touch(px, x0, y0, x1, y1);
        for (int y = y0; y < y1; y++) {
            float dy;
            int a0, a1, h0, h1;
            if (!ring_span(&g, y - oy, &dy, &a0, &a1, &h0, &h1))
                continue;
            a0 += ox;
            a1 += ox;
            h0 += ox;
            h1 += ox;
            a0 = a0 < x0 ? x0 : a0;
            a1 = a1 > x1 - 1 ? x1 - 1 : a1;
            uint32_t *row = (uint32_t *)(px->data + (size_t)y * (size_t)px->stride);
            /* left of the hole, then right of it (h1 < h0: no hole) */
            int e0 = h1 >= h0 && h0 - 1 < a1 ? h0 - 1 : a1, f0 = h1 >= h0 && h1 + 1 > a0 ? h1 + 1 : a0;
            ring_run(&g, s, row, a0, e0, ox, dy, px->w);
            ring_run(&g, s, row, f0 > e0 + 1 ? f0 : e0 + 1, a1, ox, dy, px->w);
        }
    }
}

/* ---- trails -------------------------------------------------------------- */

#define TRAIL_MAX_PX 1024

static _Thread_local struct {
    float    *acc;                /* premultiplied r, g, b, a per pixel */
    uint32_t *argb;
    int      *span;               /* per row: first and last column touched */
    size_t    acc_cap, argb_cap, span_cap;
} trail_tls;

static void cairo_trail(draw_t *d, const draw_seg_t *seg, int n)
{
    cairo_t *cr = d->cr;
    cairo_path_t *path = cairo_copy_path(cr);       /* a path under way is left alone */
    cairo_save(cr);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int i = 0; i < n; i++) {
        bs_color_t c = draw_color(d, seg[i].c);
        cairo_new_path(cr);
        cairo_move_to(cr, seg[i].x0, seg[i].y0);
        cairo_line_to(cr, seg[i].x1, seg[i].y1);
        cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
        cairo_set_line_width(cr, seg[i].width);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    cairo_new_path(cr);
    if (path && path->status == CAIRO_STATUS_SUCCESS)
        cairo_append_path(cr, path);
    cairo_path_destroy(path);
}

/* The trail's box in device space (every segment with its half width and a
 * pixel): 1 when it is to be drawn here, 0 when cairo strokes it (a
 * transform that is not a uniform scale, another operator, a huge box), -1
 * when there is nothing sensible to draw. */
static int trail_box(draw_t *d, const draw_seg_t *seg, int n, double b[4])
{
    cairo_t *cr = d->cr;
    if (n <= 0)
        return -1;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx;
    if (m.xy != 0 || m.yx != 0 || !(s > 0) || m.yy != s || cairo_get_operator(cr) != CAIRO_OPERATOR_OVER)
        return 0;
    double bx0 = INFINITY, by0 = INFINITY, bx1 = -INFINITY, by1 = -INFINITY;
    for (int i = 0; i < n; i++) {
        const draw_seg_t *g = &seg[i];
        if (!isfinite(g->x0) || !isfinite(g->y0) || !isfinite(g->x1) || !isfinite(g->y1) || !(g->width >= 0) ||
            !(g->width < 1e4))
            return -1;
        double r = g->width * s / 2 + 1;
        double ax = s * g->x0 + m.x0, ay = s * g->y0 + m.y0, ex = s * g->x1 + m.x0, ey = s * g->y1 + m.y0;
        bx0 = fmin(bx0, fmin(ax, ex) - r);
        by0 = fmin(by0, fmin(ay, ey) - r);
        bx1 = fmax(bx1, fmax(ax, ex) + r);
        by1 = fmax(by1, fmax(ay, ey) + r);
    }
    if (bx1 - bx0 > TRAIL_MAX_PX || by1 - by0 > TRAIL_MAX_PX)
        return 0;
    b[0] = bx0;
    b[1] = by0;
    b[2] = bx1;
    b[3] = by1;
    return 1;
}

/* Renders the trail into trail_tls.argb (premultiplied ARGB32, bw × bh at
 * device x0, y0), with each row's span of touched columns in
 * trail_tls.span; the rest of the picture is zeroed when clear. false when
 * out of memory. */
/* fminf and fmaxf for the numbers trail_render has (finite, no signed
 * zeros to tell apart), inline: libm's calls were 3 % of the map's marks. */
static inline float min_f(float a, float b)
{
    return a < b ? a : b;
}

static inline float max_f(float a, float b)
{
    return a > b ? a : b;
}

static bool trail_render(draw_t *d, const draw_seg_t *seg, int n, int x0, int y0, int bw, int bh, bool clear)
{
    cairo_matrix_t m;
    cairo_get_matrix(d->cr, &m);
    double s = m.xx;
    size_t px = (size_t)bw * (size_t)bh;
    float *acc = grow(trail_tls.acc, &trail_tls.acc_cap, px * 4, sizeof *acc);
    if (acc)
        trail_tls.acc = acc;
    uint32_t *out = grow(trail_tls.argb, &trail_tls.argb_cap, px, sizeof *out);
    if (out)
        trail_tls.argb = out;
    int *span = grow(trail_tls.span, &trail_tls.span_cap, (size_t)bh * 2, sizeof *span);
    if (span)
        trail_tls.span = span;
    if (!acc || !out || !span)
        return false;
    /* only the columns some segment's box reaches are cleared, computed
     * and converted: a curved tail's box is mostly empty */
    for (int y = 0; y < bh; y++) {
        span[2 * y] = bw;
        span[2 * y + 1] = -1;
    }
    for (int i = 0; i < n; i++) {
        const draw_seg_t *g = &seg[i];
        bs_color_t c = draw_color(d, g->c);
        float al = c.a < 0 ? 0 : c.a > 1 ? 1 : c.a;
        if (!(al > 0) || !(g->width > 0))
            continue;
        float hw = (float)(g->width * s / 2);
        float ax = (float)(s * g->x0 + m.x0), ay = (float)(s * g->y0 + m.y0);
        float dx = (float)(s * g->x1 + m.x0) - ax, dy = (float)(s * g->y1 + m.y0) - ay;
        float len2 = dx * dx + dy * dy, inv = len2 > 0 ? 1.0f / len2 : 0, R = hw + 0.5f, R2 = R * R;
        int sx0 = (int)floorf(fminf(ax, ax + dx) - R) - x0, sx1 = (int)ceilf(fmaxf(ax, ax + dx) + R) - x0;
        int sy0 = (int)floorf(fminf(ay, ay + dy) - R) - y0, sy1 = (int)ceilf(fmaxf(ay, ay + dy) + R) - y0;
        sx0 = sx0 < 0 ? 0 : sx0;
        sy0 = sy0 < 0 ? 0 : sy0;
        sx1 = sx1 > bw ? bw : sx1;
        sy1 = sy1 > bh ? bh : sy1;
        float pr = c.r * al, pg = c.g * al, pb = c.b * al;
        for (int y = sy0; y < sy1; y++) {
            float qy = (float)(y0 + y) + 0.5f - ay;
            float *row = acc + ((size_t)y * (size_t)bw) * 4;
            int *sp = span + 2 * y;
            if (sx0 < sx1 && (sx0 < sp[0] || sx1 - 1 > sp[1])) {   /* widen the row's span, zeroing what is new */
                if (sp[1] < sp[0]) {
                    memset(row + (size_t)sx0 * 4, 0, (size_t)(sx1 - sx0) * 4 * sizeof *row);
                    sp[0] = sx0;
                    sp[1] = sx1 - 1;
                } else {
                    if (sx0 < sp[0]) {
                        memset(row + (size_t)sx0 * 4, 0, (size_t)(sp[0] - sx0) * 4 * sizeof *row);
                        sp[0] = sx0;
                    }
                    if (sx1 - 1 > sp[1]) {
                        memset(row + (size_t)(sp[1] + 1) * 4, 0, (size_t)(sx1 - 1 - sp[1]) * 4 * sizeof *row);
                        sp[1] = sx1 - 1;
                    }
                }
            }
            for (int x = sx0; x < sx1; x++) {
                float qx = (float)(x0 + x) + 0.5f - ax;
                float t = (qx * dx + qy * dy) * inv;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                float ex = qx - t * dx, ey = qy - t * dy, e2 = ex * ex + ey * ey;
                if (!(e2 < R2))
                    continue;
                /* the stroke's share of the pixel across its edge: [e - ½, e + ½] ∩ [-hw, hw] */
                float e = sqrtf(e2), cov = min_f(e + 0.5f, hw) - max_f(e - 0.5f, -hw);
                if (!(cov > 0))
                    continue;
                cov = cov > 1 ? 1 : cov;
                float a = cov, keep = 1 - al * a, *p = row + (size_t)x * 4;
                p[0] = pr * a + p[0] * keep;
                p[1] = pg * a + p[1] * keep;
                p[2] = pb * a + p[2] * keep;
                p[3] = al * a + p[3] * keep;
            }
        }
    }
    if (clear)
        memset(out, 0, px * sizeof *out);
    for (int y = 0; y < bh; y++) {       /* premultiplied ARGB32, as cairo keeps it */
        for (int x = span[2 * y]; x <= span[2 * y + 1]; x++) {
            const float *p = acc + ((size_t)y * (size_t)bw + (size_t)x) * 4;
            uint32_t a = (uint32_t)(min_f(p[3], 1) * 255 + 0.5f), r = (uint32_t)(min_f(p[0], 1) * 255 + 0.5f);
            uint32_t gg = (uint32_t)(min_f(p[1], 1) * 255 + 0.5f), b = (uint32_t)(min_f(p[2], 1) * 255 + 0.5f);
            r = r > a ? a : r;
            gg = gg > a ? a : gg;
            b = b > a ? a : b;
            out[(size_t)y * (size_t)bw + (size_t)x] = a << 24 | r << 16 | gg << 8 | b;
        }
    }
    return true;
}

/* trail_box, and a trail that cairo draws is drawn here: true when the
 * caller is to compute the trail's pixels itself within box b. */
static bool trail_pixels(draw_t *d, const draw_seg_t *seg, int n, double b[4])
{
    int k = trail_box(d, seg, n, b);
    if (k == 0)
        cairo_trail(d, seg, n);
    return k > 0;
}

void draw_trail(draw_t *d, const draw_seg_t *seg, int n)
{
    cairo_t *cr = d->cr;
    double b[4];
    if (!trail_pixels(d, seg, n, b))
        return;                           /* nothing to draw, or drawn by cairo */
    double cx0, cy0, cx1, cy1;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_clip_extents(cr, &cx0, &cy0, &cx1, &cy1);
    int x0 = (int)floor(fmax(b[0], cx0)), y0 = (int)floor(fmax(b[1], cy0));
    int x1 = (int)ceil(fmin(b[2], cx1)), y1 = (int)ceil(fmin(b[3], cy1));
    int bw = x1 - x0, bh = y1 - y0;
    cairo_restore(cr);
    if (bw <= 0 || bh <= 0 || !trail_render(d, seg, n, x0, y0, bw, bh, true))
        return;                           /* clipped away, or out of memory: no trail this time */
    cairo_save(cr);
    cairo_identity_matrix(cr);
    int stride = bw * 4;                  /* ARGB32 rows need no padding */
    cairo_surface_t *sf =
        cairo_image_surface_create_for_data((unsigned char *)trail_tls.argb, CAIRO_FORMAT_ARGB32, bw, bh, stride);
    cairo_set_source_surface(cr, sf, x0, y0);
    cairo_paint(cr);
    cairo_surface_destroy(sf);
    cairo_restore(cr);
}

/* The part [*cx0, *cx1) × [*cy0, *cy1) of the w × h box at surface pixel
 * (x, y) inside px's clip box k, noted as touched; false when empty. */
static bool px_box(draw_px_t *px, int k, int x, int y, int w, int h, int *cx0, int *cy0, int *cx1, int *cy1)
{
    const int *b = px->r[k];
    *cx0 = x > b[0] ? x : b[0];
    *cx1 = x + w < b[2] ? x + w : b[2];
    *cy0 = y > b[1] ? y : b[1];
    *cy1 = y + h < b[3] ? y + h : b[3];
    if (*cx1 <= *cx0 || *cy1 <= *cy0)
        return false;
    px_touch(px, *cx0, *cy0, *cx1, *cy1);
    return true;
}

/* Premultiplied ARGB32 picture src (bw × bh, stride sst bytes) at surface
 * pixel (x0, y0) OVER px's pixels, inside its clip; rows' spans [sp[2y],
 * sp[2y + 1]] of columns when sp is not NULL. */
static void px_blend(draw_px_t *px, const uint32_t *src, int sst, int x0, int y0, int bw, int bh, const int *sp)
{
    for (int k = 0; k < px->n; k++) {
        int cx0, cy0, cx1, cy1;
        if (!px_box(px, k, x0, y0, bw, bh, &cx0, &cy0, &cx1, &cy1))
            continue;
        for (int y = cy0; y < cy1; y++) {
            int a0 = cx0 - x0, a1 = cx1 - 1 - x0;
            if (sp) {
                a0 = sp[2 * (y - y0)] > a0 ? sp[2 * (y - y0)] : a0;
                a1 = sp[2 * (y - y0) + 1] < a1 ? sp[2 * (y - y0) + 1] : a1;
            }
            const uint32_t *s = (const uint32_t *)((const uint8_t *)src + (size_t)(y - y0) * (size_t)sst);
            uint32_t *row = (uint32_t *)(px->data + (size_t)y * (size_t)px->stride) + x0;
            int x = a0;
#if defined(__SSE2__)
            /* four at a time: pixman's blend on 16-bit lanes, the same bytes */
            const __m128i z = _mm_setzero_si128(), c80 = _mm_set1_epi16(0x80), cff = _mm_set1_epi16(0xff);
            for (; x + 3 <= a1; x += 4) {
                __m128i sv = _mm_loadu_si128((const __m128i *)(s + x)), dv = _mm_loadu_si128((const __m128i *)(row + x));
                __m128i out[2];
                for (int h = 0; h < 2; h++) {
                    __m128i sh = h ? _mm_unpackhi_epi8(sv, z) : _mm_unpacklo_epi8(sv, z);
                    __m128i dh = h ? _mm_unpackhi_epi8(dv, z) : _mm_unpacklo_epi8(dv, z);
                    __m128i ia = _mm_sub_epi16(cff, _mm_shufflehi_epi16(_mm_shufflelo_epi16(sh, 0xff), 0xff));
                    __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, ia), c80);
                    dm = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
                    out[h] = dm;
                }
                _mm_storeu_si128((__m128i *)(row + x), _mm_adds_epu8(sv, _mm_packus_epi16(out[0], out[1])));
            }
#endif
            for (; x <= a1; x++)
                row[x] = draw_px_over(s[x], row[x]);
        }
    }
}

uint32_t draw_px_color(bs_color_t c, double alpha)
{
    double a = fmax(0, fmin(1, c.a * alpha));
    return px_channel(a) << 24 | px_channel(c.r * a) << 16 | px_channel(c.g * a) << 8 | px_channel(c.b * a);
}

/* Colour s (premultiplied) through coverage m[xx] OVER row[xx] for xx in
 * [xx, cx1): pixman's over_n_8_8888, skipping empty coverage eight bytes at
 * a time, full and partial coverage four pixels at a time with SSE2. */
static void mask_row(uint32_t *row, const uint8_t *m, int xx, int cx1, uint32_t s)
{
#if defined(__SSE2__)
    const __m128i z = _mm_setzero_si128(), c80 = _mm_set1_epi16(0x80);
    const __m128i sv = _mm_set1_epi32((int)s), ia = _mm_set1_epi16((short)(255 - (s >> 24)));
#endif
    while (xx < cx1) {
        /* skip the mask's empty bytes eight at a time */
        while (xx + 8 <= cx1) {
            uint64_t v;
            memcpy(&v, m + xx, 8);
            if (v)
                break;
            xx += 8;
        }
#if defined(__SSE2__)
        /* full coverage four at a time: pixman's blend on 16-bit
         * lanes, the bytes of draw_px_over */
        for (;;) {
            uint32_t v;
            if (xx + 4 > cx1)
                break;
            memcpy(&v, m + xx, 4);
            if (v != 0xffffffffu)
                break;
            __m128i dv = _mm_loadu_si128((const __m128i *)(row + xx)), out[2];
            for (int hh = 0; hh < 2; hh++) {
                __m128i dh = hh ? _mm_unpackhi_epi8(dv, z) : _mm_unpacklo_epi8(dv, z);
                __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, ia), c80);
                out[hh] = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
            }
            _mm_storeu_si128((__m128i *)(row + xx), _mm_adds_epu8(sv, _mm_packus_epi16(out[0], out[1])));
            xx += 4;
        }
        /* partial coverage (edges, glows) four at a time: the
         * colour times each pixel's coverage, then OVER, with the
         * arithmetic of px_over_n lane by lane */
        if (xx + 4 <= cx1) {
            uint32_t v;
            memcpy(&v, m + xx, 4);
            if (v != 0 && v != 0xffffffffu) {
                __m128i mv = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)v), z);
                mv = _mm_unpacklo_epi16(mv, mv);                  /* m0 m0 m1 m1 m2 m2 m3 m3 */
                __m128i dv = _mm_loadu_si128((const __m128i *)(row + xx)), out[2];
                __m128i s16 = _mm_unpacklo_epi8(sv, z);
                for (int hh = 0; hh < 2; hh++) {
                    __m128i mm = hh ? _mm_unpackhi_epi32(mv, mv) : _mm_unpacklo_epi32(mv, mv);
                    __m128i t = _mm_add_epi16(_mm_mullo_epi16(s16, mm), c80);
                    __m128i sm = _mm_srli_epi16(_mm_add_epi16(t, _mm_srli_epi16(t, 8)), 8);
                    __m128i al = _mm_shufflehi_epi16(_mm_shufflelo_epi16(sm, 0xff), 0xff);
                    __m128i iv = _mm_sub_epi16(_mm_set1_epi16(255), al);
                    __m128i dh = hh ? _mm_unpackhi_epi8(dv, z) : _mm_unpacklo_epi8(dv, z);
                    __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, iv), c80);
                    dm = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
                    out[hh] = _mm_adds_epu8(_mm_packus_epi16(sm, z), _mm_packus_epi16(dm, z));
                }
                _mm_storeu_si128((__m128i *)(row + xx), _mm_unpacklo_epi64(out[0], out[1]));
                xx += 4;
                continue;
            }
        }
#endif
        int end = xx + 4 < cx1 ? xx + 4 : cx1;
        for (; xx < end; xx++) {
            uint32_t c = m[xx];
            if (c == 255)
                row[xx] = draw_px_over(s, row[xx]);
            else if (c)
                row[xx] = px_over_n(s, c, row[xx]);
        }
    }
}

void draw_mask_rows_px(draw_px_t *px, const uint8_t *mask, int stride, int x, int y, int w, int h,
                       const uint32_t *rows, int nrows)
{
    if (!px || !px->ok || !mask || !rows || w <= 0 || h <= 0 || (nrows != 1 && nrows != h))
        return;
    x += (int)px->ox;
    y += (int)px->oy;
    for (int k = 0; k < px->n; k++) {
        int cx0, cy0, cx1, cy1;
        if (!px_box(px, k, x, y, w, h, &cx0, &cy0, &cx1, &cy1))
            continue;
        for (int yy = cy0; yy < cy1; yy++) {
            uint32_t s = rows[nrows == 1 ? 0 : yy - y];
            const uint8_t *m = mask + (size_t)(yy - y) * (size_t)stride - x;
            uint32_t *row = (uint32_t *)(void *)(px->data + (size_t)yy * (size_t)px->stride);
            mask_row(row, m, cx0, cx1, s);
        }
    }
}

static _Thread_local struct {
    cairo_surface_t *a8;               /* draw_fill_vgrad_px's mask, grown as needed */
    uint32_t        *rows;
    size_t           rows_cap;
} vgrad_tls;

/* Rows of a path's coverage made at a time (path_coverage): the mask is
 * the box's width × this, so a tall panel's fill costs no more scratch
 * than a short one (a whole-box mask of a 1080p map's panel was half a
 * megabyte of resident memory). */
#define COVER_BAND 128

/* What a band of coverage is handed to: the mask's rows for device rows
 * [y, y + h) of the box's columns [x, x + w), stride bytes a row. */
typedef void (*cover_fn)(draw_px_t *px, const uint8_t *mask, int stride, int x, int y, int w, int h, void *arg);

/* cr's current path's coverage, for draw_fill_vgrad_px and
 * draw_fill_rgrad_px: over the path's box within px's clip, COVER_BAND
 * rows at a time, an A8 mask (vgrad_tls.a8) filled solid with cr's fill
 * rule and antialias (the same rasteriser as cr's fill), each band handed
 * to fn. 1: done; 0: nothing to fill (empty, clipped away); both consume
 * the path. -1: px cannot take it (too big, no memory), the path kept. */
static int path_coverage(draw_px_t *px, draw_t *d, cover_fn fn, void *arg)
{
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double ux0, uy0, ux1, uy1;
    cairo_fill_extents(cr, &ux0, &uy0, &ux1, &uy1);
    if (!(ux1 > ux0 && uy1 > uy0)) {
        cairo_new_path(cr);
        return 0;                          /* nothing to fill */
    }
    /* the path's box in device pixels, within the clip's extents */
    double bx0 = fmax(floor(m.xx * ux0 + m.x0), px->ext[0] - px->ox), by0 = fmax(floor(m.yy * uy0 + m.y0), px->ext[1] - px->oy);
    double bx1 = fmin(ceil(m.xx * ux1 + m.x0), px->ext[2] - px->ox), by1 = fmin(ceil(m.yy * uy1 + m.y0), px->ext[3] - px->oy);
    if (!(bx1 > bx0 && by1 > by0)) {
        cairo_new_path(cr);
        return 0;                          /* clipped away */
    }
    if (bx1 - bx0 > 16384 || by1 - by0 > 16384)
        return -1;
    int X = (int)bx0, Y = (int)by0, w = (int)(bx1 - bx0), h = (int)(by1 - by0), bh = h < COVER_BAND ? h : COVER_BAND;
    cairo_surface_t *a8 = vgrad_tls.a8;
    if (!a8 || cairo_image_surface_get_width(a8) < w || cairo_image_surface_get_height(a8) < bh) {
        int nw = w, nh = bh;
        if (a8) {
            nw = nw > cairo_image_surface_get_width(a8) ? nw : cairo_image_surface_get_width(a8);
            nh = nh > cairo_image_surface_get_height(a8) ? nh : cairo_image_surface_get_height(a8);
            cairo_surface_destroy(a8);
        }
        a8 = vgrad_tls.a8 = cairo_image_surface_create(CAIRO_FORMAT_A8, nw, nh);
        if (cairo_surface_status(a8) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(a8);
            vgrad_tls.a8 = NULL;
            return -1;
        }
    }
    cairo_path_t *path = cairo_copy_path(cr);
    if (!path || path->status != CAIRO_STATUS_SUCCESS) {
        cairo_path_destroy(path);
        return -1;
    }
    cairo_new_path(cr);
    const uint8_t *mask = cairo_image_surface_get_data(a8);
    int stride = cairo_image_surface_get_stride(a8);
    for (int y = Y; y < Y + h; y += COVER_BAND) {
        int rows = Y + h - y < COVER_BAND ? Y + h - y : COVER_BAND;
        /* the band's coverage: cleared, then the path filled solid (a mask
         * at device pixel (X, y), the same rasteriser and rule as cr's) */
        cairo_t *mc = cairo_create(a8);
        cairo_rectangle(mc, 0, 0, w, rows);
        cairo_clip(mc);
        cairo_set_operator(mc, CAIRO_OPERATOR_CLEAR);
        cairo_paint(mc);
        cairo_set_operator(mc, CAIRO_OPERATOR_OVER);
        cairo_translate(mc, -X, -y);
        cairo_transform(mc, &m);
        cairo_set_fill_rule(mc, cairo_get_fill_rule(cr));
        cairo_set_antialias(mc, cairo_get_antialias(cr));
        cairo_set_tolerance(mc, cairo_get_tolerance(cr));
        cairo_append_path(mc, path);
        cairo_set_source_rgba(mc, 1, 1, 1, 1);
        cairo_fill(mc);
        cairo_destroy(mc);
        cairo_surface_flush(a8);
        fn(px, mask, stride, X, y, w, rows, arg);
    }
    cairo_path_destroy(path);
    return 1;
}

typedef struct {
    bs_color_t c;
    double     y0, a0, y1, a1, my0, myy;   /* the gradient; the matrix's y offset and scale */
} vgrad_arg_t;

static void vgrad_band(draw_px_t *px, const uint8_t *mask, int stride, int x, int y, int w, int h, void *arg)
{
    const vgrad_arg_t *g = arg;
    uint32_t *rows = grow(vgrad_tls.rows, &vgrad_tls.rows_cap, (size_t)h, sizeof *rows);
    if (!rows)
        return;                            /* no memory: this band is not drawn */
    vgrad_tls.rows = rows;
    /* the gradient at each row's centre, as pixman samples it */
    double span = g->y1 - g->y0;
    for (int j = 0; j < h; j++) {
        double uy = (y + j + 0.5 - g->my0) / g->myy;
        double t = span != 0 ? (uy - g->y0) / span : (uy < g->y0 ? 0 : 1);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        rows[j] = draw_px_color(g->c, g->a0 + (g->a1 - g->a0) * t);
    }
    draw_mask_rows_px(px, mask, stride, x, y, w, h, rows, h);
}

bool draw_fill_vgrad_px(draw_px_t *px, draw_t *d, bs_color_t c, double y0, double a0, double y1, double a1)
{
    if (!px_usable(px, d) || !isfinite(y0) || !isfinite(y1) || !isfinite(a0) || !isfinite(a1))
        return false;
    cairo_matrix_t m;
    cairo_get_matrix(d->cr, &m);
    vgrad_arg_t g = { c, y0, a0, y1, a1, m.y0, m.yy };
    return path_coverage(px, d, vgrad_band, &g) >= 0;
}

/* Entries of draw_fill_rgrad_px's colour table at most (its gradient's
 * span in pixels × 4, so that a step is a quarter of a pixel). */
#define RGRAD_LUT 4096

typedef struct {
    const uint32_t *lut;
    double          DX, DY;               /* the centre, device pixels */
    float           inv, off, kn;         /* 1 / the span, r0 (device pixels), entries - 1 */
} rgrad_arg_t;

static void rgrad_band(draw_px_t *px, const uint8_t *mask, int stride, int X, int Y, int w, int h, void *arg)
{
    const rgrad_arg_t *g = arg;
    const uint32_t *lut = g->lut;
    const double DX = g->DX, DY = g->DY;
    const float inv = g->inv, off = g->off, kn = g->kn;
    /* a pixel's t: its centre's distance from the centre, in user units,
     * from r0 (0) to r1 (1), held beyond them (cairo's EXTEND_PAD) */
    int x = X + (int)px->ox, y = Y + (int)px->oy;
    for (int k = 0; k < px->n; k++) {
        int cx0, cy0, cx1, cy1;
        if (!px_box(px, k, x, y, w, h, &cx0, &cy0, &cx1, &cy1))
            continue;
        for (int yy = cy0; yy < cy1; yy++) {
            const uint8_t *mr = mask + (size_t)(yy - y) * (size_t)stride - x;
            uint32_t *row = (uint32_t *)(void *)(px->data + (size_t)yy * (size_t)px->stride);
            float dy = (float)(yy - px->oy + 0.5 - DY), dy2 = dy * dy;
            int xx = cx0;
#if defined(__SSE2__)
            /* four pixels at a time: each lane's distance as the scalar
             * loop takes it (in float) and pixman's integer blend on 16-bit
             * lanes (ring_run's) */
            const __m128 dyy = _mm_set1_ps(dy2), offv = _mm_set1_ps(off), invv = _mm_set1_ps(inv);
            const __m128 knv = _mm_set1_ps(kn), halfv = _mm_set1_ps(0.5f), zero = _mm_setzero_ps(), one = _mm_set1_ps(1);
            const __m128i z = _mm_setzero_si128(), c80 = _mm_set1_epi16(0x80), cff = _mm_set1_epi16(0xff);
            for (; xx + 4 <= cx1; xx += 4) {
                uint32_t cv4;
                memcpy(&cv4, mr + xx, 4);
                if (!cv4)
                    continue;                      /* the hole, or beside the slice */
                double bx = xx - px->ox + 0.5 - DX;
                __m128 dx = _mm_setr_ps((float)bx, (float)(bx + 1), (float)(bx + 2), (float)(bx + 3));
                __m128 t = _mm_mul_ps(_mm_sub_ps(_mm_sqrt_ps(_mm_add_ps(_mm_mul_ps(dx, dx), dyy)), offv), invv);
                t = _mm_min_ps(_mm_max_ps(t, zero), one);
                int ix[4];
                _mm_storeu_si128((__m128i *)ix, _mm_cvttps_epi32(_mm_add_ps(_mm_mul_ps(t, knv), halfv)));
                __m128i src = _mm_setr_epi32((int)lut[ix[0]], (int)lut[ix[1]], (int)lut[ix[2]], (int)lut[ix[3]]);
                __m128i m = _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)cv4), z);     /* m0 .. m3, 16-bit */
                m = _mm_unpacklo_epi16(m, m);                                      /* m0 m0 m1 m1 m2 m2 m3 m3 */
                __m128i mlo = _mm_unpacklo_epi32(m, m), mhi = _mm_unpackhi_epi32(m, m);
                __m128i dst = _mm_loadu_si128((const __m128i *)(row + xx));
                __m128i out[2];
                for (int hh = 0; hh < 2; hh++) {
                    __m128i mm = hh ? mhi : mlo;
                    __m128i sh = hh ? _mm_unpackhi_epi8(src, z) : _mm_unpacklo_epi8(src, z);
                    __m128i dh = hh ? _mm_unpackhi_epi8(dst, z) : _mm_unpacklo_epi8(dst, z);
                    __m128i in = _mm_add_epi16(_mm_mullo_epi16(sh, mm), c80);          /* s × m */
                    in = _mm_srli_epi16(_mm_add_epi16(in, _mm_srli_epi16(in, 8)), 8);
                    __m128i ia = _mm_sub_epi16(cff, _mm_shufflehi_epi16(_mm_shufflelo_epi16(in, 0xff), 0xff));
                    __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, ia), c80);          /* d × (255 - alpha) */
                    dm = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
                    out[hh] = _mm_adds_epu8(_mm_packus_epi16(in, in), _mm_packus_epi16(dm, dm));
                }
                _mm_storeu_si128((__m128i *)(row + xx), _mm_unpacklo_epi64(out[0], out[1]));
            }
#endif
            for (; xx < cx1; xx++) {
                uint32_t cv = mr[xx];
                if (!cv)
                    continue;
                float dx = (float)(xx - px->ox + 0.5 - DX);   /* as a lane's */
                float t = (sqrtf(dx * dx + dy2) - off) * inv;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                uint32_t sp = lut[(int)(t * kn + 0.5f)];
                row[xx] = cv == 255 ? draw_px_over(sp, row[xx]) : px_over_n(sp, cv, row[xx]);
            }
        }
    }
}

bool draw_fill_rgrad_px(draw_px_t *px, draw_t *d, double cx, double cy, double r0, bs_color_t c0, double r1,
                        bs_color_t c1)
{
    if (!px_usable(px, d) || !isfinite(cx) || !isfinite(cy) || !isfinite(r0) || !isfinite(r1) || !(r1 > r0) ||
        r0 < 0 || fabs(cx) > 1e6 || fabs(cy) > 1e6 || r1 > 1e6)
        return false;
    cairo_matrix_t m;
    cairo_get_matrix(d->cr, &m);
    double sc = m.xx;
    /* the table: pixman's gradient walker (pixman-gradient-walker.c), the
     * two stops' channels in 0..255 (cairo's 16 bits, over 257), alpha and
     * the colour interpolated apart, the colour then times alpha */
    static _Thread_local uint32_t lut[RGRAD_LUT];
    int n = (int)fmin(RGRAD_LUT, fmax(2, ceil((r1 - r0) * sc * 4) + 1));
    const float s0[4] = { c0.r, c0.g, c0.b, c0.a }, s1[4] = { c1.r, c1.g, c1.b, c1.a };
    float l[4], r[4];
    for (int ch = 0; ch < 4; ch++) {
        float v0 = s0[ch], v1 = s1[ch];
        v0 = v0 < 0 ? 0 : v0 > 1 ? 1 : v0;
        v1 = v1 < 0 ? 0 : v1 > 1 ? 1 : v1;
        l[ch] = (float)(uint16_t)(v0 * 65535.0 + 0.5) * (1.0f / 257.0f);
        r[ch] = (float)(uint16_t)(v1 * 65535.0 + 0.5) * (1.0f / 257.0f);
    }
    for (int i = 0; i < n; i++) {
        float t = (float)i / (float)(n - 1);
        float a = l[3] + (r[3] - l[3]) * t;
        uint32_t p = (uint32_t)(a + 0.5f) << 24;
        for (int ch = 0; ch < 3; ch++)
            p |= (uint32_t)(a * ((l[ch] + (r[ch] - l[ch]) * t) / 255.0f) + 0.5f) << (16 - 8 * ch);
        lut[i] = p;
    }
    rgrad_arg_t g = { lut, cx * sc + m.x0, cy * sc + m.y0, (float)(1 / ((r1 - r0) * sc)), (float)(r0 * sc),
                      (float)(n - 1) };
    return path_coverage(px, d, rgrad_band, &g) >= 0;
}

/* ---- sparse masks ---------------------------------------------------------- */

/* Gaps of fewer empty bytes than this stay inside a span (an empty byte
 * leaves its pixel as it is, and a span costs more than a few bytes). */
#define SPAN_GAP 16

bool draw_spans_from_a8(draw_spans_t *sp, cairo_surface_t *a8, int x, int y)
{
    memset(sp, 0, sizeof *sp);
    if (!a8 || cairo_surface_status(a8) != CAIRO_STATUS_SUCCESS ||
        cairo_image_surface_get_format(a8) != CAIRO_FORMAT_A8)
        return false;
    cairo_surface_flush(a8);
    const uint8_t *d = cairo_image_surface_get_data(a8);
    int w = cairo_image_surface_get_width(a8), h = cairo_image_surface_get_height(a8);
    int st = cairo_image_surface_get_stride(a8);
    if (!d || w <= 0 || h <= 0)
        return false;
    /* two passes: count, then fill */
    for (int pass = 0; pass < 2; pass++) {
        size_t ns = 0, nc = 0;
        for (int j = 0; j < h; j++) {
            const uint8_t *r = d + (size_t)j * (size_t)st;
            int i = 0;
            while (i < w) {
                while (i < w && !r[i])
                    i++;
                if (i >= w)
                    break;
                int a = i, last = i;
                while (i < w && i - last < SPAN_GAP) {
                    if (r[i])
                        last = i;
                    i++;
                }
                int n = last + 1 - a;
                if (pass) {
                    sp->span[ns] = (draw_span_t){ .y = j, .x = a, .n = n, .off = (uint32_t)nc };
                    memcpy(sp->cov + nc, r + a, (size_t)n);
                }
                ns++;
                nc += (size_t)n;
                i = last + 1;
            }
        }
        if (!pass) {
            if (ns == 0)
                break;
            if (nc > UINT32_MAX || !(sp->span = malloc(ns * sizeof *sp->span)) || !(sp->cov = malloc(nc))) {
                draw_spans_free(sp);
                return false;
            }
        } else {
            sp->nspans = (int)ns;
            sp->ncov = nc;
        }
    }
    sp->x = x;
    sp->y = y;
    sp->w = w;
    sp->h = h;
    sp->ok = true;
    return true;
}

void draw_spans_free(draw_spans_t *sp)
{
    if (!sp)
        return;
    free(sp->span);
    free(sp->cov);
    memset(sp, 0, sizeof *sp);
}

void draw_spans_px(draw_px_t *px, const draw_spans_t *sp, uint32_t s)
{
    if (!px || !px->ok || !sp || !sp->ok || sp->nspans == 0)
        return;
    int x = sp->x + (int)px->ox, y = sp->y + (int)px->oy;
    for (int k = 0; k < px->n; k++) {
        int cx0, cy0, cx1, cy1;
        if (!px_box(px, k, x, y, sp->w, sp->h, &cx0, &cy0, &cx1, &cy1))
            continue;
        for (int i = 0; i < sp->nspans; i++) {
            const draw_span_t *t = &sp->span[i];
            int yy = y + t->y, a = x + t->x, b = a + t->n;
            if (yy < cy0 || yy >= cy1)
                continue;
            a = a > cx0 ? a : cx0;
            b = b < cx1 ? b : cx1;
            if (b <= a)
                continue;
            uint32_t *row = (uint32_t *)(void *)(px->data + (size_t)yy * (size_t)px->stride);
            mask_row(row, sp->cov + t->off - (x + t->x), a, b, s);
        }
    }
}

void draw_trail_px(draw_px_t *px, draw_t *d, const draw_seg_t *seg, int n)
{
    if (!px_usable(px, d)) {
        draw_trail(d, seg, n);
        return;
    }
    double b[4];
    if (!trail_pixels(d, seg, n, b))
        return;                           /* nothing to draw, or drawn by cairo */
    /* the box within the clip's extents, in device pixels, as draw_trail's */
    int ox = (int)px->ox, oy = (int)px->oy;
    int x0 = (int)floor(fmax(b[0], px->ext[0] - ox)), y0 = (int)floor(fmax(b[1], px->ext[1] - oy));
    int x1 = (int)ceil(fmin(b[2], px->ext[2] - ox)), y1 = (int)ceil(fmin(b[3], px->ext[3] - oy));
    int bw = x1 - x0, bh = y1 - y0;
    if (bw <= 0 || bh <= 0 || !trail_render(d, seg, n, x0, y0, bw, bh, false))
        return;
    px_blend(px, trail_tls.argb, bw * 4, x0 + ox, y0 + oy, bw, bh, trail_tls.span);
}

/* ---- sprites -------------------------------------------------------------- */

#define SPRITE_SLOTS 96
#define SPRITE_MAX_PX 64

typedef struct {
    uint64_t         hash, used;
    draw_sprite_fn   paint;
    uint8_t          arg[DRAW_SPRITE_ARG];
    size_t           arglen;
    double           scale, r;
    int              qx, qy, c;   /* quarter-pixel phase; the centre's pixel */
    cairo_surface_t *surf;
} sprite_t;

static _Thread_local struct {
    sprite_t slot[SPRITE_SLOTS];
    uint64_t clock;
} sprites;

static void pictures_free(void);

void draw_thread_release(void)
{
    free(glow_tls.d2);
    free(glow_tls.mask);
    free(glow_tls.seg);
    memset(&glow_tls, 0, sizeof glow_tls);
    free(trail_tls.acc);
    free(trail_tls.argb);
    free(trail_tls.span);
    memset(&trail_tls, 0, sizeof trail_tls);
    if (vgrad_tls.a8)
        cairo_surface_destroy(vgrad_tls.a8);
    free(vgrad_tls.rows);
    memset(&vgrad_tls, 0, sizeof vgrad_tls);
    for (int i = 0; i < SPRITE_SLOTS; i++)
        if (sprites.slot[i].surf)
            cairo_surface_destroy(sprites.slot[i].surf);
    memset(&sprites, 0, sizeof sprites);
    pictures_free();
}

static uint64_t sprite_hash(draw_sprite_fn paint, const void *arg, size_t n, double scale, double r, int qx, int qy)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *b = arg;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    union { double d; uint64_t u; } su = { scale }, ru = { r };
    uintptr_t fp;
    memcpy(&fp, &paint, sizeof fp < sizeof paint ? sizeof fp : sizeof paint);
    uint64_t more[] = { su.u, ru.u, (uint64_t)(qx * 4 + qy), (uint64_t)fp };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        h = (h ^ more[i]) * 1099511628211ull;
    return h;
}

static sprite_t *sprite_get(draw_sprite_fn paint, const void *arg, size_t n, double scale, double r, int qx, int qy)
{
    uint64_t h = sprite_hash(paint, arg, n, scale, r, qx, qy);
    sprite_t *lru = &sprites.slot[0];
    for (int i = 0; i < SPRITE_SLOTS; i++) {
        sprite_t *sp = &sprites.slot[i];
        if (sp->surf && sp->hash == h && sp->paint == paint && sp->arglen == n && sp->scale == scale &&
            sp->r == r && sp->qx == qx && sp->qy == qy && memcmp(sp->arg, arg, n) == 0) {
            sp->used = ++sprites.clock;
            return sp;
        }
        if (!sp->surf || sp->used < lru->used)
            lru = sp;
        if (!sp->surf)
            break;
    }
    /* draw it into the least recently used slot */
    int c = (int)ceil(r * scale) + 1, size = 2 * c + 1;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return NULL;
    }
    cairo_t *cr = cairo_create(sf);
    cairo_translate(cr, c + qx / 4.0, c + qy / 4.0);
    cairo_scale(cr, scale, scale);
    paint(cr, arg);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    if (lru->surf)
        cairo_surface_destroy(lru->surf);
    *lru = (sprite_t){ h, ++sprites.clock, paint, { 0 }, n, scale, r, qx, qy, c, sf };
    memcpy(lru->arg, arg, n);
    return lru;
}

/* A device point as a sprite takes it: the whole pixel (*ix, *iy) and the
 * quarter-pixel phase (*qx, *qy in 0..3) within it, a phase that rounds to 4
 * carried into the next pixel. */
static void sprite_phase(double X, double Y, double *ix, double *iy, int *qx, int *qy)
{
    *ix = floor(X);
    *iy = floor(Y);
    *qx = (int)lround((X - *ix) * 4);
    *qy = (int)lround((Y - *iy) * 4);
    if (*qx == 4) {
        *qx = 0;
        *ix += 1;
    }
    if (*qy == 4) {
        *qy = 0;
        *iy += 1;
    }
}

void draw_sprite(draw_t *d, double x, double y, double r, draw_sprite_fn paint, const void *arg, size_t arglen)
{
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx;
    bool direct = arglen > DRAW_SPRITE_ARG || m.xy != 0 || m.yx != 0 || !(s > 0) || m.yy != s ||
                  !(r > 0) || r * s > SPRITE_MAX_PX || !isfinite(x) || !isfinite(y);
    double X = x, Y = y;
    cairo_user_to_device(cr, &X, &Y);
    if (!direct && (fabs(X) > 1e6 || fabs(Y) > 1e6))
        return;                           /* far off any surface */
    sprite_t *sp = NULL;
    double ix, iy;
    int qx, qy;
    sprite_phase(X, Y, &ix, &iy, &qx, &qy);
    if (!direct)
        sp = sprite_get(paint, arg, arglen, s, r, qx, qy);
    cairo_save(cr);
    if (!sp) {                            /* painted straight in */
        cairo_translate(cr, x, y);
        paint(cr, arg);
    } else {
        cairo_identity_matrix(cr);
        cairo_set_source_surface(cr, sp->surf, ix - sp->c, iy - sp->c);
        cairo_paint(cr);
    }
    cairo_restore(cr);
}

void draw_sprite_px(draw_px_t *px, draw_t *d, double x, double y, double r, draw_sprite_fn paint, const void *arg,
                    size_t arglen)
{
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx;
    if (!px_usable(px, d) || arglen > DRAW_SPRITE_ARG || !(r > 0) || r * s > SPRITE_MAX_PX || !isfinite(x) ||
        !isfinite(y)) {
        draw_sprite(d, x, y, r, paint, arg, arglen);
        return;
    }
    double X = x, Y = y;
    cairo_user_to_device(cr, &X, &Y);
    if (fabs(X) > 1e6 || fabs(Y) > 1e6)
        return;                           /* far off any surface */
    double ix, iy;                        /* the phase as draw_sprite takes it */
    int qx, qy;
    sprite_phase(X, Y, &ix, &iy, &qx, &qy);
    sprite_t *sp = sprite_get(paint, arg, arglen, s, r, qx, qy);
    if (!sp) {
        draw_sprite(d, x, y, r, paint, arg, arglen);
        return;
    }
    int size = 2 * sp->c + 1;
    px_blend(px, (const uint32_t *)cairo_image_surface_get_data(sp->surf), cairo_image_surface_get_stride(sp->surf),
             (int)ix - sp->c + (int)px->ox, (int)iy - sp->c + (int)px->oy, size, size, NULL);
}

void draw_image_px(draw_px_t *px, cairo_surface_t *argb, int x, int y)
{
    if (!px || !px->ok || !argb || cairo_surface_get_type(argb) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_image_surface_get_format(argb) != CAIRO_FORMAT_ARGB32)
        return;
    cairo_surface_flush(argb);
    px_blend(px, (const uint32_t *)cairo_image_surface_get_data(argb), cairo_image_surface_get_stride(argb),
             x + (int)px->ox, y + (int)px->oy, cairo_image_surface_get_width(argb),
             cairo_image_surface_get_height(argb), NULL);
}

/* ---- masks --------------------------------------------------------------- */

bool draw_mask_px(draw_px_t *px, cairo_surface_t *a8, double mx, double my, bs_color_t c)
{
    if (!px || !px->ok || px->n == 0 || !a8 || cairo_surface_get_type(a8) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_image_surface_get_format(a8) != CAIRO_FORMAT_A8 || my != floor(my) || !(fabs(mx) < 1e6) ||
        !(fabs(my) < 1e6))
        return false;
    cairo_surface_flush(a8);
    const uint8_t *md = cairo_image_surface_get_data(a8);
    int mw = cairo_image_surface_get_width(a8), mh = cairo_image_surface_get_height(a8);
    int mst = cairo_image_surface_get_stride(a8);
    if (!md || mw <= 0 || mh <= 0)
        return false;
    /* as pixman samples it: the pixel centre X + 1/2 through the pattern's
     * matrix (a translation by -mx, in 16.16 as cairo hands it over), less
     * half a pixel; the integer part the left sample, 7 bits of the rest
     * its neighbour's weight (doubled: pixman widens them to 8) */
    int64_t tx = (int64_t)llround(-(mx + px->ox) * 65536.0);
    int k = (int)(tx >> 16), wr = (int)((tx >> 9) & 0x7f) << 1, wl = 256 - wr;
    int y0m = (int)my + (int)px->oy;                 /* the mask's top row, surface pixels */
    uint32_t s = 0xffu << 24 | px_channel(c.r) << 16 | px_channel(c.g) << 8 | px_channel(c.b);
    /* columns X whose samples (X + k, X + k + 1) touch the mask */
    int xa = -k - (wr ? 1 : 0), xb = mw - k;
    for (int r = 0; r < px->n; r++) {
        const int *b = px->r[r];
        int cx0 = b[0] > xa ? b[0] : xa, cx1 = b[2] < xb ? b[2] : xb;
        int cy0 = b[1] > y0m ? b[1] : y0m, cy1 = b[3] < y0m + mh ? b[3] : y0m + mh;
        if (cx1 <= cx0 || cy1 <= cy0)
            continue;
        px_touch(px, cx0, cy0, cx1, cy1);
        for (int y = cy0; y < cy1; y++) {
            const uint8_t *mrow = md + (size_t)(y - y0m) * (size_t)mst;
            uint32_t *row = (uint32_t *)(px->data + (size_t)y * (size_t)px->stride);
            int x = cx0;
            /* (whole offsets: wr 0, the left sample alone, as nearest)
             * the first and last columns may sample outside the mask (0) */
            for (; x < cx1 && x + k < 0; x++) {
                uint32_t m = ((uint32_t)mrow[x + k + 1] * (uint32_t)wr) >> 8;
                if (m)
                    row[x] = px_over_n(s, m, row[x]);
            }
            int xe = cx1 < mw - 1 - k ? cx1 : mw - 1 - k;
#if defined(__SSE2__)
            /* four at a time, while eight mask bytes past x + k + 1 can be
             * read: the same arithmetic on 16-bit lanes (px_blend's) */
            {
                const __m128i z = _mm_setzero_si128(), c80 = _mm_set1_epi16(0x80), cff = _mm_set1_epi16(0xff);
                const __m128i vwl = _mm_set1_epi16((short)wl), vwr = _mm_set1_epi16((short)wr);
                const __m128i s16 = _mm_unpacklo_epi8(_mm_set1_epi32((int)s), z);
                for (; x + 4 <= xe && x + k + 9 <= mw; x += 4) {
                    __m128i a = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(mrow + x + k)), z);
                    __m128i b = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(mrow + x + k + 1)), z);
                    __m128i m = _mm_srli_epi16(_mm_add_epi16(_mm_mullo_epi16(a, vwl), _mm_mullo_epi16(b, vwr)), 8);
                    if ((_mm_movemask_epi8(_mm_cmpeq_epi16(m, z)) & 0xff) == 0xff)
                        continue;                /* no ink under these four */
                    __m128i mm = _mm_unpacklo_epi16(m, m);
                    __m128i dv = _mm_loadu_si128((const __m128i *)(row + x)), out[2], sv[2];
                    for (int h = 0; h < 2; h++) {
                        __m128i mh = h ? _mm_unpackhi_epi32(mm, mm) : _mm_unpacklo_epi32(mm, mm);
                        __m128i t = _mm_add_epi16(_mm_mullo_epi16(s16, mh), c80);
                        sv[h] = _mm_srli_epi16(_mm_add_epi16(t, _mm_srli_epi16(t, 8)), 8);
                        __m128i dh = h ? _mm_unpackhi_epi8(dv, z) : _mm_unpacklo_epi8(dv, z);
                        __m128i ia = _mm_sub_epi16(cff, _mm_shufflehi_epi16(_mm_shufflelo_epi16(sv[h], 0xff), 0xff));
                        __m128i dm = _mm_add_epi16(_mm_mullo_epi16(dh, ia), c80);
                        out[h] = _mm_srli_epi16(_mm_add_epi16(dm, _mm_srli_epi16(dm, 8)), 8);
                    }
                    __m128i sp = _mm_packus_epi16(sv[0], sv[1]);
                    _mm_storeu_si128((__m128i *)(row + x), _mm_adds_epu8(sp, _mm_packus_epi16(out[0], out[1])));
                }
            }
#endif
            for (; x < xe; x++) {
                uint32_t m = ((uint32_t)mrow[x + k] * (uint32_t)wl + (uint32_t)mrow[x + k + 1] * (uint32_t)wr) >> 8;
                if (m)
                    row[x] = px_over_n(s, m, row[x]);
            }
            for (; x < cx1; x++) {
                uint32_t m = ((uint32_t)mrow[x + k] * (uint32_t)wl) >> 8;
                if (m)
                    row[x] = px_over_n(s, m, row[x]);
            }
        }
    }
    return true;
}

/* ---- pictures --------------------------------------------------------------
 *
 * As sprites, for larger pictures with text: a few dozen slots, least
 * recently used first out, the bytes capped. A picture is looked up by a
 * hash of all that makes it (paint, arg bytes, text cache, scale, size,
 * phase), then compared in full. */

#define PICTURE_SLOTS 48

typedef struct {
    uint64_t         hash, used, tc_id;
    draw_picture_fn  paint;
    uint8_t         *arg;                 /* arglen bytes, owned */
    size_t           arglen, bytes;
    double           scale, w, h, fx, fy;  /* fx, fy: the top-left's place within its pixel */
    cairo_surface_t *surf;
} picture_t;

static _Thread_local struct {
    picture_t slot[PICTURE_SLOTS];
    uint64_t  clock;
    size_t    bytes;
} pictures;

static void picture_drop(picture_t *p)
{
    if (p->surf)
        cairo_surface_destroy(p->surf);
    pictures.bytes -= p->bytes;
    free(p->arg);
    memset(p, 0, sizeof *p);
}

static void pictures_free(void)
{
    for (int i = 0; i < PICTURE_SLOTS; i++)
        if (pictures.slot[i].surf)
            picture_drop(&pictures.slot[i]);
    memset(&pictures, 0, sizeof pictures);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* The picture for this look and phase, drawn now if it is not cached; NULL
 * when it cannot be made. */
static picture_t *picture_get(draw_t *d, double s, double w, double h, double fx, double fy, int pw, int ph,
                              draw_picture_fn paint, const void *arg, size_t n)
{
    uint64_t tc_id = text_cache_id(d->tc);
    uintptr_t fp;
    memcpy(&fp, &paint, sizeof fp < sizeof paint ? sizeof fp : sizeof paint);
    double geo[5] = { s, w, h, fx, fy };
    uint64_t hash = fnv(1469598103934665603ull, arg, n);
    hash = fnv(hash, geo, sizeof geo);
    hash = fnv(hash, &tc_id, sizeof tc_id);
    hash = fnv(hash, &fp, sizeof fp);
    picture_t *lru = &pictures.slot[0];
    for (int i = 0; i < PICTURE_SLOTS; i++) {
        picture_t *p = &pictures.slot[i];
        if (p->surf && p->hash == hash && p->paint == paint && p->tc_id == tc_id && p->arglen == n &&
            p->scale == s && p->w == w && p->h == h && p->fx == fx && p->fy == fy && memcmp(p->arg, arg, n) == 0) {
            p->used = ++pictures.clock;
            return p;
        }
        if (!p->surf || (lru->surf && p->used < lru->used))
            lru = p;
    }
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    uint8_t *copy = malloc(n ? n : 1);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS || !copy) {
        cairo_surface_destroy(sf);
        free(copy);
        return NULL;
    }
    size_t bytes = (size_t)cairo_image_surface_get_stride(sf) * (size_t)ph + n;
    if (lru->surf)
        picture_drop(lru);
    while (pictures.bytes + bytes > DRAW_PICTURE_BYTES) {     /* the cap: oldest first */
        picture_t *old = NULL;
        for (int i = 0; i < PICTURE_SLOTS; i++)
            if (pictures.slot[i].surf && (!old || pictures.slot[i].used < old->used))
                old = &pictures.slot[i];
        if (!old)
            break;
        picture_drop(old);
    }
    cairo_t *cr = cairo_create(sf);
    cairo_translate(cr, 1 + fx, 1 + fy);                   /* a pixel of margin round it */
    cairo_scale(cr, s, s);
    draw_t dd = *d;
    dd.cr = cr;
    paint(&dd, arg);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    memcpy(copy, arg, n);
    *lru = (picture_t){ hash, ++pictures.clock, tc_id, paint, copy, n, bytes, s, w, h, fx, fy, sf };
    pictures.bytes += bytes;
    return lru;
}

/* The cached picture for draw_picture at (x, y), with its surface's device
 * top-left in *ix, *iy; NULL when it is to be painted straight in
 * (*direct) or is far off any surface (!*direct). */
static picture_t *picture_at(draw_t *d, double x, double y, double w, double h, draw_picture_fn paint,
                             const void *arg, size_t arglen, double *ix, double *iy, bool *direct)
{
    cairo_t *cr = d->cr;
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double s = m.xx;
    double X = x, Y = y;
    cairo_user_to_device(cr, &X, &Y);
    *direct = arglen > DRAW_PICTURE_ARG || m.xy != 0 || m.yx != 0 || !(s > 0) || m.yy != s ||
              !(w > 0) || !(h > 0) || !(w * s <= DRAW_PICTURE_MAX_PX) || !(h * s <= DRAW_PICTURE_MAX_PX) ||
              !isfinite(X) || !isfinite(Y);
    if (*direct || fabs(X) > 1e6 || fabs(Y) > 1e6)
        return NULL;                      /* straight in, or far off any surface */
    *ix = floor(X);
    *iy = floor(Y);
    int pw = (int)ceil(w * s) + 3, ph = (int)ceil(h * s) + 3;
    picture_t *p = picture_get(d, s, w, h, X - *ix, Y - *iy, pw, ph, paint, arg, arglen);
    *direct = !p;
    return p;
}

void draw_picture(draw_t *d, double x, double y, double w, double h, draw_picture_fn paint, const void *arg,
                  size_t arglen)
{
    cairo_t *cr = d->cr;
    double ix = 0, iy = 0;
    bool direct;
    picture_t *p = picture_at(d, x, y, w, h, paint, arg, arglen, &ix, &iy, &direct);
    if (!p && !direct)
        return;
    cairo_save(cr);
    if (!p) {                             /* painted straight in */
        cairo_translate(cr, x, y);
        paint(d, arg);
    } else {
        cairo_identity_matrix(cr);
        cairo_set_source_surface(cr, p->surf, ix - 1, iy - 1);
        cairo_paint(cr);
    }
    cairo_restore(cr);
}

void draw_picture_fill(draw_t *d, double x, double y, double w, double h, draw_picture_fn paint, const void *arg,
                       size_t arglen)
{
    cairo_t *cr = d->cr;
    double ix = 0, iy = 0;
    bool direct;
    picture_t *p = picture_at(d, x, y, w, h, paint, arg, arglen, &ix, &iy, &direct);
    if (!p && !direct) {
        cairo_new_path(cr);
        return;
    }
    cairo_save(cr);
    if (!p) {                             /* painted straight in, through a group */
        cairo_path_t *path = cairo_copy_path(cr);
        cairo_new_path(cr);
        cairo_push_group(cr);
        cairo_translate(cr, x, y);
        paint(d, arg);
        cairo_pop_group_to_source(cr);
        cairo_append_path(cr, path);
        cairo_path_destroy(path);
    } else {                              /* the path is kept in device space */
        cairo_identity_matrix(cr);
        cairo_set_source_surface(cr, p->surf, ix - 1, iy - 1);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

#define PANEL_TITLE_H 40

rect_t draw_panel_content(rect_t r, const char *title)
{
    if (title && title[0])
        return (rect_t){ r.x + 14, r.y + PANEL_TITLE_H + 12, r.w - 28, r.h - PANEL_TITLE_H - 22 };
    return (rect_t){ r.x + 14, r.y + 10, r.w - 28, r.h - 20 };
}

rect_t draw_panel(draw_t *d, rect_t r, const char *title)
{
    cairo_t *cr = d->cr;
    bs_color_t panel = draw_theme(d, THEME_PANEL), frame = draw_theme(d, THEME_FRAME);
    bs_color_t accent = draw_theme(d, THEME_ACCENT), accent2 = draw_theme(d, THEME_ACCENT2);

    /* fill: a vertical gradient, lighter at the top; its two gradients go
     * through the pixels where they can (pixman's general path took most
     * of a panel's remake: 7 of a 4K chart's 10 ms) */
    draw_px_t px;
    draw_round_rect(cr, r.x, r.y, r.w, r.h, 4);
    bs_color_t solid = { panel.r, panel.g, panel.b, 1, -1 };
    bool done = draw_px_begin(&px, d) && draw_fill_vgrad_px(&px, d, solid, r.y, panel.a, r.y + r.h, panel.a * 0.55);
    draw_px_end(&px);
    if (!done) {
        cairo_pattern_t *g = cairo_pattern_create_linear(0, r.y, 0, r.y + r.h);
        cairo_pattern_add_color_stop_rgba(g, 0, panel.r, panel.g, panel.b, panel.a);
        cairo_pattern_add_color_stop_rgba(g, 1, panel.r, panel.g, panel.b, panel.a * 0.55);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
    }
    /* inner glow along the frame */
    draw_round_rect(cr, r.x, r.y, r.w, r.h, 4);
    cairo_set_source_rgba(cr, frame.r, frame.g, frame.b, 0.55);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    draw_round_rect(cr, r.x, r.y, r.w, r.h, 4);
    bs_color_t a0 = { accent.r, accent.g, accent.b, 0.10f, -1 }, a1 = { accent.r, accent.g, accent.b, 0, -1 };
    done = draw_px_begin(&px, d) && draw_fill_rgrad_px(&px, d, r.x + r.w / 2, r.y + r.h, 0, a0, r.w * 0.6, a1);
    draw_px_end(&px);
    if (!done) {
        cairo_pattern_t *g = cairo_pattern_create_radial(r.x + r.w / 2, r.y + r.h, 0, r.x + r.w / 2, r.y + r.h, r.w * 0.6);
        cairo_pattern_add_color_stop_rgba(g, 0, accent.r, accent.g, accent.b, 0.10);
        cairo_pattern_add_color_stop_rgba(g, 1, accent.r, accent.g, accent.b, 0.0);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
    }

    /* glowing corner brackets */
    double L = fmin(18, fmin(r.w, r.h) / 4);
    double x0 = r.x, y0 = r.y, x1 = r.x + r.w, y1 = r.y + r.h;
    cairo_move_to(cr, x0, y0 + L); cairo_line_to(cr, x0, y0); cairo_line_to(cr, x0 + L, y0);
    cairo_move_to(cr, x1 - L, y0); cairo_line_to(cr, x1, y0); cairo_line_to(cr, x1, y0 + L);
    cairo_move_to(cr, x1, y1 - L); cairo_line_to(cr, x1, y1); cairo_line_to(cr, x1 - L, y1);
    cairo_move_to(cr, x0 + L, y1); cairo_line_to(cr, x0, y1); cairo_line_to(cr, x0, y1 - L);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    draw_glow_stroke(d, accent, 2.4, 5);

    if (title && title[0]) {
        double th = PANEL_TITLE_H;
        /* header band: accent2 fading to the right */
        cairo_pattern_t *g = cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0);
        cairo_pattern_add_color_stop_rgba(g, 0, accent2.r, accent2.g, accent2.b, 0.45);
        cairo_pattern_add_color_stop_rgba(g, 0.7, accent2.r, accent2.g, accent2.b, 0.08);
        cairo_pattern_add_color_stop_rgba(g, 1, accent2.r, accent2.g, accent2.b, 0.0);
        cairo_rectangle(cr, r.x + 1.5, r.y + 1.5, r.w - 3, th);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
        /* underline with a bright head */
        g = cairo_pattern_create_linear(r.x, 0, r.x + r.w, 0);
        cairo_pattern_add_color_stop_rgba(g, 0, accent.r, accent.g, accent.b, 0.9);
        cairo_pattern_add_color_stop_rgba(g, 1, accent.r, accent.g, accent.b, 0.05);
        cairo_rectangle(cr, r.x + 1.5, r.y + 1.5 + th, r.w - 3, 1.2);
        cairo_set_source(cr, g);
        cairo_fill(cr);
        cairo_pattern_destroy(g);
        /* marker: two slanted bars */
        for (int i = 0; i < 2; i++) {
            double mx = r.x + 14 + i * 8;
            cairo_move_to(cr, mx + 4, r.y + 11);
            cairo_line_to(cr, mx + 9, r.y + 11);
            cairo_line_to(cr, mx + 5, r.y + th - 8);
            cairo_line_to(cr, mx, r.y + th - 8);
            cairo_close_path(cr);
            cairo_set_source_rgba(cr, accent.r, accent.g, accent.b, i ? 0.45 : 1.0);
            cairo_fill(cr);
        }
        bs_color_t white = draw_theme(d, THEME_TEXT);
        draw_text_glow(d, FONT_BOLD, 21, r.x + 38, r.y + 1.5 + th / 2, title, white, accent, AL_LEFT);
    }
    return draw_panel_content(r, title);
}

void draw_stale_badge(draw_t *d, rect_t r, double age)
{
    char txt[64], line[96];
    fmt_age(age, txt, sizeof txt);
    snprintf(line, sizeof line, "数据停更 · %s", txt);
    double size = 15, w = draw_text_width(d, FONT_TEXT, size, line) + 30, h = 26;
    double x = r.x + r.w - w - 8, y = r.y + 8;
    cairo_t *cr = d->cr;
    draw_round_rect(cr, x, y, w, h, h / 2);
    bs_color_t warn = draw_theme(d, THEME_WARN);
    cairo_set_source_rgba(cr, 0.05, 0.05, 0.08, 0.78);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, warn.r, warn.g, warn.b, 0.9);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    cairo_arc(cr, x + 13, y + h / 2, 4, 0, 2 * M_PI);
    cairo_fill(cr);
    draw_text(d, FONT_TEXT, size, x + 22, y + h / 2, line, warn, AL_LEFT);
}

void draw_clip_pixels(cairo_t *cr, rect_t r)
{
    double x0 = r.x, y0 = r.y, x1 = r.x + r.w, y1 = r.y + r.h;
    cairo_user_to_device(cr, &x0, &y0);
    cairo_user_to_device(cr, &x1, &y1);
    double ax = floor(fmin(x0, x1)), ay = floor(fmin(y0, y1)), bx = ceil(fmax(x0, x1)), by = ceil(fmax(y0, y1));
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, ax, ay, bx - ax, by - ay);
    cairo_restore(cr);
    cairo_clip(cr);
}
