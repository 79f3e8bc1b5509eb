/* screen.c — a running layout: data in, pixels out (see screen.h). */
#include "clock.h"
#include "screen.h"
#include "persist.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_CAP       8192
#define MAX_TOPICS      10000
#define DRAIN_BATCH     256
#define DRAIN_BUDGET_S  0.004     /* at most 4 ms of a frame applying updates */
#define TEXT_CACHE_MB   64
#define INK_MARGIN      12        /* design units of glow around a widget */
#define LAYER_BUDGET    (192u << 20) /* bytes of cached widget layers at most */
#define PERSIST_EVERY_S 5.0       /* save last-known values at most this often */

const char *screen_state_dir;

/* ---- geometry ----------------------------------------------------------- */

screen_tile_t screen_tile = { 1, 1, 0, 0 };

/* The canvas (or this tile's share of it) fitted to the output. */
static void fit(screen_t *s)
{
    const layout_t *l = s->layout;
    const screen_tile_t *t = &screen_tile;
    double vw = (double)l->width / t->cols, vh = (double)l->height / t->rows;
    double vx = vw * t->col, vy = vh * t->row;
    double fx = (double)s->out_w / vw, fy = (double)s->out_h / vh;
    switch (l->fit) {
    case FIT_COVER:
        s->sx = s->sy = fmax(fx, fy);
        break;
    case FIT_STRETCH:
        s->sx = fx;
        s->sy = fy;
        break;
    default:
        s->sx = s->sy = fmin(fx, fy);
        break;
    }
    s->ox = (s->out_w - vw * s->sx) / 2 - vx * s->sx + s->shift_x;
    s->oy = (s->out_h - vh * s->sy) / 2 - vy * s->sy + s->shift_y;
    s->text_scale = fmin(s->sx, s->sy);
}

static irect_t device_rect(const screen_t *s, rect_t r, double margin)
{
    double x0 = s->ox + (r.x - margin) * s->sx, y0 = s->oy + (r.y - margin) * s->sy;
    double x1 = s->ox + (r.x + r.w + margin) * s->sx, y1 = s->oy + (r.y + r.h + margin) * s->sy;
    int ix = (int)floor(x0), iy = (int)floor(y0);
    return (irect_t){ ix, iy, (int)ceil(x1) - ix, (int)ceil(y1) - iy };
}

static void set_transform(const screen_t *s, cairo_t *cr)
{
    cairo_identity_matrix(cr);
    cairo_translate(cr, s->ox, s->oy);
    cairo_scale(cr, s->sx, s->sy);
}

static int page_at(const layout_t *l, double now);
static void deliver(screen_t *s, double now);

/* ---- bound topics --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool topic_wanted(const char *topic, void *ud)
{
    const screen_t *s = ud;
    return bsearch(&topic, s->wanted, s->nwanted, sizeof *s->wanted, cmp_str) != NULL;
}

/* The sorted set of topics the layout's widgets bind; the store keeps room
 * for them whatever a feed floods it with. */
static void set_interest(screen_t *s)
{
    const layout_t *l = s->layout;
    size_t n = 0;
    for (int i = 0; i < l->nwidgets; i++)
        n += (size_t)l->widgets[i]->nbinds;
    free(s->wanted);
    s->wanted = calloc(n ? n : 1, sizeof *s->wanted);
    s->nwanted = 0;
    if (!s->wanted) {
        store_set_interest(s->store, NULL, NULL);
        return;
    }
    for (int i = 0; i < l->nwidgets; i++)
        for (int b = 0; b < l->widgets[i]->nbinds; b++)
            s->wanted[s->nwanted++] = l->widgets[i]->binds[b].topic;
    qsort(s->wanted, s->nwanted, sizeof *s->wanted, cmp_str);
    store_set_interest(s->store, topic_wanted, s);
}

/* ---- cached layers -------------------------------------------------------- */

static void layers_free(screen_t *s)
{
    for (int i = 0; s->layers && i < s->layout->nwidgets; i++) {
        if (s->layers[i].surf)
            cairo_surface_destroy(s->layers[i].surf);
        if (s->layers[i].base)
            cairo_surface_destroy(s->layers[i].base);
    }
    free(s->layers);
    s->layers = NULL;
    s->layer_bytes = 0;
}

/* Drops every layer (new size, new layout); they are remade when painted. */
static int layers_reset(screen_t *s)
{
    layers_free(s);
    s->layers = calloc((size_t)(s->layout->nwidgets ? s->layout->nwidgets : 1), sizeof *s->layers);
    return s->layers ? 0 : -1;
}

/* Redraws widget i into its layer, making the layer if there is budget for
 * it. Leaves surf NULL when there is not: the widget is then drawn straight
 * into the frame, as every widget would be without layers. */
static void layer_render(screen_t *s, int i, const draw_t *proto)
{
    layer_t *L = &s->layers[i];
    const wdg_t *w = s->layout->widgets[i];
    irect_t r = irect_clip(device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
    if (r.w <= 0 || r.h <= 0)
        return;
    if (L->surf && (L->r.w != r.w || L->r.h != r.h)) {
        s->layer_bytes -= (size_t)L->r.w * L->r.h * 4 * (L->base ? 2 : 1);
        cairo_surface_destroy(L->surf);
        L->surf = NULL;
        if (L->base)
            cairo_surface_destroy(L->base);
        L->base = NULL;
    }
    size_t bytes = (size_t)r.w * r.h * 4 * (w->cls->draw_base ? 2 : 1);
    if (!L->surf && s->layer_bytes + bytes <= LAYER_BUDGET) {
        L->surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, r.w, r.h);
        if (cairo_surface_status(L->surf) != CAIRO_STATUS_SUCCESS) {
            cairo_surface_destroy(L->surf);
            L->surf = NULL;
        } else {
            s->layer_bytes += bytes;
        }
    }
    L->r = r;
    if (!L->surf)
        return;
    draw_t d = *proto;
    if (w->cls->draw_base && !L->base) {      /* once per size and layout */
        L->base = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, r.w, r.h);
        cairo_t *bc = cairo_create(L->base);
        cairo_translate(bc, s->ox - r.x, s->oy - r.y);
        cairo_scale(bc, s->sx, s->sy);
        d.cr = bc;
        w->cls->draw_base(w, &d);
        cairo_destroy(bc);
        cairo_surface_flush(L->base);
    }
    cairo_t *cr = cairo_create(L->surf);
    if (L->base)
        cairo_set_source_surface(cr, L->base, 0, 0);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);   /* the base, or clear */
    if (!L->base)
        cairo_set_operator(cr, CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_translate(cr, s->ox - r.x, s->oy - r.y);
    cairo_scale(cr, s->sx, s->sy);
    d.cr = cr;
    if (w->cls->draw)
        w->cls->draw(w, &d);
    cairo_destroy(cr);
    cairo_surface_flush(L->surf);
    L->valid = true;
    s->st.widgets_drawn++;
}

/* ---- background ---------------------------------------------------------- */

static void paint_background(screen_t *s)
{
    const layout_t *l = s->layout;
    const theme_t *t = &l->theme;
    cairo_t *cr = cairo_create(s->bg);
    bs_color_t bg = t->colors[THEME_BG], bg2 = t->colors[THEME_BG2], acc = t->colors[THEME_ACCENT];
    cairo_set_source_rgb(cr, bg.r * 0.6, bg.g * 0.6, bg.b * 0.6);   /* letterbox */
    cairo_paint(cr);
    set_transform(s, cr);
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
}

/* ---- life cycle ---------------------------------------------------------- */

/* The output surfaces (frame, background, fade-out copy); layers apart. */
static void free_surfaces(screen_t *s)
{
    if (s->frame)
        cairo_surface_destroy(s->frame);
    if (s->bg)
        cairo_surface_destroy(s->bg);
    if (s->trans_old)
        cairo_surface_destroy(s->trans_old);
    s->frame = s->bg = s->trans_old = NULL;
    s->trans_active = false;
}

int screen_resize(screen_t *s, int w, int h)
{
    if (w < 16 || h < 16 || w > 16384 || h > 16384)
        return -1;
    cairo_surface_t *frame = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_surface_t *bg = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(frame) || cairo_surface_status(bg)) {
        cairo_surface_destroy(frame);
        cairo_surface_destroy(bg);
        return -1;
    }
    free_surfaces(s);
    s->frame = frame;
    s->bg = bg;
    s->out_w = w;
    s->out_h = h;
    fit(s);
    paint_background(s);
    if (layers_reset(s) != 0)
        return -1;
    damage_reset(&s->damage, w, h);
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)
        s->layout->widgets[i]->invalid = true;
    return 0;
}

/* Last-known values: loads the layout's state file into the store (entries
 * come in with feed = -1, so they show as stale until fresh data arrives)
 * and starts the writer. Problems are logged; the screen runs without. */
static void persist_setup(screen_t *s)
{
    char err[512];
    char *path = persist_path(screen_state_dir, s->layout->file ? s->layout->file : "layout");
    if (!path)
        return;
    int n = persist_load(s->store, path, &s->layout->feeds[0].lim, 0, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "bigscreen: last-known values not loaded: %s\n", err);
    s->persist_loaded = n > 0 ? n : 0;
    s->persist_gen = store_generation(s->store);
    s->persist_next = PERSIST_EVERY_S;
    s->persist = persist_writer_new(path, err, sizeof err);
    if (!s->persist)
        fprintf(stderr, "bigscreen: last-known values will not be saved: %s\n", err);
    free(path);
}

/* Hands the store to the writer when it changed since the last save. The
 * render thread only serialises (a few KB for a wall screen, well under a
 * millisecond); the writer thread does the file I/O and fsync. */
static void persist_save(screen_t *s, double now, int64_t wall_ms)
{
    uint64_t gen = store_generation(s->store);
    if (!s->persist || gen == s->persist_gen)
        return;
    size_t len = 0;
    char *text = persist_serialise(s->store, now, wall_ms, false, &len);
    if (!text)
        return;
    persist_writer_submit(s->persist, text, len);
    s->persist_gen = gen;
}

screen_t *screen_new(layout_t *l, int out_w, int out_h, bool live, int64_t wall0_ms,
                     char *err, size_t errlen)
{
    screen_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        layout_free(l);
        return NULL;
    }
    s->layout = l;
    s->live = live;
    s->wall0_ms = wall0_ms;
    s->page = l->npages ? 0 : -1;
    s->store = store_new((size_t)l->history, MAX_TOPICS);
    s->q = feed_queue_new(QUEUE_CAP);
    if (!s->store || !s->q) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    set_interest(s);
    s->tc = text_cache_new(&l->theme, (size_t)TEXT_CACHE_MB << 20, err, errlen);
    if (!s->tc)
        goto err;
    if (screen_resize(s, out_w, out_h) != 0) {
        snprintf(err, errlen, "cannot make a %dx%d output surface", out_w, out_h);
        goto err;
    }
    for (int i = 0; i < l->nfeeds; i++) {
        feed_t *f = feed_new(&l->feeds[i], i, s->q, err, errlen);
        if (!f)
            goto err;
        f->wall0_ms = wall0_ms;
        s->feeds[s->nfeeds++] = f;
    }
    for (int i = 0; i < l->nwidgets; i++) {
        wdg_t *w = l->widgets[i];
        for (int b = 0; b < w->nbinds; b++)
            feed_add_subscription(s->feeds[w->feed < s->nfeeds ? w->feed : 0], w->binds[b].topic);
    }
    if (live && screen_state_dir)
        persist_setup(s);
    if (live)
        for (int i = 0; i < s->nfeeds; i++)
            if (feed_start(s->feeds[i]) != 0) {
                snprintf(err, errlen, "cannot start feed \"%s\"", s->feeds[i]->conf.id);
                goto err;
            }
    return s;
err:
    screen_free(s);
    return NULL;
}

void screen_free(screen_t *s)
{
    if (!s)
        return;
    if (s->persist) {                  /* the last state, then wait for the disk */
        persist_save(s, s->last_now, s->last_wall);
        persist_writer_free(s->persist);
    }
    for (int i = 0; i < s->nfeeds; i++)
        feed_free(s->feeds[i]);        /* joins feed threads before the queue goes */
    feed_queue_free(s->q);
    store_free(s->store);
    text_cache_free(s->tc);
    free(s->reload_errors);
    free(s->wanted);
    if (s->layout)
        layers_free(s);
    free_surfaces(s);
    layout_free(s->layout);
    free(s);
}

/* True when two feed confs would make the same connection. */
static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_feed(const feed_conf_t *a, const feed_conf_t *b)
{
    return same_str(a->id, b->id) && same_str(a->url, b->url) && same_str(a->token_env, b->token_env) &&
           same_str(a->token_file, b->token_file) && same_str(a->ca_file, b->ca_file) &&
           a->insecure == b->insecure && a->seed == b->seed && a->tick == b->tick &&
           memcmp(&a->lim, &b->lim, sizeof a->lim) == 0;
}

int screen_reload(screen_t *s, layout_t *nl, double now, char *err, size_t errlen)
{
    layout_t *old = s->layout;
    bool feeds_same = nl->nfeeds == old->nfeeds;
    for (int i = 0; feeds_same && i < nl->nfeeds; i++)
        feeds_same = same_feed(&nl->feeds[i], &old->feeds[i]);
    bool fonts_same = true;
    for (int i = 0; i < FONT_N_ROLES; i++)
        fonts_same = fonts_same && same_str(nl->theme.fonts[i], old->theme.fonts[i]);
    if (!fonts_same) {
        text_cache_t *tc = text_cache_new(&nl->theme, (size_t)TEXT_CACHE_MB << 20, err, errlen);
        if (!tc) {
            layout_free(nl);
            return -1;
        }
        text_cache_free(s->tc);
        s->tc = tc;
    }
    if (!feeds_same) {
        /* new connections; the store keeps what the old ones brought */
        feed_t *nf[LAYOUT_MAX_FEEDS] = { 0 };
        for (int i = 0; i < nl->nfeeds; i++) {
            nf[i] = feed_new(&nl->feeds[i], i, s->q, err, errlen);
            if (!nf[i]) {
                for (int k = 0; k < i; k++)
                    feed_free(nf[k]);
                layout_free(nl);
                return -1;
            }
            nf[i]->wall0_ms = s->wall0_ms;
        }
        for (int i = 0; i < s->nfeeds; i++)
            feed_free(s->feeds[i]);
        memcpy(s->feeds, nf, sizeof nf);
        s->nfeeds = nl->nfeeds;
    }
    layers_free(s);
    s->layout = nl;
    for (int i = 0; i < nl->nwidgets; i++) {
        wdg_t *w = nl->widgets[i];
        for (int b = 0; b < w->nbinds; b++)
            feed_add_subscription(s->feeds[w->feed < s->nfeeds ? w->feed : 0], w->binds[b].topic);
    }
    if (!feeds_same && s->live)
        for (int i = 0; i < s->nfeeds; i++)
            feed_start(s->feeds[i]);
    set_interest(s);
    layout_free(old);
    s->page = page_at(nl, now);
    if (screen_resize(s, s->out_w, s->out_h) != 0) {   /* new canvas, theme, layers */
        snprintf(err, errlen, "cannot remake the output surfaces");
        return -1;
    }
    /* the data carries over: deliver it as of long ago, so counters stand at
     * their values instead of counting up again */
    s->store_gen = 0;
    deliver(s, now - 3600);
    s->reloads++;
    screen_set_reload_errors(s, NULL);
    return 0;
}

void screen_set_reload_errors(screen_t *s, const char *errors)
{
    if (!errors && !s->reload_errors)
        return;
    free(s->reload_errors);
    s->reload_errors = errors ? strdup(errors) : NULL;
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)
        s->layout->widgets[i]->overlay_invalid = true;
}

/* Where the statistics box goes, in output pixels. */
static irect_t hud_rect(const screen_t *s)
{
    double k = fmax(s->text_scale, 0.75);     /* readable on small windows too */
    return (irect_t){ 0, 0, (int)ceil(720 * k), (int)ceil(36 * k) };
}

void screen_set_hud(screen_t *s, const char *text)
{
    if (strcmp(s->hud, text) == 0)
        return;
    snprintf(s->hud, sizeof s->hud, "%s", text);
    damage_add(&s->damage, hud_rect(s));
}

static void draw_hud(screen_t *s, draw_t *d)
{
    irect_t r = hud_rect(s);
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.72);
    cairo_fill(cr);
    draw_t dd = *d;
    dd.scale = 1;                      /* device units */
    bs_color_t c = { 0.6f, 1, 0.75f, 1, -1 };
    double k = fmax(s->text_scale, 0.75);
    draw_text_fit(&dd, FONT_TEXT, 17 * k, 10 * k, r.h / 2.0, s->hud, c, AL_LEFT, r.w - 20 * k);
    cairo_restore(cr);
}

/* The reload error box over the screen: what is wrong, where. */
static void draw_reload_errors(screen_t *s, draw_t *d)
{
    cairo_t *cr = d->cr;
    cairo_save(cr);
    cairo_identity_matrix(cr);
    double scale = s->text_scale, size = 17 * scale, pad = 18 * scale;
    int lines = 1;                      /* the heading, then one per message */
    for (const char *p = s->reload_errors; *p; p++)
        lines += *p != '\n' && (p[1] == '\n' || !p[1]);
    if (lines > 12)
        lines = 12;
    double w = s->out_w * 0.8, h = pad * 2 + size * 1.5 * (lines + 1);
    double x = (s->out_w - w) / 2, y = s->out_h * 0.12;
    draw_round_rect(cr, x, y, w, h, 8 * scale);
    cairo_set_source_rgba(cr, 0.16, 0.02, 0.05, 0.93);
    cairo_fill_preserve(cr);
    cairo_set_source_rgba(cr, 1, 0.3, 0.37, 1);
    cairo_set_line_width(cr, 2 * scale);
    cairo_stroke(cr);
    draw_t dd = *d;
    dd.scale = 1;                      /* device units below */
    bs_color_t head = { 1, 0.55f, 0.58f, 1, -1 }, body = { 1, 0.92f, 0.92f, 1, -1 };
    draw_text(&dd, FONT_BOLD, size * 1.05, x + pad, y + pad + size * 0.6, "布局文件有误，继续显示上一个正确的布局 · layout not reloaded:",
              head, AL_LEFT);
    const char *p = s->reload_errors;
    for (int i = 0; i < lines - 1 && *p; i++) {
        char line[512];
        size_t n = strcspn(p, "\n");
        snprintf(line, sizeof line, "%.*s", (int)(n < 500 ? n : 500), p);
        draw_text_fit(&dd, FONT_TEXT, size, x + pad, y + pad + size * (0.6 + 1.5 * (i + 1)), line, body, AL_LEFT,
                      w - 2 * pad);
        p += n;
        if (*p)
            p++;
    }
    cairo_restore(cr);
}

void screen_step_feeds(screen_t *s, double t)
{
    for (int i = 0; i < s->nfeeds; i++)
        if (s->feeds[i]->be->step)
            s->feeds[i]->be->step(s->feeds[i], t);
}

/* ---- per frame ----------------------------------------------------------- */

static bool visible(const screen_t *s, const wdg_t *w)
{
    return w->page < 0 || w->page == s->page;
}

static int page_at(const layout_t *l, double now)
{
    if (l->npages == 0)
        return -1;
    if (l->pin >= 0)
        return l->pin;
    double total = 0;
    for (int i = 0; i < l->npages; i++)
        total += l->pages[i].duration;
    double t = fmod(now, total);
    for (int i = 0; i < l->npages; i++) {
        if (t < l->pages[i].duration)
            return i;
        t -= l->pages[i].duration;
    }
    return l->npages - 1;
}

static void drain(screen_t *s, double now)
{
    feed_update_t batch[DRAIN_BATCH];
    double t0 = s->live ? bs_mono() : 0;
    size_t n;
    while ((n = feed_queue_drain(s->q, batch, DRAIN_BATCH)) > 0) {
        for (size_t i = 0; i < n; i++)
            store_apply(s->store, &batch[i], now);
        s->st.updates += n;
        if (n < DRAIN_BATCH)
            break;
        if (s->live && bs_mono() - t0 > DRAIN_BUDGET_S) {
            s->st.budget_hits++;      /* the rest waits for the next frame */
            break;
        }
    }
}

static void deliver(screen_t *s, double now)
{
    uint64_t gen = store_generation(s->store);
    if (gen == s->store_gen)
        return;
    s->store_gen = gen;
    for (int i = 0; i < s->layout->nwidgets; i++) {
        wdg_t *w = s->layout->widgets[i];
        for (int b = 0; b < w->nbinds; b++) {
            wdg_bind_t *bd = &w->binds[b];
            const store_entry_t *e = store_get(s->store, bd->topic);
            if (e ? (bd->present && bd->seen == e->version) : !bd->present)
                continue;
            bd->present = e != NULL;
            bd->seen = e ? e->version : 0;
            const bs_value_t *v = e ? bs_value_path(e->value, bd->path) : NULL;
            if (w->cls->data)
                w->cls->data(w, b, v, e, now);
        }
    }
}

/* Newest source time of a widget's bound data, as wall ms (0: none). */
static int64_t data_wall(const screen_t *s, const wdg_t *w, double now, int64_t wall_ms)
{
    int64_t best = 0;
    for (int b = 0; b < w->nbinds; b++) {
        const store_entry_t *e = store_get(s->store, w->binds[b].topic);
        if (!e)
            continue;
        int64_t t = e->ts_ms ? e->ts_ms : wall_ms - (int64_t)llround((now - e->recv) * 1000);
        if (t > best)
            best = t;
    }
    return best;
}

static void update_stale(screen_t *s, wdg_t *w, double now, int64_t wall_ms)
{
    if (w->nbinds == 0 || w->stale_after <= 0)
        return;
    int64_t t = data_wall(s, w, now, wall_ms);
    w->has_data = t != 0;
    double age = t ? (wall_ms - t) / 1000.0 : 0;
    /* values loaded from disk (feed -1) stay stale until fresh data comes */
    bool loaded = false;
    for (int b = 0; b < w->nbinds && s->persist_loaded && !loaded; b++) {
        const store_entry_t *e = store_get(s->store, w->binds[b].topic);
        loaded = e && e->feed < 0;
    }
    bool stale = t && (age > w->stale_after || loaded);
    /* the badge shows whole seconds/minutes: redraw when its text changes */
    long bucket_old = (long)(w->data_age < 60 ? w->data_age : 60 + w->data_age / 60);
    long bucket_new = (long)(age < 60 ? age : 60 + age / 60);
    if (stale != w->stale || (stale && bucket_old != bucket_new))
        wdg_invalidate(w);
    w->stale = stale;
    w->data_age = age;
    w->data_wall_ms = t;
}

/* The banner's rectangle in design units: a band centred at the bottom. */
static rect_t banner_rect(const screen_t *s)
{
    double W = s->layout->width, H = s->layout->height;
    double w = fmin(W - 40, 640), h = fmin(52, H / 8);
    return (rect_t){ (W - w) / 2, H - h - 14, w, h };
}

/* "数据连接中断 · 自 HH:MM 起" while any feed is down (HH:MM in the layout's
 * time zone, from when it went down); damages the band when the text changes. */
static void update_banner(screen_t *s)
{
    char text[sizeof s->banner] = "";
    for (int i = 0; i < s->nfeeds && !text[0]; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        if (st.state != FEED_DOWN)
            continue;
        int64_t m = st.since_ms / 60000 + s->layout->utc_offset_min;
        int mins = (int)(((m % 1440) + 1440) % 1440);
        if (s->nfeeds > 1)
            snprintf(text, sizeof text, "数据连接中断（%.40s）· 自 %02d:%02d 起",
                     s->feeds[i]->conf.id, mins / 60, mins % 60);
        else
            snprintf(text, sizeof text, "数据连接中断 · 自 %02d:%02d 起", mins / 60, mins % 60);
    }
    if (strcmp(text, s->banner) != 0) {
        snprintf(s->banner, sizeof s->banner, "%s", text);
        damage_add(&s->damage, device_rect(s, banner_rect(s), INK_MARGIN));
    }
}

static void draw_banner(screen_t *s, draw_t *d)
{
    rect_t r = banner_rect(s);
    cairo_t *cr = d->cr;
    bs_color_t bad = draw_theme(d, THEME_BAD), text = draw_theme(d, THEME_TEXT);
    cairo_save(cr);
    set_transform(s, cr);
    draw_round_rect(cr, r.x, r.y, r.w, r.h, r.h / 2);
    cairo_set_source_rgba(cr, bad.r * 0.35, bad.g * 0.35, bad.b * 0.35, 0.92);
    cairo_fill_preserve(cr);
    draw_glow_stroke(d, bad, 2, 8);
    /* a pulsing-free dot (snapshots stay deterministic) and the text */
    cairo_arc(cr, r.x + r.h * 0.75, r.y + r.h / 2, r.h * 0.14, 0, 2 * M_PI);
    cairo_set_source_rgba(cr, bad.r, bad.g, bad.b, 1);
    cairo_fill(cr);
    draw_text_fit(d, FONT_BOLD, r.h * 0.46, r.x + r.w / 2 + r.h * 0.2, r.y + r.h / 2, s->banner, text,
                  AL_CENTER | AL_MIDDLE, r.w - r.h * 2);
    cairo_restore(cr);
}

/* The burn-in guard's offset at time now: a slow walk round a square of
 * pixel_shift pixels, one step every pixel_shift_period seconds (the first
 * period unshifted). A pure function of time, like every animation. */
static void shift_at(const layout_t *l, double now, int *dx, int *dy)
{
    static const signed char path[8][2] = {
        { 0, 0 }, { 1, 0 }, { 1, 1 }, { 0, 1 }, { -1, 1 }, { -1, 0 }, { -1, -1 }, { 0, -1 },
    };
    *dx = *dy = 0;
    if (l->pixel_shift <= 0 || !(now >= 0))
        return;
    long k = (long)(now / l->pixel_shift_period);
    int ring = 1 + (int)((k / 8) % l->pixel_shift);   /* widen the square each lap */
    *dx = path[k % 8][0] * ring;
    *dy = path[k % 8][1] * ring;
}

/* Whether the layout's schedule has the screen dark at wall time wall_ms. */
static bool dark_at(const layout_t *l, int64_t wall_ms)
{
    if (l->on_min < 0 || l->off_min < 0 || l->on_min == l->off_min)
        return false;
    int64_t local = wall_ms / 60000 + l->utc_offset_min;
    int m = (int)(((local % 1440) + 1440) % 1440);
    bool lit = l->on_min < l->off_min ? (m >= l->on_min && m < l->off_min)    /* 07:30–22:00 */
                                      : (m >= l->on_min || m < l->off_min);  /* 18:00–02:00 */
    return !lit;
}

bool screen_update(screen_t *s, double now, int64_t wall_ms)
{
    layout_t *l = s->layout;
    s->st.frames++;
    s->last_now = now;
    s->last_wall = wall_ms;
    if (s->damage_consumed) {
        damage_reset(&s->damage, s->out_w, s->out_h);
        s->damage_consumed = false;
    }
    int dx, dy;
    shift_at(s->layout, now, &dx, &dy);
    if (dx != s->shift_x || dy != s->shift_y) {   /* rare: redraw all where it now goes */
        s->shift_x = dx;
        s->shift_y = dy;
        screen_resize(s, s->out_w, s->out_h);
    }
    drain(s, now);
    deliver(s, now);
    if (s->persist && now >= s->persist_next) {   /* dark or lit, the values are kept */
        persist_save(s, now, wall_ms);
        s->persist_next = now + PERSIST_EVERY_S;
    }
    bool dark = dark_at(l, wall_ms);
    if (dark != s->dark) {
        s->dark = dark;
        damage_add_full(&s->damage);
        for (int i = 0; i < l->nwidgets; i++)
            l->widgets[i]->invalid = true;
    }
    if (dark) {               /* the data stays current; nothing moves, nothing draws */
        for (int i = 0; i < l->nwidgets; i++)
            l->widgets[i]->invalid = l->widgets[i]->overlay_invalid = false;
        return s->damage.n > 0;
    }
    int page = page_at(l, now);
    if (page != s->page) {
        /* keep the last frame of the old page to fade out from; snapshots
         * paint only once, so they cut */
        if (s->live && l->transition > 0 && s->st.painted > 0) {
            if (!s->trans_old)
                s->trans_old = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, s->out_w, s->out_h);
            if (cairo_surface_status(s->trans_old) == CAIRO_STATUS_SUCCESS) {
                cairo_t *cr = cairo_create(s->trans_old);
                cairo_set_source_surface(cr, s->frame, 0, 0);
                cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
                cairo_paint(cr);
                cairo_destroy(cr);
                s->trans_t0 = now;
                s->trans_active = true;
            }
        }
        s->page = page;
        damage_add_full(&s->damage);
        for (int i = 0; i < l->nwidgets; i++)
            l->widgets[i]->invalid = true;
    }
    if (s->trans_active)
        damage_add_full(&s->damage);      /* every frame of the fade */
    for (int i = 0; i < l->nwidgets; i++) {
        wdg_t *w = l->widgets[i];
        if (w->cls->tick)
            w->cls->tick(w, now, wall_ms);
        update_stale(s, w, now, wall_ms);
        if (w->invalid)
            s->layers[i].valid = false;
        if (w->invalid && visible(s, w)) {
            damage_add(&s->damage, device_rect(s, w->rect, INK_MARGIN));
        } else if (w->overlay_invalid && visible(s, w)) {
            /* only the moving part: where it is now and where it was */
            layer_t *L = &s->layers[i];
            irect_t r = w->cls->overlay_rect ? device_rect(s, w->cls->overlay_rect(w, now), 2)
                                             : device_rect(s, w->rect, INK_MARGIN);
            damage_add(&s->damage, r);
            if (L->ov.w > 0)
                damage_add(&s->damage, L->ov);
            L->ov = r;
        }
        w->invalid = false;
        w->overlay_invalid = false;
    }
    if (s->live)
        update_banner(s);
    return s->damage.n > 0;
}

void screen_paint(screen_t *s, double now, int64_t wall_ms)
{
    if (s->damage.n == 0)
        return;
    layout_t *l = s->layout;
    cairo_t *cr = cairo_create(s->frame);
    draw_t d = {
        .cr = cr, .scale = s->text_scale, .theme = &l->theme, .tc = s->tc,
        .now = now, .wall_ms = wall_ms, .utc_offset_min = l->utc_offset_min,
    };
    for (int k = 0; k < s->damage.n; k++) {
        irect_t r = s->damage.r[k];
        cairo_save(cr);
        cairo_identity_matrix(cr);
        cairo_rectangle(cr, r.x, r.y, r.w, r.h);
        cairo_clip(cr);
        if (s->dark) {                      /* scheduled off: black, nothing else */
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_paint(cr);
            cairo_restore(cr);
            continue;
        }
        cairo_set_source_surface(cr, s->bg, 0, 0);
        cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
        cairo_paint(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
        for (int i = 0; i < l->nwidgets; i++) {
            const wdg_t *w = l->widgets[i];
            if (!visible(s, w) || !irect_intersects(r, device_rect(s, w->rect, INK_MARGIN)))
                continue;
            layer_t *L = &s->layers[i];
            if (!L->valid)
                layer_render(s, i, &d);
            if (L->surf && L->valid) {
                cairo_save(cr);
                cairo_identity_matrix(cr);
                cairo_set_source_surface(cr, L->surf, L->r.x, L->r.y);
                cairo_paint(cr);
                cairo_restore(cr);
            } else {                     /* no layer: draw straight in */
                cairo_save(cr);
                set_transform(s, cr);
                if (w->cls->draw_base)
                    w->cls->draw_base(w, &d);
                if (w->cls->draw)
                    w->cls->draw(w, &d);
                cairo_restore(cr);
                s->st.widgets_drawn++;
            }
            if (w->cls->draw_overlay || w->stale) {   /* moving parts, then the stale badge on top */
                cairo_save(cr);
                set_transform(s, cr);
                if (w->cls->draw_overlay)
                    w->cls->draw_overlay(w, &d);
                if (w->stale)
                    draw_stale_badge(&d, w->rect, w->data_age);
                cairo_restore(cr);
            }
        }
        if (s->banner[0] && irect_intersects(r, device_rect(s, banner_rect(s), INK_MARGIN)))
            draw_banner(s, &d);
        if (s->reload_errors)
            draw_reload_errors(s, &d);
        if (s->hud[0] && irect_intersects(r, hud_rect(s)))
            draw_hud(s, &d);
        cairo_restore(cr);
    }
    if (s->trans_active) {
        double p = (now - s->trans_t0) / l->transition;
        if (p >= 1 || p < 0) {
            s->trans_active = false;       /* this frame shows the new page alone */
        } else {
            cairo_set_source_surface(cr, s->trans_old, 0, 0);
            cairo_paint_with_alpha(cr, 1 - wdg_ease(0, 1, p));
        }
    }
    cairo_destroy(cr);
    cairo_surface_flush(s->frame);
    s->damage_consumed = true;
    s->st.painted++;
    s->st.pixels += (uint64_t)damage_pixels(&s->damage);
}

void screen_repaint_all(screen_t *s, double now, int64_t wall_ms)
{
    damage_reset(&s->damage, s->out_w, s->out_h);
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)
        s->layers[i].valid = false;
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

char *screen_report(screen_t *s, int64_t wall_ms)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "layout", s->layout->file);
    cJSON_AddNumberToObject(root, "wall_ms", (double)wall_ms);
    cJSON *ws = cJSON_AddArrayToObject(root, "widgets");
    for (int i = 0; i < s->layout->nwidgets; i++) {
        const wdg_t *w = s->layout->widgets[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", w->id);
        cJSON_AddStringToObject(o, "type", w->cls->name);
        wdg_text_t t = { 0 };
        if (w->cls->text)
            w->cls->text(w, &t);
        /* "text": the first line; "rows": every line (lists) */
        cJSON *rows = cJSON_CreateArray();
        char *save = NULL, *line = t.buf ? strtok_r(t.buf, "\n", &save) : NULL;
        cJSON_AddStringToObject(o, "text", line ? line : "");
        for (; line; line = strtok_r(NULL, "\n", &save))
            cJSON_AddItemToArray(rows, cJSON_CreateString(line));
        cJSON_AddItemToObject(o, "rows", rows);
        free(t.buf);
        cJSON_AddBoolToObject(o, "stale", w->stale);
        if (w->has_data)
            cJSON_AddNumberToObject(o, "age_s", round(w->data_age * 10) / 10);
        else
            cJSON_AddNullToObject(o, "age_s");
        cJSON_AddItemToArray(ws, o);
    }
    cJSON_AddStringToObject(root, "banner", s->banner);
    cJSON_AddNumberToObject(root, "state_loaded", s->persist_loaded);
    cJSON_AddNumberToObject(root, "reloads", (double)s->reloads);
    cJSON *re = cJSON_AddArrayToObject(root, "reload_errors");
    for (const char *p = s->reload_errors; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        if (line)
            cJSON_AddItemToArray(re, cJSON_CreateString(line));
        free(line);
        p += n;
        if (*p)
            p++;
    }
    cJSON *fs = cJSON_AddArrayToObject(root, "feeds");
    for (int i = 0; i < s->nfeeds; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", s->feeds[i]->conf.id);
        cJSON_AddStringToObject(o, "url", s->feeds[i]->conf.url);
        cJSON_AddStringToObject(o, "state", feed_state_name(st.state));
        cJSON_AddNumberToObject(o, "since_ms", (double)st.since_ms);
        cJSON_AddNumberToObject(o, "connects", (double)st.connects);
        cJSON_AddNumberToObject(o, "messages", (double)st.messages);
        cJSON_AddNumberToObject(o, "rejected", (double)st.rejected);
        cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
        cJSON_AddItemToArray(fs, o);
    }
    feed_queue_stats_t qs = feed_queue_stats(s->q);
    cJSON *q = cJSON_AddObjectToObject(root, "queue");
    cJSON_AddNumberToObject(q, "pushed", (double)qs.pushed);
    cJSON_AddNumberToObject(q, "coalesced", (double)qs.coalesced);
    cJSON_AddNumberToObject(q, "dropped", (double)qs.dropped);
    cJSON_AddNumberToObject(q, "high_water", (double)qs.high_water);
    store_stats_t ss = store_stats(s->store);
    cJSON *so = cJSON_AddObjectToObject(root, "store");
    cJSON_AddNumberToObject(so, "topics", (double)ss.topics);
    cJSON_AddNumberToObject(so, "applied", (double)ss.applied);
    cJSON_AddNumberToObject(so, "rejected", (double)ss.rejected);
    cJSON *r = cJSON_AddObjectToObject(root, "render");
    cJSON_AddNumberToObject(r, "frames", (double)s->st.frames);
    cJSON_AddNumberToObject(r, "painted", (double)s->st.painted);
    cJSON_AddNumberToObject(r, "widgets_drawn", (double)s->st.widgets_drawn);
    cJSON_AddNumberToObject(r, "pixels", (double)s->st.pixels);
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}
