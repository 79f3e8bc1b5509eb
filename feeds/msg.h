/*
 * msg.h — the feed protocol: a frame of UTF-8 JSON → plain C updates.
 *
 * Thread: runs on feed threads. The cJSON tree lives and dies inside
 * feed_parse_frame(); only bs_value_t trees leave it, inside updates.
 *
 * Protocol (DESIGN.md): a frame holds one message object or an array of
 * them. {"topic":T,"value":V,"ts":MS,"op":"set|append|merge|delete"} or
 * {"op":"snapshot","topics":{...}}. A bad message is dropped and counted;
 * the rest of the frame still applies.
 */
#ifndef BS_MSG_H
#define BS_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "update.h"

typedef struct {
    uint64_t messages;   /* messages accepted and emitted                    */
    uint64_t rejected;   /* messages (or whole frames) dropped                */
} feed_parse_counts_t;

/* Receives each good update; takes ownership of *u. */
typedef void (*feed_sink_fn)(feed_update_t *u, void *ud);

/* Parses one frame. Emits good messages through sink, counts bad ones.
 * If err/errlen are given, the first problem is described there (for a
 * rate-limited log line). Returns the number of messages emitted, or -1
 * when the whole frame was unusable (bad JSON, too big, bad UTF-8). */
int feed_parse_frame(const char *buf, size_t len, const bs_limits_t *lim, int feed,
                     feed_sink_fn sink, void *ud, feed_parse_counts_t *counts,
                     char *err, size_t errlen);

/* Converts a cJSON item to a value under the caps. NULL if a cap is broken
 * or memory ran out; err gets why. (cJSON type kept opaque here.) */
struct cJSON;
bs_value_t *bs_value_from_cjson(const struct cJSON *j, const bs_limits_t *lim, int depth,
                                char *err, size_t errlen);

/* A cJSON copy of v (the caller deletes it); NULL out of memory. Values were
 * built under caps, so the recursion is bounded. */
struct cJSON *bs_value_to_cjson(const bs_value_t *v);

/* One update as a protocol message object ({"topic","value","ts","op"} or
 * {"op":"snapshot","topics":...}); NULL out of memory. For relays. */
struct cJSON *feed_update_to_cjson(const feed_update_t *u);

#endif
