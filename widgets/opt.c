/* opt.c — colour values of option tables (see opt.h). Parsing option
 * tables from layout JSON is the loader's (loader/options.c). */
#include "opt.h"
#include "theme.h"

#include <string.h>

const char *const theme_color_names[THEME_N_COLORS + 1] = {
    "bg", "bg2", "panel", "frame", "accent", "accent2", "text", "dim",
    "good", "warn", "bad", "gold", NULL,
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int opt_parse_color(const char *s, bs_color_t *out)
{
    bs_color_t c = { 0, 0, 0, 1, -1 };
    for (int i = 0; theme_color_names[i]; i++)
        if (strcmp(s, theme_color_names[i]) == 0) {
            c.theme = (int8_t)i;
            *out = c;
            return 0;
        }
    size_t n = strlen(s);
    if (s[0] != '#' || (n != 7 && n != 9))
        return -1;
    float ch[4] = { 0, 0, 0, 1 };
    for (size_t i = 0; i < (n - 1) / 2; i++) {
        int hi = hexval(s[1 + 2 * i]), lo = hexval(s[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return -1;
        ch[i] = (float)(hi * 16 + lo) / 255.0f;
    }
    c.r = ch[0];
    c.g = ch[1];
    c.b = ch[2];
    c.a = ch[3];
    *out = c;
    return 0;
}
