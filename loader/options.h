/*
 * options.h — option tables (widgets/opt.h) applied to layout JSON:
 * defaults, parsing with file:line:col diagnostics, freeing, "did you mean"
 * suggestions and the JSON Schema.
 *
 * Thread: main/render thread, while a layout is loaded (never per frame).
 * Ownership: strings and arrays parsed into an instance are owned by it and
 * freed by opt_free() with the same table.
 */
#ifndef BS_OPTIONS_H
#define BS_OPTIONS_H

#include "diag.h"
#include "opt.h"

struct cJSON;

/* Sets every default of tbl into base (at base + off for the _at form).
 * Returns 0, -1 on allocation failure. */
int opt_defaults_at(const opt_def_t *tbl, void *base, size_t off);
int opt_defaults(const opt_def_t *tbl, void *base);

/* Finds the definition of key in tbl (descending into groups); *offset gets
 * the total offset of its storage. NULL when tbl has no such key. */
const opt_def_t *opt_find(const opt_def_t *tbl, const char *key, size_t *offset);

/* Parses one member (a cJSON item with ->string = key) into base per its
 * definition. Reports problems through d at the member. 0 ok, -1 bad. */
int opt_parse_member(const opt_def_t *def, size_t offset, void *base,
                     const struct cJSON *member, diag_t *d);

/* Frees what a table's options own inside base. */
void opt_free(const opt_def_t *tbl, void *base);

/* The closest key of tbl to key (edit distance ≤ 2), for "did you mean". */
const char *opt_suggest(const opt_def_t *tbl, const char *key, const char *const *extra);

/* Appends the JSON Schema "properties" of tbl to a cJSON object. */
void opt_schema(const opt_def_t *tbl, struct cJSON *properties);

#endif
