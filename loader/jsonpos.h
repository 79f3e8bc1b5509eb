/* jsonpos — parse JSON-with-comments via cJSON and remember where every node
 * came from, so that layout errors can be reported as file:line:col.
 *
 * Lines are 1-based and counted by '\n'. Columns are 1-based and count
 * Unicode code points (UTF-8 lead bytes), so a tab or a CJK character counts
 * as one column. A leading UTF-8 BOM is skipped and does not count.
 */
#ifndef BIGSCREEN_JSONPOS_H
#define BIGSCREEN_JSONPOS_H

#include <stddef.h>
#include <cJSON.h>

/* Largest accepted input, and deepest accepted object/array nesting. */
#define JSONPOS_MAX_INPUT ((size_t)16 * 1024 * 1024)
#define JSONPOS_MAX_DEPTH 64

typedef struct jsonpos jsonpos_t; /* opaque */

/* Parse text (len bytes, need not be NUL-terminated; text may be NULL only if
 * len is 0). `//` and `/ * * /` comments are allowed wherever whitespace is.
 * On success returns a handle owning the cJSON tree; free it with
 * jsonpos_free(). On failure returns NULL and, for each non-NULL out
 * parameter, fills *line, *col (1-based position of the error) and msg (a
 * short English description, truncated to msglen bytes incl. the NUL). */
jsonpos_t *jsonpos_parse(const char *text, size_t len, int *line, int *col,
                         char *msg, size_t msglen);

/* Root of the parsed tree; owned by jp, valid until jsonpos_free(jp). */
const cJSON *jsonpos_root(const jsonpos_t *jp);

/* Position of node's value (its first character). Returns 0 and sets
 * *line and *col, or -1 if jp or node is NULL or node is not from this tree. */
int jsonpos_pos(const jsonpos_t *jp, const cJSON *node, int *line, int *col);

/* Position of the opening quote of an object member's key. Returns 0 and
 * sets *line and *col, or -1 if member is not an object member of this tree
 * (e.g. the root or an array element). */
int jsonpos_key_pos(const jsonpos_t *jp, const cJSON *member, int *line,
                    int *col);

/* Free the handle and the tree it owns. Accepts NULL. */
void jsonpos_free(jsonpos_t *jp);

#endif /* BIGSCREEN_JSONPOS_H */
