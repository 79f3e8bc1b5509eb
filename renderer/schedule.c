/* schedule.c — what time decides: the page carousel, the burn-in guard's
 * shift and the screen's dark hours (see screen_impl.h). */
#include "screen_impl.h"

#include <math.h>

bool scr_visible(const screen_t *s, const wdg_t *w)
{
    return w->page < 0 || w->page == s->page;
}

int scr_page_at(const layout_t *l, double now)
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

double scr_page_next(const layout_t *l, double now, int *next)
{
    *next = -1;
    if (l->npages < 2 || l->pin >= 0 || !(now >= 0))
        return -1;
    double total = 0;
    for (int i = 0; i < l->npages; i++)
        total += l->pages[i].duration;
    if (!(total > 0))
        return -1;
    double t = fmod(now, total), end = 0;
    for (int i = 0; i < l->npages; i++) {
        end += l->pages[i].duration;
        if (t < end) {
            *next = (i + 1) % l->npages;
            return end - t;
        }
    }
    return -1;
}

/* The burn-in guard's offset at time now: a slow walk round a square of
 * pixel_shift pixels, one step every pixel_shift_period seconds (the first
 * period unshifted). A pure function of time, like every animation. */
void scr_shift_at(const layout_t *l, double now, int *dx, int *dy)
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
bool scr_dark_at(const layout_t *l, int64_t wall_ms)
{
    if (l->on_min < 0 || l->off_min < 0 || l->on_min == l->off_min)
        return false;
    int64_t local = wall_ms / 60000 + l->utc_offset_min;
    int m = (int)(((local % 1440) + 1440) % 1440);
    bool lit = l->on_min < l->off_min ? (m >= l->on_min && m < l->off_min)    /* 07:30–22:00 */
                                      : (m >= l->on_min || m < l->off_min);  /* 18:00–02:00 */
    return !lit;
}
