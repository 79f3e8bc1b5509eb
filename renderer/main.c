/*
 * main.c — the bigscreen command line.
 *
 *   bigscreen [options] [LAYOUT]          the screen (fullscreen window)
 *   bigscreen --snapshot OUT.png [...]    one frame to PNG, no display needed
 *   bigscreen --headless --run-for S      the real loop without a window
 *   bigscreen check LAYOUT...             validate layouts
 *   bigscreen schema                      print the layouts' JSON Schema
 */
#include "argv.h"
#include "clock.h"
#include "datadir.h"
#include "docs.h"
#include "imgcache.h"
#include "layout.h"
#include "listen.h"
#include "log.h"
#include "persist.h"
#include "reload.h"
#include "screen.h"
#include "window.h"

#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef BS_VERSION
#define BS_VERSION "0.1.0"
#endif

#define DEFAULT_LAYOUT  "layouts/union-hall.json"
/* Snapshots read a fixed clock unless --time says otherwise:
 * 2026-11-25 10:30:00 +08:00 */
#define SNAPSHOT_WALL_MS 1795573800000LL
#define SETTLE_DATA_S    20.0     /* default snapshot: data for 20 s ...   */
#define SETTLE_EXTRA_S   4.0      /* ... then 4 s for animations to settle */

static void usage(FILE *f)
{
    fputs("usage: bigscreen [options] [LAYOUT]\n"
          "       bigscreen check LAYOUT...\n"
          "       bigscreen schema\n"
          "       bigscreen docs\n"
          "\n"
          "Shows LAYOUT (default " DEFAULT_LAYOUT " in the data directory) fullscreen on a wall screen.\n"
          "\n"
          "  --display N          fullscreen on display N (default 0)\n"
          "  --windowed WxH       a window of that size instead of fullscreen\n"
          "  --snapshot OUT.png   render one frame to PNG; needs no display\n"
          "  --at SECONDS         snapshot as the screen looks SECONDS after start\n"
          "                       (default: 20 s of data, animations settled)\n"
          "  --size WxH           snapshot output size (default: the canvas size)\n"
          "  --time T             wall clock at start: epoch seconds or 2026-11-25T10:30:00+08:00\n"
          "                       (snapshots default to 2026-11-25T10:30:00+08:00)\n"
          "  --headless           run the real loop and feeds without a window\n"
          "  --run-for SECONDS    quit after SECONDS (window or headless)\n"
          "  --report OUT.json    headless: write a report of what is shown at exit\n"
          "  --feed ID=URL        replace the URL of the layout's feed ID\n"
          "  --page NAME|N        stay on one page of the carousel\n"
          "  --tile CxR:COL,ROW   video wall: show tile COL,ROW (from 0) of a C x R wall; tiles share\n"
          "                       the wall clock, so their animations and pages change together\n"
          "  --state-dir DIR      keep last-known values in DIR (default\n"
          "                       $XDG_STATE_HOME/bigscreen or ~/.local/state/bigscreen)\n"
          "  --no-state           neither load nor save last-known values\n"
          "  --stats              frame statistics: on screen (top left) and every 10 s on stderr\n"
          "  --metrics [ADDR:]PORT  health as Prometheus text on http://ADDR:PORT/metrics; ADDR is a\n"
          "                       numeric address, 127.0.0.1 by default ([::1]:PORT for IPv6)\n"
          "  --present HOW        auto (default): gpu where the renderer is a real GPU, else surface;\n"
          "                       gpu: layers as textures, composed by the GPU (with --snapshot: read\n"
          "                       back from a hidden window); texture: the CPU's frame through one\n"
          "                       texture; surface: changed areas into the window surface\n"
          "  --data-dir DIR       shipped layouts, map data and the font manifest are in DIR\n"
          "                       (default $BIGSCREEN_DATADIR, else the installed data directory,\n"
          "                       else the current directory)\n"
          "  --help, --version    (options also take the form --name=value)\n"
          "\n"
          "check prints file:line:col: message for every problem; exit 0 valid, 1 invalid, 2 unreadable.\n",
          f);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        bs_reload_asked = 1;
    else
        bs_quit = 1;
}

static int parse_size(const char *s, int *w, int *h)
{
    char tail;
    if (sscanf(s, "%dx%d%c", w, h, &tail) != 2 || *w < 16 || *h < 16 || *w > 16384 || *h > 16384)
        return -1;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0 || v > 1e7)
        return -1;
    *out = v;
    return 0;
}

/* Epoch seconds, or YYYY-MM-DDTHH:MM:SS with Z or ±HH:MM (default +08:00). */
static int parse_time(const char *s, int64_t *ms)
{
    char *end;
    errno = 0;
    long long e = strtoll(s, &end, 10);
    if (!errno && end != s && !*end) {
        *ms = e * 1000;
        return 0;
    }
    struct tm tm = { 0 };
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    const char *z = s + n;
    int off = 8 * 60;
    if (*z == 'Z' && !z[1]) {
        off = 0;
    } else if ((*z == '+' || *z == '-') && strlen(z) == 6) {
        int hh, mm;
        if (sscanf(z + 1, "%2d:%2d", &hh, &mm) != 2)
            return -1;
        off = (*z == '-' ? -1 : 1) * (hh * 60 + mm);
    } else if (*z) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = ((int64_t)t - off * 60) * 1000;
    return 0;
}

/* Loads a layout, printing its problems: on stderr as they are for `check`
 * (a tool's output), else logged as errors. Exit code 0/1/2 in *code. */
static layout_t *load(const char *path, bool check, int *code)
{
    diag_t d = { 0 };
    bool unreadable;
    layout_t *l = layout_load_file(path, &d, &unreadable);
    if (check)
        diag_print(&d, stderr);
    else
        diag_log(&d);
    diag_clear(&d);
    *code = l ? 0 : unreadable ? 2 : 1;
    return l;
}

static bool is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "help");
}

static int cmd_check(int argc, char **argv)
{
    static const char usage[] = "usage: bigscreen check [--data-dir DIR] [--feed ID=URL]... LAYOUT...\n";
    if (argc >= 1 && is_help(argv[0])) {
        printf("%s\n"
               "Validates each LAYOUT and prints file:line:col: message for every problem.\n"
               "--feed ID=URL checks the bindings against that feed instead of the layout's own\n"
               "(as the screen started with the same --feed would run).\n"
               "Exit 0: all valid, 1: a layout is invalid, 2: a file is unreadable.\n", usage);
        return 0;
    }
    const char *feeds[LAYOUT_MAX_FEEDS * 2];
    int nfeeds = 0;
    while (argc >= 1 && argv[0][0] == '-' && argv[0][1] == '-') {
        const char *o = argv[0], *v = NULL;
        size_t olen = strcspn(o, "=");
        int used = 1;
        if (o[olen] == '=')
            v = o + olen + 1;                   /* --opt=value */
        else if (argc >= 2)
            v = argv[1], used = 2;
        if (olen == 10 && !strncmp(o, "--data-dir", olen) && v) {
            bs_datadir_set(v);
        } else if (olen == 6 && !strncmp(o, "--feed", olen) && v) {
            if (!strchr(v, '=') || v[0] == '=') {
                bs_log(BS_LOG_ERR, "--feed %s: expected ID=URL", v);
                return 2;
            }
            if (nfeeds >= (int)(sizeof feeds / sizeof feeds[0])) {
                bs_log(BS_LOG_ERR, "--feed: at most %d", (int)(sizeof feeds / sizeof feeds[0]));
                return 2;
            }
            feeds[nfeeds++] = v;
        } else {
            fprintf(stderr, "%s", usage);
            return 2;
        }
        argc -= used;
        argv += used;
    }
    if (argc < 1) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    layout_set_feed_overrides(feeds, nfeeds);
    int worst = 0;
    for (int i = 0; i < argc; i++) {
        int code;
        layout_t *l = load(argv[i], true, &code);
        if (l) {
            for (int k = 0; k < nfeeds; k++) {       /* a --feed id the layout does not have */
                const char *eq = strchr(feeds[k], '=');
                bool found = false;
                for (int j = 0; j < l->nfeeds; j++)
                    found = found || (l->feeds[j].id && strlen(l->feeds[j].id) == (size_t)(eq - feeds[k]) &&
                                      !strncmp(l->feeds[j].id, feeds[k], (size_t)(eq - feeds[k])));
                if (!found) {
                    printf("%s: --feed %.*s: the layout has no such feed\n", argv[i], (int)(eq - feeds[k]), feeds[k]);
                    layout_free(l);
                    l = NULL;
                    code = code > 1 ? code : 1;
                    break;
                }
            }
        }
        if (l)
            printf("%s: ok (%d widgets, %d pages, %dx%d)\n", argv[i], l->nwidgets, l->npages, l->width, l->height);
        layout_free(l);
        if (code > worst)
            worst = code;
    }
    return worst;
}

typedef struct {
    const char *layout, *snapshot, *report, *page, *present;
    const char *metrics;
    double      at, run_for;
    bool        at_set, headless, stats, time_set;
    int         size_w, size_h, display, win_w, win_h;
    int64_t     time_ms;
    const char *feeds[LAYOUT_MAX_FEEDS * 2];
    int         nfeeds;
    const char *state_dir;
    bool        no_state;
} args_t;

static int snapshot(layout_t *l, const args_t *a)
{
    char err[512];
    int w = a->size_w ? a->size_w : l->width, h = a->size_h ? a->size_h : l->height;
    int64_t wall0 = a->time_set ? a->time_ms : SNAPSHOT_WALL_MS;
    double data_until = a->at_set ? a->at : SETTLE_DATA_S;
    double at = a->at_set ? a->at : SETTLE_DATA_S + SETTLE_EXTRA_S;
    wdg_image_loader_sync(true);    /* pictures decoded when asked: the frame at --at is deterministic */
    if (a->present && strcmp(a->present, "gpu") == 0)   /* composed by the GPU, read back */
        return window_snapshot(l, w, h, wall0, at, data_until, a->snapshot);
    int fps = l->fps;
    screen_t *s = screen_new(l, w, h, false, wall0, err, sizeof err);
    if (!s) {
        bs_log(BS_LOG_ERR, "%s", err);
        return 1;
    }
    /* the same frame steps as a live run, so animations see the same times */
    long frames = lround(at * fps);
    for (long k = 0; k <= frames; k++) {
        double t = (k == frames) ? at : (double)k / fps;
        screen_step_feeds(s, fmin(t, data_until));
        screen_update(s, t, wall0 + (int64_t)llround(t * 1000));
    }
    screen_settle(s, at);                 /* a video's frame at exactly `at` */
    screen_repaint_all(s, at, wall0 + (int64_t)llround(at * 1000));
    int rc = screen_write_png(s, a->snapshot, err, sizeof err);
    if (rc != 0)
        bs_log(BS_LOG_ERR, "%s", err);
    else
        printf("bigscreen: wrote %s (%dx%d, t=%.1fs)\n", a->snapshot, w, h, at);
    screen_free(s);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    /* Pixel buffers (frames, the cross-fade copy, widget layers) come and go
     * with page changes, reloads and resizes. A fixed mmap threshold keeps
     * them mapped fresh and given back when freed; glibc's default raises the
     * threshold (and the trim threshold with it) at the first free of one, so
     * later ones stay on the heap and RSS ratchets up by ~2 frames' worth
     * (measured +16 MB on the portrait lobby, tools/bench/soak-10m.py). */
    mallopt(M_MMAP_THRESHOLD, 256 << 10);
    bs_log_init("bigscreen");
    argv_expand(&argc, &argv);
    if (argc > 1 && (!strcmp(argv[1], "help") || (argc > 2 && is_help(argv[2]) &&
                                                   (!strcmp(argv[1], "schema") || !strcmp(argv[1], "docs"))))) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (argc > 1 && strcmp(argv[1], "docs") == 0) {
        char *s = docs_widgets_markdown();
        if (!s)
            return 1;
        fputs(s, stdout);
        free(s);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "schema") == 0) {
        char *s = layout_schema();
        if (!s)
            return 1;
        puts(s);
        free(s);
        return 0;
    }
    args_t a = { .layout = NULL };
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG() do { if (!v) { bs_log(BS_LOG_ERR, "%s needs a value", o); return 2; } i++; } while (0)
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--version")) {
            printf("bigscreen %s\n", BS_VERSION);
            return 0;
        } else if (!strcmp(o, "--snapshot")) {
            NEED_ARG();
            a.snapshot = v;
        } else if (!strcmp(o, "--report")) {
            NEED_ARG();
            a.report = v;
        } else if (!strcmp(o, "--at")) {
            NEED_ARG();
            if (parse_seconds(v, &a.at) != 0) {
                bs_log(BS_LOG_ERR, "--at %s: expected seconds, 0..10000000", v);
                return 2;
            }
            a.at_set = true;
        } else if (!strcmp(o, "--run-for")) {
            NEED_ARG();
            if (parse_seconds(v, &a.run_for) != 0 || a.run_for <= 0) {
                bs_log(BS_LOG_ERR, "--run-for %s: expected positive seconds", v);
                return 2;
            }
        } else if (!strcmp(o, "--size")) {
            NEED_ARG();
            if (parse_size(v, &a.size_w, &a.size_h) != 0) {
                bs_log(BS_LOG_ERR, "--size %s: expected WxH, e.g. 3840x2160", v);
                return 2;
            }
        } else if (!strcmp(o, "--windowed")) {
            NEED_ARG();
            if (parse_size(v, &a.win_w, &a.win_h) != 0) {
                bs_log(BS_LOG_ERR, "--windowed %s: expected WxH, e.g. 1280x720", v);
                return 2;
            }
        } else if (!strcmp(o, "--display")) {
            NEED_ARG();
            char *end;
            long d = strtol(v, &end, 10);
            if (*end || end == v || d < 0 || d > 64) {
                bs_log(BS_LOG_ERR, "--display %s: expected a display number", v);
                return 2;
            }
            a.display = (int)d;
        } else if (!strcmp(o, "--time")) {
            NEED_ARG();
            if (parse_time(v, &a.time_ms) != 0) {
                bs_log(BS_LOG_ERR, "--time %s: expected epoch seconds or 2026-11-25T10:30:00+08:00", v);
                return 2;
            }
            a.time_set = true;
        } else if (!strcmp(o, "--feed")) {
            NEED_ARG();
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1] || a.nfeeds >= LAYOUT_MAX_FEEDS * 2) {
                bs_log(BS_LOG_ERR, "--feed %s: expected ID=URL", v);
                return 2;
            }
            a.feeds[a.nfeeds++] = v;
        } else if (!strcmp(o, "--state-dir")) {
            NEED_ARG();
            if (!v[0] || strlen(v) > 4000) {
                bs_log(BS_LOG_ERR, "--state-dir needs a directory");
                return 2;
            }
            a.state_dir = v;
        } else if (!strcmp(o, "--data-dir")) {
            NEED_ARG();
            if (!v[0] || strlen(v) > 900) {
                bs_log(BS_LOG_ERR, "--data-dir needs a directory");
                return 2;
            }
            bs_datadir_set(v);
        } else if (!strcmp(o, "--no-state")) {
            a.no_state = true;
        } else if (!strcmp(o, "--metrics")) {
            NEED_ARG();
            feed_listen_t where;
            char err[200];
            if (feed_listen_parse(v, &where, err, sizeof err) != 0) {
                bs_log(BS_LOG_ERR, "--metrics %s", err);
                return 2;
            }
            a.metrics = v;
        } else if (!strcmp(o, "--present")) {
            NEED_ARG();
            if (strcmp(v, "auto") && strcmp(v, "gpu") && strcmp(v, "texture") && strcmp(v, "surface")) {
                bs_log(BS_LOG_ERR, "--present %s: expected auto, gpu, texture or surface", v);
                return 2;
            }
            a.present = v;
        } else if (!strcmp(o, "--tile")) {
            NEED_ARG();
            screen_tile_t t;
            char tail;
            if (sscanf(v, "%dx%d:%d,%d%c", &t.cols, &t.rows, &t.col, &t.row, &tail) != 4 || t.cols < 1 ||
                t.rows < 1 || t.cols > 64 || t.rows > 64 || t.col < 0 || t.row < 0 || t.col >= t.cols ||
                t.row >= t.rows) {
                bs_log(BS_LOG_ERR, "--tile %s: expected CxR:COL,ROW, e.g. 3x2:0,1 (COL < C, ROW < R)", v);
                return 2;
            }
            screen_tile = t;
        } else if (!strcmp(o, "--page")) {
            NEED_ARG();
            a.page = v;
        } else if (!strcmp(o, "--headless")) {
            a.headless = true;
        } else if (!strcmp(o, "--stats")) {
            a.stats = true;
        } else if (o[0] == '-' && o[1]) {
            bs_log(BS_LOG_ERR, "unknown option %s (see --help)", o);
            return 2;
        } else if (!a.layout) {
            a.layout = o;
        } else {
            bs_log(BS_LOG_ERR, "more than one layout given (%s, %s)", a.layout, o);
            return 2;
        }
#undef NEED_ARG
    }
    if (a.report && !a.headless) {
        bs_log(BS_LOG_ERR, "--report needs --headless (the report is written when the headless run ends)");
        return 2;
    }
    char deflt[1024];
    if (!a.layout) {
        if (bs_datadir_find(DEFAULT_LAYOUT, deflt, sizeof deflt) != 0) {
            bs_log(BS_LOG_ERR, "no layout given and no %s in %s (see --data-dir)", DEFAULT_LAYOUT, deflt);
            return 2;
        }
        a.layout = deflt;
    }
    int code;
    layout_set_feed_overrides(a.feeds, a.nfeeds);
    layout_t *l = load(a.layout, false, &code);
    if (!l)
        return code;
    for (int i = 0; i < a.nfeeds; i++) {
        char id[128];
        const char *eq = strchr(a.feeds[i], '=');
        snprintf(id, sizeof id, "%.*s", (int)(eq - a.feeds[i]), a.feeds[i]);
        feed_conf_t probe = { .url = (char *)(eq + 1) };
        char err[256];
        if (layout_set_feed_url(l, id, eq + 1) != 0) {
            bs_log(BS_LOG_ERR, "--feed %s: the layout has no feed \"%s\"", a.feeds[i], id);
            layout_free(l);
            return 2;
        }
        if (feed_check(&probe, err, sizeof err) != 0) {
            bs_log(BS_LOG_ERR, "--feed %s: %s", a.feeds[i], err);
            layout_free(l);
            return 2;
        }
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);       /* reload the layout, like every daemon */
    signal(SIGPIPE, SIG_IGN);

    if (a.page && layout_pin_page(l, a.page) != 0) {
        char names[400] = "";
        size_t o = 0;
        for (int i = 0; i < l->npages && o < sizeof names; i++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%d \"%s\"", i ? ", " : "", i + 1,
                                  l->pages[i].name ? l->pages[i].name : "");
        if (l->npages == 0)
            bs_log(BS_LOG_ERR, "--page %s: the layout has no pages", a.page);
        else
            bs_log(BS_LOG_ERR, "--page %s: no such page; give a name or a number from 1 to %d (%s)", a.page,
                   l->npages, names);
        layout_free(l);
        return 2;
    }
    reload_set_feed_overrides(a.feeds, a.nfeeds);
    reload_set_page(a.page);
    if (a.snapshot)
        return snapshot(l, &a);
    char *state_dir = NULL;
    if (!a.no_state) {
        state_dir = a.state_dir ? strdup(a.state_dir) : persist_default_dir();
        screen_state_dir = state_dir;
    }
    int64_t offset = a.time_set ? a.time_ms - bs_wall_ms() : 0;
    int rc;
    if (a.headless) {
        rc = headless_run(l, a.run_for, a.report, offset, a.metrics);
    } else {
        window_opts_t wo = {
            .display = a.display, .win_w = a.win_w, .win_h = a.win_h, .run_for = a.run_for, .stats = a.stats,
        .present = a.present, .metrics = a.metrics,
        };
        rc = window_run(l, &wo, offset);
    }
    free(state_dir);
    return rc;
}
