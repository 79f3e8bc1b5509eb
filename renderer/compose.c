/* compose.c — pixels out: the background, cached widget layers, damage from
 * widgets, and the paint of damaged areas (see screen_impl.h). */
#include "clock.h"
#include "screen_impl.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYER_BUDGET    (192u << 20) /* bytes of cached widget layers at most */

static void clip_region(cairo_t *cr, const cairo_region_t *rg);
static void region_add(cairo_region_t *rg, irect_t r);
static void paint_layers(screen_t *s, cairo_t *cr, const cairo_region_t *rg, draw_t *d, int page);
static void region_pixels(screen_t *s, const cairo_region_t *rg);
static void next_note_changes(screen_t *s);

/* ---- cached layers -------------------------------------------------------- */

static void veil_drop(screen_t *s, layer_t *L)
{
    if (!L->veil)
        return;
    s->layer_bytes -= (size_t)cairo_image_surface_get_stride(L->veil) * (size_t)cairo_image_surface_get_height(L->veil);
    cairo_surface_destroy(L->veil);
    L->veil = NULL;
}

static void layer_drop(screen_t *s, layer_t *L)
{
    veil_drop(s, L);
    if (L->surf)
        cairo_surface_destroy(L->surf);
    if (L->base)
        cairo_surface_destroy(L->base);
    if (L->top)
        cairo_surface_destroy(L->top);
    L->surf = L->base = L->top = NULL;
    s->layer_bytes -= L->bytes;
    L->bytes = 0;
    L->cached = L->valid = L->base_valid = false;
    L->redo.w = 0;
    L->redo_base = false;
    L->in_next = false;                   /* its pixels in still_next are no longer known */
}

void scr_layers_free(screen_t *s)
{
    for (int i = 0; s->layers && i < s->layout->nwidgets; i++)
        layer_drop(s, &s->layers[i]);
    free(s->layers);
    s->layers = NULL;
    s->layer_bytes = 0;
}

/* Drops every layer (new size, new layout); they are remade when painted. */
int scr_layers_reset(screen_t *s)
{
    scr_layers_free(s);
    s->layers = calloc((size_t)(s->layout->nwidgets ? s->layout->nwidgets : 1), sizeof *s->layers);
    s->still_valid = false;               /* remade from the new layers */
    s->layers_gen++;                      /* a GPU compositor drops its textures of them */
    return s->layers ? 0 : -1;
}

/* Whether the core draws w's panel (the kind's "frame" option is on). */
static bool core_panel(const wdg_t *w)
{
    return w->cls->panel && *(const bool *)((const char *)w + w->cls->panel);
}

/* The panel and the kind's base, in design units on d->cr. */
static void draw_base_of(const wdg_t *w, draw_t *d)
{
    if (core_panel(w))
        draw_panel(d, w->rect, w->cls->panel_untitled ? NULL : w->title);
    if (w->cls->draw_base)
        w->cls->draw_base(w, d);
}

static cairo_surface_t *new_surface(int w, int h)
{
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return NULL;
    }
    return sf;
}

/* A cairo context on one of L's surfaces in design units, clipped to clip
 * (output pixels; w 0: all of it), with that part cleared to `under` (NULL:
 * transparent, and the background where L is solid, when bake is set). */
static cairo_t *layer_begin(const screen_t *s, const layer_t *L, cairo_surface_t *sf, irect_t clip,
                            cairo_surface_t *under, bool bake)
{
    cairo_t *cr = cairo_create(sf);
    if (clip.w > 0) {
        cairo_rectangle(cr, clip.x - L->r.x, clip.y - L->r.y, clip.w, clip.h);
        cairo_clip(cr);
    }
    if (under)
        cairo_set_source_surface(cr, under, 0, 0);
    cairo_set_operator(cr, under ? CAIRO_OPERATOR_SOURCE : CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr);
    if (!under && bake && L->solid.w > 0) {
        cairo_save(cr);
        cairo_rectangle(cr, L->solid.x - L->r.x, L->solid.y - L->r.y, L->solid.w, L->solid.h);
        cairo_clip(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
        cairo_set_source_surface(cr, s->bg, -L->r.x, -L->r.y);
        cairo_paint(cr);
        cairo_restore(cr);
    }
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_translate(cr, s->ox - L->r.x, s->oy - L->r.y);
    cairo_scale(cr, s->sx, s->sy);
    return cr;
}

static void layer_end(cairo_t *cr, cairo_surface_t *sf)
{
    cairo_destroy(cr);
    cairo_surface_flush(sf);
}

/* Where surface sf (placed at r on the output) has any ink, in output
 * pixels; w 0 when it is all transparent. A top is mostly empty (a target
 * marker, a dashed line), so its blit is kept to this box. */
irect_t scr_ink_box(cairo_surface_t *sf, irect_t r)
{
    const uint8_t *px = cairo_image_surface_get_data(sf);
    int st = cairo_image_surface_get_stride(sf), w = cairo_image_surface_get_width(sf);
    int h = cairo_image_surface_get_height(sf), x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; px && y < h; y++) {
        const uint32_t *row = (const uint32_t *)(px + (size_t)y * (size_t)st);
        int a = 0, b = w - 1;
        while (a < w && (row[a] >> 24) == 0)
            a++;
        if (a == w)
            continue;
        while ((row[b] >> 24) == 0)
            b--;
        x0 = a < x0 ? a : x0;
        x1 = b > x1 ? b : x1;
        y0 = y < y0 ? y : y0;
        y1 = y;
    }
    if (x1 < 0)
        return (irect_t){ 0 };
    return (irect_t){ r.x + x0, r.y + y0, x1 - x0 + 1, y1 - y0 + 1 };
}

static size_t surface_bytes(cairo_surface_t *sf)
{
    return (size_t)cairo_image_surface_get_stride(sf) * (size_t)cairo_image_surface_get_height(sf);
}

/* Draws w's top on a surface of the layer's size, then keeps only the box
 * where it has ink (L->top_ink; a top is mostly empty: a target marker, a
 * dashed line), so a cached top costs its ink, not the widget's size. */
static void top_render(screen_t *s, layer_t *L, const wdg_t *w, draw_t *d)
{
    cairo_surface_t *full = L->top;
    if (cairo_image_surface_get_width(full) != L->r.w || cairo_image_surface_get_height(full) != L->r.h) {
        if (!(full = new_surface(L->r.w, L->r.h)))
            return;                       /* no memory: the old top stays (and L->top_ink with it) */
        L->bytes += surface_bytes(full);
        s->layer_bytes += surface_bytes(full);
    }
    d->cr = layer_begin(s, L, full, (irect_t){ 0 }, NULL, false);
    w->cls->draw_top(w, d);
    layer_end(d->cr, full);
    s->st.drawn_px += (uint64_t)L->r.w * (uint64_t)L->r.h;
    irect_t ink = scr_ink_box(full, L->r);
    cairo_surface_t *kept = new_surface(ink.w > 0 ? ink.w : 1, ink.h > 0 ? ink.h : 1);
    L->top_x = ink.x;
    L->top_y = ink.y;
    if (kept) {
        cairo_t *cr = cairo_create(kept);
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
        cairo_set_source_surface(cr, full, L->r.x - ink.x, L->r.y - ink.y);
        if (ink.w > 0)
            cairo_paint(cr);
        cairo_destroy(cr);
        cairo_surface_flush(kept);
    } else {                              /* no memory for the small one: the whole one stays */
        kept = cairo_surface_reference(full);
        L->top_x = L->r.x;
        L->top_y = L->r.y;
    }
    if (L->top != full) {
        L->bytes -= surface_bytes(L->top);
        s->layer_bytes -= surface_bytes(L->top);
        cairo_surface_destroy(L->top);
    }
    if (kept != full) {
        L->bytes += surface_bytes(kept) - surface_bytes(full);
        s->layer_bytes += surface_bytes(kept) - surface_bytes(full);
    }
    cairo_surface_destroy(full);
    L->top = kept;
    L->top_ink = ink;
}

/* Brings widget i's layers up to date: makes them when there is budget
 * (else leaves L->cached false: the widget is then drawn straight into the
 * frame, as every widget would be without layers), remakes the base and top
 * when they are invalid, and the layer, whole or only L->redo. */
/* The part of widget i's layer rectangle r that no other widget's on a
 * page the two share meets (ink margins included): nothing is ever
 * composed under or into it but the background, so the layer is made over
 * the background there and the still takes it by a copy (compose_rect).
 * Cut around each neighbour on the side that keeps the most; w 0: none. */
static irect_t layer_solid(const screen_t *s, int i, irect_t r)
{
    const layout_t *l = s->layout;
    const wdg_t *w = l->widgets[i];
    if (!s->bg || cairo_image_surface_get_format(s->bg) != CAIRO_FORMAT_ARGB32 ||
        cairo_image_surface_get_width(s->bg) != s->out_w || cairo_image_surface_get_height(s->bg) != s->out_h)
        return (irect_t){ 0 };
    for (int j = 0; j < l->nwidgets && r.w > 0 && r.h > 0; j++) {
        const wdg_t *o = l->widgets[j];
        if (j == i || (w->page >= 0 && o->page >= 0 && w->page != o->page))
            continue;
        irect_t m = scr_device_rect(s, o->rect, INK_MARGIN);
        if (m.w <= 0 || m.h <= 0 || !irect_intersects(r, m))
            continue;
        irect_t cut[4] = {
            { r.x, r.y, m.x - r.x, r.h },                            /* left of it */
            { m.x + m.w, r.y, r.x + r.w - (m.x + m.w), r.h },        /* right */
            { r.x, r.y, r.w, m.y - r.y },                            /* above */
            { r.x, m.y + m.h, r.w, r.y + r.h - (m.y + m.h) },        /* below */
        };
        irect_t best = { 0 };
        for (int k = 0; k < 4; k++)
            if (cut[k].w > 0 && cut[k].h > 0 && (int64_t)cut[k].w * cut[k].h > (int64_t)best.w * best.h)
                best = cut[k];
        r = best;
    }
    return r.w > 0 && r.h > 0 ? r : (irect_t){ 0 };
}

static void layer_render_(screen_t *s, int i, const draw_t *proto);
static void layer_render(screen_t *s, int i, const draw_t *proto)
{
    double t = s->prof ? bs_mono() : 0;
    layer_render_(s, i, proto);
    if (s->prof)
        s->prof[SCR_PROF_N + s->layout->nwidgets + i] += bs_mono() - t;
}

static void layer_render_(screen_t *s, int i, const draw_t *proto)
{
    layer_t *L = &s->layers[i];
    const wdg_t *w = s->layout->widgets[i];
    irect_t r = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
    if (r.w <= 0 || r.h <= 0)
        return;
    bool want_base = core_panel(w) || w->cls->draw_base, want_surf = w->cls->draw != NULL;
    bool want_top = w->cls->draw_top != NULL;
    if (L->cached && (L->r.w != r.w || L->r.h != r.h || !L->base != !want_base))
        layer_drop(s, L);
    L->r = r;
    if (!L->cached) {
        size_t bytes = (size_t)r.w * r.h * 4 * (size_t)(want_base + want_surf + want_top);
        if (bytes == 0 || s->layer_bytes + bytes > LAYER_BUDGET)
            return;
        L->base = want_base ? new_surface(r.w, r.h) : NULL;
        L->surf = want_surf ? new_surface(r.w, r.h) : NULL;
        L->top = want_top ? new_surface(r.w, r.h) : NULL;
        if ((want_base && !L->base) || (want_surf && !L->surf) || (want_top && !L->top)) {
            layer_drop(s, L);
            return;
        }
        L->bytes = bytes;
        s->layer_bytes += bytes;
        L->cached = true;
        L->valid = L->base_valid = false;
        L->solid = layer_solid(s, i, r);
    }
    draw_t d = *proto;
    uint64_t area = (uint64_t)r.w * (uint64_t)r.h;
    if (!L->base_valid) {                 /* layout, size or what the base shows changed */
        veil_drop(s, L);                  /* made again from the new base when needed */
        if (L->base) {
            d.cr = layer_begin(s, L, L->base, (irect_t){ 0 }, NULL, true);
            draw_base_of(w, &d);
            layer_end(d.cr, L->base);
            s->st.drawn_px += area;
        }
        if (L->top)
            top_render(s, L, w, &d);
        L->base_valid = true;
        L->valid = false;
        L->up = r;
        L->next_chg = r;
        s->st.bases_drawn++;
    } else if (L->redo_base && L->redo.w > 0) {   /* part of the base (wdg_invalidate_base_area) */
        irect_t part = L->redo;
        veil_drop(s, L);
        if (L->base) {
            d.cr = layer_begin(s, L, L->base, part, NULL, true);
            draw_base_of(w, &d);
            layer_end(d.cr, L->base);
            s->st.drawn_px += (uint64_t)part.w * (uint64_t)part.h;
        }
        if (L->top)                       /* kept as its ink's box: remade whole */
            top_render(s, L, w, &d);
        L->up = L->up.w > 0 ? irect_union(L->up, part) : part;
        L->next_chg = L->next_chg.w > 0 ? irect_union(L->next_chg, part) : part;
        s->st.bases_drawn++;
    }
    L->redo_base = false;
    if (L->surf && (!L->valid || L->redo.w > 0)) {
        irect_t part = L->valid ? L->redo : r;
        d.cr = layer_begin(s, L, L->surf, L->valid ? L->redo : (irect_t){ 0 }, L->base, true);
        w->cls->draw(w, &d);
        layer_end(d.cr, L->surf);
        s->st.widgets_drawn++;
        s->st.drawn_px += (uint64_t)part.w * (uint64_t)part.h;
        L->up = L->up.w > 0 ? irect_union(L->up, part) : part;
        L->next_chg = L->next_chg.w > 0 ? irect_union(L->next_chg, part) : part;
    }
    L->valid = true;
    L->redo.w = 0;
}

/* ---- background ---------------------------------------------------------- */

void scr_paint_background(screen_t *s)
{
    const layout_t *l = s->layout;
    const theme_t *t = &l->theme;
    cairo_t *cr = cairo_create(s->bg);
    bs_color_t bg = t->colors[THEME_BG], bg2 = t->colors[THEME_BG2], acc = t->colors[THEME_ACCENT];
    cairo_set_source_rgb(cr, bg.r * 0.6, bg.g * 0.6, bg.b * 0.6);   /* letterbox */
    cairo_paint(cr);
    scr_set_transform(s, cr);
    double W = l->width, H = l->height;
    cairo_rectangle(cr, 0, 0, W, H);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, bg.r, bg.g, bg.b);
    cairo_paint(cr);
    /* a glow from the top centre */
    cairo_pattern_t *g = cairo_pattern_create_radial(W / 2, H * 0.05, 0, W / 2, H * 0.05, fmax(W, H) * 0.75);
    cairo_pattern_add_color_stop_rgba(g, 0, bg2.r, bg2.g, bg2.b, 0.95);
    cairo_pattern_add_color_stop_rgba(g, 1, bg2.r, bg2.g, bg2.b, 0.0);
    cairo_set_source(cr, g);
    cairo_paint(cr);
    cairo_pattern_destroy(g);
    /* a fine grid */
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgba(cr, acc.r, acc.g, acc.b, 0.035);
    for (double x = 0; x <= W; x += 40) {
        cairo_move_to(cr, x, 0);
        cairo_line_to(cr, x, H);
    }
    for (double y = 0; y <= H; y += 40) {
        cairo_move_to(cr, 0, y);
        cairo_line_to(cr, W, y);
    }
    cairo_stroke(cr);
    /* vignette */
    g = cairo_pattern_create_radial(W / 2, H / 2, fmin(W, H) * 0.4, W / 2, H / 2, fmax(W, H) * 0.75);
    cairo_pattern_add_color_stop_rgba(g, 0, 0, 0, 0, 0);
    cairo_pattern_add_color_stop_rgba(g, 1, 0, 0, 0, 0.35);
    cairo_set_source(cr, g);
    cairo_paint(cr);
    cairo_pattern_destroy(g);
    cairo_destroy(cr);
    cairo_surface_flush(s->bg);
    s->bg_gen++;
}

/* ---- damage and paint ----------------------------------------------------- */

/* The page changed at now: keeps the last frame of the old page to fade out
 * from (live screens with a transition; snapshots paint only once, so they
 * cut). While it fades, the new page is composed from damage as usual, but
 * into s->trans_new, and each frame of the fade is one pass that mixes the
 * two pictures into the frame (scr_fade_mix), instead of composing every layer
 * of the screen again every frame; only where the two pages differ (the
 * rectangles of the widgets of either page, s->trans_region), the rest is
 * the new picture, copied where it changed.
 *
 * No picture is copied here: the frame shown last becomes the old picture
 * (s->trans_old) and, until the first frame that mixes, the frame is the
 * same surface (a second reference); that frame then takes the spare
 * surface (s->trans_spare: the old picture of the fade before). The three
 * surfaces of a fade are made once and kept. */
void scr_fade_begin(screen_t *s, double now)
{
    const layout_t *l = s->layout;
    if (!(s->live && l->transition > 0 && s->st.painted > 0))
        return;
    if (s->compose_gpu) {                 /* the GPU compositor keeps the old page's picture */
        s->trans_page_old = s->page;
        s->trans_t0 = now;
        s->trans_active = true;
        return;
    }
    bool alias = s->trans_spare && s->frame == s->trans_old;   /* no frame mixed yet: keeps its old picture */
    if (!s->trans_new && !(s->trans_new = new_surface(s->out_w, s->out_h)))
        return;                           /* no memory for it: the page cuts */
    if (!alias && !s->trans_spare && !s->trans_old && !(s->trans_spare = new_surface(s->out_w, s->out_h)))
        return;
    if (!alias) {
        if (!s->trans_spare)
            s->trans_spare = s->trans_old;
        else if (s->trans_old)
            cairo_surface_destroy(s->trans_old);
        cairo_surface_flush(s->frame);
        s->trans_old = s->frame;
        s->frame = cairo_surface_reference(s->trans_old);
    }
    /* where the pages differ: the widgets of the page going and the page coming */
    int next = scr_page_at(l, now);
    if (s->trans_region)
        cairo_region_destroy(s->trans_region);
    s->trans_region = cairo_region_create();
    for (int i = 0; i < l->nwidgets; i++) {
        const wdg_t *w = l->widgets[i];
        if (w->page >= 0 && (w->page == s->page || w->page == next))
            region_add(s->trans_region, irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h));
    }
    s->trans_t0 = now;
    s->trans_active = true;
    s->trans_shown = false;
}

/* frame = old · (1 - e) + new · e, e in [0, 1], over region rg of the three
 * (opaque, same size and stride) pictures, one pass. */
void scr_fade_mix(cairo_surface_t *frame, cairo_surface_t *oldp, cairo_surface_t *newp, const cairo_region_t *rg,
                  double e)
{
    cairo_surface_flush(oldp);
    cairo_surface_flush(newp);
    cairo_surface_flush(frame);
    uint8_t *out = cairo_image_surface_get_data(frame);
    const uint8_t *o = cairo_image_surface_get_data(oldp), *n = cairo_image_surface_get_data(newp);
    size_t stride = (size_t)cairo_image_surface_get_stride(frame);
    uint32_t a = (uint32_t)lround(fmax(0, fmin(1, e)) * 256), b = 256 - a;
    /* each channel (x·a + y·b + 128) >> 8, two channels of a pixel at a
     * time in 16-bit lanes (255·256 + 128 < 65536: no lane overflows) */
    for (int k = 0; k < cairo_region_num_rectangles(rg); k++) {
        cairo_rectangle_int_t r;
        cairo_region_get_rectangle(rg, k, &r);
        for (int y = r.y; y < r.y + r.height; y++) {
            size_t at = (size_t)y * stride + (size_t)r.x * 4;
            uint32_t *restrict d = (uint32_t *)(void *)(out + at);
            const uint32_t *restrict po = (const uint32_t *)(const void *)(o + at);
            const uint32_t *restrict pn = (const uint32_t *)(const void *)(n + at);
            int i = 0;
#ifdef __SSE2__
            /* the same sum, four pixels at a time in 16-bit lanes */
            const __m128i va = _mm_set1_epi16((short)a), vb = _mm_set1_epi16((short)b);
            const __m128i half = _mm_set1_epi16(128), zero = _mm_setzero_si128();
            for (; i + 4 <= r.width; i += 4) {
                __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(pn + i));
                __m128i z = _mm_loadu_si128((const __m128i *)(const void *)(po + i));
                __m128i lo = _mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(x, zero), va),
                                           _mm_mullo_epi16(_mm_unpacklo_epi8(z, zero), vb));
                __m128i hi = _mm_add_epi16(_mm_mullo_epi16(_mm_unpackhi_epi8(x, zero), va),
                                           _mm_mullo_epi16(_mm_unpackhi_epi8(z, zero), vb));
                lo = _mm_srli_epi16(_mm_add_epi16(lo, half), 8);
                hi = _mm_srli_epi16(_mm_add_epi16(hi, half), 8);
                _mm_storeu_si128((__m128i *)(void *)(d + i), _mm_packus_epi16(lo, hi));
            }
#endif
            for (; i < r.width; i++) {
                uint32_t x = pn[i], z = po[i];
                uint32_t rb = ((x & 0xff00ffu) * a + (z & 0xff00ffu) * b + 0x800080u) >> 8 & 0xff00ffu;
                uint32_t ag = (((x >> 8) & 0xff00ffu) * a + ((z >> 8) & 0xff00ffu) * b + 0x800080u) & 0xff00ff00u;
                d[i] = rb | ag;
            }
        }
    }
    cairo_surface_mark_dirty(frame);
}

void scr_over_row(uint32_t *restrict d, const uint32_t *restrict src, const uint32_t *restrict bg, int n)
{
    int i = 0;
#ifdef __SSE2__
    /* four pixels at a time, two per half in 16-bit lanes: t = bg·(255 − sα)
     * + 128, (t · 257) >> 16 (= (t + (t >> 8)) >> 8 for t < 65536), then
     * the saturating add: pixman's over_8888_8888 */
    const __m128i zero = _mm_setzero_si128(), ff = _mm_set1_epi16(0xff);
    const __m128i half = _mm_set1_epi16(0x80), m101 = _mm_set1_epi16(0x101);
    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(bg + i));
        __m128i xl = _mm_unpacklo_epi8(x, zero), xh = _mm_unpackhi_epi8(x, zero);
        __m128i al = _mm_shufflehi_epi16(_mm_shufflelo_epi16(xl, _MM_SHUFFLE(3, 3, 3, 3)), _MM_SHUFFLE(3, 3, 3, 3));
        __m128i ah = _mm_shufflehi_epi16(_mm_shufflelo_epi16(xh, _MM_SHUFFLE(3, 3, 3, 3)), _MM_SHUFFLE(3, 3, 3, 3));
        al = _mm_xor_si128(al, ff);
        ah = _mm_xor_si128(ah, ff);
        __m128i bl = _mm_mullo_epi16(_mm_unpacklo_epi8(b, zero), al);
        __m128i bh = _mm_mullo_epi16(_mm_unpackhi_epi8(b, zero), ah);
        bl = _mm_mulhi_epu16(_mm_adds_epu16(bl, half), m101);
        bh = _mm_mulhi_epu16(_mm_adds_epu16(bh, half), m101);
        _mm_storeu_si128((__m128i *)(void *)(d + i), _mm_adds_epu8(x, _mm_packus_epi16(bl, bh)));
    }
#endif
    for (; i < n; i++) {
        uint32_t x = src[i], b = bg[i], ia = 255 - (x >> 24), out = 0;
        for (int c = 0; c < 32; c += 8) {
            uint32_t t = ((b >> c) & 255) * ia + 0x80;
            uint32_t v = ((x >> c) & 255) + ((t + (t >> 8)) >> 8);
            out |= (v > 255 ? 255 : v) << c;
        }
        d[i] = out;
    }
}

/* Copies region rg of src into dst, two image surfaces of one format and
 * size, row by row: what the frame needs most (the still under its damage),
 * without Cairo's clip, which made the copy six times slower than memcpy. */
static void copy_region(cairo_surface_t *dst, cairo_surface_t *src, const cairo_region_t *rg)
{
    if (cairo_region_is_empty(rg))
        return;
    int w = cairo_image_surface_get_width(dst), h = cairo_image_surface_get_height(dst);
    int ds = cairo_image_surface_get_stride(dst), ss = cairo_image_surface_get_stride(src);
    if (cairo_image_surface_get_format(dst) != CAIRO_FORMAT_ARGB32 ||
        cairo_image_surface_get_format(src) != CAIRO_FORMAT_ARGB32 || cairo_image_surface_get_width(src) != w ||
        cairo_image_surface_get_height(src) != h)
        return;
    cairo_surface_flush(src);
    cairo_surface_flush(dst);
    unsigned char *dp = cairo_image_surface_get_data(dst);
    const unsigned char *sp = cairo_image_surface_get_data(src);
    if (!dp || !sp)
        return;
    int n = cairo_region_num_rectangles(rg);
    for (int k = 0; k < n; k++) {
        cairo_rectangle_int_t r;
        cairo_region_get_rectangle(rg, k, &r);
        irect_t c = irect_clip((irect_t){ r.x, r.y, r.width, r.height }, w, h);
        for (int y = c.y; y < c.y + c.h; y++)
            memcpy(dp + (size_t)y * (size_t)ds + (size_t)c.x * 4, sp + (size_t)y * (size_t)ss + (size_t)c.x * 4,
                   (size_t)c.w * 4);
    }
    cairo_surface_mark_dirty(dst);
}

/* One frame of a fade at progress p (after the new page's damage was
 * composed into s->trans_new, dmg): the mix where the pages differ, the
 * new picture elsewhere; at its end, the new picture becomes the frame. */
static void fade_frame(screen_t *s, const cairo_region_t *dmg, double p)
{
    bool alias = s->trans_spare && s->frame == s->trans_old;
    if (p >= 1 || p < 0) {                 /* this frame shows the new page alone */
        if (alias) {
            cairo_surface_destroy(s->frame);   /* the second reference */
            s->frame = s->trans_new;
            s->trans_new = s->trans_spare;
            s->trans_spare = NULL;
        } else {
            cairo_surface_t *t = s->frame;
            s->frame = s->trans_new;
            s->trans_new = t;
        }
        s->trans_active = false;
        damage_add_full(&s->damage);       /* for whoever shows the frame */
        return;
    }
    if (!s->trans_shown && p == 0)         /* the first frame: the old page as it was */
        return;
    cairo_region_t *rest = cairo_region_create_rectangle(&(cairo_rectangle_int_t){ 0, 0, s->out_w, s->out_h });
    if (s->trans_region)
        cairo_region_subtract(rest, s->trans_region);
    if (alias) {                           /* the frame leaves the old picture: all of the rest */
        cairo_surface_destroy(s->frame);
        s->frame = s->trans_spare;
        s->trans_spare = NULL;
    } else {
        cairo_region_intersect(rest, dmg);
    }
    copy_region(s->frame, s->trans_new, rest);
    cairo_region_destroy(rest);
    if (s->trans_region) {
        scr_fade_mix(s->frame, s->trans_old, s->trans_new, s->trans_region, wdg_ease(0, 1, p));
    } else {
        cairo_region_t *all = cairo_region_create_rectangle(&(cairo_rectangle_int_t){ 0, 0, s->out_w, s->out_h });
        scr_fade_mix(s->frame, s->trans_old, s->trans_new, all, wdg_ease(0, 1, p));
        cairo_region_destroy(all);
    }
    damage_add_full(&s->damage);
}

/* The rectangles w's marks cover at now, in output pixels (the whole
 * widget when the kind does not say, or says something unusable). */
static int marks_at(const screen_t *s, const wdg_t *w, double now, irect_t *out, uint64_t *keys, bool *keyed)
{
    rect_t rr[LAYER_MAX_MARKS];
    wdg_mark_t mk[LAYER_MAX_MARKS];
    int n = -1;
    *keyed = false;
    if (w->cls->overlay_marks) {
        n = w->cls->overlay_marks(w, now, mk, LAYER_MAX_MARKS);
        for (int k = 0; k < n && k < LAYER_MAX_MARKS; k++) {
            rr[k] = mk[k].r;
            keys[k] = mk[k].key;
        }
        *keyed = true;
    } else if (w->cls->overlay_rects) {
        n = w->cls->overlay_rects(w, now, rr, LAYER_MAX_MARKS);
    } else if (w->cls->overlay_rect) {
        rr[0] = w->cls->overlay_rect(w, now);
        n = 1;
    }
    for (int k = 0; k < n && k < LAYER_MAX_MARKS; k++)
        if (!wdg_rect_ok(rr[k]))
            n = -1;
    if (n < 0 || n > LAYER_MAX_MARKS) {
        out[0] = scr_device_rect(s, w->rect, INK_MARGIN);
        *keyed = false;
        return 1;
    }
    for (int k = 0; k < n; k++)
        out[k] = scr_device_rect(s, rr[k], 2);
    return n;
}

static bool irect_same(irect_t a, irect_t b)
{
    return a.x == b.x && a.y == b.y && a.w == b.w && a.h == b.h;
}

/* Damages where widget i's marks changed from last frame's (L->marks) to
 * these: with keys on both sides, only the slots whose rectangle or key
 * changed, where they were and where they are; else all of both. */
static void marks_damage(screen_t *s, const layer_t *L, const irect_t *m, const uint64_t *keys, int n, bool keyed)
{
    int most = n > L->nmarks ? n : L->nmarks;
    for (int k = 0; k < most; k++) {
        bool was = k < L->nmarks, is = k < n;
        if (keyed && L->marks_keyed && was && is && irect_same(L->marks[k], m[k]) && L->mark_keys[k] == keys[k])
            continue;                     /* the same mark, the same pixels */
        if (was)
            damage_add(&s->damage, L->marks[k]);
        if (is)
            damage_add(&s->damage, m[k]);
    }
}

static void marks_note(layer_t *L, const irect_t *m, const uint64_t *keys, int n, bool keyed)
{
    memcpy(L->marks, m, sizeof m[0] * (size_t)n);
    if (keyed)
        memcpy(L->mark_keys, keys, sizeof keys[0] * (size_t)n);
    L->nmarks = n;
    L->marks_keyed = keyed;
}

/* Advances every widget to now (cls->tick, staleness) and turns what became
 * invalid into damage: the whole widget; or the part of its layer it
 * invalidated; or where its marks were and where they are now. */
void scr_collect_damage(screen_t *s, double now, int64_t wall_ms)
{
    layout_t *l = s->layout;
    s->moved = false;
    for (int i = 0; i < s->nfeeds; i++)
        s->feed_down[i] = s->live && feed_status_get(s->feeds[i]).state == FEED_DOWN;
    for (int i = 0; i < l->nwidgets; i++) {
        wdg_t *w = l->widgets[i];
        layer_t *L = &s->layers[i];
        w->live = s->live;
        w->shown = scr_visible(s, w);
        if (w->cls->tick)
            w->cls->tick(w, now, wall_ms);
        scr_update_stale(s, w, now, wall_ms);
        if (!w->stale && L->veil)
            veil_drop(s, L);
        bool vis = scr_visible(s, w);
        if (w->base_invalid) {
            L->base_valid = false;
            w->invalid = true;
        } else if (w->base_area_invalid) {   /* part of the base: remade there, with the layer over it */
            irect_t a = irect_clip(scr_device_rect(s, w->base_area, 2), s->out_w, s->out_h);
            if (L->cached && L->valid && L->base_valid && L->base && a.w > 0 && a.h > 0) {
                L->redo = L->redo.w > 0 ? irect_union(L->redo, a) : a;
                L->redo_base = true;
                if (vis)
                    damage_add(&s->damage, a);
            } else if (a.w > 0 && a.h > 0) {
                L->base_valid = false;    /* not made yet, or no base of its own: all of it */
                w->invalid = true;
            }
        }
        if (w->invalid) {
            if (L->redo_base)             /* the part of the base still to remake goes with redo: all of it */
                L->base_valid = false;
            L->valid = false;
            L->redo.w = 0;
            L->redo_base = false;
        } else if (w->area_invalid) {
            irect_t a = irect_clip(scr_device_rect(s, w->inval_area, 2), s->out_w, s->out_h);
            if (L->valid && L->cached && L->surf && a.w > 0 && a.h > 0)   /* no draw(): only marks there */
                L->redo = L->redo.w > 0 ? irect_union(L->redo, a) : a;
            if (vis)
                damage_add(&s->damage, a);
        }
        if (vis && !w->invalid && w->overlay_invalid && !s->marks_refresh && s->compose_gpu && L->strip_tex &&
            !w->cls->draw_overlay) {
            s->moved = true;              /* only the strip slid: the GPU moves its texture */
            w->overlay_invalid = false;
        }
        if (vis && (w->invalid || w->overlay_invalid || s->marks_refresh)) {
            irect_t m[LAYER_MAX_MARKS];
            uint64_t keys[LAYER_MAX_MARKS];
            bool keyed;
            int n = marks_at(s, w, now, m, keys, &keyed);
            if (w->invalid)
                damage_add(&s->damage, scr_device_rect(s, w->rect, INK_MARGIN));
            else                          /* where they were and where they are, as far as they changed */
                marks_damage(s, L, m, keys, n, keyed && !s->marks_refresh);
            marks_note(L, m, keys, n, keyed);
        }
        w->invalid = w->overlay_invalid = w->base_invalid = w->area_invalid = w->base_area_invalid = false;
    }
    s->marks_refresh = false;
}

/* A layer of the next page made ahead is made again, when data changed
 * it, at most this often (seconds). */
#define PREPARE_AGAIN_S 0.25

/* Rows of still_next made at a time: a band of the screen, so that a
 * frame's share stops near its budget. */
#define NEXT_BAND_ROWS 64
/* rows of a fade surface touched at a time (scr_prepare_pages) */
#define TOUCH_BAND_ROWS 64

void scr_prepare_ahead(screen_t *s, double now, int64_t wall_ms, double budget_s)
{
    const layout_t *l = s->layout;
    int next;
    double left = scr_page_next(l, now, &next);
    if (!s->live || next < 0 || left > PREPARE_AHEAD_S || s->dark)
        return;
    draw_t d = {
        .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    double t0 = bs_mono();
    for (int i = 0; i < l->nwidgets && bs_mono() - t0 < budget_s; i++) {
        const wdg_t *w = l->widgets[i];
        layer_t *L = &s->layers[i];
        if (w->page != next || !(!L->cached || !L->valid || !L->base_valid || L->redo.w > 0))
            continue;
        /* a layer made ahead that new data changed again (a feed of
         * 100 messages a second changes it every frame) is made again
         * at most every PREPARE_AGAIN_S: what changed since is put in
         * at the change like any data (still_update) */
        if (L->cached && L->base_valid && L->prep_t > 0 && now >= L->prep_t && now - L->prep_t < PREPARE_AGAIN_S)
            continue;
        layer_render(s, i, &d);
        L->prep_t = now;
    }
    /* then, with what is left of the budget, the next page's still: the
     * background and its layers, a band at a time; a layer remade later
     * (data, a widget on every page) is put in again where it changed */
    if (s->compose_gpu || !s->still || !s->bg || bs_mono() - t0 >= budget_s)
        return;
    if (!s->still_next && !(s->still_next = new_surface(s->out_w, s->out_h)))
        return;                           /* no memory for it: the change remakes the still as before */
    if (!s->next_todo && !(s->next_todo = cairo_region_create()))
        return;
    if (!s->still_next_on || s->still_next_page != next || s->still_next_lgen != s->layers_gen ||
        s->still_next_bggen != s->bg_gen) {
        cairo_region_destroy(s->next_todo);
        s->next_todo = cairo_region_create_rectangle(&(cairo_rectangle_int_t){ 0, 0, s->out_w, s->out_h });
        for (int i = 0; i < l->nwidgets; i++)
            s->layers[i].in_next = false;
        s->still_next_on = true;
        s->still_next_page = next;
        s->still_next_lgen = s->layers_gen;
        s->still_next_bggen = s->bg_gen;
    }
    next_note_changes(s);
    if (cairo_region_is_empty(s->next_todo))
        return;
    cairo_t *cr = cairo_create(s->still_next);
    cairo_rectangle_int_t ext;
    cairo_region_get_extents(s->next_todo, &ext);
    for (int y = ext.y; y < ext.y + ext.height && bs_mono() - t0 < budget_s; y += NEXT_BAND_ROWS) {
        cairo_region_t *band = cairo_region_create_rectangle(&(cairo_rectangle_int_t){ 0, y, s->out_w, NEXT_BAND_ROWS });
        cairo_region_intersect(band, s->next_todo);
        if (!cairo_region_is_empty(band)) {
            region_pixels(s, band);
            paint_layers(s, cr, band, &d, next);
            cairo_region_subtract(s->next_todo, band);
        }
        cairo_region_destroy(band);
    }
    cairo_destroy(cr);
    cairo_surface_flush(s->still_next);
}

/* ---- the still frame ------------------------------------------------------
 *
 * s->still holds the background and every visible widget's cached layer,
 * composed in order: the screen as it would be with no marks, tops or
 * badges. A damaged pixel is then one copy from it and the marks over it,
 * instead of the background and one blend per layer under the marks. It is
 * remade where a layer changed, where a widget came or went (a page), and
 * all of it after a resize or reload.
 *
 * Where two widgets' rectangles overlap (their ink margins), a later
 * widget's layer goes over an earlier one's marks, which the still cannot
 * say; there the frame is composed the long way, layer by layer. */

/* The layer (or, without one, base and draw() straight in) of widget i into
 * cr, whose clip holds the area. */
static void paint_layer(screen_t *s, int i, cairo_t *cr, draw_t *d)
{
    const wdg_t *w = s->layout->widgets[i];
    const layer_t *L = &s->layers[i];
    if (L->cached && (!L->valid || !L->base_valid || L->redo.w > 0))
        layer_render(s, i, d);            /* still_update made it current; this is a safety net */
    cairo_surface_t *blit = L->surf ? L->surf : L->base;
    if (L->cached) {
        if (blit) {
            cairo_save(cr);
            cairo_identity_matrix(cr);
            cairo_set_source_surface(cr, blit, L->r.x, L->r.y);
            cairo_paint(cr);
            cairo_restore(cr);
        }
    } else {                              /* no layers: draw straight in */
        cairo_save(cr);
        scr_set_transform(s, cr);
        draw_t dd = *d;
        dd.cr = cr;
        draw_base_of(w, &dd);
        if (w->cls->draw)
            w->cls->draw(w, &dd);
        cairo_restore(cr);
        s->st.widgets_drawn++;
    }
}

void scr_layer_current(screen_t *s, int i, draw_t *d)
{
    const layer_t *L = &s->layers[i];
    if (!L->cached || !L->valid || !L->base_valid || L->redo.w > 0)
        layer_render(s, i, d);
}

bool scr_strip_place(const screen_t *s, const wdg_t *w, double now, wdg_strip_t *st, irect_t *clip, int *x0)
{
    if (!w->cls->strip || !w->cls->draw_strip || !w->cls->strip(w, now, st))
        return false;
    if (!wdg_rect_ok(st->clip) || !isfinite(st->x) || fabs(st->x) > 1e6 || !(st->len > 0 && st->len <= 1e6))
        return false;
    double ax = s->ox + s->sx * st->clip.x, bx = s->ox + s->sx * (st->clip.x + st->clip.w);
    double ay = s->oy + s->sy * st->clip.y, by = s->oy + s->sy * (st->clip.y + st->clip.h);
    irect_t c = { (int)lround(ax), (int)lround(ay), 0, 0 };
    c.w = (int)lround(bx) - c.x;
    c.h = (int)lround(by) - c.y;
    *clip = irect_clip(c, s->out_w, s->out_h);
    *x0 = (int)lround(s->ox + s->sx * st->x);
    return clip->w > 0 && clip->h > 0;
}

void scr_strip_draw(const screen_t *s, const wdg_t *w, cairo_t *cr, draw_t *d, int x0, double from, double to)
{
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_translate(cr, x0, s->oy);
    cairo_scale(cr, s->sx, s->sy);
    draw_t dd = *d;
    dd.cr = cr;
    w->cls->draw_strip(w, &dd, fmax(0, from), to);
    cairo_restore(cr);
}

/* ---- the stale dim ----------------------------------------------------------
 *
 * A stale widget is dimmed by the core, not by its kind: over its layer and
 * marks goes the picture of the background and its base alone at
 * STALE_VEIL, so that what the kind drew over its base shows at 1 -
 * STALE_VEIL (the base itself, panel and title, stays as it is). Exactly
 * what drawing those marks at that alpha gave, for marks over the base in
 * one layer. Going stale or fresh then redraws no layer: it damages the
 * widget's rectangle, which is composed again with or without the veil.
 * For a kind without draw() the still holds that picture already under the
 * widget; a kind with draw(), or any composed on the GPU (which keeps no
 * still), gets one of its own while stale (L->veil, counted in the layer
 * budget; over it, the still is used: then what draw() drew is not dimmed). */
#define STALE_VEIL 0.55

/* The veil's source for widget i: its surface and where it goes (in *at),
 * or the still; NULL when there is none. */
static cairo_surface_t *veil_of(screen_t *s, int i, irect_t *at)
{
    layer_t *L = &s->layers[i];
    *at = (irect_t){ 0, 0, s->out_w, s->out_h };
    if (!s->compose_gpu && (!L->cached || !L->surf))   /* no draw(): the still is background and base here */
        return s->still;
    if (L->veil) {
        *at = L->r;
        return L->veil;
    }
    size_t bytes = (size_t)L->r.w * (size_t)L->r.h * 4;
    if (!L->cached || s->layer_bytes + bytes > LAYER_BUDGET || !(L->veil = new_surface(L->r.w, L->r.h)))
        return s->compose_gpu ? NULL : s->still;
    s->layer_bytes += (size_t)cairo_image_surface_get_stride(L->veil) * (size_t)L->r.h;
    cairo_t *cr = cairo_create(L->veil);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_surface(cr, s->bg, -L->r.x, -L->r.y);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    if (L->base) {
        cairo_set_source_surface(cr, L->base, 0, 0);
        cairo_paint(cr);
    }
    cairo_destroy(cr);
    cairo_surface_flush(L->veil);
    s->st.drawn_px += (uint64_t)bytes / 4;
    *at = L->r;
    return L->veil;
}

/* The veil of stale widget i over what cr holds at d->now, within the
 * widget's own rectangle (not its ink margin, which neighbours share). A
 * kind with a sliding strip dims the strip's window and its marks only:
 * what its draw() holds around them is its frame (the ticker's tag). */
static void paint_veil(screen_t *s, int i, cairo_t *cr, const draw_t *d)
{
    const wdg_t *w = s->layout->widgets[i];
    const layer_t *L = &s->layers[i];
    irect_t at, wr = irect_clip(scr_device_rect(s, w->rect, 0), s->out_w, s->out_h);
    cairo_surface_t *src = wr.w > 0 && wr.h > 0 ? veil_of(s, i, &at) : NULL;
    if (!src)
        return;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, wr.x, wr.y, wr.w, wr.h);
    cairo_clip(cr);
    wdg_strip_t st;
    irect_t sc;
    int x0;
    if (w->cls->strip && w->cls->draw_strip) {
        if (scr_strip_place(s, w, d->now, &st, &sc, &x0))
            cairo_rectangle(cr, sc.x, sc.y, sc.w, sc.h);
        for (int k = 0; k < L->nmarks; k++)
            cairo_rectangle(cr, L->marks[k].x, L->marks[k].y, L->marks[k].w, L->marks[k].h);
        cairo_clip(cr);
    }
    cairo_set_source_surface(cr, src, at.x, at.y);
    cairo_paint_with_alpha(cr, STALE_VEIL);
    cairo_restore(cr);
}

/* What goes over widget i's layer in the area cr's clip holds: its sliding
 * strip (when strip is set), its marks, its top, its stale badge. */
void scr_paint_marks(screen_t *s, int i, cairo_t *cr, draw_t *d, bool strip)
{
    const wdg_t *w = s->layout->widgets[i];
    const layer_t *L = &s->layers[i];
    draw_t dd = *d;
    dd.cr = cr;
    wdg_strip_t st;
    irect_t sc;
    int x0;
    if (strip && scr_strip_place(s, w, d->now, &st, &sc, &x0)) {   /* the sliding strip, in its window */
        cairo_save(cr);
        cairo_identity_matrix(cr);
        cairo_rectangle(cr, sc.x, sc.y, sc.w, sc.h);
        cairo_clip(cr);
        scr_strip_draw(s, w, cr, &dd, x0, (sc.x - x0) / s->sx, fmin(st.len, (sc.x + sc.w - x0) / s->sx));
        cairo_restore(cr);
    }
    if (w->cls->draw_overlay) {           /* the marks */
        cairo_save(cr);
        scr_set_transform(s, cr);
        w->cls->draw_overlay(w, &dd);
        cairo_restore(cr);
    }
    if (w->stale)                         /* dimmed: the veil over its layer and marks */
        paint_veil(s, i, cr, d);
    if (w->cls->draw_top) {               /* the static top */
        cairo_save(cr);
        if (L->cached && L->top) {
            if (L->top_ink.w > 0) {       /* only where it has ink */
                cairo_identity_matrix(cr);
                cairo_rectangle(cr, L->top_ink.x, L->top_ink.y, L->top_ink.w, L->top_ink.h);
                cairo_clip(cr);
                cairo_set_source_surface(cr, L->top, L->top_x, L->top_y);
                cairo_paint(cr);
            }
        } else {
            scr_set_transform(s, cr);
            w->cls->draw_top(w, &dd);
        }
        cairo_restore(cr);
    }
    if (w->stale) {
        cairo_save(cr);
        scr_set_transform(s, cr);
        draw_stale_badge(&dd, w->rect, w->data_age);
        cairo_restore(cr);
    }
}

static void clip_region(cairo_t *cr, const cairo_region_t *rg)
{
    int n = cairo_region_num_rectangles(rg);
    for (int k = 0; k < n; k++) {
        cairo_rectangle_int_t r;
        cairo_region_get_rectangle(rg, k, &r);
        cairo_rectangle(cr, r.x, r.y, r.width, r.height);
    }
    cairo_clip(cr);
}

static bool region_hits(const cairo_region_t *rg, irect_t r)
{
    cairo_rectangle_int_t c = { r.x, r.y, r.w, r.h };
    return r.w > 0 && r.h > 0 && cairo_region_contains_rectangle(rg, &c) != CAIRO_REGION_OVERLAP_OUT;
}

static void region_add(cairo_region_t *rg, irect_t r)
{
    cairo_rectangle_int_t c = { r.x, r.y, r.w, r.h };
    if (r.w > 0 && r.h > 0)
        cairo_region_union_rectangle(rg, &c);
}

/* Whether w is on page `page` (-1: the layout has no pages). */
static bool on_page(const wdg_t *w, int page)
{
    return w->page < 0 || w->page == page;
}

/* Whether widget i's layer on page `page` is composed from its cached
 * surface as it is (the fast path of paint_layers may take it); in *skip
 * whether paint_layers leaves it out (another page's layer not yet made). */
static bool layer_plain(const screen_t *s, int i, int page, bool *skip)
{
    const layer_t *L = &s->layers[i];
    bool current = L->cached && L->valid && L->base_valid && L->redo.w <= 0;
    *skip = page != s->page && L->cached && !current;
    cairo_surface_t *blit = L->surf ? L->surf : L->base;
    return current && (!blit || cairo_image_surface_get_format(blit) == CAIRO_FORMAT_ARGB32);
}

/* The cairo path of paint_layers: the background, then each layer blended
 * in order, clipped to rg. */
static void paint_layers_cairo(screen_t *s, cairo_t *cr, const cairo_region_t *rg, draw_t *d, int page)
{
    const layout_t *l = s->layout;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    clip_region(cr, rg);
    cairo_set_source_surface(cr, s->bg, 0, 0);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    for (int i = 0; i < l->nwidgets; i++) {
        const wdg_t *w = l->widgets[i];
        if (!on_page(w, page) || !region_hits(rg, scr_device_rect(s, w->rect, INK_MARGIN)))
            continue;
        layer_t *L = &s->layers[i];
        if (page != s->page && L->cached && (!L->valid || !L->base_valid || L->redo.w > 0)) {
            /* still_next: a layer not yet current is left to still_update,
             * which remakes the still shown where it changes, and put in
             * again once it is */
            L->in_next = false;
            continue;
        }
        paint_layer(s, i, cr, d);
    }
    cairo_restore(cr);
}

/* Rectangle r of the still (pixels of `out`, stride bytes): the background,
 * and over it the cached surface blit placed at (bx, by) (NULL: none), in
 * one pass: scr_over_row where the surface is, a copy elsewhere and where
 * the surface is solid (made over the background already: the box sol,
 * w 0: none). */
static void compose_rect(uint8_t *out, uint8_t *out2, const uint8_t *bgp, size_t stride, cairo_rectangle_int_t r,
                         cairo_surface_t *blit, int bx, int by, irect_t sol)
{
    int sx0 = bx, sy0 = by, sx1 = bx, sy1 = by, bs = 0;
    const uint8_t *bp = NULL;
    if (blit) {
        cairo_surface_flush(blit);
        sx1 = bx + cairo_image_surface_get_width(blit);
        sy1 = by + cairo_image_surface_get_height(blit);
        bs = cairo_image_surface_get_stride(blit);
        bp = cairo_image_surface_get_data(blit);
    }
    int x0 = r.x > sx0 ? r.x : sx0, x1 = r.x + r.width < sx1 ? r.x + r.width : sx1;
    for (int y = r.y; y < r.y + r.height; y++) {
        uint32_t *d = (uint32_t *)(void *)(out + (size_t)y * stride);
        const uint32_t *b = (const uint32_t *)(const void *)(bgp + (size_t)y * stride);
        if (!bp || y < sy0 || y >= sy1 || x1 <= x0) {
            memcpy(d + r.x, b + r.x, (size_t)r.width * 4);
        } else {
            const uint32_t *sp = (const uint32_t *)(const void *)(bp + (size_t)(y - by) * (size_t)bs);
            if (x0 > r.x)
                memcpy(d + r.x, b + r.x, (size_t)(x0 - r.x) * 4);
            int s0 = sol.x > x0 ? sol.x : x0, s1 = sol.x + sol.w < x1 ? sol.x + sol.w : x1;
            if (sol.w <= 0 || y < sol.y || y >= sol.y + sol.h || s1 <= s0) {
                scr_over_row(d + x0, sp + (x0 - bx), b + x0, x1 - x0);
            } else {
                if (s0 > x0)
                    scr_over_row(d + x0, sp + (x0 - bx), b + x0, s0 - x0);
                memcpy(d + s0, sp + (s0 - bx), (size_t)(s1 - s0) * 4);
                if (x1 > s1)
                    scr_over_row(d + s1, sp + (s1 - bx), b + s1, x1 - s1);
            }
            if (r.x + r.width > x1)
                memcpy(d + x1, b + x1, (size_t)(r.x + r.width - x1) * 4);
        }
        if (out2)                          /* the frame's row too, from the cache */
            memcpy(out2 + (size_t)y * stride + (size_t)r.x * 4, d + r.x, (size_t)r.width * 4);
    }
}

/* The background and the layers of the widgets on page `page`, in order,
 * over region rg of cr (a still). Each rectangle of rg that at most one
 * widget's cached layer meets is composed in one pass (compose_rect, the
 * very pixels of cairo's SOURCE then OVER); the others the cairo way. */
static void paint_layers(screen_t *s, cairo_t *cr, const cairo_region_t *rg, draw_t *d, int page)
{
    const layout_t *l = s->layout;
    cairo_surface_t *dst = cairo_get_target(cr);
    bool direct = cairo_surface_get_type(dst) == CAIRO_SURFACE_TYPE_IMAGE && s->bg &&
                  cairo_image_surface_get_format(dst) == CAIRO_FORMAT_ARGB32 &&
                  cairo_image_surface_get_format(s->bg) == CAIRO_FORMAT_ARGB32 &&
                  cairo_image_surface_get_width(dst) == cairo_image_surface_get_width(s->bg) &&
                  cairo_image_surface_get_height(dst) == cairo_image_surface_get_height(s->bg) &&
                  cairo_image_surface_get_stride(dst) == cairo_image_surface_get_stride(s->bg);
    if (!direct) {
        paint_layers_cairo(s, cr, rg, d, page);
        return;
    }
    cairo_region_t *slow = cairo_region_create();
    cairo_surface_flush(dst);
    cairo_surface_flush(s->bg);
    uint8_t *out = cairo_image_surface_get_data(dst);
    const uint8_t *bgp = cairo_image_surface_get_data(s->bg);
    size_t stride = (size_t)cairo_image_surface_get_stride(dst);
    int sw = cairo_image_surface_get_width(dst), sh = cairo_image_surface_get_height(dst);
    bool wrote = false, dual = s->dual_out && dst == s->still && s->dual_rg && s->dual_done;
    for (int k = 0; k < cairo_region_num_rectangles(rg); k++) {
        cairo_rectangle_int_t r;
        cairo_region_get_rectangle(rg, k, &r);
        if (r.x < 0 || r.y < 0 || r.x + r.width > sw || r.y + r.height > sh) {
            cairo_region_union_rectangle(slow, &r);    /* off the picture in part: cairo clips */
            continue;
        }
        int hit = -1, nhit = 0;
        bool plain = true;
        for (int i = 0; i < l->nwidgets && plain && nhit < 2; i++) {
            const wdg_t *w = l->widgets[i];
            irect_t wr = scr_device_rect(s, w->rect, INK_MARGIN);
            if (!on_page(w, page) || wr.w <= 0 || wr.h <= 0 ||
                !irect_intersects(wr, (irect_t){ r.x, r.y, r.width, r.height }))
                continue;
            bool skip;
            plain = layer_plain(s, i, page, &skip);
            if (skip) {
                plain = true;
                s->layers[i].in_next = false;   /* as the cairo path: left out until current */
                continue;
            }
            hit = i;
            nhit++;
        }
        if (!plain || nhit > 1) {
            cairo_region_union_rectangle(slow, &r);
            continue;
        }
        const layer_t *L = nhit ? &s->layers[hit] : NULL;
        uint8_t *out2 = NULL;
        if (dual && cairo_region_contains_rectangle(s->dual_rg, &r) == CAIRO_REGION_OVERLAP_IN) {
            out2 = s->dual_out;
            cairo_region_union_rectangle(s->dual_done, &r);
        }
        compose_rect(out, out2, bgp, stride, r, L ? (L->surf ? L->surf : L->base) : NULL, L ? L->r.x : 0,
                     L ? L->r.y : 0, L ? L->solid : (irect_t){ 0 });
        wrote = true;
    }
    if (wrote)
        cairo_surface_mark_dirty(dst);
    if (!cairo_region_is_empty(slow))
        paint_layers_cairo(s, cr, slow, d, page);
    cairo_region_destroy(slow);
}

static void region_pixels(screen_t *s, const cairo_region_t *rg)
{
    for (int k = 0; k < cairo_region_num_rectangles(rg); k++) {
        cairo_rectangle_int_t r;
        cairo_region_get_rectangle(rg, k, &r);
        s->st.drawn_px += (uint64_t)r.width * (uint64_t)r.height;
        s->st.still_px += (uint64_t)r.width * (uint64_t)r.height;
    }
}

/* Whether still_next can stand for page `page` now: made for it, for these
 * layers and this background, and every widget on it has a cached layer
 * (one drawn straight in has no pixels to keep). */
static bool next_usable(const screen_t *s, int page)
{
    if (!s->still_next || !s->still_next_on || s->still_next_page != page || s->compose_gpu ||
        s->still_next_lgen != s->layers_gen || s->still_next_bggen != s->bg_gen)
        return false;
    for (int i = 0; i < s->layout->nwidgets; i++)
        if (on_page(s->layout->widgets[i], page) && !s->layers[i].cached)
            return false;
    return true;
}

/* Adds to still_next's to-do what changed since it was made there: every
 * widget of its page not in it, and the parts of layers remade since. */
static void next_note_changes(screen_t *s)
{
    const layout_t *l = s->layout;
    for (int i = 0; i < l->nwidgets; i++) {
        layer_t *L = &s->layers[i];
        if (!on_page(l->widgets[i], s->still_next_page))
            continue;
        if (!L->in_next) {
            region_add(s->next_todo, irect_clip(scr_device_rect(s, l->widgets[i]->rect, INK_MARGIN), s->out_w,
                                                s->out_h));
            L->in_next = true;
        } else if (L->next_chg.w > 0) {
            region_add(s->next_todo, L->next_chg);
        }
        L->next_chg.w = 0;
    }
}

/* Brings the still up to date under the damage: remakes the layers the
 * damage meets that need it, and the still where any layer changed or a
 * widget came or went. */
static void still_update(screen_t *s, const cairo_region_t *dmg, draw_t *d)
{
    const layout_t *l = s->layout;
    cairo_region_t *dirty = cairo_region_create();
    if (s->still_valid && next_usable(s, s->page)) {
        /* the page changed and its still was made ahead: it becomes the
         * still, and what of it is not yet made or changed since is remade
         * below like any damage; the old still is made for a later page */
        next_note_changes(s);
        cairo_surface_t *t = s->still;
        s->still = s->still_next;
        s->still_next = t;
        s->still_next_on = false;
        cairo_region_union(dirty, s->next_todo);
        for (int i = 0; i < l->nwidgets; i++)
            s->layers[i].in_still = scr_visible(s, l->widgets[i]);
        s->st.still_swaps++;
    }
    if (!s->still_valid) {
        region_add(dirty, (irect_t){ 0, 0, s->out_w, s->out_h });
        s->still_valid = true;
    }
    for (int i = 0; i < l->nwidgets; i++) {
        const wdg_t *w = l->widgets[i];
        layer_t *L = &s->layers[i];
        bool vis = scr_visible(s, w);
        if (vis != L->in_still) {         /* came or went (a page) */
            region_add(dirty, irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h));
            L->in_still = vis;
        }
    }
    /* the layers under the damage or under what is to be remade; a layer
     * remade there may reach a neighbour's margin, hence the second round */
    cairo_region_t *need = cairo_region_copy(dmg);
    cairo_region_union(need, dirty);
    for (int round = 0, more = 1; more && round < 3; round++) {
        more = 0;
        for (int i = 0; i < l->nwidgets; i++) {
            const wdg_t *w = l->widgets[i];
            layer_t *L = &s->layers[i];
            irect_t wr = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
            if (!scr_visible(s, w) || !region_hits(need, wr))
                continue;
            if (!L->cached || !L->valid || !L->base_valid || L->redo.w > 0) {
                irect_t part = L->cached && L->valid && L->base_valid ? L->redo : wr;
                layer_render(s, i, d);
                region_add(dirty, part);
                region_add(need, part);
                more = 1;
            }
            if (!L->cached)               /* drawn straight in: fresh wherever damaged */
                region_add(dirty, wr);
        }
    }
    cairo_region_destroy(need);
    if (!cairo_region_is_empty(dirty)) {
        region_pixels(s, dirty);
        cairo_t *cr = cairo_create(s->still);
        paint_layers(s, cr, dirty, d, s->page);
        cairo_destroy(cr);
        cairo_surface_flush(s->still);
    }
    cairo_region_destroy(dirty);
}

/* Touches rows of sf from *row on, a band at a time, while the budget
 * lasts; true when every row is done. */
static bool touch_rows(cairo_surface_t *sf, int *row, double t0, double budget_s)
{
    int h = cairo_image_surface_get_height(sf), stride = cairo_image_surface_get_stride(sf);
    unsigned char *px = cairo_image_surface_get_data(sf);
    cairo_surface_flush(sf);
    while (*row < h && bs_mono() - t0 < budget_s) {
        int n = h - *row < TOUCH_BAND_ROWS ? h - *row : TOUCH_BAND_ROWS;
        memset(px + (size_t)*row * (size_t)stride, 0, (size_t)n * (size_t)stride);
        *row += n;
    }
    cairo_surface_mark_dirty(sf);
    return *row >= h;
}

double scr_prepare_pages(screen_t *s, double now, int64_t wall_ms, double budget_s)
{
    const layout_t *l = s->layout;
    double t0 = bs_mono();
    if (!s->live || l->npages < 2 || l->pin >= 0 || s->compose_gpu) {
        s->pages_made = true;
        return 0;
    }
    draw_t d = {
        .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    /* a layer a step, at least one a frame: one layer cannot be cut, and
     * all of them in one frame took 0.6 s under the sanitizers (a stall
     * the watchdog saw) and several frames at 4K */
    while (s->pages_next < l->nwidgets) {
        int i = s->pages_next++;
        wdg_t *w = l->widgets[i];
        if (w->page >= 0 && !scr_visible(s, w) && !s->layers[i].cached) {
            w->live = s->live;
            layer_render(s, i, &d);
            if (bs_mono() - t0 >= budget_s)
                return bs_mono() - t0;
        }
    }
    /* then the fade's two pictures, their pages touched a band at a time:
     * made at the first fade, their first writes (page faults, the kernel
     * zeroing 33 MB at 4K) took 20 ms of its first frame. Only while no
     * fade has used them: after one they hold pictures. */
    if (l->transition > 0 && !s->trans_old && !s->trans_active) {
        if (!s->trans_new && !(s->trans_new = new_surface(s->out_w, s->out_h)))
            goto done;
        if (s->touch_which == 0 && !touch_rows(s->trans_new, &s->touch_row, t0, budget_s))
            return bs_mono() - t0;
        if (s->touch_which == 0) {
            s->touch_which = 1;
            s->touch_row = 0;
        }
        if (!s->trans_spare && !(s->trans_spare = new_surface(s->out_w, s->out_h)))
            goto done;
        if (!touch_rows(s->trans_spare, &s->touch_row, t0, budget_s))
            return bs_mono() - t0;
    }
done:
    s->pages_made = true;
    return bs_mono() - t0;
}

bool scr_prepare_all(screen_t *s, double now, int64_t wall_ms)
{
    const layout_t *l = s->layout;
    draw_t d = {
        .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    s->pages_made = true;                 /* a reload's other pages: made ahead as they come */
    s->pages_next = l->nwidgets;
    for (int i = 0; i < l->nwidgets; i++) {
        wdg_t *w = l->widgets[i];
        w->live = s->live;
        if (scr_visible(s, w))
            layer_render(s, i, &d);
    }
    if (s->still && s->bg) {
        cairo_region_t *none = cairo_region_create();
        s->still_valid = false;
        still_update(s, none, &d);        /* all of it: background and layers */
        cairo_region_destroy(none);
    }
    if (s->frame && s->still_valid) {     /* and the whole first frame, marks noted */
        for (int i = 0; i < l->nwidgets; i++)
            if (scr_visible(s, l->widgets[i])) {
                irect_t m[LAYER_MAX_MARKS];
                uint64_t keys[LAYER_MAX_MARKS];
                bool keyed;
                int n = marks_at(s, l->widgets[i], now, m, keys, &keyed);
                marks_note(&s->layers[i], m, keys, n, keyed);
            }
        damage_reset(&s->damage, s->out_w, s->out_h);
        damage_add_full(&s->damage);
        screen_paint(s, now, wall_ms);
        return true;
    }
    return false;
}

/* Where two visible widgets' rectangles overlap. */
static cairo_region_t *overlaps(const screen_t *s)
{
    const layout_t *l = s->layout;
    cairo_region_t *o = cairo_region_create();
    for (int i = 0; i < l->nwidgets; i++) {
        if (!scr_visible(s, l->widgets[i]))
            continue;
        irect_t a = scr_device_rect(s, l->widgets[i]->rect, INK_MARGIN);
        for (int j = i + 1; j < l->nwidgets; j++) {
            if (!scr_visible(s, l->widgets[j]))
                continue;
            irect_t b = scr_device_rect(s, l->widgets[j]->rect, INK_MARGIN);
            int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
            int x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w, y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
            region_add(o, (irect_t){ x0, y0, x1 - x0, y1 - y0 });
        }
    }
    return o;
}

/* What goes under the marks in region rg of the frame being composed:
 * the still, or the background where widgets overlap (slow; NULL: none),
 * each widget's layer then going over it before its marks. */
static void copy_under(screen_t *s, cairo_surface_t *target, cairo_region_t *rg, const cairo_region_t *slow)
{
    if (cairo_region_is_empty(rg))
        return;
    if (!slow) {
        copy_region(target, s->still, rg);
        return;
    }
    cairo_region_t *fast = cairo_region_copy(rg);
    cairo_region_subtract(fast, slow);
    copy_region(target, s->still, fast);
    cairo_region_destroy(fast);
    cairo_region_t *over = cairo_region_copy(rg);
    cairo_region_intersect(over, slow);
    copy_region(target, s->bg, over);
    cairo_region_destroy(over);
}

static double prof_t(const screen_t *s)
{
    return s->prof ? bs_mono() : 0;
}

static void prof_add(screen_t *s, int k, double *t)
{
    if (s->prof) {
        double n = bs_mono();
        s->prof[k] += n - *t;
        *t = n;
    }
}

void screen_paint(screen_t *s, double now, int64_t wall_ms)
{
    if (s->damage.n == 0 && !s->trans_active)
        return;
    layout_t *l = s->layout;
    cairo_surface_t *target = s->trans_active ? s->trans_new : s->frame;   /* a fade: the new page apart */
    cairo_t *cr = cairo_create(target);
    draw_t d = {
        .cr = cr, .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    /* the damage as one pixel-aligned region; each widget drawn once into
     * it, however many rectangles it meets */
    cairo_region_t *dmg = cairo_region_create();
    irect_t all = s->damage.r[0];
    for (int k = 0; k < s->damage.n; k++) {
        region_add(dmg, s->damage.r[k]);
        all = irect_union(all, s->damage.r[k]);
    }
    if (s->dark) {                          /* scheduled off: black, nothing else */
        cairo_save(cr);
        clip_region(cr, dmg);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_paint(cr);
        cairo_restore(cr);
        s->still_valid = false;             /* nothing of it is kept up while dark */
    } else {
        double pt = prof_t(s);
        /* one pass, each widget's marks drawn once into the whole damage:
         * the still copied where one widget at most covers a pixel; where
         * widgets overlap (their ink margins) the background instead, and
         * each widget's layer blended there just before its marks, so that
         * a later widget's layer goes over an earlier one's marks */
        cairo_region_t *slow = overlaps(s);
        cairo_region_intersect(slow, dmg);
        bool any_slow = !cairo_region_is_empty(slow);
        /* where the still is remade under the damage (outside overlaps),
         * the frame takes its rows as they are made, not copied after */
        cairo_surface_flush(target);
        if (s->still && cairo_image_surface_get_stride(target) == cairo_image_surface_get_stride(s->still) &&
            cairo_image_surface_get_width(target) == cairo_image_surface_get_width(s->still) &&
            cairo_image_surface_get_height(target) == cairo_image_surface_get_height(s->still)) {
            s->dual_out = cairo_image_surface_get_data(target);
            s->dual_rg = cairo_region_copy(dmg);
            cairo_region_subtract(s->dual_rg, slow);
            s->dual_done = cairo_region_create();
        }
        still_update(s, dmg, &d);
        cairo_region_t *dual_done = s->dual_done;
        if (s->dual_rg)
            cairo_region_destroy(s->dual_rg);
        s->dual_out = NULL;
        s->dual_rg = s->dual_done = NULL;
        if (dual_done && !cairo_region_is_empty(dual_done))
            cairo_surface_mark_dirty(target);
        prof_add(s, SCR_PROF_STILL, &pt);
        /* each widget's part of the damage is copied just before its marks
         * go over it, so that they blend into pixels still in the cache
         * (a frame's copy is memory-bound: cold, it cost as much as all
         * the marks together); `left` is what is not yet copied */
        cairo_region_t *left = cairo_region_copy(dmg);
        if (dual_done) {                  /* in the frame already */
            cairo_region_subtract(left, dual_done);
            cairo_region_destroy(dual_done);
        }
        for (int i = 0; i < l->nwidgets; i++) {
            const wdg_t *w = l->widgets[i];
            irect_t wr = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
            if (!scr_visible(s, w) || !region_hits(dmg, wr))
                continue;
            cairo_rectangle_int_t c = { wr.x, wr.y, wr.w, wr.h };
            cairo_region_t *mine = cairo_region_create_rectangle(&c);
            cairo_region_intersect(mine, dmg);
            cairo_region_t *part = cairo_region_copy(mine);
            cairo_region_intersect(part, left);           /* not yet copied */
            cairo_region_subtract(left, part);
            copy_under(s, target, part, any_slow ? slow : NULL);
            cairo_region_destroy(part);
            cairo_save(cr);
            clip_region(cr, mine);
            if (any_slow && region_hits(slow, wr)) {
                cairo_save(cr);
                clip_region(cr, slow);
                paint_layer(s, i, cr, &d);
                cairo_restore(cr);
            }
            scr_paint_marks(s, i, cr, &d, true);
            cairo_restore(cr);
            cairo_region_destroy(mine);
            prof_add(s, SCR_PROF_N + i, &pt);
        }
        copy_under(s, target, left, any_slow ? slow : NULL);   /* damage outside every widget */
        cairo_region_destroy(left);
        prof_add(s, SCR_PROF_COPY, &pt);
        cairo_region_destroy(slow);
        cairo_save(cr);
        clip_region(cr, dmg);
        scr_draw_chrome(s, &d, all);
        cairo_restore(cr);
        prof_add(s, SCR_PROF_CHROME, &pt);
    }
    cairo_destroy(cr);
    cairo_surface_flush(target);
    if (s->trans_active) {
        double pt = prof_t(s);
        double p = (now - s->trans_t0) / l->transition;
        fade_frame(s, dmg, p);
        s->trans_shown = true;
        prof_add(s, SCR_PROF_FADE, &pt);
    }
    cairo_region_destroy(dmg);
    long px = damage_pixels(&s->damage);
    s->damage_consumed = true;
    s->st.painted++;
    s->st.pixels += (uint64_t)px;
    s->st.drawn_px += (uint64_t)px;
}

void screen_repaint_all(screen_t *s, double now, int64_t wall_ms)
{
    damage_reset(&s->damage, s->out_w, s->out_h);
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)     /* everything remade: what a first frame costs */
        s->layers[i].valid = s->layers[i].base_valid = false;
    s->still_valid = false;
    screen_paint(s, now, wall_ms);
}

int screen_write_png(screen_t *s, const char *path, char *err, size_t errlen)
{
    cairo_status_t st = cairo_surface_write_to_png(s->frame, path);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot write %s: %s", path, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}
