/*
 * w_image.c — "image": a PNG (a logo, an emblem, a photo) or an SVG (drawn
 * as vectors at the output resolution through librsvg, so a union emblem is
 * as crisp at 4K as the text) fitted into the rect: contain, cover or
 * stretch.
 *
 * The file is read once in init() at layout load time (relative to the
 * layout's directory or the data directory). Its header is checked before
 * decoding: at most IMAGE_MAX_SIDE pixels a side and IMAGE_MAX_BYTES on
 * disk, so a hostile file cannot make the decoder allocate gigabytes.
 */
#include "widget.h"

#include <librsvg/rsvg.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define IMAGE_MAX_SIDE  8192
#define IMAGE_MAX_BYTES (32u << 20)
#define SVG_MAX_BYTES   (4u << 20)

enum { FIT_CONTAIN = 0, FIT_COVER, FIT_STRETCH };

typedef struct {
    wdg_t            base;
    char            *file;
    int              fit;
    double           opacity;
    bool             frame;
    cairo_surface_t *img;           /* a PNG, or */
    RsvgHandle      *svg;           /* an SVG */
    double           iw, ih;        /* intrinsic size, pixels */
} image_t;

static const char *const fit_names[] = { "contain", "cover", "stretch", NULL };

static const opt_def_t image_opts[] = {
    { "file",    OPT_STR,  offsetof(image_t, file), 0, 1024, NULL, NULL, NULL,
      "PNG or SVG file, relative to the layout's directory or the data directory (required)" },
    { "fit",     OPT_ENUM, offsetof(image_t, fit), 0, 0, "contain", fit_names, NULL,
      "contain: whole image, letterboxed; cover: fills the rect, cropped; stretch: fills, aspect lost" },
    { "opacity", OPT_NUM,  offsetof(image_t, opacity), 0, 1, "1", NULL, NULL, "0 = invisible, 1 = opaque" },
    { "frame",   OPT_BOOL, offsetof(image_t, frame), 0, 0, "false", NULL, NULL, "draw the panel (with the title) behind it" },
    OPT_END,
};

/* Reads the PNG signature and IHDR size. 0 ok, -1 with a message. */
static int png_header(const char *path, int *w, int *h, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    if ((unsigned long long)st.st_size > IMAGE_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than %u MiB", path, IMAGE_MAX_BYTES >> 20);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    unsigned char b[24];
    size_t n = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (n < sizeof b || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) {
        snprintf(err, errlen, "%s is not a PNG file", path);
        return -1;
    }
    unsigned long W = (unsigned long)b[16] << 24 | (unsigned long)b[17] << 16 | (unsigned long)b[18] << 8 | b[19];
    unsigned long H = (unsigned long)b[20] << 24 | (unsigned long)b[21] << 16 | (unsigned long)b[22] << 8 | b[23];
    if (W == 0 || H == 0 || W > IMAGE_MAX_SIDE || H > IMAGE_MAX_SIDE) {
        snprintf(err, errlen, "%s is %lux%lu pixels; at most %dx%d", path, W, H, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
        return -1;
    }
    *w = (int)W;
    *h = (int)H;
    return 0;
}

/* Loads an SVG file (capped) into k->svg with its intrinsic size.
 * 0, or -1 with a message. */
static int load_svg(image_t *k, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    if ((unsigned long long)st.st_size > SVG_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than %u MiB", path, SVG_MAX_BYTES >> 20);
        return -1;
    }
    GError *gerr = NULL;
    GFile *file = g_file_new_for_path(path);
    k->svg = rsvg_handle_new_from_gfile_sync(file, RSVG_HANDLE_FLAGS_NONE, NULL, &gerr);
    g_object_unref(file);
    if (!k->svg) {
        snprintf(err, errlen, "%s is not a usable SVG: %s", path, gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return -1;
    }
    gdouble w = 0, h = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(k->svg, &w, &h)) {
        /* no width/height: the viewBox gives the shape */
        gboolean has_w, has_h, has_vb;
        RsvgLength lw, lh;
        RsvgRectangle vb;
        rsvg_handle_get_intrinsic_dimensions(k->svg, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
        if (has_vb) {
            w = vb.width;
            h = vb.height;
        }
    }
    if (!(w > 0 && h > 0 && w <= IMAGE_MAX_SIDE && h <= IMAGE_MAX_SIDE)) {
        snprintf(err, errlen, "%s has no usable size (give it width/height or a viewBox)", path);
        return -1;
    }
    k->iw = w;
    k->ih = h;
    return 0;
}

static bool is_svg(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".svg") == 0;
}

static int image_init(wdg_t *w, char *err, size_t errlen)
{
    image_t *k = (image_t *)w;
    if (!k->file) {
        snprintf(err, errlen, "\"file\" is required: the PNG to show");
        return -1;
    }
    char path[1024];
    if (wdg_find_file(w, k->file, path, sizeof path) != 0) {
        snprintf(err, errlen, "cannot find \"%s\" (looked in %s)", k->file, path);
        return -1;
    }
    if (is_svg(k->file))
        return load_svg(k, path, err, errlen);
    int iw, ih;
    if (png_header(path, &iw, &ih, err, errlen) != 0)
        return -1;
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errlen, "%s: %s", k->file, cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return -1;
    }
    k->img = s;
    k->iw = cairo_image_surface_get_width(s);
    k->ih = cairo_image_surface_get_height(s);
    return 0;
}

static void image_destroy(wdg_t *w)
{
    image_t *k = (image_t *)w;
    if (k->img)
        cairo_surface_destroy(k->img);
    if (k->svg)
        g_object_unref(k->svg);
    k->img = NULL;
    k->svg = NULL;
}

static void image_draw(const wdg_t *w, draw_t *d)
{
    const image_t *k = (const image_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = k->frame ? draw_panel(d, w->rect, w->title) : w->rect;
    if ((!k->img && !k->svg) || k->iw <= 0 || k->ih <= 0 || c.w <= 0 || c.h <= 0)
        return;
    double sx = c.w / k->iw, sy = c.h / k->ih;
    if (k->fit == FIT_CONTAIN)
        sx = sy = fmin(sx, sy);
    else if (k->fit == FIT_COVER)
        sx = sy = fmax(sx, sy);
    double dw = k->iw * sx, dh = k->ih * sy;
    cairo_save(cr);
    cairo_rectangle(cr, c.x, c.y, c.w, c.h);
    cairo_clip(cr);
    if (k->svg) {                  /* vectors through the current transform: crisp at any size */
        RsvgRectangle vp = { c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2, dw, dh };
        if (k->fit == FIT_STRETCH) {
            cairo_translate(cr, c.x, c.y);
            cairo_scale(cr, c.w / k->iw, c.h / k->ih);
            vp = (RsvgRectangle){ 0, 0, k->iw, k->ih };
        }
        GError *gerr = NULL;
        cairo_push_group(cr);
        rsvg_handle_render_document(k->svg, cr, &vp, &gerr);
        cairo_pop_group_to_source(cr);
        cairo_paint_with_alpha(cr, k->opacity);
        g_clear_error(&gerr);
        cairo_restore(cr);
        return;
    }
    cairo_translate(cr, c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2);
    cairo_scale(cr, sx, sy);
    cairo_set_source_surface(cr, k->img, 0, 0);
    /* GOOD filters properly when shrinking (cairo >= 1.14) and interpolates
     * when enlarging */
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0, 0, k->iw, k->ih);
    cairo_clip(cr);
    cairo_paint_with_alpha(cr, k->opacity);
    cairo_restore(cr);
}

static void image_text(const wdg_t *w, wdg_text_t *out)
{
    const image_t *k = (const image_t *)w;
    wdg_text_add(out, "[image %s %gx%g]", k->file ? k->file : "", k->iw, k->ih);
}

const wdg_class_t wdg_image_class = {
    .name = "image",
    .doc  = "A PNG or SVG image (a logo, an emblem, a photo) fitted into the rect — contain, cover or "
            "stretch. An SVG is drawn as vectors at the output resolution (librsvg), a PNG with good "
            "filtering. The file is read when the layout loads; a missing, broken or oversized file (PNG: "
            "more than 8192 pixels a side or 32 MiB; SVG: more than 4 MiB or without a size) fails the layout.",
    .size = sizeof(image_t),
    .opts = image_opts,
    .init = image_init,
    .destroy = image_destroy,
    .draw = image_draw,
    .text = image_text,
};
