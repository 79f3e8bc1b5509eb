/*
 * argv.h — GNU-style "--option=value" for the command-line tools.
 *
 * argv_expand() rewrites "--name=value" into the two words "--name"
 * "value", so each tool's parser sees one spelling only. Words after a
 * lone "--" and words not starting with "--" are left alone. The new
 * array lives as long as the process (it is never freed); the strings
 * point into the original argv, except the "--name" halves, which are
 * copies. Main thread, before any other use of argv.
 */
#ifndef BS_ARGV_H
#define BS_ARGV_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char **argv_expanded;         /* kept reachable: it lives as long as the process */

static inline void argv_expand(int *argc, char ***argv)
{
    int n = *argc, extra = 0;
    for (int i = 1; i < n && strcmp((*argv)[i], "--") != 0; i++)
        if (!strncmp((*argv)[i], "--", 2) && strchr((*argv)[i], '='))
            extra++;
    if (!extra)
        return;
    char **out = calloc((size_t)(n + extra + 1), sizeof *out);
    if (!out)
        return;                       /* the parser then refuses the word */
    int k = 0;
    bool rest = false;
    for (int i = 0; i < n; i++) {
        char *a = (*argv)[i], *eq = strchr(a, '=');
        if (i > 0 && !strcmp(a, "--"))
            rest = true;
        if (i > 0 && !rest && !strncmp(a, "--", 2) && eq) {
            char *name = strndup(a, (size_t)(eq - a));
            if (!name) {
                free(out);
                return;
            }
            out[k++] = name;
            out[k++] = eq + 1;
        } else {
            out[k++] = a;
        }
    }
    *argc = k;
    *argv = argv_expanded = out;
}

#endif
