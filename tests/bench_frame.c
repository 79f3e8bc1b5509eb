/*
 * bench_frame.c — what a frame costs: a static frame (nothing changed), a
 * frame where one number changes, and full repaints at 1080p and 4K, for
 * the union-hall layout on the deterministic demo feed. Prints figures; it
 * asserts nothing (performance lives in benchmarks, not in timed tests).
 *
 *   bench_frame [LAYOUT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "screen_fixture.h"

static screen_t *open_screen(const char *path, int w, int h)
{
    screen_t *s = fixture_screen(path, w, h);
    /* 20 s of data, then let every animation finish */
    for (int k = 0; k <= 20 * 60; k++) {
        screen_step_feeds(s, k / 60.0);
        if (screen_update(s, k / 60.0, FIXTURE_WALL0 + k * 1000 / 60))
            screen_paint(s, k / 60.0, FIXTURE_WALL0 + k * 1000 / 60);
    }
    for (int k = 0; k < 5 * 60; k++)
        if (screen_update(s, 20 + k / 60.0, (FIXTURE_WALL0 + 20000)))
            screen_paint(s, 20 + k / 60.0, (FIXTURE_WALL0 + 20000));
    return s;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : BS_SOURCE "/layouts/union-hall.json";
    screen_t *s = open_screen(path, 1920, 1080);
    double t = 25;
    int64_t wall = (FIXTURE_WALL0 + 20000);       /* the clock stands still: nothing changes */

    /* steady state: the clock stands still, but the ticker and the map's
     * flylines move every frame (overlays over cached layers) */
    int n = 600;
    uint64_t painted0 = s->st.painted, spx0 = s->st.pixels, drawn0 = s->st.widgets_drawn;
    struct timespec sc0, sc1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &sc0);
    double t0 = bs_mono();
    for (int i = 0; i < n; i++) {
        t += 1.0 / 60;
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &sc1);
    printf("steady frame (marquee, flylines): %8.2f us/frame (%.2f us CPU), %llu of %d painted, %.1f%% of the screen, "
           "%.2f layers redrawn/frame\n",
           (bs_mono() - t0) / n * 1e6, ((sc1.tv_sec - sc0.tv_sec) * 1e9 + (sc1.tv_nsec - sc0.tv_nsec)) / n / 1e3, (unsigned long long)(s->st.painted - painted0), n,
           100.0 * (s->st.pixels - spx0) / n / (1920.0 * 1080), (double)(s->st.widgets_drawn - drawn0) / n);

    /* a layout with nothing that moves by itself: a frame without news */
    {
        screen_t *q = open_screen(BS_SOURCE "/tests/golden/kpi.json", 960, 320);
        int m = 20000;
        uint64_t p0 = q->st.painted;
        double q0 = bs_mono();
        for (int i = 0; i < m; i++)
            if (screen_update(q, 30, (FIXTURE_WALL0 + 30000)))
                screen_paint(q, 30, (FIXTURE_WALL0 + 30000));
        printf("static frame (nothing changed):   %8.2f us/frame, %llu of %d frames painted\n",
               (bs_mono() - q0) / m * 1e6, (unsigned long long)(q->st.painted - p0), m);
        screen_free(q);
    }

    /* one KPI changes: push a set through the real queue each frame */
    n = 300;
    uint64_t px0 = s->st.pixels;
    t0 = bs_mono();
    for (int i = 0; i < n; i++) {
        char msg[96];
        snprintf(msg, sizeof msg, "{\"topic\":\"jobs.postings\",\"value\":%d}", 2000 + i);
        feed_ingest(s->feeds[0], msg, strlen(msg));
        t += 1.0 / 60;
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
    }
    double one_us = (bs_mono() - t0) / n * 1e6;
    printf("one KPI changes every frame:      %8.2f us/frame, %.1f%% of the screen repainted\n",
           one_us, 100.0 * (s->st.pixels - px0) / n / (1920.0 * 1080));

    /* one town of the map changes every frame, the scale staying: the map
     * recolours that region only (area invalidation) */
    {
        static const char *const towns[] = { "临平", "南苑", "东湖", "星桥", "乔司", "运河", "崇贤",
                                             "塘栖", "良渚", "仁和", "瓶窑", "闲林", "仓前", "五常" };
        struct timespec c0 = { 0 }, c1;
        n = 300;
        for (int i = 0; i <= n; i++) {
            char msg[1024];
            size_t len = (size_t)snprintf(msg, sizeof msg, "{\"topic\":\"towns\",\"value\":{");
            for (int j = 0; j < 14; j++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s\"%s\":%d", j ? "," : "", towns[j],
                                        j == 0 ? 40 : j == 1 ? 100 : j == 4 ? 61 + (i % 2) * 2 : 50 + j * 3);
            snprintf(msg + len, sizeof msg - len, "}}");
            if (i == 1) {
                px0 = s->st.pixels;
                t0 = bs_mono();
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
            }
            feed_ingest(s->feeds[0], msg, strlen(msg));
            t += 1.0 / 60;
            if (screen_update(s, t, wall))
                screen_paint(s, t, wall);
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        printf("one map region recoloured/frame:  %8.2f us/frame (%.2f us CPU), %.1f%% of the screen repainted\n",
               (bs_mono() - t0) / n * 1e6, ((c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec)) / n / 1e3,
               100.0 * (s->st.pixels - px0) / n / (1920.0 * 1080));
    }

    n = 30;
    t0 = bs_mono();
    for (int i = 0; i < n; i++)
        screen_repaint_all(s, t, wall);
    printf("full repaint 1920x1080:           %8.2f ms/frame\n", (bs_mono() - t0) / n * 1e3);
    /* each widget's area alone (includes what overlaps it, e.g. its frame) */
    for (int i = 0; i < s->layout->nwidgets; i++) {
        const wdg_t *w = s->layout->widgets[i];
        irect_t r = { (int)w->rect.x, (int)w->rect.y, (int)w->rect.w, (int)w->rect.h };
        t0 = bs_mono();
        for (int k = 0; k < 10; k++) {
            damage_reset(&s->damage, s->out_w, s->out_h);
            damage_add(&s->damage, r);
            s->layers[i].valid = false;     /* the widget's own redraw, not a cached blit */
            screen_paint(s, t, wall);
        }
        printf("  area of %-8s %-18s %6.2f ms\n", w->cls->name, w->id, (bs_mono() - t0) / 10 * 1e3);
    }
    s->damage_consumed = true;
    screen_free(s);

    s = open_screen(path, 3840, 2160);
    n = 10;
    t0 = bs_mono();
    for (int i = 0; i < n; i++)
        screen_repaint_all(s, t, wall);
    printf("full repaint 3840x2160:           %8.2f ms/frame\n", (bs_mono() - t0) / n * 1e3);
    text_cache_stats_t ts = text_cache_stats(s->tc);
    printf("text cache at 4K:                 %zu runs, %.1f MiB, %zu hits, %zu misses\n",
           ts.entries, ts.bytes / 1048576.0, ts.hits, ts.misses);
    screen_free(s);
    return 0;
}
