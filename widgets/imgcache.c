/* imgcache.c — decoded images, shared and budgeted (see imgcache.h). */
#include "imgcache.h"
#include "fileio.h"
#include "widget.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    wdg_image_t      im;        /* first: the pointer handed out */
    struct entry    *next;
    char            *path;
    dev_t            dev;
    ino_t            ino;
    off_t            size;
    struct timespec  mtime;
    int              kind;      /* K_PNG, K_SVG (vectors), K_RASTER (any kind, fitted to a box) */
    int              bw, bh;    /* K_RASTER: the box it covers */
    int              refs;
} entry_t;

/* entry kinds, and what a K_RASTER file turned out to be (sniff) */
enum { K_PNG, K_SVG, K_RASTER, K_JPEG, K_SVG_RASTER };

static pthread_mutex_t svg_lock = PTHREAD_MUTEX_INITIALIZER;   /* wdg_svg_render */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;   /* guards everything below */
static entry_t          *entries;
static uint64_t          held_px;      /* live entries + decodes under way */
static wdg_image_stats_t stats;

/* qlock guards the queue, every job's state, im, err, queued and orphan,
 * and the counters below. The loader thread holds it only to take a job
 * and to hand the result over. */
static pthread_mutex_t   qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t    qcond = PTHREAD_COND_INITIALIZER;
static wdg_image_job_t  *qhead, *qtail;
static unsigned          qlen;
static bool              started, running, sync_mode;
static uint64_t          loaded;

#define MPX(px) ((double)(px) / 1e6)

/* ---- headers -------------------------------------------------------------- */

/* Width and height from a PNG's signature and IHDR. 0, or -1. */
static int png_size(const unsigned char *b, size_t n, unsigned long *w, unsigned long *h)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (n < 24 || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0)
        return -1;
    *w = (unsigned long)b[16] << 24 | (unsigned long)b[17] << 16 | (unsigned long)b[18] << 8 | b[19];
    *h = (unsigned long)b[20] << 24 | (unsigned long)b[21] << 16 | (unsigned long)b[22] << 8 | b[23];
    return 0;
}

/* Width and height from a JPEG's first SOFn marker. 0, or -1. */
static int jpeg_size(const unsigned char *b, size_t n, unsigned long *w, unsigned long *h)
{
    if (n < 4 || b[0] != 0xff || b[1] != 0xd8)
        return -1;
    size_t i = 2;
    while (i + 4 <= n) {
        if (b[i] != 0xff)
            return -1;
        unsigned m = b[i + 1];
        if (m == 0xff) {                        /* fill byte */
            i++;
            continue;
        }
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {   /* markers without a length */
            i += 2;
            continue;
        }
        if (m == 0xd9 || m == 0xda)             /* end or scan data before any frame header */
            return -1;
        size_t len = (size_t)b[i + 2] << 8 | b[i + 3];
        if (len < 2)
            return -1;
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (i + 9 > n)
                return -1;
            *h = (unsigned long)b[i + 5] << 8 | b[i + 6];
            *w = (unsigned long)b[i + 7] << 8 | b[i + 8];
            return 0;
        }
        i += 2 + len;
    }
    return -1;
}

/* Width and height of an embedded raster by its bytes (PNG, JPEG, GIF).
 * 0, or -1 when it is none of those. */
static int raster_size(const unsigned char *b, size_t n, unsigned long *w, unsigned long *h)
{
    if (png_size(b, n, w, h) == 0 || jpeg_size(b, n, w, h) == 0)
        return 0;
    if (n >= 10 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0)) {
        *w = (unsigned long)b[6] | (unsigned long)b[7] << 8;
        *h = (unsigned long)b[8] | (unsigned long)b[9] << 8;
        return 0;
    }
    return -1;
}

/* A side and pixel check for one raster; "" when fine, else the reason. */
static int size_ok(unsigned long w, unsigned long h, const char *what, char *err, size_t errlen)
{
    if (w == 0 || h == 0 || w > WDG_IMAGE_MAX_SIDE || h > WDG_IMAGE_MAX_SIDE ||
        (uint64_t)w * h > WDG_IMAGE_MAX_PIXELS) {
        snprintf(err, errlen, "%s is %lux%lu pixels (%.1f Mpx); at most %d a side and %.1f Mpx an image",
                 what, w, h, MPX((uint64_t)w * h), WDG_IMAGE_MAX_SIDE, MPX(WDG_IMAGE_MAX_PIXELS));
        return -1;
    }
    return 0;
}

/* ---- SVG: what a document may hold ------------------------------------------ */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64 from s (whitespace skipped) up to the first other byte,
 * at most max output bytes. The number of bytes written to out. */
static size_t b64_decode(const char *s, const char *end, unsigned char *out, size_t max)
{
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; s < end && n < max; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            continue;
        int v = b64val((unsigned char)*s);
        if (v < 0)
            break;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static const char *find_ci(const char *s, const char *end, const char *needle)
{
    size_t k = strlen(needle);
    for (; s + k <= end; s++)
        if (strncasecmp(s, needle, k) == 0)
            return s;
    return NULL;
}

/* The first file an <image> element refers to (an href that is neither
 * data: nor #fragment), copied into name; false when there is none. */
static bool external_image(const char *t, const char *end, char *name, size_t namelen)
{
    /* each tag is looked at once, from "<image" to its '>': linear in the text */
    for (const char *p = t, *tagend; (p = find_ci(p, end, "<image")) != NULL; p = tagend) {
        const char *lt = memchr(p + 1, '<', (size_t)(end - p - 1));
        const char *gt = memchr(p, '>', (size_t)((lt ? lt : end) - p));
        tagend = gt ? gt : lt ? lt : end;
        for (const char *h = p; (h = find_ci(h, tagend, "href")) != NULL; h += 4) {
            const char *q = h + 4;
            while (q < tagend && isspace((unsigned char)*q))
                q++;
            if (q >= tagend || *q != '=')
                continue;
            q++;
            while (q < tagend && isspace((unsigned char)*q))
                q++;
            if (q >= tagend || (*q != '"' && *q != '\''))
                continue;
            char quote = *q++;
            while (q < tagend && isspace((unsigned char)*q))
                q++;
            const char *v = q;
            while (q < tagend && *q != quote)
                q++;
            if (q - v >= 5 && strncasecmp(v, "data:", 5) == 0)
                continue;
            if (q > v && *v == '#')
                continue;
            snprintf(name, namelen, "%.*s", (int)(q - v > 200 ? 200 : q - v), v);
            return true;
        }
    }
    return false;
}

/* Checks an SVG's text before librsvg sees it and sums the pixels of its
 * embedded images into *px. 0, or -1 with the reason in err. */
static int svg_scan(const char *path, const char *t, size_t n, uint64_t *px, char *err, size_t errlen)
{
    const char *end = t + n;
    char name[256];
    *px = 0;
    if (find_ci(t, end, "<!ENTITY")) {
        snprintf(err, errlen, "%s declares XML entities; SVG images may not", path);
        return -1;
    }
    if (strstr(t, "XInclude") || find_ci(t, end, ":include")) {
        snprintf(err, errlen, "%s uses XInclude; an SVG image may not include other files", path);
        return -1;
    }
    if (external_image(t, end, name, sizeof name)) {
        snprintf(err, errlen, "%s refers to the external file \"%s\"; SVG images may only embed images "
                 "(data: PNG, JPEG or GIF)", path, name);
        return -1;
    }
    for (const char *p = t; p + 1 < end; p++) {
        if (p[0] == '&' && p[1] == '#') {       /* &#100; &#x64; spelling ASCII: could hide "data:" */
            const char *q = p + 2;
            int hex = q < end && (*q == 'x' || *q == 'X');
            q += hex;
            unsigned long v = 0;
            for (int k = 0; q < end && k < 8 && isxdigit((unsigned char)*q); q++, k++) {
                if (!hex && !isdigit((unsigned char)*q))
                    break;
                v = v * (hex ? 16 : 10) + (unsigned long)(isdigit((unsigned char)*q) ? *q - '0'
                                                          : (tolower((unsigned char)*q) - 'a' + 10));
            }
            if (v < 128 && (isalnum((int)v) || v == ':' || v == '/' || v == ',' || v == ';')) {
                snprintf(err, errlen, "%s spells ASCII text with character references (&#...;); "
                         "SVG images may not", path);
                return -1;
            }
        } else if (p[0] == '\\' && (isxdigit((unsigned char)p[1]) || p[1] == '\n')) {
            snprintf(err, errlen, "%s has CSS escapes (\\...); SVG images may not", path);
            return -1;
        }
    }
    for (const char *p = t; (p = find_ci(p, end, "data:")) != NULL; p += 5) {
        const char *comma = memchr(p, ',', (size_t)(end - p) < 256 ? (size_t)(end - p) : 256);
        if (!comma)
            continue;                            /* plain text, not a URL */
        if (!find_ci(p, comma, ";base64")) {
            snprintf(err, errlen, "%s has a data: URL that is not base64; SVG images may embed only "
                     "base64 PNG, JPEG or GIF", path);
            return -1;
        }
        unsigned char head[65536];
        size_t hn = b64_decode(comma + 1, end, head, sizeof head);
        unsigned long w = 0, h = 0;
        if (raster_size(head, hn, &w, &h) != 0) {
            snprintf(err, errlen, "%s embeds data that is not a PNG, JPEG or GIF image (or its size is "
                     "not in its first 64 KiB)", path);
            return -1;
        }
        char what[300];
        snprintf(what, sizeof what, "%s embeds an image that", path);
        if (size_ok(w, h, what, err, errlen) != 0)
            return -1;
        *px += (uint64_t)w * h;
        if (*px > WDG_IMAGE_MAX_PIXELS) {
            snprintf(err, errlen, "%s embeds images of %.1f Mpx in all; at most %.1f Mpx an image",
                     path, MPX(*px), MPX(WDG_IMAGE_MAX_PIXELS));
            return -1;
        }
    }
    return 0;
}

/* ---- decoding ------------------------------------------------------------- */

typedef struct {
    const unsigned char *p;
    size_t               left;
} reader_t;

static cairo_status_t read_mem(void *closure, unsigned char *data, unsigned int length)
{
    reader_t *r = closure;
    if (length > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, length);
    r->p += length;
    r->left -= length;
    return CAIRO_STATUS_SUCCESS;
}

/* Takes px more pixels of the budget for path. 0, or -1 with err. */
static int reserve(uint64_t px, const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&lock);
    if (held_px + px > WDG_IMAGE_BUDGET_PIXELS) {
        uint64_t held = held_px;
        pthread_mutex_unlock(&lock);
        snprintf(err, errlen, "%s needs %.1f Mpx decoded; images already hold %.1f Mpx of the %.1f Mpx "
                 "budget (%u MiB) for all images", path, MPX(px), MPX(held), MPX(WDG_IMAGE_BUDGET_PIXELS),
                 (unsigned)(WDG_IMAGE_BUDGET_PIXELS * 4ull >> 20));
        return -1;
    }
    held_px += px;
    pthread_mutex_unlock(&lock);
    return 0;
}

static void unreserve(uint64_t px)
{
    pthread_mutex_lock(&lock);
    held_px -= px;
    pthread_mutex_unlock(&lock);
}

/* A JPEG decoded by gdk-pixbuf into a Cairo surface (premultiplied ARGB),
 * or NULL with err. The header was checked: w × h pixels are expected. */
static cairo_surface_t *decode_jpeg(const char *path, const char *buf, size_t n, unsigned long w,
                                    unsigned long h, char *err, size_t errlen)
{
    GError *gerr = NULL;
    GdkPixbufLoader *ld = gdk_pixbuf_loader_new_with_type("jpeg", &gerr);
    cairo_surface_t *s = NULL;
    if (!ld)
        goto err;
    if (!gdk_pixbuf_loader_write(ld, (const guchar *)buf, n, &gerr)) {
        gdk_pixbuf_loader_close(ld, NULL);
        goto err;
    }
    if (!gdk_pixbuf_loader_close(ld, &gerr))
        goto err;
    GdkPixbuf *pb = gdk_pixbuf_loader_get_pixbuf(ld);
    if (!pb || gdk_pixbuf_get_width(pb) != (int)w || gdk_pixbuf_get_height(pb) != (int)h ||
        gdk_pixbuf_get_bits_per_sample(pb) != 8 || gdk_pixbuf_get_n_channels(pb) < 3) {
        snprintf(err, errlen, "%s: the decoded JPEG is not the %lux%lu of its header", path, w, h);
        g_object_unref(ld);
        return NULL;
    }
    s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)w, (int)h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: %s", path, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        g_object_unref(ld);
        return NULL;
    }
    int nc = gdk_pixbuf_get_n_channels(pb), sstride = gdk_pixbuf_get_rowstride(pb);
    int dstride = cairo_image_surface_get_stride(s);
    const guchar *src = gdk_pixbuf_read_pixels(pb);
    unsigned char *dst = cairo_image_surface_get_data(s);
    for (unsigned long y = 0; y < h; y++) {
        const guchar *p = src + y * (size_t)sstride;
        uint32_t *q = (uint32_t *)(void *)(dst + y * (size_t)dstride);
        for (unsigned long x = 0; x < w; x++, p += nc) {
            unsigned a = nc == 4 ? p[3] : 255;
            unsigned r = p[0] * a / 255, g = p[1] * a / 255, b = p[2] * a / 255;
            q[x] = (uint32_t)a << 24 | r << 16 | g << 8 | b;
        }
    }
    cairo_surface_mark_dirty(s);
    g_object_unref(ld);
    return s;
err:
    snprintf(err, errlen, "%s is not a usable JPEG: %s", path, gerr ? gerr->message : "?");
    g_clear_error(&gerr);
    if (ld)
        g_object_unref(ld);
    return NULL;
}

/* An SVG handle from memory (no base file: the document reaches no other
 * file) and its intrinsic size. NULL with err. */
static RsvgHandle *svg_open(const char *path, const char *buf, size_t n, double *iw, double *ih,
                            char *err, size_t errlen)
{
    GError *gerr = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)buf, n, &gerr);
    if (!h) {
        snprintf(err, errlen, "%s is not a usable SVG: %s", path, gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return NULL;
    }
    gdouble w = 0, hh = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &hh)) {
        gboolean has_w, has_h, has_vb;   /* no width/height: the viewBox gives the shape */
        RsvgLength lw, lh;
        RsvgRectangle vb;
        rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
        if (has_vb) {
            w = vb.width;
            hh = vb.height;
        }
    }
    if (!(w > 0 && hh > 0 && w <= WDG_IMAGE_MAX_SIDE && hh <= WDG_IMAGE_MAX_SIDE)) {
        snprintf(err, errlen, "%s has no usable size (give it width/height or a viewBox)", path);
        g_object_unref(h);
        return NULL;
    }
    *iw = w;
    *ih = hh;
    return h;
}

/* A copy of s scaled by sc (< 1) with good filtering, or NULL. */
static cairo_surface_t *shrink(cairo_surface_t *s, double sc, int rw, int rh)
{
    cairo_surface_t *o = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, rw, rh);
    cairo_t *cr = cairo_create(o);
    cairo_scale(cr, sc, sc);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_destroy(cr);
    if (cairo_surface_status(o) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(o);
        return NULL;
    }
    cairo_surface_flush(o);
    return o;
}

/* Decodes buf into e->im: a PNG or an SVG handle for those kinds; for
 * K_RASTER, sub (K_PNG, K_JPEG, K_SVG_RASTER) decoded and brought to the
 * size that covers the box (larger pictures shrunk here, on the decoding
 * thread, so drawing one costs what the box costs). *px holds the pixels
 * reserved for it and is kept equal to what it holds. 0, or -1 with err. */
static int decode(entry_t *e, int sub, const char *path, const char *buf, size_t n, unsigned long w,
                  unsigned long h, uint64_t *px, char *err, size_t errlen)
{
    if (sub == K_PNG || sub == K_JPEG) {
        cairo_surface_t *s;
        if (sub == K_JPEG) {
            if (!(s = decode_jpeg(path, buf, n, w, h, err, errlen)))
                return -1;
        } else {
            reader_t r = { (const unsigned char *)buf, n };
            s = cairo_image_surface_create_from_png_stream(read_mem, &r);
            if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
                /* its size passed the caps: cairo's "out of memory" here is a damaged file */
                snprintf(err, errlen, "%s: the PNG data cannot be decoded (damaged or cut short: %s)", path,
                         cairo_status_to_string(cairo_surface_status(s)));
                cairo_surface_destroy(s);
                return -1;
            }
        }
        int sw = cairo_image_surface_get_width(s), sh = cairo_image_surface_get_height(s);
        double sc = e->kind == K_RASTER ? fmax((double)e->bw / sw, (double)e->bh / sh) : 1;
        if (sc < 0.999) {
            int rw = (int)fmax(1, ceil(sw * sc)), rh = (int)fmax(1, ceil(sh * sc));
            uint64_t rpx = (uint64_t)rw * (uint64_t)rh;
            if (reserve(rpx, path, err, errlen) != 0) {
                cairo_surface_destroy(s);
                return -1;
            }
            cairo_surface_t *o = shrink(s, sc, rw, rh);
            if (!o) {
                unreserve(rpx);
                snprintf(err, errlen, "%s: cannot shrink it to %dx%d", path, rw, rh);
                cairo_surface_destroy(s);
                return -1;
            }
            cairo_surface_destroy(s);
            unreserve(*px);              /* the full-size decode is gone */
            *px = rpx;
            s = o;
            sw = rw;
            sh = rh;
        }
        e->im.img = s;
        e->im.iw = sw;
        e->im.ih = sh;
        return 0;
    }
    double iw, ih;
    RsvgHandle *hd = svg_open(path, buf, n, &iw, &ih, err, errlen);
    if (!hd)
        return -1;
    if (sub == K_SVG) {
        e->im.svg = hd;
        e->im.iw = iw;
        e->im.ih = ih;
        return 0;
    }
    /* K_SVG_RASTER: drawn once, here, at the size that covers the box (so
     * the picture is never enlarged on screen up to that box), within the
     * per-image cap */
    double sc = fmax(e->bw / iw, e->bh / ih);
    if (!(sc > 0) || !isfinite(sc))
        sc = 1;
    double cap = sqrt((double)WDG_IMAGE_MAX_PIXELS / (iw * ih));
    sc = fmin(sc, fmin(cap, fmin(WDG_IMAGE_MAX_SIDE / iw, WDG_IMAGE_MAX_SIDE / ih)));
    int rw = (int)fmax(1, floor(iw * sc)), rh = (int)fmax(1, floor(ih * sc));
    uint64_t rpx = (uint64_t)rw * (uint64_t)rh;
    if (reserve(rpx, path, err, errlen) != 0) {
        g_object_unref(hd);
        return -1;
    }
    *px += rpx;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, rw, rh);
    cairo_t *cr = cairo_create(s);
    GError *gerr = NULL;
    RsvgRectangle vp = { 0, 0, rw, rh };
    gboolean ok = rsvg_handle_render_document(hd, cr, &vp, &gerr);
    cairo_destroy(cr);
    g_object_unref(hd);
    if (!ok || cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s cannot be drawn: %s", path, gerr ? gerr->message : "cairo error");
        g_clear_error(&gerr);
        cairo_surface_destroy(s);
        return -1;
    }
    cairo_surface_flush(s);
    e->im.img = s;
    e->im.iw = rw;
    e->im.ih = rh;
    return 0;
}

static void entry_free(entry_t *e)
{
    if (!e)
        return;
    if (e->im.img)
        cairo_surface_destroy(e->im.img);
    if (e->im.svg)
        g_object_unref(e->im.svg);
    free(e->path);
    free(e);
}

/* Whether e serves a request of kind want (K_RASTER: for the same box)
 * for this file. */
static bool same_file(const entry_t *e, const char *path, int want, int bw, int bh, const struct stat *st)
{
    bool kind_ok = e->kind == want && (want != K_RASTER || (e->bw == bw && e->bh == bh));
    return kind_ok && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           strcmp(e->path, path) == 0;
}

/* A live entry for this file, with a reference taken; NULL when none.
 * Called with the lock held. */
static entry_t *find_locked(const char *path, int want, int bw, int bh, const struct stat *st)
{
    for (entry_t *e = entries; e; e = e->next)
        if (same_file(e, path, want, bw, bh, st)) {
            e->refs++;
            stats.shared++;
            return e;
        }
    return NULL;
}

/* What a K_RASTER file is by its bytes (and an SVG by its name or a leading
 * '<'): K_PNG, K_JPEG, K_SVG_RASTER, or -1. */
static int sniff(const char *path, const char *buf, size_t n)
{
    const unsigned char *b = (const unsigned char *)buf;
    if (n >= 8 && b[0] == 0x89 && memcmp(b + 1, "PNG", 3) == 0)
        return K_PNG;
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return K_JPEG;
    size_t pl = strlen(path);
    if (pl > 4 && strcasecmp(path + pl - 4, ".svg") == 0)
        return K_SVG_RASTER;
    size_t i = (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) ? 3 : 0;
    while (i < n && isspace(b[i]))
        i++;
    return i < n && b[i] == '<' ? K_SVG_RASTER : -1;
}

/* Shared acquire: want is K_PNG, K_SVG or K_RASTER (PNG, JPEG or SVG,
 * brought to the size that covers bw × bh). See wdg_image_acquire. */
static const wdg_image_t *acquire(const char *path, int want, int bw, int bh, char *err, size_t errlen)
{
    struct stat st;
    entry_t *e = NULL;
    char *buf = NULL;
    uint64_t px = 0;
    bool reserved = false;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {     /* a hit needs no reading */
        pthread_mutex_lock(&lock);
        e = find_locked(path, want, bw, bh, &st);
        pthread_mutex_unlock(&lock);
        if (e)
            return &e->im;
    }
    size_t n = 0, cap = want == K_SVG ? WDG_SVG_MAX_BYTES : WDG_IMAGE_MAX_BYTES;
    buf = bs_read_file_stat(path, cap, &n, &st, err, errlen);
    if (!buf) {
        if (errno == EFBIG)
            snprintf(err, errlen, "%s is larger than %zu MiB", path, cap >> 20);
        goto err;
    }
    int kind = want;
    if (want == K_RASTER && (kind = sniff(path, buf, n)) < 0) {
        snprintf(err, errlen, "%s is not a PNG, JPEG or SVG image", path);
        goto err;
    }
    unsigned long w = 0, h = 0;
    if (kind == K_SVG || kind == K_SVG_RASTER) {
        if (n > WDG_SVG_MAX_BYTES) {
            snprintf(err, errlen, "%s is larger than %u MiB", path, WDG_SVG_MAX_BYTES >> 20);
            goto err;
        }
        if (svg_scan(path, buf, n, &px, err, errlen) != 0)
            goto err;
    } else {
        int hr = kind == K_JPEG ? jpeg_size((const unsigned char *)buf, n, &w, &h)
                                : png_size((const unsigned char *)buf, n, &w, &h);
        if (hr != 0) {
            snprintf(err, errlen, kind == K_JPEG ? "%s is not a usable JPEG file (no frame header)"
                                                 : "%s is not a PNG file", path);
            goto err;
        }
        if (size_ok(w, h, path, err, errlen) != 0)
            goto err;
        px = (uint64_t)w * h;
    }
    pthread_mutex_lock(&lock);
    if ((e = find_locked(path, want, bw, bh, &st)) != NULL) {  /* decoded meanwhile by another thread */
        pthread_mutex_unlock(&lock);
        free(buf);
        return &e->im;
    }
    pthread_mutex_unlock(&lock);
    if (reserve(px, path, err, errlen) != 0)   /* reserved while decoding, outside the lock */
        goto err;
    reserved = true;
    e = calloc(1, sizeof *e);
    if (!e || !(e->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    e->kind = want;
    e->bw = bw;
    e->bh = bh;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime = st.st_mtim;
    if (decode(e, kind, path, buf, n, w, h, &px, err, errlen) != 0)
        goto err;
    e->im.pixels = px;
    free(buf);
    pthread_mutex_lock(&lock);
    e->refs = 1;
    e->next = entries;
    entries = e;
    stats.files++;
    stats.pixels += px;
    pthread_mutex_unlock(&lock);
    return &e->im;
err:
    free(buf);
    entry_free(e);
    if (reserved)
        unreserve(px);
    pthread_mutex_lock(&lock);
    stats.refused++;
    pthread_mutex_unlock(&lock);
    return NULL;
}

const wdg_image_t *wdg_image_acquire(const char *path, bool svg, char *err, size_t errlen)
{
    return acquire(path, svg ? K_SVG : K_PNG, 0, 0, err, errlen);
}

const wdg_image_t *wdg_image_acquire_raster(const char *path, int box_w, int box_h, char *err, size_t errlen)
{
    box_w = box_w < 1 ? 1 : box_w > WDG_IMAGE_MAX_SIDE ? WDG_IMAGE_MAX_SIDE : box_w;
    box_h = box_h < 1 ? 1 : box_h > WDG_IMAGE_MAX_SIDE ? WDG_IMAGE_MAX_SIDE : box_h;
    return acquire(path, K_RASTER, box_w, box_h, err, errlen);
}

void wdg_image_release(const wdg_image_t *im)
{
    if (!im)
        return;
    entry_t *e = (entry_t *)(void *)im, *dead = NULL;
    pthread_mutex_lock(&lock);
    if (--e->refs == 0) {
        for (entry_t **pp = &entries; *pp; pp = &(*pp)->next)
            if (*pp == e) {
                *pp = e->next;
                break;
            }
        held_px -= e->im.pixels;
        stats.files--;
        stats.pixels -= e->im.pixels;
        dead = e;
    }
    pthread_mutex_unlock(&lock);
    entry_free(dead);               /* outside the lock: freeing can take a moment */
}

int wdg_image_probe(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    unsigned char head[65536];
    ssize_t n = -1;
    int rc = -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > WDG_IMAGE_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than %u MiB", path, WDG_IMAGE_MAX_BYTES >> 20);
        goto out;
    }
    if ((n = read(fd, head, sizeof head)) < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    int kind = sniff(path, (const char *)head, (size_t)n);
    unsigned long w, h;
    if (kind == K_SVG_RASTER) {
        if ((uint64_t)st.st_size > WDG_SVG_MAX_BYTES)
            snprintf(err, errlen, "%s is larger than %u MiB", path, WDG_SVG_MAX_BYTES >> 20);
        else
            rc = 0;                 /* its contents are checked when it is loaded */
    } else if (kind < 0) {
        snprintf(err, errlen, "%s is not a PNG, JPEG or SVG image", path);
    } else if ((kind == K_PNG ? png_size(head, (size_t)n, &w, &h) : jpeg_size(head, (size_t)n, &w, &h)) != 0) {
        snprintf(err, errlen, "%s: no %s header in its first 64 KiB", path, kind == K_PNG ? "PNG" : "JPEG");
    } else {
        rc = size_ok(w, h, path, err, errlen);
    }
out:
    close(fd);
    if (rc != 0) {
        pthread_mutex_lock(&lock);
        stats.refused++;
        pthread_mutex_unlock(&lock);
    }
    return rc;
}

void wdg_image_stats(wdg_image_stats_t *out)
{
    pthread_mutex_lock(&lock);
    *out = stats;
    pthread_mutex_unlock(&lock);
    pthread_mutex_lock(&qlock);
    out->pending = (uint64_t)qlen + (running ? 1 : 0);
    out->loaded = loaded;
    pthread_mutex_unlock(&qlock);
}

/* ---- the loader thread ---------------------------------------------------- */

struct wdg_image_job {
    struct wdg_image_job *next;       /* in the queue */
    char              *path;
    char              *layout_file;   /* non-NULL: path is a name to find (wdg_find_file) */
    int                bw, bh;
    int                state;         /* WDG_IMG_PENDING, _READY, _FAILED */
    bool               queued;        /* still in the queue (not started) */
    bool               orphan;        /* its owner let go while it ran: the loader frees it */
    const wdg_image_t *im;
    char               err[512];
};


/* Finds (when asked) and decodes j's file; the image or NULL with err.
 * On the loader thread, or the caller's in sync mode. */
static const wdg_image_t *run_job(const wdg_image_job_t *j, char *err, size_t errlen)
{
    const char *path = j->path;
    char found[1024];
    if (j->layout_file) {
        wdg_t w = { .layout_file = j->layout_file };
        if (wdg_find_file(&w, j->path, found, sizeof found) != 0) {
            snprintf(err, errlen, "cannot find \"%.120s\" (looked in %.160s)", j->path, found);
            pthread_mutex_lock(&lock);
            stats.refused++;
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        path = found;
    }
    return wdg_image_acquire_raster(path, j->bw, j->bh, err, errlen);
}

static void job_free(wdg_image_job_t *j)
{
    free(j->path);
    free(j->layout_file);
    free(j);
}

static void *loader_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&qlock);
    for (;;) {
        while (!qhead)
            pthread_cond_wait(&qcond, &qlock);
        wdg_image_job_t *j = qhead;
        qhead = j->next;
        if (!qhead)
            qtail = NULL;
        qlen--;
        j->queued = false;
        running = true;
        pthread_mutex_unlock(&qlock);
        char err[sizeof j->err] = "";
        const wdg_image_t *im = run_job(j, err, sizeof err);
        pthread_mutex_lock(&qlock);
        running = false;
        loaded++;
        if (j->orphan) {             /* nobody waits for it any more */
            pthread_mutex_unlock(&qlock);
            wdg_image_release(im);
            job_free(j);
            pthread_mutex_lock(&qlock);
            continue;
        }
        j->im = im;
        snprintf(j->err, sizeof j->err, "%s", err);
        j->state = im ? WDG_IMG_READY : WDG_IMG_FAILED;   /* handed over under the lock */
    }
    return NULL;
}

void wdg_image_loader_sync(bool on)
{
    pthread_mutex_lock(&qlock);
    sync_mode = on;
    pthread_mutex_unlock(&qlock);
}

wdg_image_job_t *wdg_image_load(const char *path, const char *layout_file, int box_w, int box_h)
{
    wdg_image_job_t *j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path)) || (layout_file && !(j->layout_file = strdup(layout_file)))) {
        if (j)
            job_free(j);
        return NULL;
    }
    j->bw = box_w;
    j->bh = box_h;
    j->state = WDG_IMG_PENDING;
    pthread_mutex_lock(&qlock);
    bool now = sync_mode;
    if (!now && qlen >= WDG_IMAGE_QUEUE_MAX) {
        pthread_mutex_unlock(&qlock);
        snprintf(j->err, sizeof j->err, "%s: %u images already wait to be decoded", path, qlen);
        j->state = WDG_IMG_FAILED;
        pthread_mutex_lock(&lock);
        stats.refused++;
        pthread_mutex_unlock(&lock);
        return j;
    }
    if (!now && !started) {
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, loader_main, NULL) == 0)
            started = true;
        else
            now = true;              /* no thread: decode here rather than never */
        pthread_attr_destroy(&at);
    }
    if (now) {
        pthread_mutex_unlock(&qlock);
        j->im = run_job(j, j->err, sizeof j->err);
        j->state = j->im ? WDG_IMG_READY : WDG_IMG_FAILED;
        pthread_mutex_lock(&qlock);
        loaded++;
        pthread_mutex_unlock(&qlock);
        return j;
    }
    j->queued = true;
    if (qtail)
        qtail->next = j;
    else
        qhead = j;
    qtail = j;
    qlen++;
    pthread_cond_signal(&qcond);
    pthread_mutex_unlock(&qlock);
    return j;
}

int wdg_image_job_poll(wdg_image_job_t *j, const wdg_image_t **im, char *err, size_t errlen)
{
    if (!j)
        return WDG_IMG_FAILED;
    pthread_mutex_lock(&qlock);
    int st = j->state;
    if (st == WDG_IMG_READY && im)
        *im = j->im;
    if (st == WDG_IMG_FAILED && err && errlen)
        snprintf(err, errlen, "%s", j->err);
    pthread_mutex_unlock(&qlock);
    return st;
}

void wdg_image_job_free(wdg_image_job_t *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&qlock);
    if (j->queued) {                 /* not started: out of the queue */
        wdg_image_job_t **pp = &qhead, *prev = NULL;
        for (; *pp && *pp != j; prev = *pp, pp = &(*pp)->next)
            ;
        if (*pp) {
            *pp = j->next;
            if (qtail == j)
                qtail = prev;
            qlen--;
        }
    } else if (j->state == WDG_IMG_PENDING) {   /* the loader has it: it frees it */
        j->orphan = true;
        pthread_mutex_unlock(&qlock);
        return;
    }
    pthread_mutex_unlock(&qlock);
    wdg_image_release(j->im);
    job_free(j);
}

bool wdg_svg_render(RsvgHandle *svg, cairo_t *cr, const RsvgRectangle *vp)
{
    GError *gerr = NULL;
    pthread_mutex_lock(&svg_lock);
    gboolean ok = rsvg_handle_render_document(svg, cr, vp, &gerr);
    pthread_mutex_unlock(&svg_lock);
    g_clear_error(&gerr);
    return ok;
}
