/* damage.c — damaged-area list (see damage.h). */
#include "damage.h"

static long area(irect_t r) { return (long)r.w * r.h; }

irect_t irect_union(irect_t a, irect_t b)
{
    int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    return (irect_t){ x0, y0, x1 - x0, y1 - y0 };
}

bool irect_intersects(irect_t a, irect_t b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

bool irect_contains(irect_t o, irect_t i)
{
    return i.x >= o.x && i.y >= o.y && i.x + i.w <= o.x + o.w && i.y + i.h <= o.y + o.h;
}

irect_t irect_clip(irect_t r, int w, int h)
{
    if (r.x < 0) { r.w += r.x; r.x = 0; }
    if (r.y < 0) { r.h += r.y; r.y = 0; }
    if (r.x + r.w > w) r.w = w - r.x;
    if (r.y + r.h > h) r.h = h - r.y;
    return r;
}

void damage_reset(damage_t *d, int w, int h)
{
    d->n = 0;
    d->full = false;
    d->screen_w = w;
    d->screen_h = h;
    d->rect_cost = (long)w * h / DAMAGE_RECT_SHARE;
}

void damage_add_full(damage_t *d)
{
    d->full = true;
    d->n = 1;
    d->r[0] = (irect_t){ 0, 0, d->screen_w, d->screen_h };
}

void damage_add(damage_t *d, irect_t r)
{
    if (d->full)
        return;
    r = irect_clip(r, d->screen_w, d->screen_h);
    if (r.w <= 0 || r.h <= 0)
        return;
    /* join with any area where one rectangle costs less than two; repeat,
     * since a join can make a new join cheaper */
    for (bool joined = true; joined;) {
        joined = false;
        for (int i = 0; i < d->n; i++) {
            if (irect_contains(d->r[i], r))
                return;
            irect_t u = irect_union(d->r[i], r);
            if (irect_contains(r, d->r[i]) || area(u) < area(d->r[i]) + area(r) + d->rect_cost) {
                r = u;
                d->r[i] = d->r[--d->n];
                joined = true;
                break;
            }
        }
    }
    if (d->n == DAMAGE_MAX) {          /* full: join the area that grows least */
        int best = 0;
        long grow = -1;
        for (int i = 0; i < d->n; i++) {
            long g = area(irect_union(d->r[i], r)) - area(d->r[i]);
            if (grow < 0 || g < grow) {
                grow = g;
                best = i;
            }
        }
        r = irect_union(d->r[best], r);
        d->r[best] = d->r[--d->n];
        damage_add(d, r);              /* it may now cover or join others */
        return;
    }
    d->r[d->n++] = r;
    if (area(r) == (long)d->screen_w * d->screen_h)
        damage_add_full(d);
}

long damage_pixels(const damage_t *d)
{
    long s = 0;
    for (int i = 0; i < d->n; i++)
        s += area(d->r[i]);
    return s;
}
