/* listen.c — numeric listen addresses and exact binds (see listen.h). */
#include "listen.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int feed_listen_addr(const char *addr, feed_listen_t *out, char *err, size_t errlen)
{
    char tmp[sizeof out->addr];
    size_t n = strlen(addr);
    memset(out, 0, sizeof *out);
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof tmp) {
        snprintf(err, errlen, "\"%.80s\" is not an IP address", addr);
        return -1;
    }
    memcpy(tmp, addr, n);
    tmp[n] = '\0';
    unsigned char bin[16];
    if (inet_pton(AF_INET, tmp, bin) == 1) {
        out->v6 = false;
    } else if (inet_pton(AF_INET6, tmp, bin) == 1) {
        out->v6 = true;
    } else {
        snprintf(err, errlen, "\"%.80s\" is not a numeric IP address (such as 127.0.0.1 or ::1; "
                 "host and interface names are not accepted)", tmp);
        return -1;
    }
    memcpy(out->addr, tmp, n + 1);
    return 0;
}

int feed_listen_parse(const char *spec, feed_listen_t *out, char *err, size_t errlen)
{
    const char *port_s = spec;
    char addr[sizeof out->addr + 2] = FEED_LISTEN_DEFAULT;
    const char *colon = strrchr(spec, ':');
    if (colon) {
        size_t n = (size_t)(colon - spec);
        bool bracketed = n >= 2 && spec[0] == '[' && spec[n - 1] == ']';
        /* a bare IPv6 address has colons too: it needs brackets with a port */
        if (!bracketed && memchr(spec, ':', n)) {
            snprintf(err, errlen, "\"%.80s\": write an IPv6 address in brackets, [::1]:PORT", spec);
            return -1;
        }
        if (n == 0 || n >= sizeof addr) {
            snprintf(err, errlen, "\"%.80s\": expected [ADDR:]PORT", spec);
            return -1;
        }
        memcpy(addr, spec, n);
        addr[n] = '\0';
        port_s = colon + 1;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || port_s[0] == '-' || port_s[0] == '+' || port < 1 || port > 65535) {
        snprintf(err, errlen, "\"%.80s\": expected [ADDR:]PORT with a port 1..65535", spec);
        return -1;
    }
    if (feed_listen_addr(addr, out, err, errlen) != 0)
        return -1;
    out->port = (int)port;
    return 0;
}

const char *feed_listen_str(const feed_listen_t *l, char *buf, size_t len)
{
    snprintf(buf, len, l->v6 ? "[%s]:%d" : "%s:%d", l->addr, l->port);
    return buf;
}

void feed_listen_apply(const feed_listen_t *l, struct lws_context_creation_info *info)
{
    info->port = l->port;
    info->iface = l->addr;
    info->options |= LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    if (l->v6)
        info->options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
    else
        info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
}
