/*
 * listen.h — the address a server of ours listens on (`--metrics
 * [ADDR:]PORT`, `bigscreen-feed --bind ADDR`), and how to make
 * libwebsockets bind exactly that address.
 *
 * Only numeric addresses are accepted (127.0.0.1, ::1, [::1]): no host
 * names, no interface names (lws would take "eth0" as an interface and
 * bind whatever address it has). Two quirks of lws 4.1 are handled in
 * feed_listen_apply(): with IPv6 compiled in, an IPv4 `iface` is written
 * into the wrong field of an IPv6 socket address, which leaves it bound to
 * [::] — every interface, both families — so IPv4 addresses get an IPv4
 * socket; and a bind that fails is deferred and retried silently, so a
 * failure is made fatal instead.
 *
 * Threads: plain functions on the caller's data.
 */
#ifndef BS_LISTEN_H
#define BS_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#define FEED_LISTEN_DEFAULT "127.0.0.1"

struct lws_context_creation_info;

typedef struct {
    char addr[64];    /* numeric, without brackets: "127.0.0.1", "::1" */
    bool v6;
    int  port;        /* 1..65535, or 0 when not given                  */
} feed_listen_t;

/* An address alone: "127.0.0.1", "::1" or "[::1]". 0, or -1 with err. */
int feed_listen_addr(const char *addr, feed_listen_t *out, char *err, size_t errlen);

/* "PORT", "ADDR:PORT" or "[V6ADDR]:PORT"; the address defaults to
 * FEED_LISTEN_DEFAULT. 0, or -1 with err. */
int feed_listen_parse(const char *spec, feed_listen_t *out, char *err, size_t errlen);

/* "127.0.0.1:9100" / "[::1]:9100" into buf (for log lines). */
const char *feed_listen_str(const feed_listen_t *l, char *buf, size_t len);

/* Sets info's port, iface and options so lws binds exactly l (one family,
 * IPV6_V6ONLY for IPv6, context creation fails when the bind does).
 * l must outlive the context (info->iface points into it). */
void feed_listen_apply(const feed_listen_t *l, struct lws_context_creation_info *info);

#endif
