/* geometry.c — where the canvas, or this wall tile's share of it, goes on
 * the output (see screen_impl.h). */
#include "screen_impl.h"

#include <math.h>

screen_tile_t screen_tile = { 1, 1, 0, 0 };

/* The canvas (or this tile's share of it) fitted to the output. */
void scr_fit(screen_t *s)
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

irect_t scr_device_rect(const screen_t *s, rect_t r, double margin)
{
    double x0 = s->ox + (r.x - margin) * s->sx, y0 = s->oy + (r.y - margin) * s->sy;
    double x1 = s->ox + (r.x + r.w + margin) * s->sx, y1 = s->oy + (r.y + r.h + margin) * s->sy;
    int ix = (int)floor(x0), iy = (int)floor(y0);
    return (irect_t){ ix, iy, (int)ceil(x1) - ix, (int)ceil(y1) - iy };
}

void scr_set_transform(const screen_t *s, cairo_t *cr)
{
    cairo_identity_matrix(cr);
    cairo_translate(cr, s->ox, s->oy);
    cairo_scale(cr, s->sx, s->sy);
}
