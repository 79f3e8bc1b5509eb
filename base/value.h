/*
 * value.h — plain C values carried from feed threads to the render thread.
 *
 * A feed thread turns each incoming JSON message into a tree of bs_value_t
 * (never a cJSON tree: cJSON trees do not cross threads). Ownership of a value
 * moves with the update that carries it: the feed thread allocates it, the
 * queue holds it, the topic store owns it once applied, and the store frees it
 * when it is replaced. Values are immutable after they are built, so the
 * render thread may hand `const` pointers to widgets for the duration of a
 * frame.
 *
 * Sizes are capped when a value is built (see bs_limits_t): a value that
 * breaks a cap is rejected whole, never truncated silently.
 */
#ifndef BS_VALUE_H
#define BS_VALUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum {
    BS_NULL = 0,
    BS_BOOL,
    BS_NUM,
    BS_STR,
    BS_ARR,
    BS_OBJ,
} bs_type_t;

typedef struct bs_value bs_value_t;

struct bs_value {
    bs_type_t type;
    uint32_t  n;            /* ARR/OBJ: number of items; STR: byte length */
    union {
        bool    b;
        double  num;
        char   *str;        /* NUL-terminated, valid UTF-8 (checked at build) */
        struct {
            char      **keys;   /* OBJ only: n keys, NULL for ARR */
            bs_value_t **items; /* n items */
        } c;
    } u;
};

/* Caps applied while building values from outside data. Defaults in
 * bs_limits_default(); a feed entry in a layout may override each. */
typedef struct {
    size_t frame_bytes;     /* largest accepted frame / line, bytes   */
    size_t topic_len;       /* longest topic name, bytes              */
    size_t string_len;      /* longest string value, bytes            */
    size_t history_len;     /* history ring length per topic          */
    int    depth;           /* deepest nesting of arrays/objects      */
    size_t items;           /* most items in one array/object         */
} bs_limits_t;

bs_limits_t bs_limits_default(void);

/* Constructors. Return NULL on allocation failure. Ownership goes to the
 * caller; free with bs_value_free(). */
bs_value_t *bs_value_null(void);
bs_value_t *bs_value_bool(bool b);
bs_value_t *bs_value_num(double d);
bs_value_t *bs_value_str(const char *s, size_t len);
bs_value_t *bs_value_arr(uint32_t n);            /* n NULL slots to fill */
bs_value_t *bs_value_obj(uint32_t n);            /* n NULL slots + keys */

/* Deep copy. NULL in, NULL out. */
bs_value_t *bs_value_dup(const bs_value_t *v);
/* Frees v and everything below it. Accepts NULL. */
void bs_value_free(bs_value_t *v);

/* Structural equality (numbers compared exactly). */
bool bs_value_equal(const bs_value_t *a, const bs_value_t *b);

/* Object member by key, or NULL. Linear: objects in feeds are small. */
const bs_value_t *bs_value_get(const bs_value_t *obj, const char *key);
/* Follow a dotted path: "a.b.2.c" (numeric segments index arrays).
 * "" or NULL returns v itself. Returns NULL if any step is missing. */
const bs_value_t *bs_value_path(const bs_value_t *v, const char *path);

/* Number out of a value: NUM as is, numeric STR parsed, BOOL as 0/1.
 * Returns false (and leaves *out alone) otherwise. */
bool bs_value_number(const bs_value_t *v, double *out);

/* Shallow merge: a new object holding a's members overwritten/extended by
 * b's (deep copies). Both must be objects. Returns NULL on error or when the
 * result would exceed max_items. */
bs_value_t *bs_value_merge(const bs_value_t *a, const bs_value_t *b, size_t max_items);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool bs_utf8_valid(const char *s, size_t len);

#endif
