/* map.c — declared mappings and CSV rows (see map.h). */
#include "map.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool feed_value_within(const bs_value_t *v, const bs_limits_t *lim, int depth)
{
    if (!v)
        return false;
    switch (v->type) {
    case BS_STR:
        return v->n <= lim->string_len;
    case BS_ARR:
    case BS_OBJ:
        if (depth > lim->depth || v->n > lim->items)
            return false;
        for (uint32_t i = 0; i < v->n; i++) {
            if (v->type == BS_OBJ && strlen(v->u.c.keys[i]) > lim->string_len)
                return false;
            if (!feed_value_within(v->u.c.items[i], lim, depth + 1))
                return false;
        }
        return true;
    default:
        return true;
    }
}

static const char *type_name(const bs_value_t *v)
{
    static const char *const names[] = { "null", "a boolean", "a number", "a string", "an array", "an object" };
    return v && (unsigned)v->type < 6 ? names[v->type] : "nothing";
}

/* The sort key of an item: its field `by`, or the item itself. */
static double key_of(const bs_value_t *it, const char *by)
{
    double d;
    const bs_value_t *k = by ? bs_value_get(it, by) : it;
    return bs_value_number(k, &d) ? d : NAN;
}

typedef struct {
    double      key;
    size_t      idx;       /* original position: a stable sort */
    bs_value_t *v;
} sortrec_t;

static int desc_order;

static int cmp_rec(const void *pa, const void *pb)
{
    const sortrec_t *a = pa, *b = pb;
    bool na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na ? 1 : -1;              /* items without a number go last */
    if (!na && a->key != b->key)
        return (a->key < b->key) != desc_order ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

bs_value_t *feed_map_apply(const feed_map_t *m, const bs_value_t *doc, const bs_limits_t *lim,
                           char *err, size_t errlen)
{
    bs_value_t *out = NULL;
    const bs_value_t *v = bs_value_path(doc, m->path ? m->path : "");
    if (!v) {
        snprintf(err, errlen, "topic \"%s\": path \"%s\" matches nothing", m->topic, m->path ? m->path : "");
        return NULL;
    }
    if (m->agg == MAP_AGG_RATIO) {
        const bs_value_t *d = bs_value_path(doc, m->ratio_path);
        double a, b;
        if (!d) {
            snprintf(err, errlen, "topic \"%s\": ratio path \"%s\" matches nothing", m->topic, m->ratio_path);
            return NULL;
        }
        if (!bs_value_number(v, &a) || !bs_value_number(d, &b)) {
            snprintf(err, errlen, "topic \"%s\": ratio needs two numbers, got %s and %s", m->topic,
                     type_name(v), type_name(d));
            return NULL;
        }
        if (b == 0 || !isfinite(a / b * 100)) {
            snprintf(err, errlen, "topic \"%s\": ratio with a zero or non-finite denominator", m->topic);
            return NULL;
        }
        return bs_value_num(a / b * 100);
    }
    bool arr_ops = m->pick_name || m->sort || m->top || m->agg == MAP_AGG_SUM;
    if (m->agg == MAP_AGG_COUNT && !arr_ops) {
        if (v->type != BS_ARR && v->type != BS_OBJ) {
            snprintf(err, errlen, "topic \"%s\": count needs an array or object at \"%s\", got %s", m->topic,
                     m->path, type_name(v));
            return NULL;
        }
        return bs_value_num(v->n);
    }
    if (!arr_ops) {
        out = bs_value_dup(v);
        goto check;
    }
    if (v->type != BS_ARR) {
        snprintf(err, errlen, "topic \"%s\": needs an array at \"%s\", got %s", m->topic, m->path, type_name(v));
        return NULL;
    }
    /* work on a list of (owned) items */
    size_t n = v->n;
    sortrec_t *r = calloc(n ? n : 1, sizeof *r);
    if (!r)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const bs_value_t *it = v->u.c.items[i];
        r[i].idx = i;
        if (m->pick_name) {
            const bs_value_t *nm = it->type == BS_OBJ ? bs_value_get(it, m->pick_name) : NULL;
            const bs_value_t *vl = it->type == BS_OBJ ? bs_value_get(it, m->pick_value) : NULL;
            if (!nm || !vl) {
                snprintf(err, errlen, "topic \"%s\": item %zu has no \"%s\" or no \"%s\"", m->topic, i,
                         m->pick_name, m->pick_value);
                goto fail;
            }
            bs_value_t *o = bs_value_obj(2);
            if (!o)
                goto oom_r;
            r[i].v = o;
            o->u.c.keys[0] = strdup("name");
            o->u.c.keys[1] = strdup("value");
            o->u.c.items[0] = bs_value_dup(nm);
            o->u.c.items[1] = bs_value_dup(vl);
            if (!o->u.c.keys[0] || !o->u.c.keys[1] || !o->u.c.items[0] || !o->u.c.items[1])
                goto oom_r;
        } else if (!(r[i].v = bs_value_dup(it))) {
            goto oom_r;
        }
        const char *by = m->sort_by ? m->sort_by : (m->pick_name ? "value" : NULL);
        r[i].key = key_of(r[i].v, by);
    }
    if (m->sort) {
        desc_order = m->sort == MAP_SORT_DESC;
        qsort(r, n, sizeof *r, cmp_rec);
    }
    size_t keep = m->top && (size_t)m->top < n ? (size_t)m->top : n;
    if (m->agg == MAP_AGG_SUM || m->agg == MAP_AGG_COUNT) {
        double sum = 0;
        for (size_t i = 0; i < keep && m->agg == MAP_AGG_SUM; i++) {
            double d;
            const bs_value_t *x = m->agg_field ? bs_value_get(r[i].v, m->agg_field) :
                                  m->pick_name ? bs_value_get(r[i].v, "value") : r[i].v;
            if (!bs_value_number(x, &d)) {
                snprintf(err, errlen, "topic \"%s\": sum: item %zu%s%s%s is %s, not a number", m->topic,
                         r[i].idx, m->agg_field ? " field \"" : "", m->agg_field ? m->agg_field : "",
                         m->agg_field ? "\"" : "", type_name(x));
                goto fail;
            }
            sum += d;
        }
        out = bs_value_num(m->agg == MAP_AGG_SUM ? sum : (double)keep);
        if (!isfinite(sum)) {
            snprintf(err, errlen, "topic \"%s\": the sum is not finite", m->topic);
            bs_value_free(out);
            out = NULL;
            for (size_t i = 0; i < n; i++)
                bs_value_free(r[i].v);
            free(r);
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            bs_value_free(r[i].v);
        free(r);
        if (!out)
            goto oom;
        return out;
    }
    out = bs_value_arr((uint32_t)keep);
    if (!out)
        goto oom_r;
    for (size_t i = 0; i < n; i++) {
        if (i < keep)
            out->u.c.items[i] = r[i].v;
        else
            bs_value_free(r[i].v);
    }
    free(r);
check:
    if (!out)
        goto oom;
    if (!feed_value_within(out, lim, 1)) {
        snprintf(err, errlen, "topic \"%s\": the value breaks the feed's limits (depth %d, items %zu, "
                 "strings %zu bytes)", m->topic, lim->depth, lim->items, lim->string_len);
        bs_value_free(out);
        return NULL;
    }
    return out;
oom_r:
    snprintf(err, errlen, "out of memory");
fail:
    for (size_t i = 0; i < n; i++)
        bs_value_free(r[i].v);
    free(r);
    return NULL;
oom:
    snprintf(err, errlen, "out of memory");
    return NULL;
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct {
    char       *topic;
    bs_value_t *v;
} row_t;

/* One field at *p (up to the end of the line): unquoted or "quoted" with ""
 * escapes. Writes at most cap-1 bytes into out. Returns 0, or -1 on a bad
 * quote or an over-long field. */
static int field(const char **p, const char *end, char *out, size_t cap, size_t *outlen)
{
    const char *s = *p;
    size_t n = 0;
    if (s < end && *s == '"') {
        s++;
        for (;;) {
            if (s >= end)
                return -1;                    /* no closing quote */
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    s++;
                } else {
                    s++;
                    break;
                }
            }
            if (*s == '\n' || *s == '\r')
                return -1;                    /* one record per line */
            if (n + 1 >= cap)
                return -1;
            out[n++] = *s++;
        }
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        if (s < end && *s != ',' && *s != '\n' && *s != '\r')
            return -1;                        /* junk after the quote */
    } else {
        while (s < end && *s != ',' && *s != '\n' && *s != '\r') {
            if (*s == '"')
                return -1;
            if (n + 1 >= cap)
                return -1;
            out[n++] = *s++;
        }
        while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
            n--;                              /* trim trailing blanks */
    }
    out[n] = '\0';
    *outlen = n;
    *p = s;
    return 0;
}

static bs_value_t *csv_value(const char *s, size_t n)
{
    char *end;
    const char *t = s;
    while (*t == ' ' || *t == '\t')
        t++;
    if (*t) {
        double d = strtod(t, &end);
        if (*end == '\0' && isfinite(d) && !(t[0] == '0' && (t[1] == 'x' || t[1] == 'X')))
            return bs_value_num(d);
    }
    return bs_value_str(s, n);
}

#define CSV_FIELD_MAX 65536
#define CSV_ROWS_MAX  100000

int feed_csv_parse(const char *buf, size_t len, const bs_limits_t *lim,
                   int (*emit)(const char *topic, bs_value_t *v, void *ud), void *ud,
                   char *err, size_t errlen)
{
    const char *p = buf, *end = buf + len;
    char *a = malloc(CSV_FIELD_MAX), *b = malloc(CSV_FIELD_MAX);
    row_t *rows = NULL;
    size_t nrows = 0, caprows = 0;
    int line = 0, rc = -1;
    bool seen_row = false;
    if (!a || !b) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!bs_utf8_valid(buf, len)) {
        snprintf(err, errlen, "the file is not valid UTF-8");
        goto out;
    }
    if (len >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb && (unsigned char)p[2] == 0xbf)
        p += 3;                               /* a BOM from spreadsheet programs */
    while (p < end) {
        line++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q == le || *q == '#') {
            p = eol ? eol + 1 : end;
            continue;
        }
        size_t al, bl;
        if (field(&p, le, a, CSV_FIELD_MAX, &al) != 0 || p >= le || *p != ',') {
            snprintf(err, errlen, "line %d: expected topic,value", line);
            goto out;
        }
        p++;
        if (field(&p, le, b, CSV_FIELD_MAX, &bl) != 0) {
            snprintf(err, errlen, "line %d: bad value field (a quote out of place?)", line);
            goto out;
        }
        while (p < le && *p == '\r')
            p++;
        if (p < le) {
            snprintf(err, errlen, "line %d: more than two fields (quote a value with commas)", line);
            goto out;
        }
        p = eol ? eol + 1 : end;
        bool first = !seen_row;
        seen_row = true;
        if (first && strcmp(a, "topic") == 0 && strcmp(b, "value") == 0)
            continue;                         /* the header line */
        if (al == 0 || al > lim->topic_len) {
            snprintf(err, errlen, "line %d: the topic is empty or longer than %zu bytes", line, lim->topic_len);
            goto out;
        }
        for (size_t i = 0; i < al; i++)
            if ((unsigned char)a[i] < 0x20) {
                snprintf(err, errlen, "line %d: control character in the topic", line);
                goto out;
            }
        if (bl > lim->string_len) {
            snprintf(err, errlen, "line %d: value longer than %zu bytes", line, lim->string_len);
            goto out;
        }
        if (nrows == CSV_ROWS_MAX) {
            snprintf(err, errlen, "more than %d rows", CSV_ROWS_MAX);
            goto out;
        }
        if (nrows == caprows) {
            size_t nc = caprows ? caprows * 2 : 16;
            row_t *nr = realloc(rows, nc * sizeof *nr);
            if (!nr)
                goto oom;
            rows = nr;
            caprows = nc;
        }
        rows[nrows].topic = strdup(a);
        rows[nrows].v = csv_value(b, bl);
        nrows++;
        if (!rows[nrows - 1].topic || !rows[nrows - 1].v)
            goto oom;
    }
    /* the whole file is good: only now does anything leave */
    rc = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (emit(rows[i].topic, rows[i].v, ud) == 0)
            rc++;
        rows[i].v = NULL;
    }
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
    rc = -1;
out:
    for (size_t i = 0; i < nrows; i++) {
        free(rows[i].topic);
        bs_value_free(rows[i].v);
    }
    free(rows);
    free(a);
    free(b);
    return rc;
}
