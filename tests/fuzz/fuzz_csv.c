/* libFuzzer target for the file feed's CSV reader (feeds/map.c,
 * feed_csv_parse): arbitrary bytes as a topic,value file under small caps.
 * Checks: an error emits nothing, every emitted topic keeps the caps, the
 * count returned is the count emitted, the error text is terminated. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const bs_limits_t *lim;
    int                n;
} ctx_t;

static int emit(const char *topic, bs_value_t *v, void *ud)
{
    ctx_t *c = ud;
    size_t tl = strlen(topic);
    if (tl == 0 || tl > c->lim->topic_len || !v)
        abort();
    if (v->type == BS_STR && (v->n > c->lim->string_len || !bs_utf8_valid(v->u.str, v->n)))
        abort();
    if (v->type != BS_STR && v->type != BS_NUM)
        abort();
    c->n++;
    bs_value_free(v);
    return 0;
}

/* libFuzzer entry point. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bs_limits_t lim = bs_limits_default();
    lim.topic_len = 32;
    lim.string_len = 64;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ctx_t c = { &lim, 0 };
    char err[160];
    int rc = feed_csv_parse(buf, size, &lim, emit, &c, err, sizeof err);
    if (rc < 0 ? c.n != 0 : rc != c.n)
        abort();
    if (rc < 0 && !memchr(err, '\0', sizeof err))
        abort();
    free(buf);
    return 0;
}
