/* jsonpos — JSON-with-comments parsing with source positions.
 *
 * How it works: the input is copied, then a strict validating scanner of our
 * own walks the copy once. It blanks comments (and a leading BOM) to spaces,
 * keeping '\n' so offsets do not move, reports the first syntax error at the
 * place a human would look, and records in pre-order the byte offset of every
 * value (and of its key, for object members). Only text that passed our
 * scanner is handed to cJSON; the resulting tree is then walked in pre-order
 * in lock-step with the records (cJSON keeps member/element order), which
 * binds every cJSON* to its offsets. The records are sorted by node pointer
 * for bsearch. Offsets become line:col only when asked for.
 *
 * The scanner is deliberately at least as strict as cJSON 1.7.15 (numbers of
 * at most 63 characters, \u escapes with valid surrogate pairs, no raw
 * control characters in strings), so cJSON never rejects what we accepted.
 */
#include "jsonpos.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_KEY SIZE_MAX
#define MSG_MAX 160
#define NUMBER_MAX 63 /* cJSON copies at most 63 number characters */

struct rec {
    const cJSON *node;
    size_t key; /* offset of the key's opening quote, or NO_KEY */
    size_t val; /* offset of the value's first character */
};

struct jsonpos {
    cJSON *root;
    char *text;    /* comment-stripped private copy, len bytes + NUL */
    size_t len;
    size_t *lines; /* lines[i] = offset where line i+1 starts (after BOM) */
    size_t nlines;
    size_t *cps;   /* cps[k] = code points in text[0 .. k*CP_STEP) */
    struct rec *recs; /* sorted by node pointer */
    size_t nrecs;
};

typedef struct {
    char *s;
    size_t len;
    size_t pos;
    size_t base; /* 3 if a BOM was skipped, else 0 */
    int depth;
    struct rec *recs;
    size_t nrecs, cap;
    size_t err_off;
    char msg[MSG_MAX];
} scanner;

/* Record an error at byte offset off with a printf-style message.
 * Always returns -1 so callers can `return fail(...)`. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(scanner *sc, size_t off, const char *fmt, ...)
{
    va_list ap;

    sc->err_off = off;
    va_start(ap, fmt);
    vsnprintf(sc->msg, sizeof sc->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* Describe the byte at offset off for an error message ("'x'", "'中'",
 * "byte 0xNN", "control character 0xNN") into buf. Reads only within
 * sc->len. Returns buf. */
static const char *describe(const scanner *sc, size_t off, char *buf,
                            size_t bufsz)
{
    unsigned char c = (unsigned char)sc->s[off];
    size_t n = 0, i;

    if (c < 0x20 || c == 0x7f) {
        snprintf(buf, bufsz, "control character 0x%02X", c);
        return buf;
    }
    if (c < 0x80) {
        snprintf(buf, bufsz, "character '%c'", c);
        return buf;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3;
    if (n == 0 || n > sc->len - off - 1) {
        snprintf(buf, bufsz, "byte 0x%02X", c);
        return buf;
    }
    for (i = 1; i <= n; i++) {
        if (((unsigned char)sc->s[off + i] & 0xC0) != 0x80) {
            snprintf(buf, bufsz, "byte 0x%02X", c);
            return buf;
        }
    }
    snprintf(buf, bufsz, "character '%.*s'", (int)(n + 1), sc->s + off);
    return buf;
}

/* Report "unexpected character ..." (with an optional hint) at sc->pos.
 * Returns -1. */
static int unexpected(scanner *sc, const char *hint)
{
    char d[48];

    describe(sc, sc->pos, d, sizeof d);
    return fail(sc, sc->pos, "unexpected %s%s%s", d, hint ? ", " : "",
                hint ? hint : "");
}

/* Skip whitespace and comments, blanking comments to spaces (newlines are
 * kept). Stops at the first other byte or at the end. Returns 0, or -1 on an
 * unterminated block comment (error placed at its opening slash). */
static int skip_ws(scanner *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            sc->pos++;
        } else if (c == '/' && sc->pos + 1 < sc->len &&
                   sc->s[sc->pos + 1] == '/') {
            while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
                sc->s[sc->pos++] = ' ';
        } else if (c == '/' && sc->pos + 1 < sc->len &&
                   sc->s[sc->pos + 1] == '*') {
            size_t start = sc->pos, i = sc->pos + 2;

            while (i + 1 < sc->len && !(sc->s[i] == '*' && sc->s[i + 1] == '/'))
                i++;
            if (i + 1 >= sc->len)
                return fail(sc, start, "unterminated comment");
            for (; sc->pos < i + 2; sc->pos++)
                if (sc->s[sc->pos] != '\n')
                    sc->s[sc->pos] = ' ';
        } else {
            break;
        }
    }
    return 0;
}

/* Append a position record. Returns 0, or -1 when out of memory. */
static int add_rec(scanner *sc, size_t key, size_t val)
{
    if (sc->nrecs == sc->cap) {
        size_t ncap = sc->cap ? sc->cap * 2 : 64;
        struct rec *n = realloc(sc->recs, ncap * sizeof *n);

        if (!n)
            return fail(sc, val, "out of memory");
        sc->recs = n;
        sc->cap = ncap;
    }
    sc->recs[sc->nrecs].node = NULL;
    sc->recs[sc->nrecs].key = key;
    sc->recs[sc->nrecs].val = val;
    sc->nrecs++;
    return 0;
}

/* Value of hex digit c, or -1. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read the 4 hex digits of a \u escape starting at offset p (just after the
 * 'u'). Returns the code unit 0..0xFFFF, or -1 if not 4 hex digits. */
static long hex4(const scanner *sc, size_t p)
{
    long v = 0;
    size_t i;

    if (sc->len - p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int h = hexval(sc->s[p + i]);

        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Scan a string whose opening quote is at sc->pos; on success sc->pos is
 * just past the closing quote. Returns 0, or -1 with the error recorded. */
static int scan_string(scanner *sc)
{
    size_t open = sc->pos;

    sc->pos++;
    for (;;) {
        unsigned char c;

        if (sc->pos >= sc->len)
            return fail(sc, open, "unterminated string");
        c = (unsigned char)sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            return 0;
        }
        if (c == '\n' || c == '\r')
            return fail(sc, open,
                        "unterminated string (strings cannot span lines)");
        if (c < 0x20) {
            return fail(sc, sc->pos,
                        "control character 0x%02X in string (use an escape)",
                        c);
        }
        if (c != '\\') {
            sc->pos++;
            continue;
        }
        /* escape sequence */
        if (sc->pos + 1 >= sc->len)
            return fail(sc, open, "unterminated string");
        switch (sc->s[sc->pos + 1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't':
            sc->pos += 2;
            break;
        case 'u': {
            long u = hex4(sc, sc->pos + 2), lo;

            if (u < 0)
                return fail(sc, sc->pos,
                            "invalid \\u escape (need 4 hex digits)");
            if (u >= 0xDC00 && u <= 0xDFFF)
                return fail(sc, sc->pos,
                            "invalid \\u escape (lone low surrogate)");
            if (u >= 0xD800 && u <= 0xDBFF) {
                size_t p = sc->pos + 6;

                lo = -1;
                if (sc->len - p >= 6 && sc->s[p] == '\\' && sc->s[p + 1] == 'u')
                    lo = hex4(sc, p + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(sc, sc->pos,
                                "invalid \\u escape (unpaired high surrogate)");
                sc->pos += 12;
            } else {
                sc->pos += 6;
            }
            break;
        }
        default: {
            char d[48];

            describe(sc, sc->pos + 1, d, sizeof d);
            return fail(sc, sc->pos, "invalid escape sequence: backslash "
                                     "followed by %s", d);
        }
        }
    }
}

/* Scan a run of ASCII digits; returns how many were consumed. */
static size_t digits(scanner *sc)
{
    size_t n = 0;

    while (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9') {
        sc->pos++;
        n++;
    }
    return n;
}

/* Scan a strict JSON number starting at sc->pos ('-' or digit).
 * Returns 0, or -1 with the error recorded. */
static int scan_number(scanner *sc)
{
    size_t start = sc->pos;

    if (sc->s[sc->pos] == '-')
        sc->pos++;
    if (sc->pos < sc->len && sc->s[sc->pos] == '0') {
        sc->pos++;
        if (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9')
            return fail(sc, start, "invalid number (leading zero)");
    } else if (digits(sc) == 0) {
        return fail(sc, start, "invalid number");
    }
    if (sc->pos < sc->len && sc->s[sc->pos] == '.') {
        sc->pos++;
        if (digits(sc) == 0)
            return fail(sc, start, "invalid number (digit expected after '.')");
    }
    if (sc->pos < sc->len && (sc->s[sc->pos] == 'e' || sc->s[sc->pos] == 'E')) {
        sc->pos++;
        if (sc->pos < sc->len && (sc->s[sc->pos] == '+' || sc->s[sc->pos] == '-'))
            sc->pos++;
        if (digits(sc) == 0)
            return fail(sc, start, "invalid number (digit expected in exponent)");
    }
    if (sc->pos - start > NUMBER_MAX)
        return fail(sc, start, "number is too long (max %d characters)",
                    NUMBER_MAX);
    return 0;
}

/* Scan true/false/null at sc->pos (which holds a letter). Returns 0, or -1
 * with the error recorded. */
static int scan_literal(scanner *sc)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t start = sc->pos, n, i;

    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            break;
        sc->pos++;
    }
    n = sc->pos - start;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], sc->s + start, n) == 0)
            return 0;
    return fail(sc, start, "invalid value '%.*s'%s", (int)(n > 20 ? 20 : n),
                sc->s + start, n > 20 ? "..." : "");
}

/* 1-based line and code-point column of offset off in s, counting from base
 * (the first byte after a BOM), by a linear scan. */
static void linecol_scan(const char *s, size_t base, size_t off, int *line,
                         int *col)
{
    size_t i, ls = base;
    long ln = 1, cl = 1;

    for (i = base; i < off; i++)
        if (s[i] == '\n') {
            ln++;
            ls = i + 1;
        }
    for (i = ls; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cl++;
    if (line)
        *line = ln > INT32_MAX ? INT32_MAX : (int)ln;
    if (col)
        *col = cl > INT32_MAX ? INT32_MAX : (int)cl;
}

static int scan_value(scanner *sc, size_t key);

/* Report end of input inside the container opened at offset open. Returns
 * -1. */
static int eof_in(scanner *sc, size_t open, const char *expected)
{
    int l, c;

    linecol_scan(sc->s, sc->base, open, &l, &c);
    return fail(sc, sc->len, "unexpected end of file, expected %s ('%c' "
                "opened at %d:%d is not closed)", expected, sc->s[open], l, c);
}

/* Scan an object whose '{' is at sc->pos. Returns 0 or -1. */
static int scan_object(scanner *sc)
{
    size_t open = sc->pos;

    sc->pos++;
    if (skip_ws(sc) < 0)
        return -1;
    if (sc->pos >= sc->len)
        return eof_in(sc, open, "a string key or '}'");
    if (sc->s[sc->pos] == '}') {
        sc->pos++;
        return 0;
    }
    for (;;) {
        size_t key = sc->pos, comma;

        if (sc->s[sc->pos] != '"')
            return unexpected(sc, "expected a string key in double quotes");
        if (scan_string(sc) < 0 || skip_ws(sc) < 0)
            return -1;
        if (sc->pos >= sc->len)
            return eof_in(sc, open, "':'");
        if (sc->s[sc->pos] != ':')
            return unexpected(sc, "expected ':' after the key");
        sc->pos++;
        if (skip_ws(sc) < 0 || scan_value(sc, key) < 0 || skip_ws(sc) < 0)
            return -1;
        if (sc->pos >= sc->len)
            return eof_in(sc, open, "',' or '}'");
        if (sc->s[sc->pos] == '}') {
            sc->pos++;
            return 0;
        }
        if (sc->s[sc->pos] != ',')
            return unexpected(sc, "expected ',' or '}'");
        comma = sc->pos++;
        if (skip_ws(sc) < 0)
            return -1;
        if (sc->pos >= sc->len)
            return eof_in(sc, open, "a string key");
        if (sc->s[sc->pos] == '}')
            return fail(sc, comma, "trailing comma is not allowed");
    }
}

/* Scan an array whose '[' is at sc->pos. Returns 0 or -1. */
static int scan_array(scanner *sc)
{
    size_t open = sc->pos;

    sc->pos++;
    if (skip_ws(sc) < 0)
        return -1;
    if (sc->pos >= sc->len)
        return eof_in(sc, open, "a value or ']'");
    if (sc->s[sc->pos] == ']') {
        sc->pos++;
        return 0;
    }
    for (;;) {
        size_t comma;

        if (scan_value(sc, NO_KEY) < 0 || skip_ws(sc) < 0)
            return -1;
        if (sc->pos >= sc->len)
            return eof_in(sc, open, "',' or ']'");
        if (sc->s[sc->pos] == ']') {
            sc->pos++;
            return 0;
        }
        if (sc->s[sc->pos] != ',')
            return unexpected(sc, "expected ',' or ']'");
        comma = sc->pos++;
        if (skip_ws(sc) < 0)
            return -1;
        if (sc->pos >= sc->len)
            return eof_in(sc, open, "a value");
        if (sc->s[sc->pos] == ']')
            return fail(sc, comma, "trailing comma is not allowed");
    }
}

/* Scan one value at sc->pos (whitespace already skipped), recording its
 * offsets (key is the member's key offset or NO_KEY). Returns 0 or -1. */
static int scan_value(scanner *sc, size_t key)
{
    char c;
    int rc;

    if (sc->pos >= sc->len)
        return fail(sc, sc->len, "unexpected end of file, expected a value");
    if (add_rec(sc, key, sc->pos) < 0)
        return -1;
    c = sc->s[sc->pos];
    switch (c) {
    case '{':
    case '[':
        if (sc->depth >= JSONPOS_MAX_DEPTH)
            return fail(sc, sc->pos, "nesting is deeper than %d levels",
                        JSONPOS_MAX_DEPTH);
        sc->depth++;
        rc = c == '{' ? scan_object(sc) : scan_array(sc);
        sc->depth--;
        return rc;
    case '"':
        return scan_string(sc);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return scan_number(sc);
    default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return scan_literal(sc);
        return unexpected(sc, "expected a value");
    }
}

/* qsort/bsearch comparator ordering records by node address. */
static int cmp_rec(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct rec *)a)->node;
    uintptr_t y = (uintptr_t)((const struct rec *)b)->node;

    return x < y ? -1 : x > y;
}

/* Bind nodes of the tree to records in pre-order, starting at *i.
 * Returns 0, or -1 if the tree and the records disagree. */
static int bind_nodes(struct rec *recs, size_t n, size_t *i,
                      const cJSON *node)
{
    const cJSON *ch;

    if (*i >= n || (node->string != NULL) != (recs[*i].key != NO_KEY))
        return -1;
    recs[(*i)++].node = node;
    for (ch = node->child; ch; ch = ch->next)
        if (bind_nodes(recs, n, i, ch) < 0)
            return -1;
    return 0;
}

/* Code points are counted from checkpoints this many bytes apart, so a
 * column costs at most CP_STEP bytes of scanning however long its line is
 * (a 4 MB layout on one line stays linear, not quadratic). */
#define CP_STEP 4096

static int is_lead(char c) { return ((unsigned char)c & 0xC0) != 0x80; }

/* Build jp->lines, the start offset of every line, and jp->cps, the code
 * point checkpoints. Returns 0 or -1 (OOM). */
static int build_lines(jsonpos_t *jp, size_t base)
{
    size_t i, n = 1, k, cp = 0;

    jp->cps = malloc((jp->len / CP_STEP + 1) * sizeof *jp->cps);
    if (!jp->cps)
        return -1;
    for (i = 0, k = 0; i < jp->len; i++) {
        if (i % CP_STEP == 0)
            jp->cps[k++] = cp;
        cp += is_lead(jp->text[i]);
    }
    if (jp->len % CP_STEP == 0)
        jp->cps[k] = cp;

    for (i = base; i < jp->len; i++)
        n += jp->text[i] == '\n';
    jp->lines = malloc(n * sizeof *jp->lines);
    if (!jp->lines)
        return -1;
    jp->lines[0] = base;
    jp->nlines = 1;
    for (i = base; i < jp->len; i++)
        if (jp->text[i] == '\n')
            jp->lines[jp->nlines++] = i + 1;
    return 0;
}

/* See jsonpos.h. */
jsonpos_t *jsonpos_parse(const char *text, size_t len, int *line, int *col,
                         char *msg, size_t msglen)
{
    scanner sc;
    jsonpos_t *jp = NULL;
    size_t i = 0;

    memset(&sc, 0, sizeof sc);
    if (len > JSONPOS_MAX_INPUT) {
        fail(&sc, 0, "file is larger than %zu MiB",
             JSONPOS_MAX_INPUT / (1024 * 1024));
        goto err;
    }
    if (!text && len) {
        fail(&sc, 0, "no input");
        goto err;
    }
    sc.s = malloc(len + 1);
    if (!sc.s) {
        fail(&sc, 0, "out of memory");
        goto err;
    }
    if (len)
        memcpy(sc.s, text, len);
    sc.s[len] = '\0';
    sc.len = len;
    if (len >= 3 && memcmp(sc.s, "\xEF\xBB\xBF", 3) == 0) {
        memset(sc.s, ' ', 3);
        sc.base = sc.pos = 3;
    }

    if (skip_ws(&sc) < 0)
        goto err;
    if (sc.pos >= sc.len) {
        fail(&sc, sc.base, "file is empty");
        goto err;
    }
    if (scan_value(&sc, NO_KEY) < 0 || skip_ws(&sc) < 0)
        goto err;
    if (sc.pos < sc.len) {
        fail(&sc, sc.pos, "extra data after the top-level value");
        goto err;
    }

    jp = calloc(1, sizeof *jp);
    if (!jp) {
        fail(&sc, 0, "out of memory");
        goto err;
    }
    jp->text = sc.s;
    jp->len = sc.len;
    sc.s = NULL;
    jp->root = cJSON_ParseWithLengthOpts(jp->text, jp->len, NULL, 0);
    if (!jp->root) {
        /* Our scanner accepted it, so this is (almost surely) OOM. */
        fail(&sc, 0, "cJSON could not parse the file (out of memory?)");
        goto err;
    }
    if (bind_nodes(sc.recs, sc.nrecs, &i, jp->root) < 0 || i != sc.nrecs) {
        fail(&sc, 0, "internal error: cJSON tree does not match the text");
        goto err;
    }
    if (build_lines(jp, sc.base) < 0) {
        fail(&sc, 0, "out of memory");
        goto err;
    }
    qsort(sc.recs, sc.nrecs, sizeof *sc.recs, cmp_rec);
    jp->recs = sc.recs;
    jp->nrecs = sc.nrecs;
    return jp;

err:
    /* Error offsets refer to the private copy, now in jp->text or sc.s. */
    if (jp && jp->text)
        linecol_scan(jp->text, sc.base, sc.err_off, line, col);
    else if (sc.s)
        linecol_scan(sc.s, sc.base, sc.err_off, line, col);
    else
        linecol_scan("", 0, 0, line, col);
    if (msg && msglen) {
        strncpy(msg, sc.msg, msglen - 1);
        msg[msglen - 1] = '\0';
    }
    free(sc.s);
    free(sc.recs);
    jsonpos_free(jp);
    return NULL;
}

/* See jsonpos.h. */
const cJSON *jsonpos_root(const jsonpos_t *jp)
{
    return jp ? jp->root : NULL;
}

/* Find node's record in jp. Returns it, or NULL if not from this tree. */
static const struct rec *find(const jsonpos_t *jp, const cJSON *node)
{
    struct rec k;

    if (!jp || !node || !jp->nrecs)
        return NULL;
    k.node = node;
    return bsearch(&k, jp->recs, jp->nrecs, sizeof k, cmp_rec);
}

/* Convert offset off of jp's text to 1-based line and code-point column
 * (binary search over the line table, then count lead bytes). */
/* Code points in text[0 .. off): a checkpoint and at most CP_STEP bytes. */
static size_t cps_before(const jsonpos_t *jp, size_t off)
{
    size_t k = off / CP_STEP, n = jp->cps[k], i;

    for (i = k * CP_STEP; i < off; i++)
        n += is_lead(jp->text[i]);
    return n;
}

static void linecol(const jsonpos_t *jp, size_t off, int *line, int *col)
{
    size_t lo = 0, hi = jp->nlines;
    long cl;

    while (hi - lo > 1) { /* last line start <= off */
        size_t mid = lo + (hi - lo) / 2;

        if (jp->lines[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    cl = 1 + (long)(cps_before(jp, off) - cps_before(jp, jp->lines[lo]));
    if (line)
        *line = lo + 1 > INT32_MAX ? INT32_MAX : (int)(lo + 1);
    if (col)
        *col = cl > INT32_MAX ? INT32_MAX : (int)cl;
}

/* See jsonpos.h. */
int jsonpos_pos(const jsonpos_t *jp, const cJSON *node, int *line, int *col)
{
    const struct rec *r = find(jp, node);

    if (!r)
        return -1;
    linecol(jp, r->val, line, col);
    return 0;
}

/* See jsonpos.h. */
int jsonpos_key_pos(const jsonpos_t *jp, const cJSON *member, int *line,
                    int *col)
{
    const struct rec *r = find(jp, member);

    if (!r || r->key == NO_KEY)
        return -1;
    linecol(jp, r->key, line, col);
    return 0;
}

/* See jsonpos.h. */
void jsonpos_free(jsonpos_t *jp)
{
    if (!jp)
        return;
    cJSON_Delete(jp->root);
    free(jp->text);
    free(jp->lines);
    free(jp->cps);
    free(jp->recs);
    free(jp);
}
