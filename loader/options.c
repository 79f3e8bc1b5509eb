/* options.c — option tables applied to layout JSON: defaults, parsing,
 * freeing, suggestions, schema (see options.h). */
#include "options.h"
#include "theme.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_CAP_DEFAULT   1024
#define LIST_CAP_DEFAULT  64
#define MAP_CAP           64

#define AT(base, off, type) ((type *)((char *)(base) + (off)))

static int set_default(const opt_def_t *o, void *base, size_t off)
{
    switch (o->type) {
    case OPT_INT:
        *AT(base, off, int) = o->def ? atoi(o->def) : 0;
        break;
    case OPT_NUM:
        *AT(base, off, double) = o->def ? strtod(o->def, NULL) : 0;
        break;
    case OPT_BOOL:
        *AT(base, off, bool) = o->def && strcmp(o->def, "true") == 0;
        break;
    case OPT_STR:
        *AT(base, off, char *) = NULL;
        if (o->def && !(*AT(base, off, char *) = strdup(o->def)))
            return -1;
        break;
    case OPT_COLOR: {
        bs_color_t c = { 1, 1, 1, 1, -1 };
        if (o->def)
            opt_parse_color(o->def, &c);
        *AT(base, off, bs_color_t) = c;
        break;
    }
    case OPT_ENUM: {
        int idx = 0;
        for (int i = 0; o->def && o->choices[i]; i++)
            if (strcmp(o->choices[i], o->def) == 0)
                idx = i;
        *AT(base, off, int) = idx;
        break;
    }
    case OPT_STRLIST:
        memset(AT(base, off, bs_strlist_t), 0, sizeof(bs_strlist_t));
        break;
    case OPT_THRESHOLDS:
        memset(AT(base, off, bs_thresholds_t), 0, sizeof(bs_thresholds_t));
        break;
    case OPT_MAPPINGS:
        memset(AT(base, off, bs_mappings_t), 0, sizeof(bs_mappings_t));
        break;
    case OPT_GROUP:
        return opt_defaults_at(o->group, base, off);
    case OPT_LIST: {
        bs_list_t *l = AT(base, off, bs_list_t);
        l->n = 0;
        l->size = (size_t)o->min;
        l->items = NULL;
        break;
    }
    }
    return 0;
}

int opt_defaults_at(const opt_def_t *tbl, void *base, size_t off)
{
    for (const opt_def_t *o = tbl; o->name; o++)
        if (set_default(o, base, off + o->offset) != 0)
            return -1;
    return 0;
}

int opt_defaults(const opt_def_t *tbl, void *base)
{
    return opt_defaults_at(tbl, base, 0);
}

const opt_def_t *opt_find(const opt_def_t *tbl, const char *key, size_t *offset)
{
    for (const opt_def_t *o = tbl; o->name; o++) {
        if (o->type == OPT_GROUP) {
            size_t sub;
            const opt_def_t *f = opt_find(o->group, key, &sub);
            if (f) {
                *offset = o->offset + sub;
                return f;
            }
        } else if (strcmp(o->name, key) == 0) {
            *offset = o->offset;
            return o;
        }
    }
    return NULL;
}

static const char *json_type_name(const cJSON *j)
{
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNull(j)) return "null";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsObject(j)) return "an object";
    return "something else";
}

static void free_strlist(bs_strlist_t *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    memset(l, 0, sizeof *l);
}

static void free_mappings(bs_mappings_t *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->from[i]);
        free(m->to[i]);
    }
    free(m->from);
    free(m->to);
    memset(m, 0, sizeof *m);
}

static void free_at(const opt_def_t *tbl, void *base, size_t off0);

static void free_list(const opt_def_t *o, bs_list_t *l)
{
    for (int i = 0; i < l->n; i++)
        free_at(o->group, (char *)l->items + (size_t)i * l->size, 0);
    free(l->items);
    l->n = 0;
    l->items = NULL;
}

/* OPT_LIST: an array of objects, each parsed by the item table o->group.
 * The list is replaced only when every item parses. */
static int parse_list(const opt_def_t *o, bs_list_t *dst, const cJSON *j, diag_t *d)
{
    const char *key = o->name;
    size_t cap = o->max > 0 ? (size_t)o->max : LIST_CAP_DEFAULT, size = (size_t)o->min;
    if (!cJSON_IsArray(j)) {
        diag_at(d, j, false, "\"%s\" must be an array of objects, not %s", key, json_type_name(j));
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(j);
    if (n > cap) {
        diag_at(d, j, false, "\"%s\" has %zu items, more than %zu", key, n, cap);
        return -1;
    }
    bs_list_t l = { 0, size, calloc(n ? n : 1, size ? size : 1) };
    if (!l.items)
        return -1;
    int rc = 0;
    for (const cJSON *c = j->child; c; c = c->next) {
        void *rec = (char *)l.items + (size_t)l.n * size;
        l.n++;              /* counted first: a half-defaulted record is freed too */
        if (opt_defaults(o->group, rec) != 0) {
            rc = -1;
            break;
        }
        if (o->def && cJSON_IsString(c)) {     /* shorthand: a string sets the key o->def names */
            size_t off;
            const opt_def_t *od = opt_find(o->group, o->def, &off);
            if (od && opt_parse_member(od, off, rec, c, d) != 0)
                rc = -1;
            if (od)
                continue;
        }
        if (!cJSON_IsObject(c)) {
            if (o->def)
                diag_at(d, c, false, "each item of \"%s\" must be a string (its \"%s\") or an object, not %s",
                        key, o->def, json_type_name(c));
            else
                diag_at(d, c, false, "each item of \"%s\" must be an object, not %s", key, json_type_name(c));
            rc = -1;
            continue;
        }
        for (const cJSON *m = c->child; m; m = m->next) {
            size_t off;
            const opt_def_t *od = opt_find(o->group, m->string, &off);
            if (od) {
                if (opt_parse_member(od, off, rec, m, d) != 0)
                    rc = -1;
                continue;
            }
            const char *s = diag_full(d) ? NULL : opt_suggest(o->group, m->string, NULL);
            if (s)
                diag_at(d, m, true, "unknown key \"%s\" in an item of \"%s\" (did you mean \"%s\"?)",
                        m->string, key, s);
            else
                diag_at(d, m, true, "unknown key \"%s\" in an item of \"%s\"", m->string, key);
            rc = -1;
        }
    }
    if (rc != 0) {
        free_list(o, &l);
        return -1;
    }
    free_list(o, dst);
    *dst = l;
    return 0;
}

static int parse_color_node(const cJSON *j, bs_color_t *out, diag_t *d, const char *key)
{
    if (!cJSON_IsString(j)) {
        diag_at(d, j, false, "\"%s\" must be a colour string (\"#rrggbb\" or a theme colour), not %s",
                key, json_type_name(j));
        return -1;
    }
    if (opt_parse_color(j->valuestring, out) != 0) {
        diag_at(d, j, false, "\"%s\": \"%s\" is not a colour (use \"#rrggbb\", \"#rrggbbaa\" or one of "
                "bg, bg2, panel, frame, accent, accent2, text, dim, good, warn, bad, gold)",
                key, j->valuestring);
        return -1;
    }
    return 0;
}

int opt_parse_member(const opt_def_t *o, size_t off, void *base, const cJSON *j, diag_t *d)
{
    const char *key = o->name;
    switch (o->type) {
    case OPT_INT:
    case OPT_NUM: {
        if (!cJSON_IsNumber(j)) {
            diag_at(d, j, false, "\"%s\" must be a number, not %s", key, json_type_name(j));
            return -1;
        }
        double v = j->valuedouble;
        if (o->type == OPT_INT && v != floor(v)) {
            diag_at(d, j, false, "\"%s\" must be a whole number", key);
            return -1;
        }
        if ((o->min != 0 || o->max != 0) && (v < o->min || v > o->max)) {
            diag_at(d, j, false, "\"%s\" is %g, outside %g..%g", key, v, o->min, o->max);
            return -1;
        }
        if (o->type == OPT_INT)
            *AT(base, off, int) = (int)v;
        else
            *AT(base, off, double) = v;
        return 0;
    }
    case OPT_BOOL:
        if (!cJSON_IsBool(j)) {
            diag_at(d, j, false, "\"%s\" must be true or false, not %s", key, json_type_name(j));
            return -1;
        }
        *AT(base, off, bool) = cJSON_IsTrue(j);
        return 0;
    case OPT_STR: {
        if (!cJSON_IsString(j)) {
            diag_at(d, j, false, "\"%s\" must be a string, not %s", key, json_type_name(j));
            return -1;
        }
        size_t cap = o->max > 0 ? (size_t)o->max : STR_CAP_DEFAULT;
        if (strlen(j->valuestring) > cap) {
            diag_at(d, j, false, "\"%s\" is longer than %zu bytes", key, cap);
            return -1;
        }
        char *s = strdup(j->valuestring);
        if (!s)
            return -1;
        free(*AT(base, off, char *));
        *AT(base, off, char *) = s;
        return 0;
    }
    case OPT_COLOR:
        return parse_color_node(j, AT(base, off, bs_color_t), d, key);
    case OPT_ENUM: {
        if (cJSON_IsString(j))
            for (int i = 0; o->choices[i]; i++)
                if (strcmp(o->choices[i], j->valuestring) == 0) {
                    *AT(base, off, int) = i;
                    return 0;
                }
        char list[256] = "";
        for (int i = 0; o->choices[i]; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, o->choices[i], sizeof list - strlen(list) - 1);
        }
        diag_at(d, j, false, "\"%s\" must be one of: %s", key, list);
        return -1;
    }
    case OPT_STRLIST: {
        size_t cap = o->max > 0 ? (size_t)o->max : LIST_CAP_DEFAULT;
        if (!cJSON_IsArray(j)) {
            diag_at(d, j, false, "\"%s\" must be an array of strings, not %s", key, json_type_name(j));
            return -1;
        }
        size_t n = (size_t)cJSON_GetArraySize(j);
        if (n > cap) {
            diag_at(d, j, false, "\"%s\" has %zu items, more than %zu", key, n, cap);
            return -1;
        }
        bs_strlist_t l = { 0, calloc(n ? n : 1, sizeof(char *)) };
        if (!l.s)
            return -1;
        for (const cJSON *c = j->child; c; c = c->next) {
            if (!cJSON_IsString(c) || strlen(c->valuestring) > STR_CAP_DEFAULT) {
                diag_at(d, c, false, "\"%s\" items must be strings", key);
                free_strlist(&l);
                return -1;
            }
            l.s[l.n++] = strdup(c->valuestring);
        }
        free_strlist(AT(base, off, bs_strlist_t));
        *AT(base, off, bs_strlist_t) = l;
        return 0;
    }
    case OPT_THRESHOLDS: {
        if (!cJSON_IsArray(j)) {
            diag_at(d, j, false, "\"%s\" must be an array like [{\"at\": 90, \"color\": \"good\"}]", key);
            return -1;
        }
        bs_thresholds_t t = { 0 };
        for (const cJSON *c = j->child; c; c = c->next) {
            if (t.n == OPT_MAX_THRESHOLDS) {
                diag_at(d, c, false, "\"%s\" has more than %d steps", key, OPT_MAX_THRESHOLDS);
                return -1;
            }
            if (!cJSON_IsObject(c)) {
                diag_at(d, c, false, "each threshold must be an object {\"at\": n, \"color\": c}");
                return -1;
            }
            const cJSON *at = NULL, *col = NULL;
            for (const cJSON *m = c->child; m; m = m->next) {
                if (strcmp(m->string, "at") == 0)
                    at = m;
                else if (strcmp(m->string, "color") == 0)
                    col = m;
                else {
                    diag_at(d, m, true, "unknown key \"%s\" in a threshold (use \"at\" and \"color\")", m->string);
                    return -1;
                }
            }
            if (!cJSON_IsNumber(at)) {
                diag_at(d, at ? at : c, false, "a threshold needs a number \"at\"");
                return -1;
            }
            if (!col) {
                diag_at(d, c, false, "a threshold needs a \"color\"");
                return -1;
            }
            if (parse_color_node(col, &t.t[t.n].color, d, "color") != 0)
                return -1;
            t.t[t.n].at = at->valuedouble;
            if (t.n > 0 && t.t[t.n].at <= t.t[t.n - 1].at) {
                diag_at(d, at, false, "thresholds must go up: %g after %g", t.t[t.n].at, t.t[t.n - 1].at);
                return -1;
            }
            t.n++;
        }
        *AT(base, off, bs_thresholds_t) = t;
        return 0;
    }
    case OPT_MAPPINGS: {
        if (!cJSON_IsObject(j)) {
            diag_at(d, j, false, "\"%s\" must be an object like {\"0\": \"无\"}", key);
            return -1;
        }
        int n = cJSON_GetArraySize(j);
        if (n > MAP_CAP) {
            diag_at(d, j, false, "\"%s\" has more than %d entries", key, MAP_CAP);
            return -1;
        }
        bs_mappings_t m = { 0, calloc(n ? n : 1, sizeof(char *)), calloc(n ? n : 1, sizeof(char *)) };
        if (!m.from || !m.to) {
            free(m.from);
            free(m.to);
            return -1;
        }
        for (const cJSON *c = j->child; c; c = c->next) {
            if (!cJSON_IsString(c)) {
                diag_at(d, c, false, "mapping for \"%s\" must be a string", c->string);
                free_mappings(&m);
                return -1;
            }
            m.from[m.n] = strdup(c->string);
            m.to[m.n] = strdup(c->valuestring);
            m.n++;
        }
        free_mappings(AT(base, off, bs_mappings_t));
        *AT(base, off, bs_mappings_t) = m;
        return 0;
    }
    case OPT_LIST:
        return parse_list(o, AT(base, off, bs_list_t), j, d);
    case OPT_GROUP:
        break;
    }
    return -1;
}

static void free_at(const opt_def_t *tbl, void *base, size_t off0)
{
    for (const opt_def_t *o = tbl; o->name; o++) {
        size_t off = off0 + o->offset;
        switch (o->type) {
        case OPT_STR:
            free(*AT(base, off, char *));
            *AT(base, off, char *) = NULL;
            break;
        case OPT_STRLIST:
            free_strlist(AT(base, off, bs_strlist_t));
            break;
        case OPT_MAPPINGS:
            free_mappings(AT(base, off, bs_mappings_t));
            break;
        case OPT_GROUP:
            free_at(o->group, base, off);
            break;
        case OPT_LIST:
            free_list(o, AT(base, off, bs_list_t));
            break;
        default:
            break;
        }
    }
}

void opt_free(const opt_def_t *tbl, void *base)
{
    if (tbl && base)
        free_at(tbl, base, 0);
}

/* Optimal string alignment distance: edits, with a swap of two neighbours
 * counting as one ("bnid" is one step from "bind"). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

static void suggest_in(const opt_def_t *tbl, const char *key, const char **best, size_t *bestd)
{
    for (const opt_def_t *o = tbl; o && o->name; o++) {
        if (o->type == OPT_GROUP) {
            suggest_in(o->group, key, best, bestd);
            continue;
        }
        size_t dd = edit_distance(key, o->name);
        if (dd < *bestd) {
            *bestd = dd;
            *best = o->name;
        }
    }
}

const char *opt_suggest(const opt_def_t *tbl, const char *key, const char *const *extra)
{
    const char *best = NULL;
    size_t bestd = 3;
    suggest_in(tbl, key, &best, &bestd);
    for (int i = 0; extra && extra[i]; i++) {
        size_t dd = edit_distance(key, extra[i]);
        if (dd < bestd) {
            bestd = dd;
            best = extra[i];
        }
    }
    return best;
}

static cJSON *color_schema(void)
{
    cJSON *s = cJSON_CreateObject();
    cJSON *any = cJSON_AddArrayToObject(s, "anyOf");
    cJSON *hex = cJSON_CreateObject();
    cJSON_AddStringToObject(hex, "type", "string");
    cJSON_AddStringToObject(hex, "pattern", "^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$");
    cJSON_AddItemToArray(any, hex);
    cJSON *named = cJSON_CreateObject();
    cJSON_AddItemToObject(named, "enum", cJSON_CreateStringArray(theme_color_names, THEME_N_COLORS));
    cJSON_AddItemToArray(any, named);
    return s;
}

void opt_schema(const opt_def_t *tbl, cJSON *props)
{
    for (const opt_def_t *o = tbl; o->name; o++) {
        if (o->type == OPT_GROUP) {
            opt_schema(o->group, props);
            continue;
        }
        cJSON *p = NULL;
        switch (o->type) {
        case OPT_INT:
        case OPT_NUM:
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", o->type == OPT_INT ? "integer" : "number");
            if (o->min != 0 || o->max != 0) {
                cJSON_AddNumberToObject(p, "minimum", o->min);
                cJSON_AddNumberToObject(p, "maximum", o->max);
            }
            /* a default outside the range is a marker ("-1: the layout's"),
             * said in the description, never offered as a value */
            if (o->def && isfinite(strtod(o->def, NULL)) &&
                ((o->min == 0 && o->max == 0) || (strtod(o->def, NULL) >= o->min && strtod(o->def, NULL) <= o->max)))
                cJSON_AddNumberToObject(p, "default", strtod(o->def, NULL));
            break;
        case OPT_BOOL:
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "boolean");
            if (o->def)
                cJSON_AddBoolToObject(p, "default", strcmp(o->def, "true") == 0);
            break;
        case OPT_STR:
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "string");
            cJSON_AddNumberToObject(p, "maxLength", o->max > 0 ? o->max : STR_CAP_DEFAULT);
            if (o->def)
                cJSON_AddStringToObject(p, "default", o->def);
            break;
        case OPT_COLOR:
            p = color_schema();
            if (o->def)
                cJSON_AddStringToObject(p, "default", o->def);
            break;
        case OPT_ENUM: {
            p = cJSON_CreateObject();
            cJSON *e = cJSON_AddArrayToObject(p, "enum");
            for (int i = 0; o->choices[i]; i++)
                cJSON_AddItemToArray(e, cJSON_CreateString(o->choices[i]));
            if (o->def)
                cJSON_AddStringToObject(p, "default", o->def);
            break;
        }
        case OPT_STRLIST: {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "array");
            cJSON *it = cJSON_AddObjectToObject(p, "items");
            cJSON_AddStringToObject(it, "type", "string");
            cJSON_AddNumberToObject(p, "maxItems", o->max > 0 ? o->max : LIST_CAP_DEFAULT);
            break;
        }
        case OPT_THRESHOLDS: {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "array");
            cJSON_AddNumberToObject(p, "maxItems", OPT_MAX_THRESHOLDS);
            cJSON *it = cJSON_AddObjectToObject(p, "items");
            cJSON_AddStringToObject(it, "type", "object");
            cJSON *pp = cJSON_AddObjectToObject(it, "properties");
            cJSON *at = cJSON_AddObjectToObject(pp, "at");
            cJSON_AddStringToObject(at, "type", "number");
            cJSON_AddItemToObject(pp, "color", color_schema());
            const char *req[] = { "at", "color" };
            cJSON_AddItemToObject(it, "required", cJSON_CreateStringArray(req, 2));
            cJSON_AddFalseToObject(it, "additionalProperties");
            break;
        }
        case OPT_MAPPINGS: {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "object");
            cJSON *ap = cJSON_AddObjectToObject(p, "additionalProperties");
            cJSON_AddStringToObject(ap, "type", "string");
            cJSON_AddNumberToObject(p, "maxProperties", MAP_CAP);
            break;
        }
        case OPT_LIST: {
            p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "type", "array");
            cJSON_AddNumberToObject(p, "maxItems", o->max > 0 ? o->max : LIST_CAP_DEFAULT);
            cJSON *it = cJSON_CreateObject();
            cJSON_AddStringToObject(it, "type", "object");
            opt_schema(o->group, cJSON_AddObjectToObject(it, "properties"));
            cJSON_AddFalseToObject(it, "additionalProperties");
            if (o->def) {       /* or a string: the o->def key alone */
                cJSON *any = cJSON_AddArrayToObject(cJSON_AddObjectToObject(p, "items"), "anyOf");
                cJSON *str = cJSON_CreateObject();
                cJSON_AddStringToObject(str, "type", "string");
                cJSON_AddItemToArray(any, str);
                cJSON_AddItemToArray(any, it);
            } else {
                cJSON_AddItemToObject(p, "items", it);
            }
            break;
        }
        case OPT_GROUP:
            break;
        }
        if (p) {
            cJSON_AddStringToObject(p, "description", o->doc ? o->doc : "");
            cJSON_AddItemToObject(props, o->name, p);
        }
    }
}
