/* geom.c — bounded numbers for geometry (see geom.h). */
#include "geom.h"

#include <float.h>
#include <math.h>

double wdg_geom(double v)
{
    if (isnan(v))
        return v;
    if (v > WDG_GEOM_MAX)
        return WDG_GEOM_MAX;
    if (v < -WDG_GEOM_MAX)
        return -WDG_GEOM_MAX;
    if (fabs(v) < DBL_MIN)                    /* -0 and denormals */
        return 0;
    return v;
}

double wdg_frac(double v, double lo, double hi)
{
    v = wdg_geom(v);
    lo = wdg_geom(lo);
    hi = wdg_geom(hi);
    double span = hi - lo;                    /* at most 2e15: finite */
    if (isnan(v) || isnan(span) || span == 0)
        return 0;
    double f = (v - lo) / span;
    if (!(f >= -1))                           /* also NaN */
        return f > 0 ? 2 : -1;
    return f > 2 ? 2 : f;
}

double wdg_geom_sum(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        double x = wdg_geom(v[i]);
        if (!isnan(x))
            s += x;                           /* n × 1e15 stays finite */
    }
    return s;
}

void wdg_range(double *lo, double *hi)
{
    double a = wdg_geom(*lo), b = wdg_geom(*hi);
    if (isnan(a))
        a = 0;
    if (isnan(b))
        b = a;
    if (b < a) {
        double t = a;
        a = b;
        b = t;
    }
    double mag = fmax(fabs(a), fabs(b));
    if (!(b > a))
        b = a + fmax(1, mag * 0.1);           /* one value: a span a tenth of it */
    else if (b - a < mag * 1e-9)
        b = a + mag * 1e-9;
    *lo = a;
    *hi = b;
}

int wdg_ticks(double vmin, double vmax, double step, double slack)
{
    if (!(step > 0) || !isfinite(step) || !isfinite(vmin) || !isfinite(vmax))
        return 1;
    double n = floor((vmax - vmin) / step + slack) + 1;
    if (!(n >= 1))
        return 1;
    return n > WDG_MAX_TICKS ? WDG_MAX_TICKS : (int)n;
}
