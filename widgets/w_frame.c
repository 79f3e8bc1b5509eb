/*
 * w_frame.c — "frame": a decorated panel with an optional title bar, drawn
 * behind a group of widgets. Binds nothing.
 */
#include "widget.h"

#include <math.h>

typedef struct {
    wdg_t base;
    int   style;         /* panel, corners */
} frame_t;

static const char *const styles[] = { "panel", "corners", NULL };

static const opt_def_t frame_opts[] = {
    { "style", OPT_ENUM, offsetof(frame_t, style), 0, 0, "panel", styles, NULL,
      "panel: filled panel with glowing corners and title bar; corners: only the glowing corner brackets" },
    OPT_END,
};

static void frame_draw(const wdg_t *w, draw_t *d)
{
    const frame_t *f = (const frame_t *)w;
    if (f->style == 0) {
        draw_panel(d, w->rect, w->title);
        return;
    }
    cairo_t *cr = d->cr;
    rect_t r = w->rect;
    double L = fmin(24, fmin(r.w, r.h) / 4);
    cairo_move_to(cr, r.x, r.y + L); cairo_line_to(cr, r.x, r.y); cairo_line_to(cr, r.x + L, r.y);
    cairo_move_to(cr, r.x + r.w - L, r.y + r.h); cairo_line_to(cr, r.x + r.w, r.y + r.h);
    cairo_line_to(cr, r.x + r.w, r.y + r.h - L);
    draw_glow_stroke(d, draw_theme(d, THEME_ACCENT), 2.4, 5);
}

const wdg_class_t wdg_frame_class = {
    .name = "frame",
    .doc  = "A decorated panel (translucent fill, thin frame, glowing corner brackets, title bar) "
            "to group other widgets. Draw it before the widgets it holds.",
    .size = sizeof(frame_t),
    .opts = frame_opts,
    .draw = frame_draw,
};
