/*
 * diag.h — diagnostics for files an operator edits: "file:line:col: message".
 *
 * Thread: main/render thread only (layouts are loaded there, never in the
 * frame loop's hot path). A diag collects messages; the caller prints them.
 */
#ifndef BS_DIAG_H
#define BS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
typedef struct jsonpos jsonpos_t;

#define DIAG_MAX 64          /* messages kept; the rest are only counted */

typedef struct {
    const char      *file;       /* borrowed */
    const jsonpos_t *jp;         /* borrowed; positions of nodes */
    size_t           count;      /* problems found (may exceed DIAG_MAX) */
    char            *msgs[DIAG_MAX];
} diag_t;

/* True once DIAG_MAX messages are kept: later ones are only counted, so a
 * caller may skip work that only makes a message better (suggestions). */
bool diag_full(const diag_t *d);

/* Records "file:line:col: message" at node (its key when at_key and the node
 * is an object member, else its value). node NULL: position 1:1 of the file. */
void diag_at(diag_t *d, const struct cJSON *node, bool at_key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records a message at an explicit position. */
void diag_pos(diag_t *d, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints every message (one per line) to f, then "... and N more". */
void diag_print(const diag_t *d, void *file);
/* Logs every message as an error (bs_log, BS_LOG_BARE: "file:line:col:"
 * stays first at a terminal, "<3>" in the journal), then "... and N more". */
void diag_log(const diag_t *d);
/* Frees the messages. */
void diag_clear(diag_t *d);

#endif
