/* compose.c — pixels out: the background, cached widget layers, damage from
 * widgets, and the paint of damaged areas (see screen_impl.h). */
#include "screen_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYER_BUDGET    (192u << 20) /* bytes of cached widget layers at most */

/* ---- cached layers -------------------------------------------------------- */

void scr_layers_free(screen_t *s)
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
int scr_layers_reset(screen_t *s)
{
    scr_layers_free(s);
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
    irect_t r = irect_clip(scr_device_rect(s, w->rect, INK_MARGIN), s->out_w, s->out_h);
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
}

/* ---- damage and paint ----------------------------------------------------- */

/* The page changed at now: keeps the last frame of the old page to fade out
 * from (live screens with a transition; snapshots paint only once, so they
 * cut). */
void scr_fade_begin(screen_t *s, double now)
{
    const layout_t *l = s->layout;
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
}

/* Advances every widget to now (cls->tick, staleness) and turns what became
 * invalid into damage: the whole widget, or only where its overlay moved. */
void scr_collect_damage(screen_t *s, double now, int64_t wall_ms)
{
    layout_t *l = s->layout;
    if (s->trans_active)
        damage_add_full(&s->damage);      /* every frame of the fade */
    for (int i = 0; i < s->nfeeds; i++)
        s->feed_down[i] = s->live && feed_status_get(s->feeds[i]).state == FEED_DOWN;
    for (int i = 0; i < l->nwidgets; i++) {
        wdg_t *w = l->widgets[i];
        if (w->cls->tick)
            w->cls->tick(w, now, wall_ms);
        scr_update_stale(s, w, now, wall_ms);
        if (w->invalid)
            s->layers[i].valid = false;
        if (w->invalid && scr_visible(s, w)) {
            damage_add(&s->damage, scr_device_rect(s, w->rect, INK_MARGIN));
        } else if (w->overlay_invalid && scr_visible(s, w)) {
            /* only the moving part: where it is now and where it was */
            layer_t *L = &s->layers[i];
            irect_t r = w->cls->overlay_rect ? scr_device_rect(s, w->cls->overlay_rect(w, now), 2)
                                             : scr_device_rect(s, w->rect, INK_MARGIN);
            damage_add(&s->damage, r);
            if (L->ov.w > 0)
                damage_add(&s->damage, L->ov);
            L->ov = r;
        }
        w->invalid = false;
        w->overlay_invalid = false;
    }
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
            if (!scr_visible(s, w) || !irect_intersects(r, scr_device_rect(s, w->rect, INK_MARGIN)))
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
                scr_set_transform(s, cr);
                if (w->cls->draw_base)
                    w->cls->draw_base(w, &d);
                if (w->cls->draw)
                    w->cls->draw(w, &d);
                cairo_restore(cr);
                s->st.widgets_drawn++;
            }
            if (w->cls->draw_overlay || w->stale) {   /* moving parts, then the stale badge on top */
                cairo_save(cr);
                scr_set_transform(s, cr);
                if (w->cls->draw_overlay)
                    w->cls->draw_overlay(w, &d);
                if (w->stale)
                    draw_stale_badge(&d, w->rect, w->data_age);
                cairo_restore(cr);
            }
        }
        scr_draw_chrome(s, &d, r);
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
