/* libFuzzer target for feed URLs: arbitrary bytes as a feed's URL (copied to
 * an exact-size heap string so ASan catches a read past its end, as
 * nats_check once did on "nats:") through feed_check — every back end's
 * check — and feed_url_redact, whose output must be terminated, within its
 * buffer, and free of what the input had between "://" and the last '@'
 * of an authority. Inputs are tried as given and behind each scheme.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *prefix, const uint8_t *data, size_t size)
{
    size_t pl = strlen(prefix);
    char *url = malloc(pl + size + 1);
    if (!url)
        return;
    memcpy(url, prefix, pl);
    memcpy(url + pl, data, size);
    url[pl + size] = '\0';
    feed_conf_t c = { .id = "f", .url = url };
    char err[256];
    feed_check(&c, err, sizeof err);
    char out[64];
    feed_url_redact(url, out, sizeof out);
    if (strlen(out) >= sizeof out)
        abort();
    char *big = malloc(pl + size + 8);
    if (big) {
        feed_url_redact(url, big, pl + size + 8);
        /* in every authority of the output, the only '@' is the one of "***@" */
        for (const char *a = strstr(big, "://"); a; a = strstr(a, "://")) {
            a += 3;
            size_t auth = strcspn(a, "/?#,");
            const char *at = memchr(a, '@', auth);
            if (at && (at != a + 3 || memcmp(a, "***", 3) != 0 || memchr(at + 1, '@', auth - 4)))
                abort();
        }
        free(big);
    }
    free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const prefixes[] = { "", "nats://", "ws://", "wss://", "demo:" };
    if (size > 4096 || memchr(data, 0, size))
        return 0;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        one(prefixes[i], data, size);
    return 0;
}
