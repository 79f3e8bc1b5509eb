/*
 * theme.h — the colours and fonts of a layout. Set at load, read-only after.
 */
#ifndef BS_THEME_H
#define BS_THEME_H

#include "opt.h"

enum {
    THEME_BG = 0,      /* page background, deep blue              */
    THEME_BG2,         /* second background tone (gradient end)   */
    THEME_PANEL,       /* panel fill                              */
    THEME_FRAME,       /* panel frame lines                       */
    THEME_ACCENT,      /* cyan: highlights, glows                 */
    THEME_ACCENT2,     /* second accent: blue                     */
    THEME_TEXT,        /* main text                               */
    THEME_DIM,         /* secondary text, axes                    */
    THEME_GOOD,
    THEME_WARN,
    THEME_BAD,
    THEME_GOLD,        /* top-ranked, trophies                    */
    THEME_N_COLORS
};

extern const char *const theme_color_names[THEME_N_COLORS + 1];

enum { FONT_TEXT = 0, FONT_BOLD, FONT_TITLE, FONT_NUMBER, FONT_N_ROLES };
extern const char *const theme_font_roles[FONT_N_ROLES + 1];

typedef struct {
    bs_color_t colors[THEME_N_COLORS];
    char      *fonts[FONT_N_ROLES];   /* manifest font names */
} theme_t;

/* Resolves c (a literal or a theme reference) to concrete RGBA. */
bs_color_t theme_color(const theme_t *t, bs_color_t c);

/* The default theme: dark blue, cyan accents. */
void theme_default(theme_t *t);

#endif
