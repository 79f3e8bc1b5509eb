/* update.c — what an update owns (see update.h). */
#include "update.h"

#include <stdlib.h>
#include <string.h>

void feed_update_clear(feed_update_t *u)
{
    if (!u)
        return;
    free(u->topic);
    bs_value_free(u->value);
    memset(u, 0, sizeof *u);
}
