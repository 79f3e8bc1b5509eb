/*
 * video.h — counters of the "video" widget kind (w_video.c), for the run
 * report and health. Any thread (atomics).
 */
#ifndef BS_VIDEO_H
#define BS_VIDEO_H

#include <stdint.h>

typedef struct {
    uint64_t playing;   /* video widgets with a decoder running now */
    uint64_t frames;    /* frames rendered (all videos, snapshots too) */
    uint64_t errors;    /* attempts that failed: corrupt file, refused or silent stream, no picture */
    uint64_t drops;     /* streams that dropped after showing frames (信号中断) */
    uint64_t retries;   /* reconnects / reopenings started after a failure */
    uint64_t starts;    /* decoders started (the first visit of a page, and each return after a stop) */
    uint64_t stops;     /* decoders stopped because their page was off screen for hidden_stop */
} wdg_video_stats_t;

void wdg_video_stats(wdg_video_stats_t *out);

#endif
