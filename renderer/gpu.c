/* gpu.c — composition on the GPU (see gpu.h). */
#include "gpu.h"
#include "log.h"
#include "screen_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRIP_MAX_TILES 64
#define STRIP_BYTES_MAX ((size_t)64 << 20)   /* texture bytes of one strip, at most */

/* One widget's textures. */
typedef struct {
    SDL_Texture     *layer;           /* copy of the layer's blit surface */
    int              lw, lh;
    cairo_surface_t *over_s;          /* marks, top, badge over the layer (CPU) */
    SDL_Texture     *over;
    bool             over_on;         /* drawn this frame */
    /* the sliding strip: tiles of GPU_STRIP_TILE pixels of strip space */
    SDL_Texture     *tile[STRIP_MAX_TILES];
    bool             tile_ok[STRIP_MAX_TILES];
    int              ntiles, len_px, strip_y, strip_h;
    uint64_t         gen;
    bool             strip_on;        /* a strip to draw, at x0 in clip */
    int              x0;
    irect_t          clip;
    bool             strip_logged;
} wtex_t;

struct gpu {
    SDL_Renderer    *ren;
    SDL_BlendMode    premul;          /* Cairo's OVER on premultiplied ARGB */
    int              max_w, max_h;
    SDL_Texture     *bg;
    int              bg_w, bg_h;
    uint32_t         bg_gen;
    wtex_t          *w;
    int              nw;
    uint32_t         layers_gen;
    cairo_surface_t *chrome_s;        /* banner, error box, statistics box (CPU) */
    SDL_Texture     *chrome;
    bool             chrome_on;
    irect_t          chrome_ink;      /* where the chrome has ink: all that is drawn of it */
    char             banner[160], hud[200];
    char            *errors;          /* copy of the reload errors shown */
    SDL_Texture     *fade;            /* the old page's picture (a target) */
    int              fade_w, fade_h;
    double           fade_t0;
    bool             fade_ok, fade_logged;
    double           last_now;
};

static SDL_Texture *new_tex(gpu_t *g, int w, int h, int access, SDL_BlendMode mode)
{
    SDL_Texture *t = SDL_CreateTexture(g->ren, SDL_PIXELFORMAT_ARGB8888, access, w, h);
    if (t)
        SDL_SetTextureBlendMode(t, mode);
    return t;
}

static void drop_tex(SDL_Texture **t)
{
    if (*t)
        SDL_DestroyTexture(*t);
    *t = NULL;
}

/* Part r (in sf's pixels) of sf into the same part of t. */
static void upload(SDL_Texture *t, cairo_surface_t *sf, irect_t r)
{
    cairo_surface_flush(sf);
    unsigned char *px = cairo_image_surface_get_data(sf);
    int stride = cairo_image_surface_get_stride(sf);
    SDL_Rect sr = { r.x, r.y, r.w, r.h };
    SDL_UpdateTexture(t, &sr, px + (size_t)r.y * stride + (size_t)r.x * 4, stride);
}

static void drop_strip(wtex_t *W)
{
    for (int k = 0; k < STRIP_MAX_TILES; k++) {
        drop_tex(&W->tile[k]);
        W->tile_ok[k] = false;
    }
    W->ntiles = 0;
}

static void drop_widgets(gpu_t *g)
{
    for (int i = 0; i < g->nw; i++) {
        wtex_t *W = &g->w[i];
        drop_tex(&W->layer);
        drop_tex(&W->over);
        if (W->over_s)
            cairo_surface_destroy(W->over_s);
        drop_strip(W);
    }
    free(g->w);
    g->w = NULL;
    g->nw = 0;
}

static void drop_chrome(gpu_t *g)
{
    drop_tex(&g->chrome);
    if (g->chrome_s)
        cairo_surface_destroy(g->chrome_s);
    g->chrome_s = NULL;
    g->chrome_on = false;
    g->banner[0] = g->hud[0] = '\0';
    free(g->errors);
    g->errors = NULL;
}

gpu_t *rdr_gpu_new(SDL_Renderer *ren, screen_t *s, char *why, size_t whylen)
{
    SDL_RendererInfo info;
    if (SDL_GetRendererInfo(ren, &info) != 0) {
        snprintf(why, whylen, "no renderer information: %s", SDL_GetError());
        return NULL;
    }
    gpu_t *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    g->ren = ren;
    g->max_w = info.max_texture_width > 0 ? info.max_texture_width : 16384;
    g->max_h = info.max_texture_height > 0 ? info.max_texture_height : 16384;
    g->premul = SDL_ComposeCustomBlendMode(SDL_BLENDFACTOR_ONE, SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA,
                                           SDL_BLENDOPERATION_ADD, SDL_BLENDFACTOR_ONE,
                                           SDL_BLENDFACTOR_ONE_MINUS_SRC_ALPHA, SDL_BLENDOPERATION_ADD);
    SDL_Texture *probe = SDL_CreateTexture(ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC, 4, 4);
    bool blend_ok = probe && SDL_SetTextureBlendMode(probe, g->premul) == 0;
    if (probe)
        SDL_DestroyTexture(probe);
    if (!blend_ok) {
        snprintf(why, whylen, "renderer %s cannot blend premultiplied alpha", info.name);
        free(g);
        return NULL;
    }
    if (s->out_w > g->max_w || s->out_h > g->max_h) {
        snprintf(why, whylen, "the output %dx%d is larger than the renderer's textures (%dx%d at most)",
                 s->out_w, s->out_h, g->max_w, g->max_h);
        free(g);
        return NULL;
    }
    s->compose_gpu = true;
    damage_add_full(&s->damage);              /* everything uploaded at the first frame */
    s->marks_refresh = true;
    return g;
}

void rdr_gpu_free(gpu_t *g, screen_t *s)
{
    if (!g)
        return;
    if (s) {
        s->compose_gpu = false;
        s->trans_active = false;              /* s->frame holds no old page to fade from */
        for (int i = 0; s->layers && i < g->nw && i < s->layout->nwidgets; i++)
            s->layers[i].strip_tex = false;
    }
    drop_widgets(g);
    drop_chrome(g);
    drop_tex(&g->bg);
    drop_tex(&g->fade);
    free(g);
}

void rdr_gpu_reset(gpu_t *g, screen_t *s)
{
    drop_tex(&g->bg);
    drop_tex(&g->fade);
    drop_tex(&g->chrome);
    g->fade_ok = false;
    s->trans_active = false;                  /* the old page's picture is gone: cut */
    for (int i = 0; i < g->nw; i++) {
        drop_tex(&g->w[i].layer);
        drop_tex(&g->w[i].over);
        drop_strip(&g->w[i]);
    }
}

/* ---- bringing textures up to date ---------------------------------------- */

static void why_widget(char *why, size_t whylen, const wdg_t *w, const char *what)
{
    snprintf(why, whylen, "widget \"%s\": %s", w->id ? w->id : "?", what);
}

/* The layer's blit surface into its texture, where it changed. */
static int update_layer(gpu_t *g, screen_t *s, int i, char *why, size_t whylen)
{
    layer_t *L = &s->layers[i];
    wtex_t *W = &g->w[i];
    cairo_surface_t *blit = L->surf ? L->surf : L->base;
    if (!blit) {
        drop_tex(&W->layer);
        return 0;
    }
    if (!W->layer || W->lw != L->r.w || W->lh != L->r.h) {
        drop_tex(&W->layer);
        if (L->r.w > g->max_w || L->r.h > g->max_h ||
            !(W->layer = new_tex(g, L->r.w, L->r.h, SDL_TEXTUREACCESS_STATIC, g->premul))) {
            why_widget(why, whylen, s->layout->widgets[i], "no texture for its layer");
            return -1;
        }
        W->lw = L->r.w;
        W->lh = L->r.h;
        L->up = L->r;
    }
    if (L->up.w > 0) {
        irect_t u = irect_clip((irect_t){ L->up.x - L->r.x, L->up.y - L->r.y, L->up.w, L->up.h }, L->r.w, L->r.h);
        if (u.w > 0 && u.h > 0)
            upload(W->layer, blit, u);
        L->up.w = 0;
    }
    return 0;
}

/* Tile k of w's strip (strip pixels [k*T, k*T + tw)), drawn and uploaded. */
static int render_tile(gpu_t *g, screen_t *s, int i, int k, const wdg_strip_t *st, draw_t *d)
{
    const wdg_t *w = s->layout->widgets[i];
    wtex_t *W = &g->w[i];
    int tw = W->len_px - k * GPU_STRIP_TILE;
    if (tw > GPU_STRIP_TILE)
        tw = GPU_STRIP_TILE;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, tw, W->strip_h);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(sf);
        return -1;
    }
    cairo_surface_set_device_offset(sf, 0, -W->strip_y);   /* user y: output rows */
    cairo_t *cr = cairo_create(sf);
    double x = (double)k * GPU_STRIP_TILE;
    scr_strip_draw(s, w, cr, d, -k * GPU_STRIP_TILE, x / s->sx, fmin(st->len, (x + tw) / s->sx));
    cairo_destroy(cr);
    if (!W->tile[k])
        W->tile[k] = new_tex(g, tw, W->strip_h, SDL_TEXTUREACCESS_STATIC, g->premul);
    if (W->tile[k])
        upload(W->tile[k], sf, (irect_t){ 0, 0, tw, W->strip_h });
    cairo_surface_destroy(sf);
    s->st.drawn_px += (uint64_t)tw * (uint64_t)W->strip_h;
    W->tile_ok[k] = W->tile[k] != NULL;
    return W->tile[k] ? 0 : -1;
}

/* w's strip at d->now: where it goes, and the tiles the window shows now
 * drawn if they are not yet. True when the strip is moved as textures
 * (or there is none); false when it must be drawn on the CPU (too long for
 * textures, or none had). */
static bool update_strip(gpu_t *g, screen_t *s, int i, draw_t *d)
{
    const wdg_t *w = s->layout->widgets[i];
    wtex_t *W = &g->w[i];
    wdg_strip_t st;
    irect_t clip;
    int x0;
    W->strip_on = false;
    if (!scr_strip_place(s, w, d->now, &st, &clip, &x0))
        return true;                          /* nothing to show, either way */
    double len = ceil(st.len * s->sx);
    int ntiles = (int)ceil(len / GPU_STRIP_TILE);
    if (ntiles < 1 || ntiles > STRIP_MAX_TILES || clip.h > g->max_h ||
        (size_t)len * (size_t)clip.h * 4 > STRIP_BYTES_MAX) {
        if (!W->strip_logged)
            bs_log(BS_LOG_WARNING, "widget \"%s\": its strip (%.0fx%d pixels) is too large for textures; "
                    "it is drawn on the CPU", w->id ? w->id : "?", len, clip.h);
        W->strip_logged = true;
        drop_strip(W);
        return false;
    }
    if (W->gen != st.gen || W->ntiles != ntiles || W->len_px != (int)len || W->strip_y != clip.y ||
        W->strip_h != clip.h) {
        drop_strip(W);                        /* new content or size: every tile again, when shown */
        W->gen = st.gen;
        W->ntiles = ntiles;
        W->len_px = (int)len;
        W->strip_y = clip.y;
        W->strip_h = clip.h;
    }
    int from = clip.x - x0, to = clip.x + clip.w - x0;   /* strip pixels in the window */
    for (int k = 0; k < ntiles; k++) {
        int a = k * GPU_STRIP_TILE, b = a + GPU_STRIP_TILE;
        if (b > from && a < to && !W->tile_ok[k] && render_tile(g, s, i, k, &st, d) != 0) {
            drop_strip(W);
            return false;
        }
    }
    W->strip_on = true;
    W->x0 = x0;
    W->clip = clip;
    return true;
}

/* A context on surf, clipped to the n rectangles rs, which are cleared to
 * transparent; it draws with OVER. The caller destroys it. */
static cairo_t *cleared_in(cairo_surface_t *surf, const irect_t *rs, int n)
{
    cairo_t *cr = cairo_create(surf);
    for (int k = 0; k < n; k++)
        cairo_rectangle(cr, rs[k].x, rs[k].y, rs[k].w, rs[k].h);
    cairo_clip(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    return cr;
}

/* The marks, top and badge of widget i into its transparent surface, in
 * the damaged rectangles that meet it (all of it when new), uploaded. */
static int update_over(gpu_t *g, screen_t *s, int i, draw_t *d, bool strip_tex, char *why, size_t whylen)
{
    const wdg_t *w = s->layout->widgets[i];
    layer_t *L = &s->layers[i];
    wtex_t *W = &g->w[i];
    bool need = w->cls->draw_overlay || w->cls->draw_top || w->stale || (w->cls->strip && !strip_tex);
    W->over_on = need;
    if (!need) {
        drop_tex(&W->over);
        if (W->over_s)
            cairo_surface_destroy(W->over_s);
        W->over_s = NULL;
        return 0;
    }
    bool all = false;
    if (W->over_s && (cairo_image_surface_get_width(W->over_s) != L->r.w ||
                      cairo_image_surface_get_height(W->over_s) != L->r.h)) {
        cairo_surface_destroy(W->over_s);
        W->over_s = NULL;
        drop_tex(&W->over);
    }
    if (!W->over_s) {
        W->over_s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, L->r.w, L->r.h);
        if (cairo_surface_status(W->over_s) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(W->over_s);
            W->over_s = NULL;
            why_widget(why, whylen, w, "no memory for its marks");
            return -1;
        }
        cairo_surface_set_device_offset(W->over_s, -L->r.x, -L->r.y);   /* user space: output pixels */
        all = true;
    }
    bool upload_all = all;
    if (!W->over) {
        if (!(W->over = new_tex(g, L->r.w, L->r.h, SDL_TEXTUREACCESS_STATIC, g->premul))) {
            why_widget(why, whylen, w, "no texture for its marks");
            return -1;
        }
        upload_all = true;
    }
    irect_t rs[DAMAGE_MAX];
    int n = 0;
    if (all) {
        rs[n++] = L->r;
    } else {
        for (int k = 0; k < s->damage.n; k++) {
            irect_t a = s->damage.r[k], b = L->r;
            int x1 = a.x > b.x ? a.x : b.x, y1 = a.y > b.y ? a.y : b.y;
            int x2 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
            int y2 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
            if (x2 > x1 && y2 > y1)
                rs[n++] = (irect_t){ x1, y1, x2 - x1, y2 - y1 };
        }
    }
    if (n > 0) {
        cairo_t *cr = cleared_in(W->over_s, rs, n);
        draw_t dd = *d;
        dd.cr = cr;
        scr_paint_marks(s, i, cr, &dd, !strip_tex);
        cairo_destroy(cr);
        for (int k = 0; k < n; k++)
            s->st.drawn_px += (uint64_t)rs[k].w * (uint64_t)rs[k].h;
    }
    if (upload_all) {
        upload(W->over, W->over_s, (irect_t){ 0, 0, L->r.w, L->r.h });
    } else {
        for (int k = 0; k < n; k++)
            upload(W->over, W->over_s, (irect_t){ rs[k].x - L->r.x, rs[k].y - L->r.y, rs[k].w, rs[k].h });
    }
    return 0;
}

static int update_widget(gpu_t *g, screen_t *s, int i, draw_t *d, char *why, size_t whylen)
{
    const wdg_t *w = s->layout->widgets[i];
    layer_t *L = &s->layers[i];
    scr_layer_current(s, i, d);
    if (!L->cached) {
        why_widget(why, whylen, w, "its layer is not cached (the layer memory cap)");
        return -1;
    }
    bool strip_tex = w->cls->strip ? update_strip(g, s, i, d) : false;
    if (L->strip_tex != strip_tex) {          /* the strip moves between CPU and GPU: redo its marks */
        L->strip_tex = strip_tex;
        damage_add(&s->damage, L->r);
    }
    if (update_layer(g, s, i, why, whylen) != 0)
        return -1;
    return update_over(g, s, i, d, strip_tex, why, whylen);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The chrome's surface and texture, where the chrome changed (each change
 * damages the chrome's area; see chrome.c). */
static int update_chrome(gpu_t *g, screen_t *s, draw_t *d, char *why, size_t whylen)
{
    bool want = s->banner[0] || s->hud[0] || s->reload_errors;
    bool changed = strcmp(g->banner, s->banner) != 0 || strcmp(g->hud, s->hud) != 0 ||
                   !same_text(g->errors, s->reload_errors);
    if (!want) {
        if (g->chrome_s)
            drop_chrome(g);
        return 0;
    }
    bool all = false;
    if (g->chrome_s && (cairo_image_surface_get_width(g->chrome_s) != s->out_w ||
                        cairo_image_surface_get_height(g->chrome_s) != s->out_h))
        drop_chrome(g);
    if (!g->chrome_s) {
        g->chrome_s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, s->out_w, s->out_h);
        if (cairo_surface_status(g->chrome_s) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(g->chrome_s);
            g->chrome_s = NULL;
            snprintf(why, whylen, "no memory for the chrome");
            return -1;
        }
        all = changed = true;
    }
    bool upload_all = all;
    if (!g->chrome) {
        if (!(g->chrome = new_tex(g, s->out_w, s->out_h, SDL_TEXTUREACCESS_STATIC, g->premul))) {
            snprintf(why, whylen, "no texture for the chrome");
            return -1;
        }
        upload_all = true;
    }
    g->chrome_on = true;
    if (changed) {
        irect_t rs[DAMAGE_MAX];
        int n = 0;
        if (all)
            rs[n++] = (irect_t){ 0, 0, s->out_w, s->out_h };
        for (int k = 0; !all && k < s->damage.n; k++)
            rs[n++] = s->damage.r[k];
        cairo_t *cr = cleared_in(g->chrome_s, rs, n);
        draw_t dd = *d;
        dd.cr = cr;
        scr_draw_chrome(s, &dd, (irect_t){ 0, 0, s->out_w, s->out_h });
        cairo_destroy(cr);
        for (int k = 0; k < n; k++) {
            s->st.drawn_px += (uint64_t)rs[k].w * (uint64_t)rs[k].h;
            if (!upload_all)
                upload(g->chrome, g->chrome_s, rs[k]);
        }
        g->chrome_ink = scr_ink_box(g->chrome_s, (irect_t){ 0, 0, s->out_w, s->out_h });
        snprintf(g->banner, sizeof g->banner, "%s", s->banner);
        snprintf(g->hud, sizeof g->hud, "%s", s->hud);
        free(g->errors);
        g->errors = s->reload_errors ? strdup(s->reload_errors) : NULL;
    }
    if (upload_all)
        upload(g->chrome, g->chrome_s, (irect_t){ 0, 0, s->out_w, s->out_h });
    return 0;
}

/* ---- composing ------------------------------------------------------------ */

/* w's strip tiles that the window shows, at the place update_strip found. */
static void draw_strip(gpu_t *g, const wtex_t *W)
{
    (void)g;
    for (int k = 0; k < W->ntiles; k++) {
        if (!W->tile_ok[k])
            continue;
        int tx = W->x0 + k * GPU_STRIP_TILE, tw = W->len_px - k * GPU_STRIP_TILE;
        if (tw > GPU_STRIP_TILE)
            tw = GPU_STRIP_TILE;
        int a = tx > W->clip.x ? tx : W->clip.x;
        int b = tx + tw < W->clip.x + W->clip.w ? tx + tw : W->clip.x + W->clip.w;
        if (b <= a)
            continue;
        SDL_Rect src = { a - tx, 0, b - a, W->strip_h }, dst = { a, W->strip_y, b - a, W->strip_h };
        SDL_RenderCopy(g->ren, W->tile[k], &src, &dst);
    }
}

/* The picture of page `page` (with every page's widgets and the chrome)
 * into the current target. */
static void compose(gpu_t *g, const screen_t *s, int page)
{
    const layout_t *l = s->layout;
    SDL_RenderCopy(g->ren, g->bg, NULL, NULL);
    for (int i = 0; i < l->nwidgets && i < g->nw; i++) {
        const wdg_t *w = l->widgets[i];
        const wtex_t *W = &g->w[i];
        const layer_t *L = &s->layers[i];
        if (w->page >= 0 && w->page != page)
            continue;
        SDL_Rect r = { L->r.x, L->r.y, L->r.w, L->r.h };
        if (W->layer)
            SDL_RenderCopy(g->ren, W->layer, NULL, &r);
        if (W->strip_on && L->strip_tex)
            draw_strip(g, W);
        if (W->over_on && W->over)
            SDL_RenderCopy(g->ren, W->over, NULL, &r);
    }
    if (g->chrome_on && g->chrome && g->chrome_ink.w > 0) {   /* a statistics box: only its box */
        SDL_Rect r = { g->chrome_ink.x, g->chrome_ink.y, g->chrome_ink.w, g->chrome_ink.h };
        SDL_RenderCopy(g->ren, g->chrome, &r, &r);
    }
}

/* A fade began: the old page's picture as it was last shown, once, into
 * the fade texture. A renderer without targets cuts instead. */
static void fade_begin(gpu_t *g, screen_t *s, SDL_Texture *target)
{
    g->fade_t0 = s->trans_t0;
    g->fade_ok = false;
    if (g->fade && (g->fade_w != s->out_w || g->fade_h != s->out_h))
        drop_tex(&g->fade);
    if (!g->fade && (g->fade = new_tex(g, s->out_w, s->out_h, SDL_TEXTUREACCESS_TARGET, g->premul))) {
        g->fade_w = s->out_w;
        g->fade_h = s->out_h;
    }
    if (!g->fade || SDL_SetRenderTarget(g->ren, g->fade) != 0) {
        if (!g->fade_logged)
            bs_log(BS_LOG_WARNING, "the renderer has no texture targets (%s); pages cut instead of fading",
                    SDL_GetError());
        g->fade_logged = true;
        s->trans_active = false;
        SDL_SetRenderTarget(g->ren, target);
        return;
    }
    compose(g, s, s->trans_page_old);
    SDL_SetRenderTarget(g->ren, target);
    g->fade_ok = true;
}

int rdr_gpu_frame(gpu_t *g, screen_t *s, double now, int64_t wall_ms, SDL_Texture *target,
                  char *why, size_t whylen)
{
    layout_t *l = s->layout;
    if (s->out_w > g->max_w || s->out_h > g->max_h) {
        snprintf(why, whylen, "the output %dx%d is larger than the renderer's textures (%dx%d at most)",
                 s->out_w, s->out_h, g->max_w, g->max_h);
        return -1;
    }
    if (g->layers_gen != s->layers_gen || g->nw != l->nwidgets || !g->w) {
        drop_widgets(g);                      /* new layout or size: new layers */
        g->w = calloc((size_t)(l->nwidgets ? l->nwidgets : 1), sizeof *g->w);
        if (!g->w) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
        g->nw = l->nwidgets;
        g->layers_gen = s->layers_gen;
    }
    if (!g->bg || g->bg_gen != s->bg_gen || g->bg_w != s->out_w || g->bg_h != s->out_h) {
        if (!g->bg || g->bg_w != s->out_w || g->bg_h != s->out_h) {
            drop_tex(&g->bg);
            if (!(g->bg = new_tex(g, s->out_w, s->out_h, SDL_TEXTUREACCESS_STATIC, SDL_BLENDMODE_NONE))) {
                snprintf(why, whylen, "no texture for the background: %s", SDL_GetError());
                return -1;
            }
            g->bg_w = s->out_w;
            g->bg_h = s->out_h;
        }
        upload(g->bg, s->bg, (irect_t){ 0, 0, s->out_w, s->out_h });
        g->bg_gen = s->bg_gen;
    }
    draw_t d = {
        .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    if (!s->dark) {
        for (int i = 0; i < l->nwidgets; i++)
            if (scr_visible(s, l->widgets[i]) && update_widget(g, s, i, &d, why, whylen) != 0)
                return -1;
        if (update_chrome(g, s, &d, why, whylen) != 0)
            return -1;
        if (s->trans_active && (!g->fade_ok || g->fade_t0 != s->trans_t0))
            fade_begin(g, s, target);
    }
    SDL_SetRenderTarget(g->ren, target);
    if (s->dark) {                            /* scheduled off: black, nothing else */
        SDL_SetRenderDrawColor(g->ren, 0, 0, 0, 255);
        SDL_RenderClear(g->ren);
    } else {
        compose(g, s, s->page);
        if (s->trans_active) {
            double p = (now - s->trans_t0) / l->transition;
            if (p >= 1 || p < 0 || !g->fade_ok) {
                s->trans_active = false;      /* this frame shows the new page alone */
            } else {
                Uint8 a = (Uint8)lround(255 * (1 - wdg_ease(0, 1, p)));
                SDL_SetTextureColorMod(g->fade, a, a, a);   /* premultiplied: colour with alpha */
                SDL_SetTextureAlphaMod(g->fade, a);
                SDL_RenderCopy(g->ren, g->fade, NULL, NULL);
            }
        }
    }
    g->last_now = now;
    s->damage_consumed = true;
    s->st.painted++;
    s->st.pixels += (uint64_t)damage_pixels(&s->damage);
    return 0;
}

int rdr_gpu_read(gpu_t *g, cairo_surface_t *out)
{
    cairo_surface_flush(out);
    unsigned char *px = cairo_image_surface_get_data(out);
    int stride = cairo_image_surface_get_stride(out);
    int w = cairo_image_surface_get_width(out), h = cairo_image_surface_get_height(out);
    if (SDL_RenderReadPixels(g->ren, NULL, SDL_PIXELFORMAT_ARGB8888, px, stride) != 0)
        return -1;
    for (int y = 0; y < h; y++)                /* the frame is opaque; targets may hold no alpha */
        for (int x = 0; x < w; x++)
            px[(size_t)y * stride + (size_t)x * 4 + 3] = 0xff;
    cairo_surface_mark_dirty(out);
    return 0;
}
