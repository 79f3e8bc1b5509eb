/*
 * draw.h — the drawing kit widgets share: text (SDL2_ttf masks composited by
 * Cairo in theme colours), tabular numbers, panels with glowing frames.
 *
 * Thread: render thread only. A draw_t lives for one paint pass; draw
 * callbacks only read widget state and call these helpers.
 *
 * Coordinates are design units (the layout canvas); d->cr carries the
 * transform to output pixels. Text is rasterised at the output pixel size
 * (size × d->scale), never scaled as a bitmap, so 4K output stays crisp.
 */
#ifndef BS_DRAW_H
#define BS_DRAW_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "theme.h"

typedef struct text_cache text_cache_t;

typedef struct draw {
    cairo_t       *cr;        /* user space = design units                     */
    double         scale;     /* output pixels per design unit (for text size) */
    const theme_t *theme;
    text_cache_t  *tc;
    double         now;       /* seconds since start (animation time)          */
    int64_t        wall_ms;   /* wall clock for display                        */
    int            utc_offset_min; /* the layout's time zone                   */
} draw_t;

/* align flags: one horizontal, one vertical */
enum {
    AL_LEFT = 0, AL_CENTER = 1, AL_RIGHT = 2,
    AL_MIDDLE = 0, AL_TOP = 4, AL_BASELINE = 8, AL_BOTTOM = 16,
};

typedef struct { double x, y, w, h; } rect_t;

/* Concrete colour of c (theme references resolved), alpha multiplied. */
bs_color_t draw_color(const draw_t *d, bs_color_t c);
bs_color_t draw_theme(const draw_t *d, int theme_index);
void draw_source(draw_t *d, bs_color_t c, double alpha);

/* Text. size in design units; (x, y) is the anchor given by align. Returns
 * the width drawn, in design units. Invalid UTF-8 draws nothing. */
double draw_text(draw_t *d, int font_role, double size, double x, double y,
                 const char *s, bs_color_t c, int align);
/* The same with a soft glow of glow_color under the text. */
double draw_text_glow(draw_t *d, int font_role, double size, double x, double y,
                      const char *s, bs_color_t c, bs_color_t glow_color, int align);
double draw_text_width(draw_t *d, int font_role, double size, const char *s);
/* The box (design units, relative to the anchor) that the ink of s drawn
 * by draw_text at an anchor with align covers, a pixel of rounding more
 * on each side; false (and *out empty) when s has no ink or cannot be
 * drawn. Reads the whole mask: for callers that keep the result (a
 * ticker's damage follows its headlines' ink). */
bool draw_text_ink(draw_t *d, int font_role, double size, const char *s, int align, rect_t *out);
/* Text cut with "…" to fit max_w. */
double draw_text_fit(draw_t *d, int font_role, double size, double x, double y,
                     const char *s, bs_color_t c, int align, double max_w);

/* Tabular number: every digit takes the same advance, so changing values do
 * not jitter. Same anchors as draw_text. Returns the width. */
double draw_number(draw_t *d, int font_role, double size, double x, double y,
                   const char *s, bs_color_t c, int align);
double draw_number_width(draw_t *d, int font_role, double size, const char *s);

/* The damage being painted, as the current clip holds it: up to
 * DRAW_CLIP_MAX device rectangles, so a kind's marks can skip what lies
 * outside it (cairo would clip it away anyway, at the cost of composing
 * it). all: the clip could not be listed (too many rectangles, not
 * rectangular): everything counts as inside. */
#define DRAW_CLIP_MAX 64
typedef struct {
    int    n;
    bool   all;
    double x0[DRAW_CLIP_MAX], y0[DRAW_CLIP_MAX], x1[DRAW_CLIP_MAX], y1[DRAW_CLIP_MAX];
} draw_clip_t;
/* Reads d->cr's clip into c (once per draw, it allocates inside cairo). */
void draw_clip_get(draw_t *d, draw_clip_t *c);
/* Whether design rect r (transformed by d->cr's matrix, which must be a
 * scale and translation) meets the clip c holds. */
bool draw_clip_hits(const draw_clip_t *c, const draw_t *d, rect_t r);

/* Numbers on a grid of fixed cells: each character of s takes a cell of
 * draw_cell_em() × size design units (digits 0.6 em, "." "," ":" 0.33, "-"
 * 0.38, "%" 0.97, other ASCII 0.62, anything else 1 em), its glyph centred
 * in the cell. The layout is pure geometry, so a kind knows without fonts
 * or a drawing context where every character goes (draw_cells_box) and can
 * damage only the cells whose character changed (draw_cells_diff): a
 * count-up from "128,400" to "128,417" repaints two digits. Anchors as
 * draw_number's. When clip is given, characters whose cell is outside it
 * are not drawn. Returns the width in design units. */
double draw_cell_em(const char *ch);
double draw_cells_width(const char *s, double size);
double draw_cells(draw_t *d, int font_role, double size, double x, double y, const char *s, bs_color_t c,
                  int align, const draw_clip_t *clip);
/* The box (design units) the ink of s drawn by draw_cells can cover. */
rect_t draw_cells_box(const char *s, double size, double x, double y, int align);
/* The boxes (design units) where s drawn by draw_cells differs from was
 * (was NULL: nothing was drawn): the cells whose character changed when
 * both have the same cells, else both boxes. At most max into out;
 * returns how many (0 when they are equal). max must be at least 2. */
int draw_cells_diff(const char *was, const char *s, double size, double x, double y, int align, rect_t *out,
                    int max);

/* Fits n rectangles (design units) into at most max (max >= 1): while
 * there are more, the two whose bounding box adds the least area over
 * their own are replaced by that box; a rectangle inside another is
 * dropped first. What the result covers contains what r covered. Returns
 * the new count. For marks that report many small boxes (a ranking's bar
 * ends and digits) instead of giving up on all of them. O(n^3) for the
 * merges: for the few dozen rectangles of a widget's marks. */
int draw_rects_fit(rect_t *r, int n, int max);

/* Shapes */
void draw_round_rect(cairo_t *cr, double x, double y, double w, double h, double r);
/* Clips cr to r (design units) grown to whole output pixels: a clip of
 * pixel boxes, so what is drawn inside gives the same pixels whatever
 * pixel-aligned clip (a frame's damage) it meets, and it stays within
 * the pixels of r grown by any margin (a mark's damaged rectangle). */
void draw_clip_pixels(cairo_t *cr, rect_t r);
/* The standard panel: translucent fill, thin frame, glowing corner brackets,
 * and a title bar when title is non-NULL. Returns the content rect. */
rect_t draw_panel(draw_t *d, rect_t r, const char *title);
/* The content rect draw_panel() returns, without drawing (for overlays). */
rect_t draw_panel_content(rect_t r, const char *title);
/* A line with a soft glow around it (current path is consumed). */
void draw_glow_stroke(draw_t *d, bs_color_t c, double width, double glow);
/* Frees this thread's drawing scratch (the glow's band buffers, the trail's
 * scratch, the sprite and picture caches): the per-thread state
 * draw_glow_stroke, draw_trail, draw_sprite and draw_picture keep. A
 * thread that draws and then lives on idle, or ends (the reload thread after
 * each prepared screen), calls it; the next draw on the thread starts afresh. */
void draw_thread_release(void);
/* The same glow as plain cairo strokes (three wide ones at 10 %, then the
 * line; the current path is consumed): for marks drawn a few frames at a time
 * (a tour's highlight), where cairo's strokes give the same pixels in any
 * damaged rectangle. */
void draw_glow_stroke_exact(draw_t *d, bs_color_t c, double width, double glow);
/* Width estimate of short text at size without a drawing context: ASCII
 * 0.62 em, anything else 1 em (a callout box is sized by it and its text
 * fitted into it, so what is drawn never leaves the box). */
double draw_text_width_estimate(const char *s, double size);

/* A circle's outline, as cairo_arc(cx, cy, r, 0, 2π) stroked width wide in
 * colour c at alpha: the ring's coverage computed from each pixel's distance
 * to the centre and composited once, instead of a stroke through cairo's
 * tessellator (a map's pulses and ripples stroke a dozen rings a frame).
 * The current path is left alone; cairo strokes it when the transform is
 * not a uniform scale or the ring is larger than 2048 pixels. */
void draw_ring(draw_t *d, double cx, double cy, double r, double width, bs_color_t c, double alpha);

/* A trail: n straight round-capped segments stroked one after another, each
 * its own width and colour (a comet's tapering tail), with the pixels cairo
 * gives when it strokes them in turn with OVER: each pixel's coverage of a
 * segment from its distance to it (a box filter across the edge), the
 * segments composited in order into a small scratch picture of the trail's
 * box, and that painted once. Coordinates and widths in design units;
 * colours concrete or theme ones, alpha in c.a. The current path is left
 * alone; cairo strokes them when the transform is not a uniform scale, the
 * operator is not OVER or the box is over 1024 pixels. */
typedef struct { double x0, y0, x1, y1, width; bs_color_t c; } draw_seg_t;
void draw_trail(draw_t *d, const draw_seg_t *seg, int n);

/* Sprites: a small picture drawn once per look and stamped wherever it is
 * wanted (a chart's dots, a halo), so a mark that moves every frame costs a
 * copy instead of a fill and a stroke. paint() draws the picture centred on
 * (0, 0) in design units, within radius r of it, from arg alone: arg's
 * arglen bytes (at most DRAW_SPRITE_ARG) are the picture's identity, equal
 * bytes giving the same picture. The position keeps a quarter of a pixel
 * (each phase is its own sprite), so a glide stays smooth. Without a uniform
 * scale, or when larger than 64 pixels, the picture is painted straight in.
 * The cache is the calling thread's (a few dozen recent sprites). */
#define DRAW_SPRITE_ARG 64
typedef void (*draw_sprite_fn)(cairo_t *cr, const void *arg);
void draw_sprite(draw_t *d, double x, double y, double r, draw_sprite_fn paint, const void *arg, size_t arglen);

/* Direct pixels, for marks drawn dozens to a frame (a map's rings, comets'
 * tails and heads): a view of the pixels d->cr draws into and of its clip as
 * whole-pixel rectangles, taken once by draw_px_begin(), through which
 * draw_ring_px, draw_trail_px and draw_sprite_px composite straight into the
 * target with pixman's OVER arithmetic. The pixels are the ones draw_ring,
 * draw_trail and draw_sprite give (tests/test_draw.c checks them byte for
 * byte), without a mask surface, a pixman call and a clip reduction per mark
 * and without touching the mark's empty box.
 *
 * draw_px_begin() returns false, and the _px helpers then simply call the
 * cairo ones, when the target is not an ARGB32 or RGB24 image surface at
 * device scale 1, the clip is not whole-pixel rectangles (or more than
 * DRAW_PX_RECTS of them), or the operator is not OVER. Between begin and end
 * the caller keeps cr's clip and operator as they were (the matrix may
 * change: each mark reads it); cairo drawing into cr in between is fine (an
 * image surface draws at once). draw_px_end() tells cairo what was written.
 * The struct lives on the caller's stack for one draw callback. */
#define DRAW_PX_RECTS 128
typedef struct draw_px {
    bool      ok;
    cairo_surface_t *sf;
    uint8_t  *data;
    int       stride, w, h;
    double    ox, oy;                    /* device → surface pixel offset      */
    int       n;                         /* clip rectangles, surface pixels:   */
    int       r[DRAW_PX_RECTS][4];       /* x0, y0, x1, y1 (exclusive)         */
    int       ext[4];                    /* their union                        */
    int       dirty[4];                  /* what was written (x1 <= x0: none)  */
} draw_px_t;
/* pixman's arithmetic, for kinds that write pixels through a draw_px_t
 * themselves (the gauge's arc): byte for byte what cairo's OVER gives. */
/* Two channels at once, as pixman's C code does: the red and blue (or
 * alpha and green) bytes of x, 0x00rr00bb, each times a. */
static inline uint32_t draw_un8x2_mul(uint32_t x, uint32_t a)
{
    uint32_t t = x * a + 0x800080;
    t = ((t >> 8) & 0xff00ff) + t;
    return (t >> 8) & 0xff00ff;
}

/* x + y per 0x00ff00ff lane, saturating at 255. */
static inline uint32_t draw_un8x2_add(uint32_t x, uint32_t y)
{
    uint32_t t = x + y;
    t |= 0x1000100 - ((t >> 8) & 0xff00ff);
    return t & 0xff00ff;
}

/* s OVER d, both premultiplied ARGB32. Without branches: an opaque s
 * (d times 0) and a clear one (d times 255) come out exact, as pixman's
 * shortcuts for them give. */
static inline uint32_t draw_px_over(uint32_t s, uint32_t d)
{
    uint32_t ia = 255 - (s >> 24);
    uint32_t rb = draw_un8x2_add(draw_un8x2_mul(d & 0xff00ff, ia), s & 0xff00ff);
    uint32_t ag = draw_un8x2_add(draw_un8x2_mul((d >> 8) & 0xff00ff, ia), (s >> 8) & 0xff00ff);
    return ag << 8 | rb;
}

bool draw_px_begin(draw_px_t *px, draw_t *d);
void draw_px_end(draw_px_t *px);
/* As draw_ring, draw_trail and draw_sprite, through px when it is ok. */
void draw_ring_px(draw_px_t *px, draw_t *d, double cx, double cy, double r, double width, bs_color_t c, double alpha);
void draw_trail_px(draw_px_t *px, draw_t *d, const draw_seg_t *seg, int n);
void draw_sprite_px(draw_px_t *px, draw_t *d, double x, double y, double r, draw_sprite_fn paint, const void *arg,
                    size_t arglen);
/* The premultiplied ARGB32 picture argb, its top-left pixel at device
 * pixel (x, y), OVER px's pixels within its clip rectangles: what
 * cairo_set_source_surface and cairo_paint give (nothing when px is not ok). */
void draw_image_px(draw_px_t *px, cairo_surface_t *argb, int x, int y);
/* Colour c (opaque; the mask holds the alphas) through the A8 mask a8, its
 * top-left pixel at device pixel (mx, my), OVER px's pixels within its
 * clip rectangles: the pixels cairo_mask gives for that mask as a surface
 * pattern (no extend) translated by (mx, my), nearest when mx is whole and
 * bilinear when not (with my whole, bilinear filters along x only: pixman's
 * 7-bit weights, the same arithmetic). Only the mask's pixels that are not
 * 0 are touched. false, and nothing drawn, when px is not ok, my is not
 * whole, or mx is out of range; the caller then uses cairo. */
bool draw_mask_px(draw_px_t *px, cairo_surface_t *a8, double mx, double my, bs_color_t c);

/* Through px (ok, see draw_px_begin): colours through an A8 mask,
 * composited OVER px's pixels inside its clip with pixman's arithmetic, for
 * a cached mask laid at device pixel (x, y) (whole pixels: the caller keeps
 * them aligned). The mask
 * (w × h, stride bytes a row) takes rows[j], a premultiplied ARGB32 colour,
 * for its row j when nrows is h (a vertical gradient sampled per row), or
 * rows[0] for every row when nrows is 1: each pixel is colour × coverage
 * OVER it (pixman's over_n_8_8888 per row). Pixels the mask leaves at 0 are
 * not touched. Nothing is drawn when px is not ok. */
void draw_mask_rows_px(draw_px_t *px, const uint8_t *mask, int stride, int x, int y, int w, int h,
                       const uint32_t *rows, int nrows);
/* cr's current path filled (its fill rule) with colour c at an alpha going
 * linearly from a0 at user y0 to a1 at user y1 (held beyond them): what a
 * vertical linear gradient source gives, without pixman's general path (a
 * gradient source has no fast one: at 1000 msg/s a line's area was 14 % of
 * all the work). The path's coverage goes into an A8 mask (cairo's solid
 * fill, its fast path) within px's clip, then the gradient's colour row by
 * row through it (draw_mask_rows_px). Consumes the path and returns true;
 * false, the path kept, when px cannot take it (not usable, a matrix that
 * is not an axis-aligned scale, no memory): the caller fills with cairo. */
bool draw_fill_vgrad_px(draw_px_t *px, draw_t *d, bs_color_t c, double y0, double a0, double y1, double a1);
/* cr's current path filled with what cairo_pattern_create_radial(cx, cy,
 * r0, cx, cy, r1) with stops c0 at 0 and c1 at 1 (colour and alpha, not
 * premultiplied) gives: concentric circles, held beyond them. The path's
 * coverage as draw_fill_vgrad_px's, then each covered pixel's colour from
 * its centre's distance (a table a quarter of a pixel a step, pixman's
 * gradient walker's rounding). A donut's slices at 4K were 0.65 ms of a
 * remake through pixman's general path. Consumes the path and returns
 * true; false, the path kept, when px cannot take it (see
 * draw_fill_vgrad_px, or r1 <= r0, or a number out of bounds). */
bool draw_fill_rgrad_px(draw_px_t *px, draw_t *d, double cx, double cy, double r0, bs_color_t c0, double r1,
                        bs_color_t c1);
/* A sparse A8 mask: the runs of its rows that are not empty (a thin curve
 * across a large box costs its own pixels only), laid at device pixel
 * (x, y). Owned: draw_spans_free. */
typedef struct {
    int      y, x, n;                 /* row, first column, length (in the mask) */
    uint32_t off;                     /* its coverage bytes at cov + off */
} draw_span_t;
typedef struct {
    bool         ok;
    int          x, y, w, h;
    int          nspans;
    size_t       ncov;
    draw_span_t *span;
    uint8_t     *cov;
} draw_spans_t;
/* The runs of a8 (its top-left at device pixel (x, y)); false on no memory
 * or a surface that is not A8 (sp is then empty, not ok). */
bool draw_spans_from_a8(draw_spans_t *sp, cairo_surface_t *a8, int x, int y);
void draw_spans_free(draw_spans_t *sp);            /* accepts an empty one */
/* Colour s (premultiplied ARGB32, draw_px_color) through the sparse mask
 * OVER px's pixels inside its clip: the pixels draw_mask_rows_px gives for
 * the whole mask. Nothing when px is not ok. */
void draw_spans_px(draw_px_t *px, const draw_spans_t *sp, uint32_t s);
/* Colour c at alpha (c.a × alpha), premultiplied ARGB32 with the bytes cairo
 * hands pixman for it as a solid source. */
uint32_t draw_px_color(bs_color_t c, double alpha);

/* Pictures: a sprite with text in it, up to DRAW_PICTURE_MAX_PX pixels a
 * side (a ranking's row: band, badge, name and bar track), drawn once per
 * look and then blitted. paint() draws it through d (its cr's design origin
 * at the picture's top-left, within w × h design units) from arg alone:
 * arg's arglen bytes (at most DRAW_PICTURE_ARG; zero their padding) are the
 * picture's identity, with d's scale and text cache, and where in its
 * pixel the top-left (x, y) falls: the pixels are those paint() would draw
 * there, and a picture that moves should move by whole pixels. Without a
 * uniform scale, or larger, the picture is painted straight in. The cache is
 * the calling thread's, at most DRAW_PICTURE_BYTES; draw_thread_release()
 * frees it. */
#define DRAW_PICTURE_ARG     512
#define DRAW_PICTURE_MAX_PX  2048
#define DRAW_PICTURE_BYTES   (16u << 20)
typedef void (*draw_picture_fn)(draw_t *d, const void *arg);
void draw_picture(draw_t *d, double x, double y, double w, double h, draw_picture_fn paint, const void *arg,
                  size_t arglen);
/* As draw_picture, but the picture is the source that fills cr's current
 * path (which it consumes), instead of being painted whole: a fill whose
 * source is costly to compute (a gradient along a ranking's bar) and whose
 * shape changes (the bar's length) costs a copy from the cached picture.
 * The path should lie within the picture's w × h. */
void draw_picture_fill(draw_t *d, double x, double y, double w, double h, draw_picture_fn paint, const void *arg,
                       size_t arglen);

/* The stale badge in the top-right corner of r: "● 3 分钟前". */
void draw_stale_badge(draw_t *d, rect_t r, double age_s);

#endif
