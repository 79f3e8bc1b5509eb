/* libFuzzer target for renderer/jsonpos.c: parse arbitrary bytes (copied to
 * an exact-size heap buffer so ASan catches any read past len), then query
 * the value and key position of every node and check they are sane.
 *
 * Build: clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *          -Irenderer renderer/jsonpos.c tests/fuzz/fuzz_jsonpos.c \
 *          $(pkg-config --cflags --libs libcjson) -o fuzz_jsonpos
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Query every node under n (pre-order); abort() on an impossible answer so
 * libFuzzer reports it. Positions must be strictly increasing. */
static void walk(const jsonpos_t *jp, const cJSON *n, long *last)
{
    for (; n; n = n->next) {
        int line = 0, col = 0, kl = 0, kc = 0;
        long here;

        if (jsonpos_pos(jp, n, &line, &col) != 0 || line < 1 || col < 1)
            abort();
        here = (long)line * 0x1000000L + col;
        if (jsonpos_key_pos(jp, n, &kl, &kc) == 0) {
            if (!n->string || kl < 1 || kc < 1)
                abort();
            if ((long)kl * 0x1000000L + kc >= here)
                abort(); /* key must come before its value */
        } else if (n->string) {
            abort();
        }
        if (here <= *last)
            abort();
        *last = here;
        walk(jp, n->child, last);
    }
}

/* libFuzzer entry point. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    char msg[64];
    int line = 0, col = 0;
    long last = 0;
    jsonpos_t *jp;

    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    jp = jsonpos_parse(buf, size, &line, &col, msg, sizeof msg);
    if (jp) {
        walk(jp, jsonpos_root(jp), &last);
    } else if (line < 1 || col < 1 || !memchr(msg, '\0', sizeof msg) ||
               msg[0] == '\0') {
        abort();
    } else if (strstr(msg, "internal error") || strstr(msg, "cJSON could")) {
        abort(); /* our scanner accepted text that cJSON rejected */
    }
    jsonpos_free(jp);
    free(buf);
    return 0;
}
