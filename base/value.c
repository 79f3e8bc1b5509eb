/* value.c — plain C value trees (see value.h for ownership rules). */
#include "value.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>

bs_limits_t bs_limits_default(void)
{
    bs_limits_t l = {
        .frame_bytes = 1u << 20,   /* 1 MiB */
        .topic_len   = 128,
        .string_len  = 4096,
        .history_len = 256,
        .depth       = 16,
        .items       = 1024,
    };
    return l;
}

static bs_value_t *alloc_value(bs_type_t t)
{
    bs_value_t *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

bs_value_t *bs_value_null(void) { return alloc_value(BS_NULL); }

bs_value_t *bs_value_bool(bool b)
{
    bs_value_t *v = alloc_value(BS_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

bs_value_t *bs_value_num(double d)
{
    bs_value_t *v = alloc_value(BS_NUM);
    if (v)
        v->u.num = d;
    return v;
}

/* Copies len bytes of s into a new STR value. NULL on allocation failure. */
bs_value_t *bs_value_str(const char *s, size_t len)
{
    bs_value_t *v = alloc_value(BS_STR);
    if (!v)
        return NULL;
    v->u.str = malloc(len + 1);
    if (!v->u.str) {
        free(v);
        return NULL;
    }
    memcpy(v->u.str, s, len);
    v->u.str[len] = '\0';
    v->n = (uint32_t)len;
    return v;
}

static bs_value_t *alloc_container(bs_type_t t, uint32_t n)
{
    bs_value_t *v = alloc_value(t);
    if (!v)
        return NULL;
    v->n = n;
    if (n) {
        v->u.c.items = calloc(n, sizeof *v->u.c.items);
        if (!v->u.c.items)
            goto err;
        if (t == BS_OBJ) {
            v->u.c.keys = calloc(n, sizeof *v->u.c.keys);
            if (!v->u.c.keys)
                goto err;
        }
    }
    return v;
err:
    free(v->u.c.items);
    free(v);
    return NULL;
}

bs_value_t *bs_value_arr(uint32_t n) { return alloc_container(BS_ARR, n); }
bs_value_t *bs_value_obj(uint32_t n) { return alloc_container(BS_OBJ, n); }

void bs_value_free(bs_value_t *v)
{
    if (!v)
        return;
    if (v->type == BS_STR) {
        free(v->u.str);
    } else if (v->type == BS_ARR || v->type == BS_OBJ) {
        for (uint32_t i = 0; i < v->n; i++) {
            bs_value_free(v->u.c.items[i]);
            if (v->u.c.keys)
                free(v->u.c.keys[i]);
        }
        free(v->u.c.items);
        free(v->u.c.keys);
    }
    free(v);
}

bs_value_t *bs_value_dup(const bs_value_t *v)
{
    if (!v)
        return NULL;
    switch (v->type) {
    case BS_NULL: return bs_value_null();
    case BS_BOOL: return bs_value_bool(v->u.b);
    case BS_NUM:  return bs_value_num(v->u.num);
    case BS_STR:  return bs_value_str(v->u.str, v->n);
    case BS_ARR:
    case BS_OBJ: {
        bs_value_t *c = alloc_container(v->type, v->n);
        if (!c)
            return NULL;
        for (uint32_t i = 0; i < v->n; i++) {
            c->u.c.items[i] = bs_value_dup(v->u.c.items[i]);
            if (!c->u.c.items[i])
                goto err;
            if (v->type == BS_OBJ) {
                c->u.c.keys[i] = strdup(v->u.c.keys[i]);
                if (!c->u.c.keys[i])
                    goto err;
            }
        }
        return c;
    err:
        bs_value_free(c);
        return NULL;
    }
    }
    return NULL;
}

bool bs_value_equal(const bs_value_t *a, const bs_value_t *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->type != b->type || a->n != b->n)
        return false;
    switch (a->type) {
    case BS_NULL: return true;
    case BS_BOOL: return a->u.b == b->u.b;
    case BS_NUM:  return a->u.num == b->u.num;
    case BS_STR:  return memcmp(a->u.str, b->u.str, a->n) == 0;
    case BS_ARR:
    case BS_OBJ:
        for (uint32_t i = 0; i < a->n; i++) {
            if (a->type == BS_OBJ && strcmp(a->u.c.keys[i], b->u.c.keys[i]) != 0)
                return false;
            if (!bs_value_equal(a->u.c.items[i], b->u.c.items[i]))
                return false;
        }
        return true;
    }
    return false;
}

const bs_value_t *bs_value_get(const bs_value_t *obj, const char *key)
{
    if (!obj || obj->type != BS_OBJ || !key)
        return NULL;
    /* last wins, like a JSON object with a repeated key */
    for (uint32_t i = obj->n; i-- > 0;)
        if (strcmp(obj->u.c.keys[i], key) == 0)
            return obj->u.c.items[i];
    return NULL;
}

const bs_value_t *bs_value_path(const bs_value_t *v, const char *path)
{
    char seg[256];
    if (!path)
        return v;
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof seg)
            return NULL;
        memcpy(seg, path, n);
        seg[n] = '\0';
        path += n;
        if (*path == '.')
            path++;
        if (v->type == BS_OBJ) {
            v = bs_value_get(v, seg);
        } else if (v->type == BS_ARR) {
            char *end;
            errno = 0;
            long i = strtol(seg, &end, 10);
            if (errno || *end || end == seg || i < 0 || (unsigned long)i >= v->n)
                return NULL;
            v = v->u.c.items[i];
        } else {
            return NULL;
        }
    }
    return v;
}

bool bs_value_number(const bs_value_t *v, double *out)
{
    if (!v)
        return false;
    switch (v->type) {
    case BS_NUM:
        *out = v->u.num;
        return true;
    case BS_BOOL:
        *out = v->u.b ? 1 : 0;
        return true;
    case BS_STR: {
        char *end;
        double d = strtod(v->u.str, &end);
        if (end == v->u.str || *end || !isfinite(d))
            return false;
        *out = d;
        return true;
    }
    default:
        return false;
    }
}

bs_value_t *bs_value_merge(const bs_value_t *a, const bs_value_t *b, size_t max_items)
{
    if (!a || !b || a->type != BS_OBJ || b->type != BS_OBJ)
        return NULL;
    /* O(n*m) on purpose: feed objects are small and capped. */
    uint32_t extra = 0;
    for (uint32_t i = 0; i < b->n; i++)
        if (!bs_value_get(a, b->u.c.keys[i]))
            extra++;
    if ((size_t)a->n + extra > max_items)
        return NULL;
    bs_value_t *r = bs_value_obj(a->n + extra);
    if (!r)
        return NULL;
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        const bs_value_t *nb = bs_value_get(b, a->u.c.keys[i]);
        r->u.c.keys[k] = strdup(a->u.c.keys[i]);
        r->u.c.items[k] = bs_value_dup(nb ? nb : a->u.c.items[i]);
        if (!r->u.c.keys[k] || !r->u.c.items[k])
            goto err;
        k++;
    }
    for (uint32_t i = 0; i < b->n; i++) {
        if (bs_value_get(a, b->u.c.keys[i]))
            continue;
        /* a repeated key inside b: keep only its last occurrence */
        if (bs_value_get(b, b->u.c.keys[i]) != b->u.c.items[i])
            continue;
        r->u.c.keys[k] = strdup(b->u.c.keys[i]);
        r->u.c.items[k] = bs_value_dup(b->u.c.items[i]);
        if (!r->u.c.keys[k] || !r->u.c.items[k])
            goto err;
        k++;
    }
    r->n = k;
    return r;
err:
    r->n = k + 1;
    bs_value_free(r);
    return NULL;
}

bool bs_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else return false;
        if (i + n >= len)  /* needs bytes i..i+n */
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}
