/*
 * text.h — the text cache: runs of text rasterised by SDL2_ttf (HarfBuzz
 * shaping in Debian's build) at the exact output pixel size, kept as Cairo A8
 * masks and composited in any colour.
 *
 * Thread: render thread only. Memory: capped (bytes and entries); the least
 * recently used masks go first, so a screen running for weeks stays flat.
 */
#ifndef BS_TEXT_H
#define BS_TEXT_H

#include <cairo.h>
#include <stddef.h>
#include <stdint.h>
#include "theme.h"

typedef struct text_cache text_cache_t;

typedef struct {
    cairo_surface_t *mask;     /* A8, NULL for empty text; owned by the cache */
    int    width, height;      /* pixels */
    double ascent;             /* pixels from the top to the baseline */
    double advance;            /* pixels */
    int    pad;                /* blur padding on each side, pixels */
} text_run_t;

/* Opens the fonts named in theme (looked up in the manifest). On failure
 * returns NULL with a message in err. max_bytes caps the cached masks. */
text_cache_t *text_cache_new(const theme_t *theme, size_t max_bytes, char *err, size_t errlen);
void text_cache_free(text_cache_t *tc);                     /* accepts NULL */

/* The run for s in font role at px pixels, blurred by blur pixels (0 = sharp).
 * The pointer is valid until the next text_get call. NULL on bad input. */
const text_run_t *text_get(text_cache_t *tc, int role, int px, const char *s, int blur);

/* Advance of one UTF-8 string without caching a mask (for measuring). */
double text_measure(text_cache_t *tc, int role, int px, const char *s);

/* A number no other cache of this process has had: what a picture drawn
 * with tc's fonts is keyed by (a freed cache's address may come back). */
uint64_t text_cache_id(const text_cache_t *tc);

typedef struct {
    size_t entries, bytes, hits, misses, evictions;
} text_cache_stats_t;
text_cache_stats_t text_cache_stats(const text_cache_t *tc);

/* Font manifest: the file and face index of a font name. 0, or -1 if the
 * name is unknown or no listed file exists. */
int font_lookup(const char *name, char *path, size_t pathlen, int *index);
/* Names the manifest knows, for error messages ("known: ..."). */
void font_known(char *buf, size_t len);

#endif
