/* datadir.c — the program's data directories (see datadir.h). */
#include "datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BS_DATADIR
#define BS_DATADIR "/usr/share/bigscreen"
#endif

static const char *explicit_dir;

void bs_datadir_set(const char *dir)
{
    explicit_dir = dir && dir[0] ? dir : NULL;
}

int bs_datadir_list(const char *dirs[BS_DATADIR_MAX])
{
    int n = 0;
    const char *env = getenv("BIGSCREEN_DATADIR");
    if (explicit_dir)
        dirs[n++] = explicit_dir;
    else if (env && env[0])
        dirs[n++] = env;
    dirs[n++] = BS_DATADIR;
    dirs[n++] = ".";
    return n;
}

void bs_datadir_describe(char *out, size_t len)
{
    const char *dirs[BS_DATADIR_MAX];
    int n = bs_datadir_list(dirs);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? ", " : "", dirs[i]);
}

int bs_datadir_find(const char *rel, char *out, size_t len)
{
    const char *dirs[BS_DATADIR_MAX];
    int n = bs_datadir_list(dirs);
    for (int i = 0; i < n; i++) {
        snprintf(out, len, "%s/%s", dirs[i], rel);
        if (access(out, R_OK) == 0)
            return 0;
    }
    bs_datadir_describe(out, len);
    return -1;
}
