/* fuzz_layout.c — libFuzzer target: any bytes as a layout file. Must never
 * crash or leak; either a layout or file:line:col messages come back. */
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_t d = { 0 };
    layout_t *l = layout_load_text("fuzz.json", (const char *)data, size, &d);
    layout_free(l);
    diag_clear(&d);
    return 0;
}
