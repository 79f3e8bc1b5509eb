/* libFuzzer target for widgets/geojson.c: parse arbitrary bytes (copied to
 * an exact-size heap buffer so ASan catches any read past len), then check
 * that what came back is consistent and project every point.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *          -Iwidgets -Ifeeds widgets/geojson.c feeds/value.c tests/fuzz/fuzz_geojson.c \
 *          $(pkg-config --cflags --libs libcjson) -lm -o fuzz_geojson
 * Run:   ./fuzz_geojson -max_total_time=60 -max_len=4096 tests/fuzz/corpus-geojson
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "geojson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    char err[256];
    gj_map_t *m = gj_parse(buf, size, NULL, err, sizeof err);
    if (!m) {
        if (!err[0] || !memchr(err, '\0', sizeof err))
            abort();                          /* every failure says why */
    } else {
        if (m->nregions <= 0)
            abort();
        for (int i = 0; i < m->nregions; i++) {
            const gj_region_t *r = &m->regions[i];
            if (!r->name || r->n == 0 || r->first + r->n > m->npolys)
                abort();
            for (uint32_t p = r->first; p < r->first + r->n; p++) {
                const gj_poly_t *pg = &m->polys[p];
                if (pg->n == 0 || pg->first + pg->n > m->nrings)
                    abort();
                for (uint32_t q = pg->first; q < pg->first + pg->n; q++)
                    if (m->rings[q].n < 3 || m->rings[q].first + m->rings[q].n > m->npts)
                        abort();
            }
            (void)gj_find(m, r->name);
        }
        gj_proj_t pj = gj_fit(m, 0, 0, 800, 600);
        volatile double sink = 0;
        for (uint32_t i = 0; i < m->npts; i++) {
            gj_pt_t q = gj_project(&pj, m->pts[i]);
            sink += q.x + q.y;
        }
        (void)sink;
        gj_free(m);
    }
    free(buf);
    return 0;
}
