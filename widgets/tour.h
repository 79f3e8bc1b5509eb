/*
 * tour.h — the auto-tour of a chart on a wall nobody touches: with
 * "tour": seconds, a highlight (and the kind's callout: name and value)
 * steps through the kind's items in turn (donut slices, bars, map regions),
 * wrapping, one step per period, easing from one item to the next over
 * WDG_TOUR_EASE seconds.
 *
 * The kind embeds a wdg_tour_t in its instance, declares the option with
 * WDG_TOUR_OPT, calls wdg_tour_init() from init(), wdg_tour_tick() from
 * tick() (invalidating what it draws the highlight with when it returns
 * true), wdg_tour_follow() after data() replaced its items, and draws from
 * cur, prev and wdg_tour_mix(). Steps fall on multiples of the period on the
 * animation clock, so the item shown at time t does not depend on when the
 * data came (a snapshot at --at T is deterministic; tiles of a wall agree).
 * No tour with fewer than two items.
 *
 * State is the kind's, on the render thread; pure functions of it and time.
 */
#ifndef BS_TOUR_H
#define BS_TOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WDG_TOUR_MIN  1.0      /* shortest period, seconds (0 = off)     */
#define WDG_TOUR_MAX  3600.0   /* longest period                        */
#define WDG_TOUR_EASE 0.35     /* seconds the highlight takes to move   */

typedef struct {
    double period;    /* the "tour" option: seconds per item; 0 = off    */
    /* state */
    int    cur;       /* item with the highlight, -1 = none              */
    int    prev;      /* item it left at t_step, -1 = none               */
    double t_step;    /* when cur got the highlight                      */
    bool   easing;    /* the ease was in flight at the last tick         */
} wdg_tour_t;

/* The option-table entry of a kind's "tour" (member: its wdg_tour_t). */
#define WDG_TOUR_OPT(type, member)                                                        \
    { "tour", OPT_NUM, offsetof(type, member.period), 0, WDG_TOUR_MAX, "0", NULL, NULL,   \
      "seconds each item keeps the highlight and callout in the auto-tour (1 to 3600); 0 = no tour" }

/* Checks the period (0, or WDG_TOUR_MIN to WDG_TOUR_MAX) and clears the
 * state. 0, or -1 with a message in err. */
int wdg_tour_init(wdg_tour_t *t, char *err, size_t errlen);

/* Advances the tour of n items to now. Returns true when what the tour
 * shows changed since the last call (a step, the ease in flight or just
 * ended, the tour starting or stopping). */
bool wdg_tour_tick(wdg_tour_t *t, int n, double now);

/* How far the highlight has moved from prev to cur at now: 0..1, eased
 * (1 once the ease is over). */
double wdg_tour_mix(const wdg_tour_t *t, double now);

/* wdg_tour_mix in `steps` equal steps of the mix (1 and more): a
 * highlight that moves D units over the ease, drawn with steps =
 * D / 0.5, moves half a unit a step and is repainted only when it steps
 * (an ease-out spends most of its frames moving a fraction of a pixel).
 * *step: the step's number, a mark's key (cls->overlay_marks); `steps`
 * once the ease is over. */
double wdg_tour_mix_steps(const wdg_tour_t *t, double now, int steps, uint64_t *step);

/* Whether the ease from prev to cur is in flight at now. */
bool wdg_tour_easing(const wdg_tour_t *t, double now);

/* The kind's items were replaced (n of them now): cur and prev are where
 * the highlighted and the previous item went (found by name), -1 when they
 * are gone. A gone cur leaves the highlight at the same place (the item that
 * took its place), bounded to the new list; fewer than two items stop the
 * tour. */
void wdg_tour_follow(wdg_tour_t *t, int cur, int prev, int n);

#endif
