/*
 * layout.h — layout files: JSON with comments → a checked layout_t.
 *
 * Thread: main/render thread. Loading reads the file; the frame loop never
 * calls it (hot reload reads on the main thread between frames, see app.c).
 *
 * Ownership: layout_t owns its widgets (instances allocated from their
 * class), feed confs and theme. Every problem is reported through the diag
 * as file:line:col; a layout with any problem is not returned.
 */
#ifndef BS_LAYOUT_H
#define BS_LAYOUT_H

#include "diag.h"
#include "feed.h"
#include "theme.h"
#include "widget.h"

#define LAYOUT_MAX_FEEDS    8
#define LAYOUT_MAX_PAGES    32
#define LAYOUT_MAX_WIDGETS  256
#define LAYOUT_MAX_BYTES    (4u << 20)

enum { FIT_CONTAIN = 0, FIT_COVER, FIT_STRETCH };

typedef struct {
    char  *name;
    double duration;        /* seconds on screen in the carousel */
    bool   pinned;          /* the carousel stays on this page */
} page_t;

typedef struct layout {
    char       *file;
    /* canvas */
    int         width, height, fit;
    int         fps;
    char       *timezone;       /* "+08:00" or an IANA name, "Asia/Shanghai" */
    int         utc_offset_min; /* the offset now: fixed, or set from tz each frame */
    struct tz  *tz;             /* IANA zone (read-only after load), NULL: fixed */
    int         history;        /* history ring length per topic */
    double      transition;     /* seconds of the cross-fade between pages */
    int         pixel_shift;    /* burn-in guard: largest shift, output pixels */
    char       *screen_on, *screen_off;   /* "HH:MM" local; NULL = always on */
    int         on_min, off_min;          /* the same in minutes of the day */
    double      pixel_shift_period; /* seconds between shifts */
    int         pin;            /* page the carousel stays on, -1 = none */
    double      stale_after;    /* default for feeds */
    theme_t     theme;
    feed_conf_t feeds[LAYOUT_MAX_FEEDS];
    int         nfeeds;
    page_t      pages[LAYOUT_MAX_PAGES];
    int         npages;
    wdg_t     **widgets;        /* drawing order */
    int         nwidgets;
} layout_t;

/* Loads and checks a file. Returns NULL on any problem; *unreadable is set
 * when the file could not be read at all (the message is in d too). */
layout_t *layout_load_file(const char *path, diag_t *d, bool *unreadable);
/* The same from memory; name is used in messages. */
layout_t *layout_load_text(const char *name, const char *text, size_t len, diag_t *d);
void layout_free(layout_t *l);                /* accepts NULL */

/* Frees a widget instance made by the loader. */
void layout_widget_free(wdg_t *w);

/* Pins the carousel to the page named (or numbered from 1) by page.
 * 0, or -1 if there is no such page. */
int layout_pin_page(layout_t *l, const char *page);

/* Overrides the URL of the feed named id. 0, or -1 if there is no such feed. */
int layout_set_feed_url(layout_t *l, const char *id, const char *url);
/* --feed ID=URL overrides every later load applies before it reads the
 * widgets (so bindings are checked against the feed that will run). The
 * strings are borrowed and must outlive the loads. Main thread. */
void layout_set_feed_overrides(const char *const *ov, int n);

/* The JSON Schema of layout files, generated from the option tables.
 * Returns malloc'd text. */
char *layout_schema(void);

#endif
