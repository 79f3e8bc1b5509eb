/* jsonw.c — compact JSON text of plain values (see jsonw.h). */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of d in buf (NUL-terminated); its length. */
static size_t num_text(double d, char buf[32])
{
    if (!isfinite(d)) {
        memcpy(buf, "null", 5);
        return 4;
    }
    int n = snprintf(buf, 32, "%.15g", d);
    if (strtod(buf, NULL) != d)
        n = snprintf(buf, 32, "%.17g", d);
    return (size_t)n;
}

/* Escaped length of one byte (quotes not included). */
static size_t esc_len(unsigned char c)
{
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
        return 2;
    return c < 0x20 ? 6 : 1;
}

size_t jsonw_str_len(const char *s, size_t n)
{
    size_t len = 2;
    for (size_t i = 0; i < n; i++)
        len += esc_len((unsigned char)s[i]);
    return len;
}

char *jsonw_str(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    *out++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':  *out++ = '\\'; *out++ = '"'; break;
        case '\\': *out++ = '\\'; *out++ = '\\'; break;
        case '\b': *out++ = '\\'; *out++ = 'b'; break;
        case '\f': *out++ = '\\'; *out++ = 'f'; break;
        case '\n': *out++ = '\\'; *out++ = 'n'; break;
        case '\r': *out++ = '\\'; *out++ = 'r'; break;
        case '\t': *out++ = '\\'; *out++ = 't'; break;
        default:
            if (c < 0x20) {
                memcpy(out, "\\u00", 4);
                out[4] = hex[c >> 4];
                out[5] = hex[c & 15];
                out += 6;
            } else {
                *out++ = (char)c;
            }
        }
    }
    *out++ = '"';
    return out;
}

/* Recursion depth is bounded by the depth cap values were built under. */
size_t jsonw_len(const bs_value_t *v)
{
    char buf[32];
    switch (v->type) {
    case BS_NULL: return 4;
    case BS_BOOL: return v->u.b ? 4 : 5;
    case BS_NUM:  return num_text(v->u.num, buf);
    case BS_STR:  return jsonw_str_len(v->u.str, v->n);
    case BS_ARR:
    case BS_OBJ: {
        size_t len = 2 + (v->n ? v->n - 1 : 0);          /* brackets, commas */
        for (uint32_t i = 0; i < v->n; i++) {
            if (v->type == BS_OBJ)
                len += jsonw_str_len(v->u.c.keys[i], strlen(v->u.c.keys[i])) + 1;
            len += jsonw_len(v->u.c.items[i]);
        }
        return len;
    }
    }
    return 4;
}

char *jsonw_value(char *out, const bs_value_t *v)
{
    char buf[32];
    switch (v->type) {
    case BS_NULL: memcpy(out, "null", 4); return out + 4;
    case BS_BOOL:
        if (v->u.b) {
            memcpy(out, "true", 4);
            return out + 4;
        }
        memcpy(out, "false", 5);
        return out + 5;
    case BS_NUM: {
        size_t n = num_text(v->u.num, buf);
        memcpy(out, buf, n);
        return out + n;
    }
    case BS_STR: return jsonw_str(out, v->u.str, v->n);
    case BS_ARR:
    case BS_OBJ:
        *out++ = v->type == BS_ARR ? '[' : '{';
        for (uint32_t i = 0; i < v->n; i++) {
            if (i)
                *out++ = ',';
            if (v->type == BS_OBJ) {
                out = jsonw_str(out, v->u.c.keys[i], strlen(v->u.c.keys[i]));
                *out++ = ':';
            }
            out = jsonw_value(out, v->u.c.items[i]);
        }
        *out++ = v->type == BS_ARR ? ']' : '}';
        return out;
    }
    memcpy(out, "null", 4);
    return out + 4;
}
