/*
 * gpu.h — composition on the GPU: a screen's layers as textures of an SDL
 * renderer, the frame made by drawing them (SDL_RenderCopy), not by Cairo.
 *
 * What Cairo still paints is kept on the CPU and uploaded where it
 * changed: the background once per size; each widget's cached layer (base
 * and draw(), see widget.h) once, then only the parts remade; the marks,
 * top and stale badge of a widget into a transparent surface of its own,
 * only in the damaged rectangles; the chrome (banner, error box,
 * statistics) only when it changes. What only moves is not painted again:
 * a sliding strip (the ticker's headlines) is drawn once into textures of
 * at most GPU_STRIP_TILE pixels and moved by the destination rectangle, and
 * a page fade draws the old page's picture with a falling alpha. Every
 * texture is premultiplied ARGB, as Cairo's surfaces, blended "one,
 * one minus source alpha": the same OVER as Cairo's, so the frame equals
 * the software composition within rounding.
 *
 * While attached, the screen's compose_gpu is set: screen_paint is not
 * used, moves of strips and fades set s->moved instead of damaging (see
 * compose.c), and s->frame is not kept current.
 *
 * Thread: the render thread, which owns the renderer.
 */
#ifndef BS_GPU_H
#define BS_GPU_H

#include <SDL2/SDL.h>
#include "screen.h"

#define GPU_STRIP_TILE 4096            /* pixels of a strip per texture, at most */

typedef struct gpu gpu_t;

/* Attaches a compositor on ren to s. NULL with the reason in why when the
 * renderer cannot (no premultiplied blending, textures smaller than the
 * output). */
gpu_t *rdr_gpu_new(SDL_Renderer *ren, screen_t *s, char *why, size_t whylen);
/* Detaches from s (which composes on the CPU again from its next full
 * repaint) and frees every texture. Accepts NULL. */
void rdr_gpu_free(gpu_t *g, screen_t *s);

/* One frame of s at now, after screen_update: brings the textures up to
 * date (remaking layers where invalid), then composes into target (NULL:
 * the window; present it with SDL_RenderPresent). Consumes the damage as
 * screen_paint does. 0, or -1 with the reason in why when this screen
 * cannot be composed here (a layer without a cache, a texture not had):
 * free the compositor and compose on the CPU. */
int rdr_gpu_frame(gpu_t *g, screen_t *s, double now, int64_t wall_ms, SDL_Texture *target,
                  char *why, size_t whylen);

/* The renderer lost its textures (SDL_RENDER_DEVICE_RESET) or the content
 * of its targets (SDL_RENDER_TARGETS_RESET): every texture is dropped and
 * made again from the CPU copies at the next frame; a fade under way ends. */
void rdr_gpu_reset(gpu_t *g, screen_t *s);

/* Reads the current render target back into out (ARGB32, the output's
 * size). 0 or -1. */
int rdr_gpu_read(gpu_t *g, cairo_surface_t *out);

#endif
