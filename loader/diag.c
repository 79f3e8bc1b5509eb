/* diag.c — file:line:col diagnostics. */
#include "diag.h"
#include "jsonpos.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(diag_t *d, int line, int col, const char *fmt, va_list ap)
{
    d->count++;
    if (d->count > DIAG_MAX)
        return;
    char body[512];
    vsnprintf(body, sizeof body, fmt, ap);
    size_t n = strlen(d->file ? d->file : "?") + strlen(body) + 48;
    char *m = malloc(n);
    if (!m) {
        d->count--;
        return;
    }
    snprintf(m, n, "%s:%d:%d: %s", d->file ? d->file : "?", line, col, body);
    d->msgs[d->count - 1] = m;
}

bool diag_full(const diag_t *d) { return d->count >= DIAG_MAX; }

void diag_at(diag_t *d, const struct cJSON *node, bool at_key, const char *fmt, ...)
{
    int line = 1, col = 1;
    if (diag_full(d)) {          /* only counted: no position, no text */
        d->count++;
        return;
    }
    if (node && d->jp) {
        if (!at_key || jsonpos_key_pos(d->jp, node, &line, &col) != 0)
            if (jsonpos_pos(d->jp, node, &line, &col) != 0)
                line = col = 1;
    }
    va_list ap;
    va_start(ap, fmt);
    add(d, line, col, fmt, ap);
    va_end(ap);
}

void diag_pos(diag_t *d, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, line, col, fmt, ap);
    va_end(ap);
}

void diag_print(const diag_t *d, void *file)
{
    FILE *f = file;
    size_t kept = d->count < DIAG_MAX ? d->count : DIAG_MAX;
    for (size_t i = 0; i < kept; i++)
        if (d->msgs[i])
            fprintf(f, "%s\n", d->msgs[i]);
    if (d->count > DIAG_MAX)
        fprintf(f, "%s: ... and %zu more problems\n", d->file ? d->file : "?", d->count - DIAG_MAX);
}

void diag_log(const diag_t *d)
{
    size_t kept = d->count < DIAG_MAX ? d->count : DIAG_MAX;
    for (size_t i = 0; i < kept; i++)
        if (d->msgs[i])
            bs_log(BS_LOG_ERR | BS_LOG_BARE, "%s", d->msgs[i]);
    if (d->count > DIAG_MAX)
        bs_log(BS_LOG_ERR | BS_LOG_BARE, "%s: ... and %zu more problems", d->file ? d->file : "?",
               d->count - DIAG_MAX);
}

void diag_clear(diag_t *d)
{
    for (size_t i = 0; i < DIAG_MAX; i++) {
        free(d->msgs[i]);
        d->msgs[i] = NULL;
    }
    d->count = 0;
}
