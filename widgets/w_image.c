/*
 * w_image.c — "image": a PNG (a logo, an emblem, a photo) or an SVG (drawn
 * as vectors at the output resolution through librsvg, so a union emblem is
 * as crisp at 4K as the text) fitted into the rect: contain, cover or
 * stretch.
 *
 * The file is found in init() at layout load time (relative to the
 * layout's directory or the data directory) and taken from the image cache
 * (imgcache.h): read as a regular file, its header checked before decoding
 * (caps per image and a total for all images), decoded once however many
 * widgets show it; an SVG is parsed from memory and reaches no other file.
 */
#include "widget.h"
#include "imgcache.h"

#include <librsvg/rsvg.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

enum { FIT_CONTAIN = 0, FIT_COVER, FIT_STRETCH };

typedef struct {
    wdg_t            base;
    char            *file;
    int              fit;
    double           opacity;
    bool             frame;
    const wdg_image_t *im;          /* decoded, shared with other widgets (imgcache) */
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

static bool is_svg(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".svg") == 0;
}

static int image_init(wdg_t *w, char *err, size_t errlen)
{
    image_t *k = (image_t *)w;
    w->err_key = "file";                /* where a failure below is reported */
    if (!k->file) {
        snprintf(err, errlen, "\"file\" is required: the PNG to show");
        return -1;
    }
    char path[1024];
    if (wdg_find_file(w, k->file, path, sizeof path) != 0) {
        snprintf(err, errlen, "cannot find \"%s\" (looked in %s)", k->file, path);
        return -1;
    }
    k->im = wdg_image_acquire(path, is_svg(k->file), err, errlen);
    if (!k->im)
        return -1;
    k->iw = k->im->iw;
    k->ih = k->im->ih;
    return 0;
}

static void image_destroy(wdg_t *w)
{
    image_t *k = (image_t *)w;
    wdg_image_release(k->im);
    k->im = NULL;
}

static void image_draw(const wdg_t *w, draw_t *d)
{
    const image_t *k = (const image_t *)w;
    cairo_t *cr = d->cr;
    rect_t c = k->frame ? draw_panel_content(w->rect, w->title) : w->rect;
    if (!k->im || k->iw <= 0 || k->ih <= 0 || c.w <= 0 || c.h <= 0)
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
    if (k->im->svg) {              /* vectors through the current transform: crisp at any size */
        RsvgRectangle vp = { c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2, dw, dh };
        if (k->fit == FIT_STRETCH) {
            cairo_translate(cr, c.x, c.y);
            cairo_scale(cr, c.w / k->iw, c.h / k->ih);
            vp = (RsvgRectangle){ 0, 0, k->iw, k->ih };
        }
        cairo_push_group(cr);
        wdg_svg_render(k->im->svg, cr, &vp);
        cairo_pop_group_to_source(cr);
        cairo_paint_with_alpha(cr, k->opacity);
        cairo_restore(cr);
        return;
    }
    cairo_translate(cr, c.x + (c.w - dw) / 2, c.y + (c.h - dh) / 2);
    cairo_scale(cr, sx, sy);
    cairo_set_source_surface(cr, k->im->img, 0, 0);
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
            "filtering. The file is read when the layout loads and decoded once however many widgets show "
            "it. A missing, broken or oversized file fails the layout: PNG more than 32 MiB, 8192 pixels a "
            "side or 33.5 Mpx; SVG more than 4 MiB or without a size; all images together more than "
            "67 Mpx (256 MiB decoded). An SVG reaches no other file: images in it must be embedded as "
            "data: PNG, JPEG or GIF (counted like PNG files); XInclude and links to files are refused.",
    .size = sizeof(image_t),
    .opts = image_opts,
    .panel = offsetof(image_t, frame),
    .init = image_init,
    .destroy = image_destroy,
    .draw = image_draw,
    .text = image_text,
};
