/*
 * opt.h — option tables: one table per widget kind (and per shared group)
 * drives layout parsing, defaults, validation, the JSON Schema and the docs.
 * This header holds the tables' types and what widgets use at run time;
 * applying a table to layout JSON is the loader's (loader/options.h).
 *
 * An opt_def_t names a key, its type, where it lives in the instance (offset
 * from the start of the widget instance), its range, its default and a line
 * of documentation. Tables end with an entry whose name is NULL.
 *
 * Ownership: strings and arrays parsed into an instance are owned by it and
 * freed by opt_free() with the same table.
 */
#ifndef BS_OPT_H
#define BS_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    float r, g, b, a;
    int8_t theme;            /* >= 0: a theme colour index (see theme.h)    */
} bs_color_t;

typedef struct {
    double     at;           /* value >= at takes this colour               */
    bs_color_t color;
} bs_threshold_t;

#define OPT_MAX_THRESHOLDS 8
typedef struct {
    int            n;
    bs_threshold_t t[OPT_MAX_THRESHOLDS];   /* ascending by at             */
} bs_thresholds_t;

typedef struct {
    int    n;
    char **from, **to;       /* exact value text → display text             */
} bs_mappings_t;

typedef struct {
    int    n;
    char **s;
} bs_strlist_t;

/* OPT_LIST storage: n records of `size` bytes, each laid out as the item
 * table (opt_def_t.group) describes; owned, freed by opt_free(). */
typedef struct {
    int    n;
    size_t size;
    void  *items;
} bs_list_t;

/* Record i of a list, or NULL when out of range. */
static inline void *opt_list_at(const bs_list_t *l, int i)
{
    return l && i >= 0 && i < l->n ? (char *)l->items + (size_t)i * l->size : NULL;
}

typedef enum {
    OPT_INT,        /* int                                                  */
    OPT_NUM,        /* double                                               */
    OPT_BOOL,       /* bool                                                 */
    OPT_STR,        /* char * (NULL when absent and no default)             */
    OPT_COLOR,      /* bs_color_t: "#rrggbb", "#rrggbbaa" or a theme name   */
    OPT_ENUM,       /* int: index into choices                              */
    OPT_STRLIST,    /* bs_strlist_t                                         */
    OPT_THRESHOLDS, /* bs_thresholds_t: [{"at": n, "color": c}, ...]        */
    OPT_MAPPINGS,   /* bs_mappings_t: {"from": "to", ...}                   */
    OPT_GROUP,      /* the keys of another table, at offset + their own     */
    OPT_LIST,       /* bs_list_t: [{...}, ...], each object parsed by group;
                       min = record size (sizeof), max = most items         */
} opt_type_t;

typedef struct opt_def {
    const char             *name;
    opt_type_t              type;
    size_t                  offset;
    double                  min, max;   /* INT/NUM range; STR/STRLIST: max length/items (0 = default cap); LIST: record size, most items */
    const char             *def;        /* default as text ("2", "true", "#00e5ff", "none"); NULL = none; LIST: the item key a bare string item sets (NULL: items are objects only) */
    const char *const      *choices;    /* ENUM: NULL-terminated                                        */
    const struct opt_def   *group;      /* GROUP: the table whose keys are merged in; LIST: item table  */
    const char             *doc;        /* one line for the docs and the schema                         */
} opt_def_t;

/* Parses a colour string. 0 ok, -1 bad. */
int opt_parse_color(const char *s, bs_color_t *out);

#define OPT_END { .name = NULL }

#endif
