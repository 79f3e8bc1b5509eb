/* tour.c — the auto-tour's steps (see tour.h). */
#include "tour.h"
#include "widget.h"

#include <math.h>
#include <stdio.h>

int wdg_tour_init(wdg_tour_t *t, char *err, size_t errlen)
{
    if (!isfinite(t->period) || (t->period != 0 && (t->period < WDG_TOUR_MIN || t->period > WDG_TOUR_MAX))) {
        snprintf(err, errlen, "\"tour\" is %g: 0 (no tour) or %g to %g seconds per item", t->period,
                 WDG_TOUR_MIN, WDG_TOUR_MAX);
        return -1;
    }
    t->cur = t->prev = -1;
    t->t_step = 0;
    t->easing = false;
    return 0;
}

bool wdg_tour_tick(wdg_tour_t *t, int n, double now)
{
    if (!isfinite(now) || fabs(now) > 1e15)                    /* no time: nothing moves */
        return false;
    if (!(t->period > 0) || n < 2) {
        bool was = t->cur >= 0 || t->prev >= 0;
        t->cur = t->prev = -1;
        t->easing = false;
        return was;
    }
    if (t->cur < 0 || t->cur >= n) {
        /* start on the period grid: the item shown at now is the same
         * whenever the data came (floor(now / period) mod n) */
        double k = floor(now / t->period);
        t->cur = (int)fmod(k, n);
        t->prev = -1;
        t->t_step = k * t->period;
        t->easing = wdg_tour_easing(t, now);
        return true;
    }
    if (t->prev >= n)
        t->prev = -1;
    if (now >= t->t_step + t->period) {
        double steps = floor((now - t->t_step) / t->period);     /* >= 1; many after a pause */
        t->prev = t->cur;
        t->cur = (int)fmod(t->cur + fmod(steps, n), n);
        t->t_step += steps * t->period;
        if (t->cur == t->prev)                                  /* a whole lap skipped */
            t->prev = -1;
        t->easing = wdg_tour_easing(t, now);
        return true;
    }
    bool easing = wdg_tour_easing(t, now);
    bool changed = easing || t->easing;                        /* and the frame it ends */
    t->easing = easing;
    return changed;
}

bool wdg_tour_easing(const wdg_tour_t *t, double now)
{
    return t->cur >= 0 && now >= t->t_step && now < t->t_step + WDG_TOUR_EASE;
}

double wdg_tour_mix(const wdg_tour_t *t, double now)
{
    if (t->cur < 0)
        return 0;
    return wdg_ease(0, 1, (now - t->t_step) / WDG_TOUR_EASE);
}

double wdg_tour_mix_steps(const wdg_tour_t *t, double now, int steps, uint64_t *step)
{
    double e = wdg_tour_mix(t, now);
    steps = steps < 1 ? 1 : steps;
    if (!(e < 1)) {                               /* over (or no time): where it goes */
        *step = (uint64_t)steps;
        return e >= 1 ? 1 : 0;
    }
    double n = floor(fmax(0, e) * steps);
    *step = (uint64_t)n;
    return n / steps;
}

void wdg_tour_follow(wdg_tour_t *t, int cur, int prev, int n)
{
    if (t->cur < 0)
        return;
    if (n < 2) {
        t->cur = t->prev = -1;
        t->easing = false;
        return;
    }
    if (cur < 0)
        cur = t->cur < n ? t->cur : n - 1;
    t->cur = cur;
    t->prev = prev >= 0 && prev < n && prev != cur ? prev : -1;
}
