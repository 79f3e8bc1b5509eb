/*
 * geom.h — numbers on their way to geometry: finite and bounded.
 *
 * A value from a feed can be anything JSON holds: ±1.7e308, 1e999 (inf),
 * -0, denormals, or sums and spans of those that overflow. Text shows the
 * value as it is (format.h gives a bounded form); everything that becomes a
 * coordinate, an angle, a fraction or a loop count goes through these
 * helpers first, so cairo never sees NaN or inf and no loop over a derived
 * count runs away (`t += step` absorbed when step is below t's precision
 * used to freeze the render loop for good).
 *
 * Pure functions; any thread.
 */
#ifndef BS_GEOM_H
#define BS_GEOM_H

/* Largest magnitude a value takes in geometry: beyond it, values are drawn
 * as if they were ±WDG_GEOM_MAX. 1e15 keeps steps, sums of many items and
 * differences exact enough and far from overflow. */
#define WDG_GEOM_MAX    1e15
/* Most ticks (grid lines, axis labels) an axis draws. */
#define WDG_MAX_TICKS   64

/* v bounded to ±WDG_GEOM_MAX (±inf too); -0 and denormals become 0; NaN
 * stays NaN (no value: callers skip it or take a default). */
double wdg_geom(double v);

/* Where v lies between lo and hi as a fraction (0 at lo, 1 at hi), all three
 * bounded first; clamped to [-1, 2] (at most a span outside), 0 when v is
 * NaN or the span is empty. Finite always. */
double wdg_frac(double v, double lo, double hi);

/* Sum of the n values, each bounded first (NaN skipped). Finite always. */
double wdg_geom_sum(const double *v, int n);

/* A value range an axis can divide: both ends bounded (NaN → 0), swapped
 * when reversed; when they are equal hi = lo + max(1, |lo| / 10) (a span a
 * step can divide, with distinct labels even at 1e15), else hi - lo at
 * least 1e-9 of the magnitude, so a step always moves a tick. */
void wdg_range(double *lo, double *hi);

/* How many ticks vmin, vmin + step, ... lie at or below vmax + slack × step:
 * at least 1, at most WDG_MAX_TICKS; 1 when step is not a positive finite
 * number. Draw tick i at vmin + i × step (never by accumulating). */
int wdg_ticks(double vmin, double vmax, double step, double slack);

#endif
