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
 * Rasters (wdg_image_acquire_raster): PNG, JPEG (decoded by gdk-pixbuf,
 * its SOF header checked first like a PNG's IHDR) or an SVG rasterised
 * once at the size that covers a box, so a slideshow paints one surface
 * per frame of a fade instead of re-rendering vectors.
 *
 * The loader thread (wdg_image_load): the render thread never reads or
 * decodes. It asks for a file and gets a job; the one loader thread (made
 * on first use, detached, for the process) reads, checks and decodes jobs
 * in order and hands the result over under qlock; the render thread polls
 * the job each frame ("not ready" keeps the current picture on screen). A
 * job let go before it finishes is freed by the loader. At most
 * WDG_IMAGE_QUEUE_MAX jobs wait; more fail at once (counted). Snapshots
 * turn on sync mode: jobs are decoded by the caller, so a picture at --at T
 * is deterministic.
 *
 * Threads: acquire runs where layouts load (main thread, reload thread) and
 * on the loader thread, release where layouts are freed (render or reload
 * thread) and on the loader thread; one mutex guards the table and the
 * totals and is never held while reading or decoding. An entry is
 * immutable after acquire; only the render thread draws it.
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
    uint64_t loaded;            /* loader jobs done (decoded or failed) */
    uint64_t pending;           /* loader jobs waiting or being decoded */
} wdg_image_stats_t;

#define WDG_IMAGE_QUEUE_MAX 1024

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
/* Draws a shared SVG handle (an entry's svg) into cr at vp. Any thread: one
 * lock serialises every use of shared handles, which librsvg does not allow
 * from two threads at once (a reload's next screen is drawn on the reload
 * thread while the screen on display draws on the render thread). */
bool wdg_svg_render(RsvgHandle *svg, cairo_t *cr, const RsvgRectangle *vp);

/* A raster of the image at path: a PNG or JPEG as decoded, an SVG drawn
 * to cover box_w x box_h pixels (within the caps). Shared and budgeted as
 * wdg_image_acquire; the kind is found from the bytes (an SVG also by its
 * .svg name). NULL with the reason in err. Any thread; reads and decodes,
 * so never the render thread: it goes through wdg_image_load. */
const wdg_image_t *wdg_image_acquire_raster(const char *path, int box_w, int box_h, char *err, size_t errlen);

/* What a layout's image file can be told from its first 64 KiB, without
 * decoding: a regular file under the caps, a PNG or JPEG whose header size
 * is within the per-image caps, or an SVG under the SVG file cap. 0, or -1
 * with the reason in err (counted as refused). For `check` and layout
 * loads; never on the render thread. */
int wdg_image_probe(const char *path, char *err, size_t errlen);

/* ---- the loader thread ---- */
enum { WDG_IMG_PENDING, WDG_IMG_READY, WDG_IMG_FAILED };
typedef struct wdg_image_job wdg_image_job_t;

/* Queues path for the loader thread: a raster as
 * wdg_image_acquire_raster(path, box_w, box_h). With layout_file, path is
 * a name found there like a layout's file (wdg_find_file: next to the
 * layout, then the data directories), by the loader. Never touches the
 * disk on the calling thread, except in sync mode. Returns the job (owned
 * by the caller, freed with wdg_image_job_free), or NULL when out of
 * memory. */
wdg_image_job_t *wdg_image_load(const char *path, const char *layout_file, int box_w, int box_h);
/* The job's state: WDG_IMG_PENDING; WDG_IMG_READY with *im (owned by the
 * job: valid until wdg_image_job_free); WDG_IMG_FAILED with the reason in
 * err. Never blocks beyond the hand-over lock. */
int wdg_image_job_poll(wdg_image_job_t *j, const wdg_image_t **im, char *err, size_t errlen);
/* Lets a job go: releases its image, or leaves a running one to the loader
 * to free. Accepts NULL. */
void wdg_image_job_free(wdg_image_job_t *j);
/* Sync mode on: wdg_image_load decodes on the calling thread (snapshots and
 * tests, where a picture must be there at the time asked for). */
void wdg_image_loader_sync(bool on);

#endif
