/*
 * bigscreen-bench — what a live screen costs, scenario by scenario, through
 * the real path: a feed thread → the feed's JSON parser → the bounded queue
 * → the topic store → bindings → widgets → damage → paint, at the layout's
 * frame rate, headless (no window, no present), one process per scenario.
 *
 *   bigscreen-bench [--seconds N] [--layout FILE] [--list] [SCENARIO...]
 *                                                        (default: all)
 *
 * --layout FILE runs the scenarios on FILE instead of their own layout (its
 * own feed: the generated topics live.* for the live ones, the demo for
 * union-hall): what one widget or option costs is the difference between
 * the layout with it and without it, measured in alternating runs.
 *
 * Prints one JSON line per scenario:
 *   cpu_s_per_min   CPU seconds (user + system, every thread of the process,
 *                   the generator included) per minute of wall time
 *   fps, frames     frames run per second, and in all
 *   slept           frame slots an idle screen slept through (nothing could
 *                   change: screen_idle_slot), neither run nor dropped
 *   dropped, late   whole frame periods missed; frames that ended past their
 *                   deadline
 *   frame_ms        work per frame (update + paint), wall time: p50, p99, max
 *   frame_cpu_ms    the same work in the render thread's CPU time, which a
 *                   loaded machine does not inflate: p50, p99, max; and
 *                   over_budget, frames whose CPU work alone exceeded a period
 *   repainted       share of the screen's pixels repainted per frame
 *   msg_to_pixel_ms from a message handed to the feed's parser to the end of
 *                   the paint of the first frame that applied it: p50, p99
 *                   (null for feeds the bench does not generate)
 *   rss_peak_mb     the process's peak resident set
 *
 * The generated feed (the browser peer's shape, issue 8): on connect a
 * snapshot of 8 topics, then RATE messages/s cycling through a fixed 20-slot
 * mix — four KPI numbers that drift (a rate within 85–99.9, counters that
 * grow), a ranking of 15 accounts as [{name, score}], a 30-number series
 * replaced whole, an object of 8 regions {name: value}, one headline at a
 * time. The layout is tools/bench/live.json; its feed URL is never dialled:
 * the generator thread hands its frames to feed_ingest(), the code every
 * socket back end ends in.
 *
 * On a shared machine run one benchmark at a time, at a raised priority so
 * the figures approach a dedicated wall box's:
 *   flock /tmp/bench.lock nice -n -15 build/tools/bigscreen-bench
 * Not a test: it asserts nothing and meson test does not run it.
 *
 * BENCH_PROFILE=1 adds, on stderr, where a frame's paint goes: milliseconds
 * per frame in update, the still's upkeep, and each widget (the still copied
 * under its damage and its marks). BENCH_DAMAGE=1 logs every 60th frame's
 * damage rectangles. BENCH_SLOW=MS logs each frame whose work took more
 * than MS, with the same breakdown.
 */
#include <errno.h>
#include <stdarg.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "screen.h"

#ifndef BS_SOURCE
#define BS_SOURCE "."
#endif

typedef enum { FEED_GEN, FEED_DEMO, FEED_SILENT } feed_kind_t;

typedef struct {
    const char *name;
    const char *layout;       /* relative to the source tree */
    int         w, h;
    feed_kind_t feed;
    double      rate;         /* messages/s; < 0: as fast as it goes */
    bool        pages;        /* let the carousel run (else page 0 pinned) */
    const char *what;
} scenario_t;

static const scenario_t scenarios[] = {
    { "live-10",     "tools/bench/live.json", 1920, 1080, FEED_GEN, 10, false,
      "the live screen at 10 msg/s" },
    { "live-100",    "tools/bench/live.json", 1920, 1080, FEED_GEN, 100, false,
      "the live screen at 100 msg/s" },
    { "live-1000",   "tools/bench/live.json", 1920, 1080, FEED_GEN, 1000, false,
      "the live screen at 1000 msg/s" },
    { "union-hall",  "layouts/union-hall.json", 1920, 1080, FEED_DEMO, 0, false,
      "union-hall on the demo feed" },
    { "idle",        "tools/bench/idle.json", 1920, 1080, FEED_SILENT, 0, false,
      "a screen with nothing changing (snapshot, then silence)" },
    { "4k-100",      "tools/bench/live.json", 3840, 2160, FEED_GEN, 100, false,
      "the live screen at 3840x2160, 100 msg/s" },
    { "4k-pages",    "tools/bench/live.json", 3840, 2160, FEED_GEN, 100, true,
      "3840x2160, 100 msg/s, a page change (with its fade) every 4 s" },
    { "flood",       "tools/bench/live.json", 1920, 1080, FEED_GEN, -1, false,
      "the live screen with the generator sending as fast as it can" },
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

/* ---- histograms (fixed memory, so the bench adds little to the RSS) ---- */

#define HBINS 100000                  /* 10 µs bins up to 1 s */
typedef struct {
    uint32_t bin[HBINS];
    uint64_t n;
    double   max;
} hist_t;

static void hist_add(hist_t *h, double ms)
{
    if (!(ms >= 0))
        ms = 0;
    long b = lround(ms * 100);
    h->bin[b < HBINS ? b : HBINS - 1]++;
    h->n++;
    if (ms > h->max)
        h->max = ms;
}

static double hist_q(const hist_t *h, double q)
{
    if (!h->n)
        return NAN;
    uint64_t want = (uint64_t)ceil(q * (double)h->n), seen = 0;
    for (long b = 0; b < HBINS; b++) {
        seen += h->bin[b];
        if (seen >= want && seen > 0)
            return b / 100.0;
    }
    return h->max;
}

/* ---- the generated feed ---------------------------------------------------- */

#define SENT_RING (1u << 13)    /* 64 KB: the bench's own memory is in the RSS it reports */

typedef struct {
    feed_t         *feed;
    double          rate;
    atomic_bool     stop;
    atomic_uint_fast64_t sent;        /* messages handed to the parser */
    double          t_sent[SENT_RING]; /* mono time of message i, at i % SENT_RING */
    uint64_t        rng;
    uint64_t        rng_t;            /* the send times' own stream */
    /* the generator's own state */
    double          rate_v, members, apps, visits;
    double          score[15];
    double          series[30];
    double          region[8];
    int             headline;
} gen_t;

static const char *const accounts[15] = {
    "临平区总工会", "余杭工会", "上城职工", "拱墅工会", "西湖工会", "滨江职工", "萧山工会", "富阳工会",
    "临安工会", "桐庐职工", "淳安工会", "建德工会", "钱塘工会", "湖州工会", "嘉兴职工",
};
static const char *const regions[8] = { "临平", "南苑", "东湖", "星桥", "乔司", "运河", "塘栖", "崇贤" };
static const char *const headlines[6] = {
    "区总工会召开年度工作推进会，部署网上工会建设",
    "“会员日”知识竞答第三期开赛，参与人数创新高",
    "职工疗休养线上申请通道开放，审核时限缩短至三天",
    "云课堂新增技能提升课程十二门，免费向会员开放",
    "节日普惠活动覆盖全区八个镇街，惠及职工两万余人",
    "法律援助线上咨询上线，律师团队每日在线答疑",
};

static double rnd_from(uint64_t *x)             /* xorshift64*, [0, 1) */
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return (double)((*x * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

static double rnd(gen_t *g)                    /* the values' stream */
{
    return rnd_from(&g->rng);
}

typedef struct {
    char  *s;
    size_t len, cap;
} sbuf_t;

static void put(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* One message of slot kind k into b (a value changed as the mix says). */
enum { K_RATE, K_MEMBERS, K_APPS, K_VISITS, K_RANK, K_SERIES, K_REGIONS, K_HEADLINE, K_N };
static void gen_msg(gen_t *g, int k, sbuf_t *b, bool advance)
{
    switch (k) {
    case K_RATE:
        if (advance)
            g->rate_v = fmin(99.9, fmax(85, g->rate_v + (rnd(g) - 0.5) * 0.6));
        put(b, "{\"topic\":\"live.rate\",\"value\":%.2f}", g->rate_v);
        break;
    case K_MEMBERS:
        if (advance)
            g->members += 1 + floor(rnd(g) * 5);
        put(b, "{\"topic\":\"live.members\",\"value\":%.0f}", g->members);
        break;
    case K_APPS:
        if (advance)
            g->apps += floor(rnd(g) * 3);
        put(b, "{\"topic\":\"live.apps\",\"value\":%.0f}", g->apps);
        break;
    case K_VISITS:
        if (advance)
            g->visits += 5 + floor(rnd(g) * 40);
        put(b, "{\"topic\":\"live.visits\",\"value\":%.0f}", g->visits);
        break;
    case K_RANK:
        put(b, "{\"topic\":\"live.rank\",\"value\":[");
        for (int i = 0; i < 15; i++) {
            if (advance)
                g->score[i] = fmax(10, g->score[i] + (rnd(g) - 0.5) * 4);
            put(b, "%s{\"name\":\"%s\",\"score\":%.1f}", i ? "," : "", accounts[i], g->score[i]);
        }
        put(b, "]}");
        break;
    case K_SERIES:
        if (advance) {
            memmove(g->series, g->series + 1, sizeof g->series - sizeof g->series[0]);
            g->series[29] = fmax(0, g->series[28] + (rnd(g) - 0.5) * 12);
        }
        put(b, "{\"topic\":\"live.series\",\"value\":[");
        for (int i = 0; i < 30; i++)
            put(b, "%s%.0f", i ? "," : "", g->series[i]);
        put(b, "]}");
        break;
    case K_REGIONS:
        put(b, "{\"topic\":\"live.regions\",\"value\":{");
        for (int i = 0; i < 8; i++) {
            if (advance)
                g->region[i] = fmax(0, g->region[i] + (rnd(g) - 0.5) * 10);
            put(b, "%s\"%s\":%.0f", i ? "," : "", regions[i], g->region[i]);
        }
        put(b, "}}");
        break;
    case K_HEADLINE:
        if (advance)
            g->headline = (g->headline + 1) % 6;
        put(b, "{\"topic\":\"live.headline\",\"value\":\"%s\"}", headlines[g->headline]);
        break;
    }
}

/* The fixed 20-slot mix: each KPI 3 times, the rest twice. */
static const int mix[20] = {
    K_RATE, K_MEMBERS, K_APPS, K_VISITS, K_RANK,
    K_RATE, K_MEMBERS, K_APPS, K_VISITS, K_SERIES,
    K_RATE, K_MEMBERS, K_APPS, K_VISITS, K_REGIONS,
    K_RANK, K_SERIES, K_REGIONS, K_HEADLINE, K_HEADLINE,
};

static void gen_init(gen_t *g)
{
    g->rng = 0x9e3779b97f4a7c15ull;
    g->rng_t = 0x2545f4914f6cdd1dull;
    g->rate_v = 91.5;
    g->members = 128400;
    g->apps = 9310;
    g->visits = 52000;
    for (int i = 0; i < 15; i++)
        g->score[i] = 95 - i * 4.5 + rnd(g) * 3;
    for (int i = 0; i < 30; i++)
        g->series[i] = 60 + 20 * sin(i / 4.0) + rnd(g) * 6;
    for (int i = 0; i < 8; i++)
        g->region[i] = 40 + rnd(g) * 60;
}

static void ingest(gen_t *g, sbuf_t *b)
{
    uint64_t i = atomic_load_explicit(&g->sent, memory_order_relaxed);
    g->t_sent[i % SENT_RING] = bs_mono();
    feed_ingest(g->feed, b->s, b->len);
    atomic_store_explicit(&g->sent, i + 1, memory_order_release);
}

/* The snapshot on connect: one frame holding all 8 topics. */
static void gen_snapshot(gen_t *g)
{
    char buf[8192];
    sbuf_t b = { buf, 0, sizeof buf };
    put(&b, "[");
    for (int k = 0; k < K_N; k++) {
        if (k)
            put(&b, ",");
        gen_msg(g, k, &b, false);
    }
    put(&b, "]");
    ingest(g, &b);
}

static void sleep_until(double t)
{
    double d = t - bs_mono();
    if (d <= 0)
        return;
    struct timespec ts = { (time_t)d, (long)((d - floor(d)) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void *gen_thread(void *arg)
{
    gen_t *g = arg;
    char buf[4096];
    double t0 = bs_mono();
    for (uint64_t i = 0; !atomic_load(&g->stop); i++) {
        /* Message i goes at a uniformly drawn time within its 1/rate slot: the
         * rate holds, and the sends are not in step with the frame clock (at
         * 10 msg/s a slot is exactly 6 frames, and sends at the slot starts
         * land just as a frame begins: half of them just after its drain).
         * A real feed's server does not know our frame clock. */
        if (g->rate > 0) {
            sleep_until(t0 + ((double)i + rnd_from(&g->rng_t)) / g->rate);
        }
        sbuf_t b = { buf, 0, sizeof buf };
        gen_msg(g, mix[i % 20], &b, true);
        ingest(g, &b);
    }
    return NULL;
}

/* BENCH_SLOW: a frame whose work took more than slow_ms, with where its
 * time went (stages and widgets above 0.5 ms: marks, and "layer" remade). */
static void log_slow(const screen_t *s, double now, double work_ms, double slow_ms)
{
    static double last[SCR_PROF_N + 2 * LAYOUT_MAX_WIDGETS];
    static const char *stage[SCR_PROF_N] = { "still_update", "copy", "chrome", "fade" };
    int nw = s->layout->nwidgets, n = SCR_PROF_N + 2 * nw;
    if (n > (int)(sizeof last / sizeof last[0]))
        return;
    if (work_ms > slow_ms) {
        char line[2048];
        size_t o = (size_t)snprintf(line, sizeof line, "t=%.2f s: %.1f ms%s:", now, work_ms,
                                    s->trans_active ? " (fading)" : "");
        for (int k = 0; k < n && o < sizeof line; k++) {
            double ms = (s->prof[k] - last[k]) * 1e3;
            if (ms <= 0.5)
                continue;
            if (k < SCR_PROF_N)
                o += (size_t)snprintf(line + o, sizeof line - o, " %s %.1f", stage[k], ms);
            else if (k < SCR_PROF_N + nw)
                o += (size_t)snprintf(line + o, sizeof line - o, " %s %.1f", s->layout->widgets[k - SCR_PROF_N]->id, ms);
            else
                o += (size_t)snprintf(line + o, sizeof line - o, " %s(layer) %.1f",
                                      s->layout->widgets[k - SCR_PROF_N - nw]->id, ms);
        }
        bs_log(BS_LOG_INFO, "%s", line);
    }
    memcpy(last, s->prof, sizeof last[0] * (size_t)n);
}

/* ---- one scenario ---------------------------------------------------------- */

static double thread_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void json_num(const char *key, double v, const char *end)
{
    if (isfinite(v))
        printf("\"%s\":%.3g%s", key, v, end);
    else
        printf("\"%s\":null%s", key, end);
}

static int run(const scenario_t *sc, const char *layout, double seconds, double warmup)
{
    char path[4096], err[512];
    if (layout)
        snprintf(path, sizeof path, "%s", layout);
    else
        snprintf(path, sizeof path, "%s/%s", BS_SOURCE, sc->layout);
    diag_t d = { 0 };
    bool unreadable;
    layout_t *l = layout_load_file(path, &d, &unreadable);
    diag_log(&d);
    diag_clear(&d);
    if (!l)
        return 1;
    if (!sc->pages && l->npages > 0)
        l->pin = 0;
    bool live_feeds = sc->feed == FEED_DEMO;  /* the demo simulator runs on its own thread */
    int64_t wall0 = bs_wall_ms();
    screen_t *s = screen_new(l, sc->w, sc->h, live_feeds, wall0, err, sizeof err);
    if (!s) {
        bs_log(BS_LOG_ERR, "%s: %s", sc->name, err);
        return 1;
    }
    s->live = true;            /* live behaviour: drain budget, page fades, banner */
    double prof_update = 0;    /* BENCH_PROFILE: where the frame goes, to stderr */
    double slow_ms = getenv("BENCH_SLOW") ? atof(getenv("BENCH_SLOW")) : 0;
    if (getenv("BENCH_PROFILE") || slow_ms > 0)
        s->prof = calloc((size_t)(SCR_PROF_N + 2 * l->nwidgets), sizeof *s->prof);
    static gen_t g;            /* 0.5 MB of send times: not on the stack */
    pthread_t th;
    bool gen = sc->feed == FEED_GEN, silent = sc->feed == FEED_SILENT;
    if ((gen || silent) && (s->nfeeds < 1 || !s->feeds[0])) {
        bs_log(BS_LOG_ERR, "%s: %s has no feed for the generated topics", sc->name, path);
        screen_free(s);
        return 1;
    }
    if (gen || silent) {
        gen_init(&g);
        g.feed = s->feeds[0];
        g.rate = sc->rate;
        gen_snapshot(&g);
        if (gen && pthread_create(&th, NULL, gen_thread, &g) != 0)
            return 1;
    }
    static hist_t frame_h, cpu_h, lat_h, kind_h[K_N];
    uint64_t over_budget = 0;
    double period = 1.0 / l->fps, anim0 = bs_mono(), t_start = anim0 + warmup, next = anim0;
    uint64_t frames = 0, late = 0, dropped = 0, pixels = 0, attributed = 0, budget0 = 0;
    uint64_t sent_at_start = 0, applied_at_start = 0, slept0 = 0;
    double cpu0 = 0;
    bool measuring = false;
    for (;;) {
        double work0 = bs_mono(), tcpu0 = thread_cpu_s();
        if (!measuring && work0 >= t_start) {
            measuring = true;
            cpu0 = cpu_s();
            t_start = work0;
            sent_at_start = atomic_load(&g.sent);
            applied_at_start = store_stats(s->store).applied;
            slept0 = s->st.slept;
        }
        if (measuring && work0 - t_start >= seconds)
            break;
        uint64_t n0 = atomic_load_explicit(&g.sent, memory_order_acquire);
        budget0 = s->st.budget_hits;
        double now = work0 - anim0;
        int64_t wall = wall0 + (int64_t)llround(now * 1000);
        uint64_t px0 = s->st.pixels;
        if (s->prof && !measuring)
            memset(s->prof, 0, sizeof *s->prof * (size_t)(SCR_PROF_N + 2 * s->layout->nwidgets));
        bool upd = screen_update(s, now, wall);
        if (measuring)
            prof_update += bs_mono() - work0;
        if (upd) {
            if (getenv("BENCH_DAMAGE") && frames % 60 == 0) {   /* what is repainted, now and then */
                char line[4096];
                size_t o = (size_t)snprintf(line, sizeof line, "frame %llu:", (unsigned long long)frames);
                for (int k = 0; k < s->damage.n && o < sizeof line; k++)
                    o += (size_t)snprintf(line + o, sizeof line - o, " %dx%d+%d+%d", s->damage.r[k].w,
                                          s->damage.r[k].h, s->damage.r[k].x, s->damage.r[k].y);
                bs_log(BS_LOG_INFO, "%s", line);
            }
            screen_paint(s, now, wall);
        }
        double work1 = bs_mono(), tcpu = thread_cpu_s() - tcpu0;
        if (s->prof && slow_ms > 0 && measuring)
            log_slow(s, now, (work1 - work0) * 1e3, slow_ms);
        /* every message handed over before this frame's drain began was
         * applied, unless the drain stopped at its time budget */
        if (s->st.budget_hits == budget0 && n0 > attributed) {
            uint64_t from = attributed, to = n0;
            if (to - from > SENT_RING / 2)
                from = to - SENT_RING / 2;     /* a flood: the newest half of the ring */
            if (measuring)
                for (uint64_t i = from; i < to; i++) {
                    double ms = (work1 - g.t_sent[i % SENT_RING]) * 1e3;
                    hist_add(&lat_h, ms);
                    if (s->prof && i > 0)          /* message 0 is the snapshot */
                        hist_add(&kind_h[mix[(i - 1) % 20]], ms);
                }
            attributed = n0;
        }
        if (measuring) {
            frames++;
            pixels += s->st.pixels - px0;
            hist_add(&frame_h, (work1 - work0) * 1e3);
            hist_add(&cpu_h, tcpu * 1e3);
            over_budget += tcpu > period;
        }
        next += period;
        double after = bs_mono();
        if (after > next + period) {           /* missed whole frames: count, resync */
            uint64_t missed = (uint64_t)((after - next) / period);
            if (measuring) {
                dropped += missed;
                late++;
            }
            next += missed * period;
        } else if (after > next && measuring) {
            late++;
        }
        /* an idle screen sleeps until something can change or data comes,
         * as bigscreen's own loops do (screen_idle_slot) */
        next = screen_idle_slot(s, next, period, anim0, now, wall);
        sleep_until(next);
    }
    double wall_s = bs_mono() - t_start, cpu = cpu_s() - cpu0;
    uint64_t sent = atomic_load(&g.sent) - sent_at_start;
    uint64_t applied = store_stats(s->store).applied - applied_at_start;
    if (gen) {
        atomic_store(&g.stop, true);
        pthread_join(th, NULL);
    }
    feed_queue_stats_t qs = feed_queue_stats(s->q);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"scenario\":\"%s\",\"size\":\"%dx%d\",\"seconds\":%.0f,", sc->name, sc->w, sc->h, wall_s);
    json_num("cpu_s_per_min", cpu / wall_s * 60, ",");
    json_num("fps", frames / wall_s, ",");
    printf("\"frames\":%llu,\"slept\":%llu,\"dropped\":%llu,\"late\":%llu,", (unsigned long long)frames,
           (unsigned long long)(s->st.slept - slept0), (unsigned long long)dropped, (unsigned long long)late);
    printf("\"frame_ms\":{");
    json_num("p50", hist_q(&frame_h, 0.5), ",");
    json_num("p99", hist_q(&frame_h, 0.99), ",");
    json_num("max", frame_h.max, "},");
    printf("\"frame_cpu_ms\":{");
    json_num("p50", hist_q(&cpu_h, 0.5), ",");
    json_num("p99", hist_q(&cpu_h, 0.99), ",");
    json_num("max", cpu_h.max, "},");
    printf("\"over_budget\":%llu,", (unsigned long long)over_budget);
    json_num("repainted", frames ? (double)pixels / frames / ((double)sc->w * sc->h) : 0, ",");
    printf("\"msg_to_pixel_ms\":{");
    json_num("p50", gen ? hist_q(&lat_h, 0.5) : NAN, ",");
    json_num("p99", gen ? hist_q(&lat_h, 0.99) : NAN, "},");
    json_num("msgs_per_s", gen ? sent / wall_s : NAN, ",");
    json_num("applied_per_s", applied / wall_s, ",");
    printf("\"queue_dropped\":%llu,", (unsigned long long)qs.dropped);
    json_num("rss_peak_mb", ru.ru_maxrss / 1024.0, "}\n");
    fflush(stdout);
    if (s->prof && frames) {
        static const char *stage[SCR_PROF_N] = { "still_update", "copy outside widgets", "chrome", "fade" };
        double f = 1e3 / (double)frames;
        char line[512];
        size_t o = (size_t)snprintf(line, sizeof line, "%s: ms per frame: update %.3f", sc->name, prof_update * f);
        for (int k = 0; k < SCR_PROF_N && o < sizeof line; k++)
            o += (size_t)snprintf(line + o, sizeof line - o, ", %s %.3f", stage[k], s->prof[k] * f);
        struct mallinfo2 mi = mallinfo2();
        bs_log(BS_LOG_INFO, "heap: %.1f MB in use, %.1f MB free in the arenas, %.1f MB in %zu mmaps",
               mi.uordblks / 1048576.0, mi.fordblks / 1048576.0, mi.hblkhd / 1048576.0, mi.hblks);
        text_cache_stats_t ts = text_cache_stats(s->tc);
        if (o < sizeof line)
            snprintf(line + o, sizeof line - o, "; layers hold %.1f MB; text cache %zu runs, %.1f MB, %zu misses",
                     s->layer_bytes / 1048576.0, ts.entries, ts.bytes / 1048576.0, ts.misses);
        bs_log(BS_LOG_INFO, "%s", line);
        static const char *const kinds[K_N] = { "rate", "members", "apps", "visits", "rank", "series", "regions",
                                                "headline" };
        for (int k = 0; gen && k < K_N; k++)
            if (kind_h[k].n)
                bs_log(BS_LOG_INFO, "  message→pixel of %-8s p50 %.1f  p99 %.1f  max %.1f ms (%llu)", kinds[k],
                       hist_q(&kind_h[k], 0.5), hist_q(&kind_h[k], 0.99), kind_h[k].max,
                       (unsigned long long)kind_h[k].n);
        for (int i = 0; i < s->layout->nwidgets; i++)
            if ((s->prof[SCR_PROF_N + i] + s->prof[SCR_PROF_N + s->layout->nwidgets + i]) * f >= 0.001)
                bs_log(BS_LOG_INFO, "  %-12s %-8s marks %.3f  layer remade %.3f",
                       s->layout->widgets[i]->id ? s->layout->widgets[i]->id : "", s->layout->widgets[i]->cls->name,
                       s->prof[SCR_PROF_N + i] * f, s->prof[SCR_PROF_N + s->layout->nwidgets + i] * f);
    }
    screen_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 60, warmup = 2;
    const char *want[NSCEN + 1], *layout = NULL;
    int nwant = 0;
    bs_log_init("bigscreen-bench");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
            if (!(seconds > 0 && seconds <= 3600)) {
                bs_log(BS_LOG_ERR, "--seconds takes 0 < N <= 3600");
                return 2;
            }
        } else if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc) {
            layout = argv[++i];
            if (strlen(layout) >= 4096) {
                bs_log(BS_LOG_ERR, "--layout: path too long");
                return 2;
            }
        } else if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < NSCEN; k++)
                printf("%-11s %s\n", scenarios[k].name, scenarios[k].what);
            return 0;
        } else if (argv[i][0] == '-' || nwant >= (int)NSCEN) {
            fprintf(stderr, "usage: bigscreen-bench [--seconds N] [--layout FILE] [--list] [SCENARIO...]\n");
            return 2;
        } else {
            want[nwant++] = argv[i];
        }
    }
    int rc = 0;
    for (size_t k = 0; k < NSCEN; k++) {
        bool on = nwant == 0;
        for (int i = 0; i < nwant; i++)
            on = on || strcmp(want[i], scenarios[k].name) == 0;
        if (!on)
            continue;
        fflush(stdout);
        pid_t pid = fork();          /* a fresh process each: its own peak RSS */
        if (pid < 0)
            return 1;
        if (pid == 0)
            _exit(run(&scenarios[k], layout, seconds, warmup));
        int st;
        if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            bs_log(BS_LOG_ERR, "scenario %s failed", scenarios[k].name);
            rc = 1;
        }
    }
    for (int i = 0; i < nwant; i++) {
        bool known = false;
        for (size_t k = 0; k < NSCEN; k++)
            known = known || strcmp(want[i], scenarios[k].name) == 0;
        if (!known) {
            bs_log(BS_LOG_ERR, "no scenario \"%s\" (--list)", want[i]);
            rc = 2;
        }
    }
    return rc;
}
