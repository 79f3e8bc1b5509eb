/*
 * demo_sim.h — the built-in simulation of the union's figures.
 *
 * Deterministic: the same seed and the same sequence of ticks produce the
 * same bytes. Each tick returns one frame of feed protocol JSON text (an array
 * of messages), so the demo goes through exactly the parser, queue and store
 * a real feed uses, and bigscreen-feed can serve the very same frames.
 *
 * Thread: a demo_sim_t belongs to one thread at a time.
 */
#ifndef BS_DEMO_SIM_H
#define BS_DEMO_SIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct demo_sim demo_sim_t;

/* wall0_ms: wall-clock ms at tick 0 (source timestamps); tick_s: seconds per
 * tick. NULL on allocation failure. */
demo_sim_t *demo_sim_new(uint64_t seed, int64_t wall0_ms, double tick_s);
void demo_sim_free(demo_sim_t *s);          /* accepts NULL */

/* Advances to tick k (ticks must come in order, starting at 0; tick 0 is
 * the full initial state) and returns its frame as malloc'd NUL-terminated
 * JSON, owned by the caller; NULL on allocation failure. */
char *demo_sim_tick(demo_sim_t *s, unsigned k);

/* The topics the simulation publishes (static strings). */
const char *const *demo_sim_topics(size_t *n);

#endif
