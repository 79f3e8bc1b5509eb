/*
 * bench_compose.c — what composition costs on the live bench's screen
 * (tools/bench/live.json), on the deterministic clock: the same frames and
 * the same messages every run, so that two builds can be compared under a
 * loaded machine (CPU per frame) or instruction by instruction
 * (valgrind --tool=callgrind). Prints figures; asserts nothing.
 *
 *   bench_compose [--size WxH] [--seconds S] [--rate MSGS] [--pages]
 *
 * --pages lets the carousel run (a page change with its fade every 4 s);
 * without it page 0 is pinned, as in bigscreen-bench's live-N scenarios.
 * fade_ms and fade_worst_ms: the CPU of a page change's frames (from the
 * change to the fade's last frame), mean and worst. BENCH_PNG_AT=K writes
 * frame K to /tmp/compose-frame.png. layer_mb: the cached layers' bytes at
 * the end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "screen_fixture.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* Message i of a fixed mix like the live bench's: KPIs drift, the ranking
 * and the series change, regions recolour, a headline now and then. */
static int message(char *b, size_t n, long i)
{
    static const char *const names[6] = { "临平区总工会", "余杭工会", "上城职工", "拱墅工会", "西湖工会", "滨江职工" };
    static const char *const towns[8] = { "临平", "南苑", "东湖", "星桥", "乔司", "运河", "塘栖", "崇贤" };
    int o = 0;
    switch (i % 10) {
    case 0: case 5:
        return snprintf(b, n, "{\"topic\":\"live.rate\",\"value\":%.2f}", 90 + 5 * sin(i * 0.37));
    case 1: case 6:
        return snprintf(b, n, "{\"topic\":\"live.members\",\"value\":%ld}", 128400 + i * 3);
    case 2:
        return snprintf(b, n, "{\"topic\":\"live.apps\",\"value\":%ld}", 9310 + i);
    case 3:
        return snprintf(b, n, "{\"topic\":\"live.visits\",\"value\":%ld}", 52000 + i * 17);
    case 4:
        o = snprintf(b, n, "{\"topic\":\"live.rank\",\"value\":[");
        for (int k = 0; k < 6; k++)
            o += snprintf(b + o, n - (size_t)o, "%s{\"name\":\"%s\",\"score\":%.1f}", k ? "," : "", names[k],
                          90 - k * 6 + 5 * sin(i * 0.3 + k));
        return o + snprintf(b + o, n - (size_t)o, "]}");
    case 7:
        o = snprintf(b, n, "{\"topic\":\"live.series\",\"value\":[");
        for (int k = 0; k < 30; k++)
            o += snprintf(b + o, n - (size_t)o, "%s%.0f", k ? "," : "", 60 + 20 * sin((k + i) / 4.0));
        return o + snprintf(b + o, n - (size_t)o, "]}");
    case 8:
        o = snprintf(b, n, "{\"topic\":\"live.regions\",\"value\":{");
        for (int k = 0; k < 8; k++)
            o += snprintf(b + o, n - (size_t)o, "%s\"%s\":%.0f", k ? "," : "", towns[k], 50 + 40 * sin(i * 0.2 + k));
        return o + snprintf(b + o, n - (size_t)o, "}}");
    default:
        return snprintf(b, n, "{\"topic\":\"live.headline\",\"value\":\"第 %ld 条快讯：网上工会建设推进会召开\"}", i);
    }
}

int main(int argc, char **argv)
{
    int w = 1920, h = 1080;
    double seconds = 10, rate = 10;
    bool pages = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            sscanf(argv[++i], "%dx%d", &w, &h);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--pages") == 0)
            pages = true;
        else {
            fprintf(stderr, "usage: bench_compose [--size WxH] [--seconds S] [--rate MSGS] [--pages]\n");
            return 2;
        }
    }
    screen_t *s = fixture_screen(BS_SOURCE "/tools/bench/live.json", w, h);
    if (!pages && s->layout->npages > 0)
        s->layout->pin = 0;
    s->live = true;                       /* page fades, as on a wall */
    long frames = lround(seconds * 60), sent = 0;
    double cpu0 = cpu_now(), worst = 0, fade_cpu = 0, fade_worst = 0;
    long fade_frames = 0;
    uint64_t px0 = s->st.pixels;
    for (long k = 0; k <= frames; k++) {
        double t = k / 60.0, c0 = cpu_now();
        int64_t wall = FIXTURE_WALL0 + (int64_t)(t * 1000);
        for (; sent <= (long)(t * rate); sent++) {
            char buf[2048];
            int n = message(buf, sizeof buf, sent);
            feed_ingest(s->feeds[0], buf, (size_t)n);
        }
        int page = s->page;
        if (screen_update(s, t, wall))
            screen_paint(s, t, wall);
        double c = cpu_now() - c0;
        worst = fmax(worst, c);
        if (s->trans_active || s->page != page) {   /* a page change's frames: its first to its last */
            fade_frames++;
            fade_cpu += c;
            fade_worst = fmax(fade_worst, c);
        }
        if (getenv("BENCH_PNG_AT") && k == atol(getenv("BENCH_PNG_AT"))) {
            char e[64];
            screen_write_png(s, "/tmp/compose-frame.png", e, sizeof e);
        }
    }
    double cpu = cpu_now() - cpu0;
    printf("{\"size\":\"%dx%d\",\"seconds\":%g,\"rate\":%g,\"pages\":%s,\"frames\":%ld,\"cpu_ms_per_frame\":%.3f,"
           "\"worst_ms\":%.2f,\"fade_frames\":%ld,\"fade_ms\":%.2f,\"fade_worst_ms\":%.2f,\"repainted\":%.3f,\"layer_mb\":%.2f}\n",
           w, h, seconds, rate, pages ? "true" : "false", frames + 1, cpu / (frames + 1) * 1e3, worst * 1e3,
           fade_frames, fade_frames ? fade_cpu / fade_frames * 1e3 : 0.0, fade_worst * 1e3,
           (double)(s->st.pixels - px0) / (frames + 1) / ((double)w * h), s->layer_bytes / 1048576.0);
    screen_free(s);
    return 0;
}
