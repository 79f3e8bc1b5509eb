/*
 * map.h — a poller's declared mapping: one topic's value out of a document
 * (an HTTP body, a JSON file), with the few transforms users need.
 *
 * Thread: any (pure functions of their arguments; the feed thread calls them).
 *
 * Order of a mapping: path selects a value (the bindings' path syntax,
 * "data.office.0.v"; "" is the whole document); then on an array:
 * pick {name, value} fields of each item → sort (asc|desc, by a field, or
 * by "value" after pick, or by the items) → top N → sum (of the items or of
 * a field of each) or count. "ratio" instead gives 100 · path / ratio_path
 * (a percentage). A path that matches nothing or a value of the wrong type
 * is an error, never a silent zero.
 */
#ifndef BS_MAP_H
#define BS_MAP_H

#include <stddef.h>
#include "feed.h"
#include "value.h"

/* Applies m to doc. Returns a new value (the caller owns it), or NULL with
 * err filled. The result is checked against lim (depth, items, strings). */
bs_value_t *feed_map_apply(const feed_map_t *m, const bs_value_t *doc, const bs_limits_t *lim,
                           char *err, size_t errlen);

/* True when v keeps within lim: nesting at most lim->depth (from `depth`),
 * at most lim->items per container, strings at most lim->string_len. */
bool feed_value_within(const bs_value_t *v, const bs_limits_t *lim, int depth);

/* CSV "topic,value" text → the value of each row through emit(topic, value,
 * ud), which takes the value. Values that read as numbers are numbers,
 * others strings; "quoted, ""fields""" as RFC 4180; a header line
 * "topic,value" is skipped; blank lines and lines starting with # too.
 * Returns rows emitted, or -1 with err (and line number) on the first bad
 * row — then nothing after it is emitted, and the caller drops the file. */
int feed_csv_parse(const char *buf, size_t len, const bs_limits_t *lim,
                   int (*emit)(const char *topic, bs_value_t *v, void *ud), void *ud,
                   char *err, size_t errlen);

#endif
