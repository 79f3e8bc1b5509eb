/*
 * clock.h — the two clocks, read the same way everywhere.
 *
 * bs_mono(): seconds on the monotonic clock, for intervals, frame deadlines
 * and animation time (never jumps when the wall clock is set).
 * bs_wall_ms(): the wall clock in ms since the epoch, for what is shown
 * (dates, "since HH:MM"), source timestamps and aligning video-wall tiles.
 * Any thread.
 */
#ifndef BS_CLOCK_H
#define BS_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline double bs_mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static inline int64_t bs_wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

#endif
