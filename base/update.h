/*
 * update.h — the plain C update that travels feed thread → queue → store.
 *
 * Ownership: an update owns its topic string and its value. Whoever holds
 * the update frees it with feed_update_clear() unless it hands it on
 * (feed_queue_push takes it, store_apply takes it).
 */
#ifndef BS_UPDATE_H
#define BS_UPDATE_H

#include <stdint.h>
#include "value.h"

typedef enum {
    UPD_SET = 0,   /* replace the topic's value                               */
    UPD_APPEND,    /* push value onto the topic's history ring (and set it)   */
    UPD_MERGE,     /* shallow-merge an object value into the current value    */
    UPD_DELETE,    /* drop the topic                                          */
    UPD_SNAPSHOT,  /* value is an object topic→value; replaces everything     */
} upd_op_t;

typedef struct {
    upd_op_t    op;
    int         feed;     /* index of the feed in the layout                  */
    char       *topic;    /* owned; NULL for UPD_SNAPSHOT                      */
    bs_value_t *value;    /* owned; NULL for UPD_DELETE                        */
    int64_t     ts_ms;    /* source time, ms since the epoch; 0 when absent    */
} feed_update_t;

/* Frees what u owns and zeroes it. Accepts NULL. */
void feed_update_clear(feed_update_t *u);

#endif
