/* layout.c — layout loading and checking (see layout.h). */
#include "layout.h"
#include "fileio.h"
#include "jsonpos.h"
#include "options.h"
#include "text.h"
#include "tz.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- option tables of the layout itself --------------------------------- */

static const char *const fit_names[] = { "contain", "cover", "stretch", NULL };

#define L(field) offsetof(layout_t, field)
static const opt_def_t canvas_opts[] = {
    { "width",  OPT_INT,  L(width),  64, 16384, "1920", NULL, NULL, "design width in design units (pixels at 1:1)" },
    { "height", OPT_INT,  L(height), 64, 16384, "1080", NULL, NULL, "design height" },
    { "fit",    OPT_ENUM, L(fit),    0, 0, "contain", fit_names, NULL,
      "how the canvas fits a screen of another shape: contain (letterbox), cover (crop), stretch" },
    OPT_END,
};

static const opt_def_t top_opts[] = {
    { "fps",         OPT_INT, L(fps),         1, 240, "60", NULL, NULL, "frames per second of the loop" },
    { "timezone",    OPT_STR, L(timezone),    0, TZ_NAME_MAX, "+08:00", NULL, NULL,
      "time zone of clocks and the schedule: a UTC offset, \"+08:00\", or an IANA name from the system's "
      "zoneinfo, \"Asia/Shanghai\"" },
    { "history",     OPT_INT, L(history),     1, 10000, "256", NULL, NULL, "history ring length per topic" },
    { "transition",  OPT_NUM, L(transition),  0, 5, "0.8", NULL, NULL,
      "seconds of the cross-fade when the carousel changes page; 0 cuts" },
    { "pixel_shift", OPT_INT, L(pixel_shift), 0, 16, "0", NULL, NULL,
      "against burn-in: move the whole picture by up to this many output pixels, one step at a time; 0 = off" },
    { "pixel_shift_period", OPT_NUM, L(pixel_shift_period), 10, 86400, "600", NULL, NULL,
      "seconds between two pixel-shift steps" },
    { "screen_on",  OPT_STR, L(screen_on),  0, 5, NULL, NULL, NULL,
      "\"HH:MM\" (the layout's time zone): the screen lights up; with screen_off, dark in between" },
    { "screen_off", OPT_STR, L(screen_off), 0, 5, NULL, NULL, NULL,
      "\"HH:MM\": the screen goes dark (black, nothing drawn; feeds keep the data current)" },
    { "stale_after", OPT_NUM, L(stale_after), 0, 1e7, "60", NULL, NULL,
      "seconds without news before a value is shown as stale (default of every feed)" },
    OPT_END,
};
#undef L

#define F(field) offsetof(feed_conf_t, field)
static const opt_def_t feed_opts[] = {
    { "id",          OPT_STR,  F(id),          0, 64, "main", NULL, NULL, "name of the feed (for --feed ID=URL)" },
    { "url",         OPT_STR,  F(url),         0, 1024, "demo:", NULL, NULL,
      "demo:, ws(s)://host:port/path, nats://host, http(s)://..., file:PATH, postgresql://..., mysql://..." },
    { "token_env",   OPT_STR,  F(token_env),   0, 128, NULL, NULL, NULL, "environment variable holding a bearer token" },
    { "token_file",  OPT_STR,  F(token_file),  0, 1024, NULL, NULL, NULL, "file holding a bearer token" },
    { "ca_file",     OPT_STR,  F(ca_file),     0, 1024, NULL, NULL, NULL, "wss: CA bundle to verify the server with" },
    { "insecure",    OPT_BOOL, F(insecure),    0, 0, "false", NULL, NULL, "wss: skip certificate checks (logged at every connect)" },
    { "stale_after", OPT_NUM,  F(stale_after), 0, 1e7, "-1", NULL, NULL, "seconds before data from this feed is stale; default: the layout's" },
    { "seed",        OPT_NUM,  F(seed),        0, 0, "20261125", NULL, NULL, "demo: simulation seed" },
    { "tick",        OPT_NUM,  F(tick),        0.05, 3600, "1", NULL, NULL, "demo: seconds between simulated updates" },
    { "every",       OPT_NUM,  F(every),       0.1, 86400, NULL, NULL, NULL,
      "http, sql, file: seconds between polls (default 30; databases 60)" },
    { "timeout",     OPT_NUM,  F(timeout),     0.1, 600, "10", NULL, NULL,
      "http: seconds for a whole request; sql: connect and statement timeout" },
    { "body",        OPT_STR,  F(body),        0, 65536, NULL, NULL, NULL, "http: POST this body instead of a GET" },
    { "password_env",  OPT_STR, F(password_env),  0, 128, NULL, NULL, NULL, "sql: environment variable holding the password" },
    { "password_file", OPT_STR, F(password_file), 0, 1024, NULL, NULL, NULL, "sql: file holding the password (first line)" },
    { "max_bytes",   OPT_NUM,  F(max_bytes),   1, 1073741824, "8388608", NULL, NULL,
      "http response, file, or SQL result: most bytes accepted" },
    { "max_rows",    OPT_NUM,  F(max_rows),    1, 10000000, "1000", NULL, NULL,
      "sql: most rows one query may return (past it the query fails)" },
    { "format",      OPT_STR,  F(format),      0, 8, NULL, NULL, NULL, "http, file: json or csv (files: by the name's extension)" },
    OPT_END,
};
#undef F

static const char *const theme_keys[] = { "colors", "fonts", NULL };
static const char *const top_keys[] = { "$schema", "name", "canvas", "theme", "feeds", "widgets", "pages",
                                        "fps", "timezone", "history", "stale_after", "transition",
                                        "pixel_shift", "pixel_shift_period", "screen_on", "screen_off", NULL };
#define P(field) offsetof(page_t, field)
static const opt_def_t page_opts[] = {
    { "name",     OPT_STR,  P(name),     0, 64, NULL, NULL, NULL, "the page's name (for --page)" },
    { "duration", OPT_NUM,  P(duration), 1, 86400, "20", NULL, NULL, "seconds the page stays on screen" },
    { "pinned",   OPT_BOOL, P(pinned),   0, 0, "false", NULL, NULL, "the carousel stays on this page" },
    OPT_END,
};
#undef P
static const char *const page_keys[] = { "widgets", NULL };

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
    diag_t   *d;
    layout_t *l;
    int       widgets_seen;     /* widget entries met, also past the cap */
    const cJSON *over_cap;      /* the first widget past LAYOUT_MAX_WIDGETS */
} ctx_t;

static const char *json_kind(const cJSON *j)
{
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsBool(j)) return "a boolean";
    return "null";
}

static bool in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void unknown_key(ctx_t *c, const cJSON *m, const char *where, const opt_def_t *tbl,
                        const char *const *extra)
{
    static const opt_def_t empty[] = { OPT_END };
    const char *s = diag_full(c->d) ? NULL : opt_suggest(tbl ? tbl : empty, m->string, extra);
    if (s)
        diag_at(c->d, m, true, "unknown key \"%s\" in %s (did you mean \"%s\"?)", m->string, where, s);
    else
        diag_at(c->d, m, true, "unknown key \"%s\" in %s", m->string, where);
}

/* Parses the members of obj with tbl into base; unknown keys that are not in
 * extra are errors. Members named in extra are left to the caller. */
static void parse_table(ctx_t *c, const cJSON *obj, const opt_def_t *tbl, void *base,
                        const char *where, const char *const *extra)
{
    for (const cJSON *m = obj->child; m; m = m->next) {
        size_t off;
        const opt_def_t *o = opt_find(tbl, m->string, &off);
        if (o) {
            opt_parse_member(o, off, base, m, c->d);
            continue;
        }
        if (extra && in_list(extra, m->string))
            continue;
        unknown_key(c, m, where, tbl, extra);
    }
}

static int parse_offset(const char *s, int *min)
{
    int h, m;
    char sign, tail;
    if (sscanf(s, "%c%2d:%2d%c", &sign, &h, &m, &tail) != 3 || (sign != '+' && sign != '-') ||
        h > 14 || m > 59 || strlen(s) != 6)
        return -1;
    *min = (sign == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

/* ---- theme -------------------------------------------------------------- */

static void parse_theme(ctx_t *c, const cJSON *t)
{
    if (!cJSON_IsObject(t)) {
        diag_at(c->d, t, false, "\"theme\" must be an object, not %s", json_kind(t));
        return;
    }
    for (const cJSON *m = t->child; m; m = m->next) {
        if (strcmp(m->string, "colors") == 0) {
            if (!cJSON_IsObject(m)) {
                diag_at(c->d, m, false, "\"colors\" must be an object of name → \"#rrggbb\"");
                continue;
            }
            for (const cJSON *k = m->child; k; k = k->next) {
                int idx = -1;
                for (int i = 0; theme_color_names[i]; i++)
                    if (strcmp(theme_color_names[i], k->string) == 0)
                        idx = i;
                if (idx < 0) {
                    diag_at(c->d, k, true, "unknown theme colour \"%s\" (known: bg, bg2, panel, frame, accent, "
                            "accent2, text, dim, good, warn, bad, gold)", k->string);
                    continue;
                }
                bs_color_t col;
                if (!cJSON_IsString(k) || opt_parse_color(k->valuestring, &col) != 0 || col.theme >= 0) {
                    diag_at(c->d, k, false, "theme colour \"%s\" must be \"#rrggbb\" or \"#rrggbbaa\"", k->string);
                    continue;
                }
                c->l->theme.colors[idx] = col;
            }
        } else if (strcmp(m->string, "fonts") == 0) {
            if (!cJSON_IsObject(m)) {
                diag_at(c->d, m, false, "\"fonts\" must be an object of role → font name");
                continue;
            }
            for (const cJSON *k = m->child; k; k = k->next) {
                int role = -1;
                for (int i = 0; theme_font_roles[i]; i++)
                    if (strcmp(theme_font_roles[i], k->string) == 0)
                        role = i;
                if (role < 0) {
                    diag_at(c->d, k, true, "unknown font role \"%s\" (known: text, bold, title, number)", k->string);
                    continue;
                }
                char path[1024], known[512];
                int index;
                if (!cJSON_IsString(k)) {
                    diag_at(c->d, k, false, "font \"%s\" must be a font name string", k->string);
                    continue;
                }
                if (font_lookup(k->valuestring, path, sizeof path, &index) != 0) {
                    font_known(known, sizeof known);
                    diag_at(c->d, k, false, "unknown or missing font \"%s\" (known: %s)", k->valuestring, known);
                    continue;
                }
                free(c->l->theme.fonts[role]);
                c->l->theme.fonts[role] = strdup(k->valuestring);
            }
        } else {
            unknown_key(c, m, "\"theme\"", NULL, theme_keys);
        }
    }
}

/* ---- feeds -------------------------------------------------------------- */

static void report_diag(void *ud, const cJSON *node, bool is_key, const char *msg)
{
    diag_at(ud, node, is_key, "%s", msg);
}

/* file:NAME in a layout is NAME next to the layout file. */
static void resolve_file_url(ctx_t *c, feed_conf_t *fc)
{
    if (!fc->url || strncmp(fc->url, "file:", 5) != 0 || fc->url[5] == '/' || !fc->url[5] || !c->l->file)
        return;
    const char *slash = strrchr(c->l->file, '/');
    if (!slash)
        return;
    size_t n = (size_t)(slash - c->l->file) + strlen(fc->url) + 8;
    char *u = malloc(n);
    if (!u)
        return;
    snprintf(u, n, "file:%.*s/%s", (int)(slash - c->l->file), c->l->file, fc->url + 5);
    free(fc->url);
    fc->url = u;
}

static void parse_feeds(ctx_t *c, const cJSON *arr)
{
    if (!cJSON_IsArray(arr)) {
        diag_at(c->d, arr, false, "\"feeds\" must be an array, not %s", json_kind(arr));
        return;
    }
    for (const cJSON *f = arr->child; f; f = f->next) {
        if (c->l->nfeeds == LAYOUT_MAX_FEEDS) {
            diag_at(c->d, f, false, "more than %d feeds", LAYOUT_MAX_FEEDS);
            return;
        }
        if (!cJSON_IsObject(f)) {
            diag_at(c->d, f, false, "a feed must be an object, not %s", json_kind(f));
            continue;
        }
        feed_conf_t *fc = &c->l->feeds[c->l->nfeeds++];
        opt_defaults(feed_opts, fc);
        fc->lim = bs_limits_default();
        parse_table(c, f, feed_opts, fc, "a feed", feed_extra_keys);
        feed_conf_parse_extra(f, fc, report_diag, c->d);
        resolve_file_url(c, fc);
        const cJSON *lim = cJSON_GetObjectItemCaseSensitive(f, "limits");
        if (lim) {
            static const char *const names[] = { "frame_bytes", "topic_len", "string_len", "history_len",
                                                  "depth", "items", NULL };
            if (!cJSON_IsObject(lim))
                diag_at(c->d, lim, false, "\"limits\" must be an object");
            else
                for (const cJSON *m = lim->child; m; m = m->next) {
                    int i = 0;
                    while (names[i] && strcmp(names[i], m->string) != 0)
                        i++;
                    if (!names[i]) {
                        diag_at(c->d, m, true, "unknown limit \"%s\" (known: frame_bytes, topic_len, "
                                "string_len, history_len, depth, items)", m->string);
                        continue;
                    }
                    if (!cJSON_IsNumber(m) || m->valuedouble < 1 || m->valuedouble > 64e6 ||
                        m->valuedouble != floor(m->valuedouble)) {
                        diag_at(c->d, m, false, "limit \"%s\" must be a whole number 1..64000000", m->string);
                        continue;
                    }
                    size_t v = (size_t)m->valuedouble;
                    switch (i) {
                    case 0: fc->lim.frame_bytes = v; break;
                    case 1: fc->lim.topic_len = v; break;
                    case 2: fc->lim.string_len = v; break;
                    case 3: fc->lim.history_len = v; break;
                    case 4: fc->lim.depth = v > 64 ? 64 : (int)v; break;
                    case 5: fc->lim.items = v; break;
                    }
                }
        }
        for (int i = 0; i < c->l->nfeeds - 1; i++)
            if (strcmp(c->l->feeds[i].id, fc->id) == 0)
                diag_at(c->d, cJSON_GetObjectItemCaseSensitive(f, "id"), false,
                        "duplicate feed id \"%s\"", fc->id);
        char err[256];
        if (feed_check(fc, err, sizeof err) != 0) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(f, "url");
            diag_at(c->d, u ? u : f, false, "%s", err);
        }
    }
}

/* ---- widgets ------------------------------------------------------------ */

void layout_widget_free(wdg_t *w)
{
    if (!w)
        return;
    if (w->cls) {
        if (w->cls->destroy)
            w->cls->destroy(w);
        opt_free(w->cls->opts, w);
    }
    for (int i = 0; i < w->nbinds; i++) {
        free(w->binds[i].topic);
        free(w->binds[i].path);
    }
    free(w->id);
    free(w->title);
    free(w);
}

/* The feed a binding names (its index), or -1 for every feed. */
static const char *const *declared_topics(const layout_t *l, int feed, size_t *n)
{
    const feed_backend_t *be = l->feeds[feed].url ? feed_backend_for(l->feeds[feed].url) : NULL;
    return be && be->topics ? be->topics(n) : NULL;
}

/* A topic is known when some feed it may come from declares it, or when one
 * of them cannot say what it publishes (a live source): only feeds that
 * declare their topics (the demo) make a binding checkable. */
static bool topic_known(const layout_t *l, int feed, const char *topic, const char *const **list, size_t *nlist)
{
    for (int i = 0; i < l->nfeeds; i++) {
        if (feed >= 0 && i != feed)
            continue;
        size_t n;
        const char *const *t = declared_topics(l, i, &n);
        if (!t)
            return true;
        for (size_t k = 0; k < n; k++)
            if (strcmp(t[k], topic) == 0)
                return true;
        *list = t;
        *nlist = n;
    }
    return false;
}

static int parse_rect(ctx_t *c, const cJSON *r, rect_t *out)
{
    double v[4];
    int n = 0;
    if (!cJSON_IsArray(r) || cJSON_GetArraySize(r) != 4) {
        diag_at(c->d, r, false, "\"rect\" must be [x, y, width, height] in design units");
        return -1;
    }
    for (const cJSON *e = r->child; e; e = e->next) {
        if (!cJSON_IsNumber(e)) {
            diag_at(c->d, e, false, "\"rect\" items must be numbers, not %s", json_kind(e));
            return -1;
        }
        v[n++] = e->valuedouble;
    }
    if (v[2] <= 0 || v[3] <= 0) {
        diag_at(c->d, r, false, "\"rect\" needs a positive width and height");
        return -1;
    }
    if (v[0] < 0 || v[1] < 0 || v[0] + v[2] > c->l->width + 1e-9 || v[1] + v[3] > c->l->height + 1e-9) {
        diag_at(c->d, r, false, "\"rect\" [%g, %g, %g, %g] is outside the %dx%d canvas",
                v[0], v[1], v[2], v[3], c->l->width, c->l->height);
        return -1;
    }
    *out = (rect_t){ v[0], v[1], v[2], v[3] };
    return 0;
}

static int parse_bind(ctx_t *c, wdg_t *w, const cJSON *b)
{
    const char *topic = NULL, *path = NULL, *feed = NULL;
    const cJSON *tnode = b, *fnode = NULL;
    if (cJSON_IsString(b)) {
        topic = b->valuestring;
    } else if (cJSON_IsObject(b)) {
        for (const cJSON *m = b->child; m; m = m->next) {
            bool known = !strcmp(m->string, "topic") || !strcmp(m->string, "path") || !strcmp(m->string, "feed");
            if (!known) {
                diag_at(c->d, m, true, "unknown key \"%s\" in \"bind\" (use \"topic\", \"path\" and \"feed\")",
                        m->string);
                return -1;
            }
            if (!cJSON_IsString(m)) {
                diag_at(c->d, m, false, "\"%s\" must be a string", m->string);
                return -1;
            }
            if (strcmp(m->string, "topic") == 0) {
                topic = m->valuestring;
                tnode = m;
            } else if (strcmp(m->string, "path") == 0) {
                path = m->valuestring;
            } else {
                feed = m->valuestring;
                fnode = m;
            }
        }
    }
    if (!topic || !topic[0] || strlen(topic) > 128) {
        diag_at(c->d, b, false, "\"bind\" must be a topic name or {\"topic\": ..., \"path\": ..., \"feed\": ...}");
        return -1;
    }
    int fi = -1;
    if (feed) {
        for (int i = 0; i < c->l->nfeeds; i++)
            if (c->l->feeds[i].id && strcmp(c->l->feeds[i].id, feed) == 0)
                fi = i;
        if (fi < 0) {
            diag_at(c->d, fnode, false, "\"bind\" names feed \"%s\", which the layout does not have", feed);
            return -1;
        }
        if (w->nbinds > 0 && w->feed != fi) {
            diag_at(c->d, fnode, false, "all bindings of a widget come from one feed");
            return -1;
        }
    }
    const char *const *list = NULL;
    size_t nlist = 0;
    if (!topic_known(c->l, fi, topic, &list, &nlist)) {
        char known[1024] = "";
        for (size_t i = 0; i < nlist; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, list[i], sizeof known - strlen(known) - 1);
        }
        diag_at(c->d, tnode, false, "unknown topic \"%s\" (the demo feed publishes: %s)", topic, known);
        return -1;
    }
    if (wdg_add_bind(w, topic, path) < 0)
        return -1;
    w->feed = fi;
    return 0;
}

/* Where a failed init() of w (parsed from object o) is reported: the member
 * (or list item) its error names through w->err_key / err_item, else the
 * widget's "type". */
static const cJSON *init_err_node(const cJSON *o, const wdg_t *w, const cJSON *type)
{
    const cJSON *m = w->err_key ? cJSON_GetObjectItemCaseSensitive(o, w->err_key) : NULL;
    if (!m)
        return type;
    if (w->err_item >= 0 && cJSON_IsArray(m)) {
        const cJSON *it = cJSON_GetArrayItem(m, w->err_item);
        return it ? it : m;
    }
    return m;
}

static void parse_widget(ctx_t *c, const cJSON *o, int page)
{
    layout_t *l = c->l;
    if (!cJSON_IsObject(o)) {
        diag_at(c->d, o, false, "a widget must be an object, not %s", json_kind(o));
        return;
    }
    if (++c->widgets_seen > LAYOUT_MAX_WIDGETS) {   /* said once, with the count, at the end */
        if (!c->over_cap)
            c->over_cap = o;
        return;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
    if (!type) {
        diag_at(c->d, o, false, "widget has no \"type\"");
        return;
    }
    const wdg_class_t *cls = cJSON_IsString(type) ? wdg_class_find(type->valuestring) : NULL;
    if (!cls) {
        char known[512] = "";
        const wdg_class_t *const *all = wdg_classes();
        for (int i = 0; all[i]; i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, all[i]->name, sizeof known - strlen(known) - 1);
        }
        if (cJSON_IsString(type))
            diag_at(c->d, type, false, "unknown widget type \"%s\" (known: %s)", type->valuestring, known);
        else
            diag_at(c->d, type, false, "\"type\" must be a string (known: %s)", known);
        return;
    }
    wdg_t *w = calloc(1, cls->size);
    if (!w)
        return;
    w->cls = cls;
    w->page = page;
    w->feed = -1;
    w->stale_after = -1;
    if (opt_defaults(cls->opts, w) != 0) {
        layout_widget_free(w);
        return;
    }
    size_t before = c->d->count;
    bool has_rect = false;
    for (const cJSON *m = o->child; m; m = m->next) {
        const char *k = m->string;
        if (strcmp(k, "type") == 0)
            continue;
        if (strcmp(k, "id") == 0) {
            if (!cJSON_IsString(m) || !m->valuestring[0] || strlen(m->valuestring) > 64) {
                diag_at(c->d, m, false, "\"id\" must be a non-empty string of at most 64 bytes");
                continue;
            }
            for (int i = 0; i < l->nwidgets; i++)
                if (strcmp(l->widgets[i]->id, m->valuestring) == 0)
                    diag_at(c->d, m, false, "duplicate widget id \"%s\"", m->valuestring);
            free(w->id);
            w->id = strdup(m->valuestring);
        } else if (strcmp(k, "title") == 0) {
            if (!cJSON_IsString(m) || strlen(m->valuestring) > 256) {
                diag_at(c->d, m, false, "\"title\" must be a string of at most 256 bytes");
                continue;
            }
            free(w->title);
            w->title = strdup(m->valuestring);
        } else if (strcmp(k, "rect") == 0) {
            if (parse_rect(c, m, &w->rect) == 0)
                has_rect = true;
            else
                has_rect = true;      /* reported already */
        } else if (strcmp(k, "bind") == 0) {
            if (!cls->bindable) {
                diag_at(c->d, m, true, "a \"%s\" widget takes no \"bind\"", cls->name);
                continue;
            }
            parse_bind(c, w, m);
        } else if (strcmp(k, "stale_after") == 0) {
            if (!cJSON_IsNumber(m) || m->valuedouble < 0 || m->valuedouble > 1e7) {
                diag_at(c->d, m, false, "\"stale_after\" must be seconds, 0..10000000 (0 = never)");
                continue;
            }
            w->stale_after = m->valuedouble;
        } else {
            size_t off;
            const opt_def_t *od = opt_find(cls->opts ? cls->opts : (const opt_def_t[]){ OPT_END }, k, &off);
            if (od) {
                opt_parse_member(od, off, w, m, c->d);
                continue;
            }
            static const opt_def_t empty[] = { OPT_END };
            const char *s = diag_full(c->d) ? NULL : opt_suggest(cls->opts ? cls->opts : empty, k, wdg_common_keys);
            if (s)
                diag_at(c->d, m, true, "unknown key \"%s\" for a %s widget (did you mean \"%s\"?)", k, cls->name, s);
            else
                diag_at(c->d, m, true, "unknown key \"%s\" for a %s widget", k, cls->name);
        }
    }
    if (!w->id)
        diag_at(c->d, o, false, "%s widget has no \"id\"", cls->name);
    if (!has_rect)
        diag_at(c->d, o, false, "widget \"%s\" has no \"rect\"", w->id ? w->id : cls->name);
    if (cls->bindable && !cls->bind_optional && w->nbinds == 0 && c->d->count == before) {
        /* widgets that need data must say where it comes from */
        if (!cJSON_GetObjectItemCaseSensitive(o, "bind"))
            diag_at(c->d, o, false, "%s widget \"%s\" has no \"bind\"", cls->name, w->id ? w->id : "?");
    }
    if (c->d->count == before && cls->init) {
        char err[256] = "";
        w->layout_file = l->file;
        w->err_key = NULL;
        w->err_item = -1;
        if (cls->init(w, err, sizeof err) != 0)
            diag_at(c->d, init_err_node(o, w, type), false, "%s widget \"%s\": %s", cls->name,
                    w->id ? w->id : "?", err);
    }
    if (c->d->count != before) {
        layout_widget_free(w);
        return;
    }
    if (w->stale_after < 0) {
        double s = l->nfeeds ? l->feeds[w->feed >= 0 ? w->feed : 0].stale_after : -1;
        w->stale_after = s >= 0 ? s : l->stale_after;
    }
    wdg_t **nw = realloc(l->widgets, (size_t)(l->nwidgets + 1) * sizeof *nw);
    if (!nw) {
        layout_widget_free(w);
        return;
    }
    l->widgets = nw;
    l->widgets[l->nwidgets++] = w;
}

static void parse_widgets(ctx_t *c, const cJSON *arr, int page)
{
    if (!cJSON_IsArray(arr)) {
        diag_at(c->d, arr, false, "\"widgets\" must be an array, not %s", json_kind(arr));
        return;
    }
    for (const cJSON *o = arr->child; o; o = o->next)
        parse_widget(c, o, page);
}

static void parse_pages(ctx_t *c, const cJSON *arr)
{
    if (!cJSON_IsArray(arr)) {
        diag_at(c->d, arr, false, "\"pages\" must be an array, not %s", json_kind(arr));
        return;
    }
    for (const cJSON *p = arr->child; p; p = p->next) {
        if (c->l->npages == LAYOUT_MAX_PAGES) {
            diag_at(c->d, p, false, "more than %d pages", LAYOUT_MAX_PAGES);
            return;
        }
        if (!cJSON_IsObject(p)) {
            diag_at(c->d, p, false, "a page must be an object, not %s", json_kind(p));
            continue;
        }
        int idx = c->l->npages++;
        page_t *pg = &c->l->pages[idx];
        opt_defaults(page_opts, pg);
        parse_table(c, p, page_opts, pg, "a page", page_keys);
        const cJSON *ws = cJSON_GetObjectItemCaseSensitive(p, "widgets");
        if (ws)
            parse_widgets(c, ws, idx);
        if (pg->pinned) {
            if (c->l->pin >= 0)
                diag_at(c->d, cJSON_GetObjectItemCaseSensitive(p, "pinned"), false,
                        "only one page can be pinned (page %d is already)", c->l->pin + 1);
            else
                c->l->pin = idx;
        }
        for (int i = 0; pg->name && i < idx; i++)
            if (c->l->pages[i].name && strcmp(c->l->pages[i].name, pg->name) == 0)
                diag_at(c->d, cJSON_GetObjectItemCaseSensitive(p, "name"), false,
                        "duplicate page name \"%s\"", pg->name);
    }
}

int layout_pin_page(layout_t *l, const char *page)
{
    for (int i = 0; i < l->npages; i++)
        if (l->pages[i].name && strcmp(l->pages[i].name, page) == 0) {
            l->pin = i;
            return 0;
        }
    char *end;
    long n = strtol(page, &end, 10);
    if (*page && !*end && n >= 1 && n <= l->npages) {
        l->pin = (int)n - 1;
        return 0;
    }
    return -1;
}

/* ---- entry points ------------------------------------------------------- */

static const char *const *feed_overrides;
static int n_feed_overrides;

void layout_set_feed_overrides(const char *const *ov, int n)
{
    feed_overrides = ov;
    n_feed_overrides = n;
}

/* --feed ID=URL: applied before the widgets are read, so bindings are checked
 * against the feed that will really run. Unknown ids are the caller's to
 * report. */
static void apply_overrides(layout_t *l)
{
    for (int i = 0; i < n_feed_overrides; i++) {
        const char *eq = strchr(feed_overrides[i], '=');
        if (!eq)
            continue;
        char id[128];
        snprintf(id, sizeof id, "%.*s", (int)(eq - feed_overrides[i]), feed_overrides[i]);
        layout_set_feed_url(l, id, eq + 1);
    }
}

layout_t *layout_load_text(const char *name, const char *text, size_t len, diag_t *d)
{
    layout_t *l = NULL;
    d->file = name;
    if (len > LAYOUT_MAX_BYTES) {
        diag_pos(d, 1, 1, "file is larger than %u bytes", LAYOUT_MAX_BYTES);
        return NULL;
    }
    int line = 1, col = 1;
    char msg[256] = "";
    jsonpos_t *jp = jsonpos_parse(text, len, &line, &col, msg, sizeof msg);
    if (!jp) {
        diag_pos(d, line, col, "%s", msg);
        return NULL;
    }
    d->jp = jp;
    const cJSON *root = jsonpos_root(jp);
    if (!cJSON_IsObject(root)) {
        diag_at(d, root, false, "a layout must be a JSON object, not %s", json_kind(root));
        goto out;
    }
    l = calloc(1, sizeof *l);
    if (!l)
        goto out;
    l->file = strdup(name);
    theme_default(&l->theme);
    opt_defaults(canvas_opts, l);
    opt_defaults(top_opts, l);
    l->pin = -1;
    ctx_t c = { .d = d, .l = l };

    parse_table(&c, root, top_opts, l, "the layout", top_keys);
    l->on_min = l->off_min = -1;
    static const char *const sched[] = { "screen_on", "screen_off" };
    for (int i = 0; i < 2; i++) {
        const char *v = i ? l->screen_off : l->screen_on;
        int hh, mm, n = 0;
        if (!v)
            continue;
        if (sscanf(v, "%2d:%2d%n", &hh, &mm, &n) != 2 || v[n] || strlen(v) != 5 || hh > 23 || mm > 59 || hh < 0 || mm < 0)
            diag_at(d, cJSON_GetObjectItemCaseSensitive(root, sched[i]), false,
                    "\"%s\" must be a time of day like \"07:30\"", sched[i]);
        else if (i)
            l->off_min = hh * 60 + mm;
        else
            l->on_min = hh * 60 + mm;
    }
    if ((l->screen_on != NULL) != (l->screen_off != NULL))
        diag_at(d, cJSON_GetObjectItemCaseSensitive(root, l->screen_on ? "screen_on" : "screen_off"), true,
                "\"screen_on\" and \"screen_off\" go together");
    if ((l->timezone[0] == '+' || l->timezone[0] == '-') && parse_offset(l->timezone, &l->utc_offset_min) != 0) {
        diag_at(d, cJSON_GetObjectItemCaseSensitive(root, "timezone"), false,
                "\"timezone\" must be a UTC offset like \"+08:00\" or a zone name like \"Asia/Shanghai\"");
    } else if (l->timezone[0] != '+' && l->timezone[0] != '-') {
        char why[600];
        if (!(l->tz = tz_load(l->timezone, why, sizeof why)))
            diag_at(d, cJSON_GetObjectItemCaseSensitive(root, "timezone"), false,
                    "\"timezone\" \"%s\": %s (a UTC offset like \"+08:00\" or a zone name like \"Asia/Shanghai\")",
                    l->timezone, why);
        else
            l->utc_offset_min = tz_offset_min(l->tz, time(NULL) * 1000LL);
    }
    const cJSON *m;
    if ((m = cJSON_GetObjectItemCaseSensitive(root, "canvas"))) {
        if (!cJSON_IsObject(m))
            diag_at(d, m, false, "\"canvas\" must be an object {\"width\", \"height\", \"fit\"}");
        else
            parse_table(&c, m, canvas_opts, l, "\"canvas\"", NULL);
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(root, "theme")))
        parse_theme(&c, m);
    if ((m = cJSON_GetObjectItemCaseSensitive(root, "feeds")))
        parse_feeds(&c, m);
    if (l->nfeeds == 0) {          /* no feed given: the demo */
        feed_conf_t *fc = &l->feeds[l->nfeeds++];
        opt_defaults(feed_opts, fc);
        fc->lim = bs_limits_default();
    }
    apply_overrides(l);
    for (int i = 0; i < l->nfeeds; i++) {
        if (l->feeds[i].stale_after < 0)
            l->feeds[i].stale_after = l->stale_after;
        l->feeds[i].lim.history_len = (size_t)l->history;
    }
    if ((m = cJSON_GetObjectItemCaseSensitive(root, "widgets")))
        parse_widgets(&c, m, -1);
    if ((m = cJSON_GetObjectItemCaseSensitive(root, "pages")))
        parse_pages(&c, m);
    if (c.over_cap)
        diag_at(d, c.over_cap, false, "%d widgets: a layout holds at most %d (this is the first one past it)",
                c.widgets_seen, LAYOUT_MAX_WIDGETS);
    if (l->nwidgets == 0 && d->count == 0)
        diag_at(d, root, false, "the layout has no widgets");
out:
    d->jp = NULL;
    jsonpos_free(jp);
    if (d->count && l) {
        layout_free(l);
        l = NULL;
    }
    return l;
}

layout_t *layout_load_file(const char *path, diag_t *d, bool *unreadable)
{
    d->file = path;
    *unreadable = false;
    char why[1200];
    size_t n = 0;
    char *buf = bs_read_file(path, LAYOUT_MAX_BYTES, &n, why, sizeof why);
    if (!buf && errno == EFBIG) {           /* readable, but too big: invalid, as by its text */
        diag_pos(d, 1, 1, "file is larger than %u bytes", LAYOUT_MAX_BYTES);
        return NULL;
    }
    if (!buf) {                             /* missing, refused, a FIFO, a directory, ... */
        if (errno == EINVAL)
            diag_pos(d, 0, 0, "cannot read: not a regular file%s", strrchr(why, '(') ? strrchr(why, '(') - 1 : "");
        else
            diag_pos(d, 0, 0, "cannot read: %s", strerror(errno));
        *unreadable = true;
        return NULL;
    }
    layout_t *l = layout_load_text(path, buf, n, d);
    free(buf);
    return l;
}

void layout_free(layout_t *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nwidgets; i++)
        layout_widget_free(l->widgets[i]);
    free(l->widgets);
    for (int i = 0; i < l->nfeeds; i++)
        feed_conf_clear(&l->feeds[i]);
    for (int i = 0; i < l->npages; i++)
        free(l->pages[i].name);
    for (int i = 0; i < FONT_N_ROLES; i++)
        free(l->theme.fonts[i]);
    free(l->timezone);
    tz_free(l->tz);
    free(l->screen_on);
    free(l->screen_off);
    free(l->file);
    free(l);
}

int layout_set_feed_url(layout_t *l, const char *id, const char *url)
{
    for (int i = 0; i < l->nfeeds; i++)
        if (strcmp(l->feeds[i].id, id) == 0) {
            char *u = strdup(url);
            if (!u)
                return -1;
            free(l->feeds[i].url);
            l->feeds[i].url = u;
            return 0;
        }
    return -1;
}

/* ---- JSON Schema -------------------------------------------------------- */

static cJSON *prop(cJSON *props, const char *name, const char *type, const char *desc)
{
    cJSON *p = cJSON_AddObjectToObject(props, name);
    cJSON_AddStringToObject(p, "type", type);
    if (desc)
        cJSON_AddStringToObject(p, "description", desc);
    return p;
}

static cJSON *object_schema(const opt_def_t *tbl, const char *desc);

/* headers, map and queries (parsed in feeds/conf.c) */
static void feed_extra_schema(cJSON *props)
{
    cJSON *h = prop(props, "headers", "object", "http: request headers {\"Name\": \"value\"} (no Authorization: "
                    "use token_env or token_file)");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(h, "additionalProperties"), "type", "string");
    cJSON *m = prop(props, "map", "array", "http, file: topic ← path mappings of a JSON document");
    cJSON *mi = object_schema(NULL, NULL);
    cJSON *mp = cJSON_GetObjectItem(mi, "properties");
    prop(mp, "topic", "string", "topic the result is published as");
    prop(mp, "path", "string", "path into the document, as in bindings: \"data.office.0.v\"; \"\" = all of it");
    cJSON *pick = prop(mp, "pick", "object", "arrays of objects: each item becomes {name: item[name], value: item[value]}");
    cJSON *pp = cJSON_AddObjectToObject(pick, "properties");
    prop(pp, "name", "string", NULL);
    prop(pp, "value", "string", NULL);
    cJSON *so = prop(mp, "sort", "string", "sort the array");
    const char *dirs[] = { "asc", "desc" };
    cJSON_AddItemToObject(so, "enum", cJSON_CreateStringArray(dirs, 2));
    prop(mp, "by", "string", "field to sort by (default: value after pick, else the items)");
    prop(mp, "top", "integer", "keep the first N items");
    cJSON *sum = cJSON_AddObjectToObject(mp, "sum");
    cJSON_AddStringToObject(sum, "description", "true: sum the items; a string: sum that field of each item");
    prop(mp, "count", "boolean", "the number of items");
    prop(mp, "ratio", "string", "path of a denominator: the value is 100 · path / ratio (a percentage)");
    const char *mreq[] = { "topic", "path" };
    cJSON_AddItemToObject(mi, "required", cJSON_CreateStringArray(mreq, 2));
    cJSON_AddItemToObject(m, "items", mi);
    cJSON *q = prop(props, "queries", "array", "postgresql, mysql: one read-only query per topic");
    cJSON *qi = object_schema(NULL, NULL);
    cJSON *qp = cJSON_GetObjectItem(qi, "properties");
    prop(qp, "topic", "string", NULL);
    prop(qp, "sql", "string", "one SELECT statement");
    cJSON *sh = prop(qp, "shape", "string", "value (one cell), row (an object), rows (array of objects), "
                     "map ({first column: second column}); default value");
    const char *shapes[] = { "value", "row", "rows", "map" };
    cJSON_AddItemToObject(sh, "enum", cJSON_CreateStringArray(shapes, 4));
    const char *qreq[] = { "topic", "sql" };
    cJSON_AddItemToObject(qi, "required", cJSON_CreateStringArray(qreq, 2));
    cJSON_AddItemToObject(q, "items", qi);
}

static cJSON *object_schema(const opt_def_t *tbl, const char *desc)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", "object");
    if (desc)
        cJSON_AddStringToObject(s, "description", desc);
    cJSON *p = cJSON_AddObjectToObject(s, "properties");
    if (tbl)
        opt_schema(tbl, p);
    cJSON_AddFalseToObject(s, "additionalProperties");
    return s;
}

char *layout_schema(void)
{
    cJSON *root = object_schema(top_opts, "bigscreen layout");
    cJSON_AddStringToObject(root, "$schema", "http://json-schema.org/draft-07/schema#");
    cJSON_AddStringToObject(root, "title", "bigscreen layout");
    cJSON *props = cJSON_GetObjectItem(root, "properties");
    cJSON *s = cJSON_AddObjectToObject(props, "$schema");
    cJSON_AddStringToObject(s, "type", "string");
    s = cJSON_AddObjectToObject(props, "name");
    cJSON_AddStringToObject(s, "type", "string");
    cJSON_AddItemToObject(props, "canvas", object_schema(canvas_opts, "the design canvas"));
    static const char *const hhmm[] = { "screen_on", "screen_off" };
    for (int i = 0; i < 2; i++)
        cJSON_AddStringToObject(cJSON_GetObjectItem(props, hhmm[i]), "pattern", "^([01][0-9]|2[0-3]):[0-5][0-9]$");
    cJSON_AddStringToObject(cJSON_GetObjectItem(props, "timezone"), "pattern",
                            "^([+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)|[A-Za-z][A-Za-z0-9_+/-]*)$");

    cJSON *theme = object_schema(NULL, "colours and fonts");
    cJSON *tp = cJSON_GetObjectItem(theme, "properties");
    cJSON *colors = object_schema(NULL, "theme colours, \"#rrggbb\" or \"#rrggbbaa\"");
    cJSON *cp = cJSON_GetObjectItem(colors, "properties");
    for (int i = 0; theme_color_names[i]; i++) {
        cJSON *c = cJSON_AddObjectToObject(cp, theme_color_names[i]);
        cJSON_AddStringToObject(c, "type", "string");
        cJSON_AddStringToObject(c, "pattern", "^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$");
    }
    cJSON_AddItemToObject(tp, "colors", colors);
    cJSON *fonts = object_schema(NULL, "font names from fonts/manifest.json per role");
    cJSON *fp = cJSON_GetObjectItem(fonts, "properties");
    for (int i = 0; theme_font_roles[i]; i++)
        cJSON_AddStringToObject(cJSON_AddObjectToObject(fp, theme_font_roles[i]), "type", "string");
    cJSON_AddItemToObject(tp, "fonts", fonts);
    cJSON_AddItemToObject(props, "theme", theme);

    cJSON *feeds = cJSON_AddObjectToObject(props, "feeds");
    cJSON_AddStringToObject(feeds, "type", "array");
    cJSON_AddNumberToObject(feeds, "maxItems", LAYOUT_MAX_FEEDS);
    cJSON *feed = object_schema(feed_opts, "a data feed");
    cJSON *lim = object_schema(NULL, "caps on what the feed may send (whole numbers 1..64000000)");
    cJSON_AddItemToObject(cJSON_GetObjectItem(feed, "properties"), "limits", lim);
    static const char *const limit_docs[][2] = {
        { "frame_bytes", "largest frame, bytes (default 1 MiB)" }, { "topic_len", "longest topic (128)" },
        { "string_len", "longest string value (4096)" }, { "history_len", "history ring per topic (the layout's)" },
        { "depth", "nesting of arrays/objects in a value (16, at most 64)" },
        { "items", "items per array/object (1024)" },
    };
    for (size_t i = 0; i < sizeof limit_docs / sizeof limit_docs[0]; i++) {
        cJSON *li = prop(cJSON_GetObjectItem(lim, "properties"), limit_docs[i][0], "integer", limit_docs[i][1]);
        cJSON_AddNumberToObject(li, "minimum", 1);
        cJSON_AddNumberToObject(li, "maximum", 64e6);
    }
    feed_extra_schema(cJSON_GetObjectItem(feed, "properties"));
    cJSON_AddItemToObject(feeds, "items", feed);

    /* widgets: one schema per kind, chosen by "type" through if/then (so a
     * validator's errors name the kind's own keys, not every kind's) */
    cJSON *defs = cJSON_AddObjectToObject(root, "definitions");
    cJSON *kinds = cJSON_CreateArray(), *branches = cJSON_CreateArray();
    const wdg_class_t *const *all = wdg_classes();
    for (int i = 0; all[i]; i++) {
        cJSON *w = object_schema(all[i]->opts, all[i]->doc);
        cJSON *wp = cJSON_GetObjectItem(w, "properties");
        cJSON *t = cJSON_AddObjectToObject(wp, "type");
        cJSON_AddStringToObject(t, "const", all[i]->name);
        cJSON_AddStringToObject(t, "description", "the widget kind");
        cJSON *id = prop(wp, "id", "string", "unique name of the widget in the layout (reports, errors)");
        cJSON_AddNumberToObject(id, "minLength", 1);
        cJSON_AddNumberToObject(id, "maxLength", 64);
        cJSON_AddNumberToObject(prop(wp, "title", "string", "caption shown in the panel's title bar"),
                                "maxLength", 256);
        cJSON *rect = prop(wp, "rect", "array", "[x, y, width, height] in design units, inside the canvas");
        cJSON *ri = cJSON_AddArrayToObject(rect, "items");
        static const char *const rect_docs[] = { "x, from the canvas's left", "y, from the canvas's top",
                                                 "width (> 0)", "height (> 0)" };
        for (int k = 0; k < 4; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "type", "number");
            cJSON_AddNumberToObject(e, k < 2 ? "minimum" : "exclusiveMinimum", 0);
            cJSON_AddNumberToObject(e, "maximum", 16384);
            cJSON_AddStringToObject(e, "description", rect_docs[k]);
            cJSON_AddItemToArray(ri, e);
        }
        cJSON_AddNumberToObject(rect, "minItems", 4);
        cJSON_AddNumberToObject(rect, "maxItems", 4);
        cJSON *st = prop(wp, "stale_after", "number", "seconds after the newest data before the widget is shown "
                         "stale; 0 = never; default: its feed's, else the layout's");
        cJSON_AddNumberToObject(st, "minimum", 0);
        cJSON_AddNumberToObject(st, "maximum", 1e7);
        if (all[i]->bindable) {
            cJSON *b = cJSON_AddObjectToObject(wp, "bind");
            cJSON_AddStringToObject(b, "description", "where the value comes from: a topic (\"office.rate\"), or "
                                    "{\"topic\", \"path\" into its value, \"feed\"}");
            cJSON *ba = cJSON_AddArrayToObject(b, "anyOf");
            cJSON *bs = cJSON_CreateObject();
            cJSON_AddStringToObject(bs, "type", "string");
            cJSON_AddItemToArray(ba, bs);
            cJSON *bo = object_schema(NULL, NULL);
            cJSON *bop = cJSON_GetObjectItem(bo, "properties");
            prop(bop, "topic", "string", "the topic");
            prop(bop, "path", "string", "field path inside the topic's value: \"a.b.0\"");
            prop(bop, "feed", "string", "id of the feed the topic comes from (default: every feed)");
            const char *breq[] = { "topic" };
            cJSON_AddItemToObject(bo, "required", cJSON_CreateStringArray(breq, 1));
            cJSON_AddItemToArray(ba, bo);
        }
        const char *req[] = { "type", "id", "rect" };
        cJSON_AddItemToObject(w, "required", cJSON_CreateStringArray(req, 3));
        cJSON_AddItemToObject(defs, all[i]->name, w);
        cJSON_AddItemToArray(kinds, cJSON_CreateString(all[i]->name));
        char ref[128];
        snprintf(ref, sizeof ref, "#/definitions/%s", all[i]->name);
        cJSON *br = cJSON_CreateObject();
        cJSON *cond = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(br, "if"),
                                                                      "properties"), "type");
        cJSON_AddStringToObject(cond, "const", all[i]->name);
        cJSON_AddStringToObject(cJSON_AddObjectToObject(br, "then"), "$ref", ref);
        cJSON_AddItemToArray(branches, br);
    }
    cJSON *wl = cJSON_CreateObject();
    cJSON_AddStringToObject(wl, "type", "array");
    cJSON_AddNumberToObject(wl, "maxItems", LAYOUT_MAX_WIDGETS);
    cJSON *items = cJSON_AddObjectToObject(wl, "items");
    cJSON_AddStringToObject(items, "type", "object");
    const char *treq[] = { "type" };
    cJSON_AddItemToObject(items, "required", cJSON_CreateStringArray(treq, 1));
    cJSON *tk = cJSON_AddObjectToObject(cJSON_AddObjectToObject(items, "properties"), "type");
    cJSON_AddStringToObject(tk, "description", "the widget kind");
    cJSON_AddItemToObject(tk, "enum", kinds);
    cJSON_AddItemToObject(items, "allOf", branches);
    cJSON_AddItemToObject(defs, "widget_list", wl);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(props, "widgets"), "$ref", "#/definitions/widget_list");
    cJSON *pages = cJSON_AddObjectToObject(props, "pages");
    cJSON_AddStringToObject(pages, "type", "array");
    cJSON *page = object_schema(page_opts, "a page of the carousel");
    cJSON *pp = cJSON_GetObjectItem(page, "properties");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(pp, "widgets"), "$ref", "#/definitions/widget_list");
    cJSON_AddItemToObject(pages, "items", page);

    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}
