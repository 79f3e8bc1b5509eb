/* libFuzzer target for the pollers' declared mappings: the first line of
 * the input is a feed entry ({"map": [...]}, parsed by feeds/conf.c as the
 * layout loader does), the rest a JSON document; every mapping that parses
 * is applied to the document (feeds/map.c). Checks: a result keeps the
 * feed's caps, an error is a terminated message, confs copy and compare
 * equal. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "map.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void report(void *ud, const cJSON *node, bool is_key, const char *msg)
{
    (void)ud, (void)node, (void)is_key;
    if (!msg || !memchr(msg, '\0', 512))
        abort();
}

/* libFuzzer entry point. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : size;
    cJSON *spec = cJSON_ParseWithLength((const char *)data, head);
    if (!spec)
        return 0;
    feed_conf_t c = { 0 };
    c.lim = bs_limits_default();
    c.lim.items = 32;
    c.lim.depth = 4;
    c.lim.string_len = 64;
    feed_conf_parse_extra(spec, &c, report, NULL);
    cJSON_Delete(spec);
    feed_conf_t copy;
    if (feed_conf_copy(&copy, &c) == 0) {
        if (!feed_conf_equal(&copy, &c))
            abort();
        feed_conf_clear(&copy);
    }
    if (nl) {
        cJSON *j = cJSON_ParseWithLength((const char *)nl + 1, size - head - 1);
        bs_limits_t dl = c.lim;
        dl.items = 4096;
        dl.depth = 32;
        char err[256];
        bs_value_t *doc = j ? bs_value_from_cjson(j, &dl, 0, err, sizeof err) : NULL;
        cJSON_Delete(j);
        for (size_t i = 0; doc && i < c.nmaps; i++) {
            err[0] = '\0';
            bs_value_t *v = feed_map_apply(&c.maps[i], doc, &c.lim, err, sizeof err);
            if (v && !feed_value_within(v, &c.lim, 1))
                abort();
            if (!v && (!err[0] || !memchr(err, '\0', sizeof err)))
                abort();
            bs_value_free(v);
        }
        bs_value_free(doc);
    }
    feed_conf_clear(&c);
    return 0;
}
