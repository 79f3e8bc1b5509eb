/*
 * imgcache.h — decoded images shared by every image widget, with a memory
 * total.
 *
 * An image file (PNG or SVG) is read whole (bs_read_file: a regular file,
 * capped, never blocking on a FIFO) and decoded once per file identity —
 * its path and the device, inode, size and mtime of what was read: twelve
 * widgets showing one logo hold one surface, and a file changed on disk is
 * decoded anew for the layout loaded after the change (the old layout keeps
 * its copy until it is freed).
 *
 * Memory: every decoded raster counts its pixels (4 bytes each) against a
 * cap per image (WDG_IMAGE_MAX_PIXELS) and a total over all live images of
 * the process (WDG_IMAGE_BUDGET_PIXELS) — the layout on screen and, during
 * a hot reload, the one replacing it (unchanged files are shared, so they
 * count once). Past either, acquiring fails with a message and is counted;
 * the header is checked before any decoding, so nothing big is allocated.
 *
 * SVG: parsed from memory with no base file, so a document cannot reach
 * any other file (librsvg loads no <image href="x.png">, XInclude, external
 * <use> or stylesheet without a base). References to files are reported as
 * errors; images embedded as data: URLs must be PNG, JPEG or GIF and their
 * header sizes count against the caps like a PNG file. Spellings that would
 * hide a data: URL from that check (ASCII character references, entity
 * declarations, CSS escapes) are refused.
 *
 * Threads: acquire runs where layouts load (main thread, reload thread),
 * release where layouts are freed (render or reload thread); one mutex
 * guards the table and the totals and is never held while reading or
 * decoding. An entry is immutable after acquire; only the render thread
 * draws it.
 */
#ifndef BS_IMGCACHE_H
#define BS_IMGCACHE_H

#include <cairo.h>
#include <librsvg/rsvg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WDG_IMAGE_MAX_SIDE      8192
#define WDG_IMAGE_MAX_BYTES     (32u << 20)   /* PNG file on disk */
#define WDG_SVG_MAX_BYTES       (4u << 20)    /* SVG file on disk */
#define WDG_IMAGE_MAX_PIXELS    (32u << 20)   /* 33.5 Mpx (8192x4096): 128 MiB decoded */
#define WDG_IMAGE_BUDGET_PIXELS (64u << 20)   /* 67.1 Mpx: 256 MiB for all images alive */

typedef struct {
    cairo_surface_t *img;       /* a PNG, or NULL */
    RsvgHandle      *svg;       /* an SVG, or NULL */
    double           iw, ih;    /* intrinsic size, pixels */
    uint64_t         pixels;    /* decoded pixels it holds (the SVG's: embedded images) */
} wdg_image_t;

typedef struct {
    uint64_t files;             /* distinct decoded files alive */
    uint64_t pixels;            /* their decoded pixels */
    uint64_t shared;            /* acquisitions served from the cache */
    uint64_t refused;           /* acquisitions refused (caps, budget, bad files) */
} wdg_image_stats_t;

/* The decoded image at path (an SVG when svg, else a PNG), shared: a hit
 * takes a reference, a miss reads, checks and decodes. NULL with a
 * one-line reason in err (cannot read, not a regular file, too big, too
 * many pixels, over the budget, not a PNG/SVG, an SVG that refers to
 * files). Each successful acquire is paired with one release. */
const wdg_image_t *wdg_image_acquire(const char *path, bool svg, char *err, size_t errlen);

/* Drops a reference; the last one frees the decoded image and gives its
 * pixels back to the budget. Accepts NULL. */
void wdg_image_release(const wdg_image_t *im);

/* The counters above (any thread). */
void wdg_image_stats(wdg_image_stats_t *out);

#endif
