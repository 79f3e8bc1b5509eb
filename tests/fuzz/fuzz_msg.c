/* libFuzzer target for feeds/msg.c: parse arbitrary bytes as one feed frame
 * (copied to an exact-size heap buffer so ASan catches any read past len)
 * under small caps, apply every update to a small store, and check the
 * counts add up; then save the store and load it back (feeds/persist.c).
 *
 * Build: meson setup -Dfuzz=true with CC=clang (tests/fuzz/meson.build), or
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Ifeeds \
 *     feeds/value.c feeds/msg.c feeds/store.c feeds/queue.c feeds/persist.c \
 *     tests/fuzz/fuzz_msg.c $(pkg-config --cflags --libs libcjson) -lm -o fuzz_msg
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "persist.h"
#include "queue.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    feed_queue_t *q;
    uint64_t      emitted;
} ctx_t;

/* Every update must be well formed: a topic unless a snapshot, a value
 * unless a delete. Hands it to the queue (which owns it from then on). */
static void sink(feed_update_t *u, void *ud)
{
    ctx_t *c = ud;
    if ((u->op != UPD_SNAPSHOT) != (u->topic != NULL))
        abort();
    if ((u->op != UPD_DELETE) != (u->value != NULL))
        abort();
    c->emitted++;
    feed_queue_push(c->q, u);
}

/* libFuzzer entry point. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bs_limits_t lim = bs_limits_default();
    lim.frame_bytes = 64 * 1024;
    lim.depth = 6;
    lim.items = 64;
    lim.string_len = 256;
    lim.topic_len = 32;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    ctx_t c = { .q = feed_queue_new(32) };
    store_t *s = store_new(4, 64);
    feed_parse_counts_t counts = { 0 };
    char err[160];
    int rc = feed_parse_frame(buf, size, &lim, 0, sink, &c, &counts, err, sizeof err);
    if (rc >= 0 && (uint64_t)rc != counts.messages)
        abort();
    if (counts.messages != c.emitted || (rc < 0 && counts.rejected != 1))
        abort();
    if (!memchr(err, '\0', sizeof err))
        abort();
    feed_update_t batch[16];
    size_t n;
    while ((n = feed_queue_drain(c.q, batch, 16)) > 0)
        for (size_t i = 0; i < n; i++)
            store_apply(s, &batch[i], 1.0);
    /* round trip through the last-known-values format */
    size_t len = 0;
    char *text = persist_serialise(s, 2.0, 1000, false, &len);
    if (text) {
        store_t *s2 = store_new(4, 64);
        feed_parse_counts_t c2 = { 0 };
        bs_limits_t big = lim;
        big.frame_bytes = PERSIST_MAX_BYTES;
        big.items = 1u << 20;          /* merges may grow objects past lim.items */
        ctx_t c3 = { .q = c.q };
        feed_parse_frame(text, len, &big, -1, sink, &c3, &c2, NULL, 0);
        if (c2.rejected)
            abort();                       /* what we saved must load */
        while ((n = feed_queue_drain(c.q, batch, 16)) > 0)
            for (size_t i = 0; i < n; i++)
                store_apply(s2, &batch[i], 1.0);
        store_free(s2);
        free(text);
    }
    store_free(s);
    feed_queue_free(c.q);
    free(buf);
    return 0;
}
