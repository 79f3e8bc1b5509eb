/* imgcache.c — decoded images, shared and budgeted (see imgcache.h). */
#include "imgcache.h"
#include "fileio.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct entry {
    wdg_image_t      im;        /* first: the pointer handed out */
    struct entry    *next;
    char            *path;
    dev_t            dev;
    ino_t            ino;
    off_t            size;
    struct timespec  mtime;
    bool             svg;
    int              refs;
} entry_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;   /* guards everything below */
static entry_t          *entries;
static uint64_t          held_px;      /* live entries + decodes under way */
static wdg_image_stats_t stats;

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

/* Decodes buf into e->im. 0, or -1 with err. */
static int decode(entry_t *e, const char *path, const char *buf, size_t n, char *err, size_t errlen)
{
    if (!e->svg) {
        reader_t r = { (const unsigned char *)buf, n };
        cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_mem, &r);
        if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
            snprintf(err, errlen, "%s: %s", path, cairo_status_to_string(cairo_surface_status(s)));
            cairo_surface_destroy(s);
            return -1;
        }
        e->im.img = s;
        e->im.iw = cairo_image_surface_get_width(s);
        e->im.ih = cairo_image_surface_get_height(s);
        return 0;
    }
    GError *gerr = NULL;
    /* from memory, no base file: the document can reach no other file */
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)buf, n, &gerr);
    if (!h) {
        snprintf(err, errlen, "%s is not a usable SVG: %s", path, gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return -1;
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
        return -1;
    }
    e->im.svg = h;
    e->im.iw = w;
    e->im.ih = hh;
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

static bool same_file(const entry_t *e, const char *path, bool svg, const struct stat *st)
{
    return e->svg == svg && e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           strcmp(e->path, path) == 0;
}

/* A live entry for this file, with a reference taken; NULL when none.
 * Called with the lock held. */
static entry_t *find_locked(const char *path, bool svg, const struct stat *st)
{
    for (entry_t *e = entries; e; e = e->next)
        if (same_file(e, path, svg, st)) {
            e->refs++;
            stats.shared++;
            return e;
        }
    return NULL;
}

const wdg_image_t *wdg_image_acquire(const char *path, bool svg, char *err, size_t errlen)
{
    struct stat st;
    entry_t *e = NULL;
    char *buf = NULL;
    uint64_t px = 0;
    bool reserved = false;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {     /* a hit needs no reading */
        pthread_mutex_lock(&lock);
        e = find_locked(path, svg, &st);
        pthread_mutex_unlock(&lock);
        if (e)
            return &e->im;
    }
    size_t n = 0;
    buf = bs_read_file_stat(path, svg ? WDG_SVG_MAX_BYTES : WDG_IMAGE_MAX_BYTES, &n, &st, err, errlen);
    if (!buf) {
        if (errno == EFBIG)
            snprintf(err, errlen, "%s is larger than %u MiB", path,
                     (svg ? WDG_SVG_MAX_BYTES : WDG_IMAGE_MAX_BYTES) >> 20);
        goto err;
    }
    if (svg) {
        if (svg_scan(path, buf, n, &px, err, errlen) != 0)
            goto err;
    } else {
        unsigned long w, h;
        if (png_size((const unsigned char *)buf, n, &w, &h) != 0) {
            snprintf(err, errlen, "%s is not a PNG file", path);
            goto err;
        }
        if (size_ok(w, h, path, err, errlen) != 0)
            goto err;
        px = (uint64_t)w * h;
    }
    pthread_mutex_lock(&lock);
    if ((e = find_locked(path, svg, &st)) != NULL) {       /* decoded meanwhile by another thread */
        pthread_mutex_unlock(&lock);
        free(buf);
        return &e->im;
    }
    if (held_px + px > WDG_IMAGE_BUDGET_PIXELS) {
        uint64_t held = held_px;
        pthread_mutex_unlock(&lock);
        snprintf(err, errlen, "%s needs %.1f Mpx decoded; images already hold %.1f Mpx of the %.1f Mpx "
                 "budget (%u MiB) for all images", path, MPX(px), MPX(held), MPX(WDG_IMAGE_BUDGET_PIXELS),
                 (unsigned)(WDG_IMAGE_BUDGET_PIXELS * 4ull >> 20));
        goto err;
    }
    held_px += px;                  /* reserved while decoding, outside the lock */
    reserved = true;
    pthread_mutex_unlock(&lock);
    e = calloc(1, sizeof *e);
    if (!e || !(e->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    e->svg = svg;
    e->dev = st.st_dev;
    e->ino = st.st_ino;
    e->size = st.st_size;
    e->mtime = st.st_mtim;
    e->im.pixels = px;
    if (decode(e, path, buf, n, err, errlen) != 0)
        goto err;
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
    pthread_mutex_lock(&lock);
    if (reserved)
        held_px -= px;
    stats.refused++;
    pthread_mutex_unlock(&lock);
    return NULL;
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

void wdg_image_stats(wdg_image_stats_t *out)
{
    pthread_mutex_lock(&lock);
    *out = stats;
    pthread_mutex_unlock(&lock);
}
