/*
 * jsonw.h — compact JSON text of plain values (bs_value_t), with its exact
 * length known before writing.
 *
 * The store keeps the JSON length of every value it holds (measured once, at
 * apply), so the state saver can decide what fits under the state file's cap
 * without walking values; the saver then writes exactly that many bytes.
 * Strings are escaped as JSON requires (", \ and control characters) and
 * are otherwise copied (values hold valid UTF-8). Numbers are written in the
 * shortest of %.15g / %.17g that reads back equal; inf and NaN as null.
 *
 * Thread: any; no state.
 */
#ifndef BS_JSONW_H
#define BS_JSONW_H

#include <stddef.h>
#include "value.h"

/* Bytes jsonw_value() writes for v. */
size_t jsonw_len(const bs_value_t *v);
/* Bytes jsonw_str() writes for s[0..n), quotes included. */
size_t jsonw_str_len(const char *s, size_t n);

/* Write v / the string at out, which has room for the length above (no NUL
 * is written). Return the end of what was written. */
char *jsonw_value(char *out, const bs_value_t *v);
char *jsonw_str(char *out, const char *s, size_t n);

#endif
