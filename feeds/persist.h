/*
 * persist.h — last-known values: the topic store saved to disk and loaded at
 * start, so a rebooted wall screen shows its last figures (marked stale)
 * until fresh data arrives.
 *
 * Format: one JSON array of feed-protocol messages — for every topic its
 * history as "append" messages (oldest first) and then its current value as
 * a "set" message, each with its source "ts" (ms since the epoch). Loading
 * is parsing that frame with the ordinary protocol parser (feed_parse_frame)
 * under generous caps, with feed = -1 so the store marks the entries as
 * loaded state. bigscreen-feed sends the same text to a newly connected
 * client as its first frame (optionally led by an empty snapshot).
 *
 * Threads: persist_serialise, the saver and persist_load run on the thread
 * that owns the store (the render thread). The writer has a thread of its own
 * that does the file I/O (write temp + fsync + rename + fsync dir), so the
 * render thread only serialises, in bounded steps, and hands the text over.
 */
#ifndef BS_PERSIST_H
#define BS_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store.h"
#include "value.h"

#define PERSIST_MAX_BYTES (64u << 20)    /* largest state file read back, and written */

/* The default state directory: $XDG_STATE_HOME/bigscreen, else
 * $HOME/.local/state/bigscreen. malloc'd; NULL when neither is set. */
char *persist_default_dir(void);

/* DIR/NAME.state.json, NAME taken from the layout file's base name (without
 * ".json"), characters other than [A-Za-z0-9._-] replaced by '_'.
 * malloc'd; NULL on allocation failure. */
char *persist_path(const char *dir, const char *layout_file);

/* The store as a message array (see above); wall_ms/now convert receive
 * times into source times for entries that carry none. With snapshot_first
 * the array starts with {"op":"snapshot","topics":{}} so a receiver drops
 * topics it no longer should show. malloc'd NUL-terminated text, *len set;
 * NULL on allocation failure. */
char *persist_serialise(const store_t *s, double now, int64_t wall_ms, bool snapshot_first, size_t *len);

/* Saving in steps, so the render thread never stalls on a big store: a
 * saver writes the same text as persist_serialise a bounded amount at a
 * time, one step per frame, while the store goes on changing between steps
 * (each topic is written as it is when its turn comes; one deleted
 * meanwhile may keep the history already written, one that a deletion
 * shifts may be missed until the next save).
 *
 * The text never exceeds PERSIST_MAX_BYTES, the cap persist_load reads:
 * every topic's current value comes first (room is kept for them all); what
 * is left is shared among the topics for their newest history; what does
 * not fit is left out and counted (persist_saver_cuts). */
typedef struct persist_saver persist_saver_t;

/* A saver (snapshot_first as for persist_serialise). NULL on OOM. */
persist_saver_t *persist_saver_new(bool snapshot_first);
/* Writes about step_bytes more (at least one message). 1 when the text is
 * complete, 0 when there is more, -1 on allocation failure. */
int persist_saver_step(persist_saver_t *z, const store_t *s, double now, int64_t wall_ms, size_t step_bytes);
/* Bytes written so far. */
size_t persist_saver_len(const persist_saver_t *z);
/* The complete text (malloc'd, NUL-terminated; ownership to the caller),
 * *len set; NULL before the last step. */
char *persist_saver_take(persist_saver_t *z, size_t *len);
/* History items and topics left out to stay under the cap. */
void persist_saver_cuts(const persist_saver_t *z, uint64_t *hist, uint64_t *topics);
void persist_saver_free(persist_saver_t *z);       /* accepts NULL */

/* Loads path into s at monotonic time now under caps derived from lim.
 * The file is read with bs_read_file (never blocks on a FIFO; a regular
 * file of at most PERSIST_MAX_BYTES). Returns the number of messages
 * applied, 0 when there is no file, or -1 with err when there is one that
 * is refused (unreadable, not a regular file, too big, not a message
 * array). A refused file never aborts the start: the caller moves it aside
 * (persist_move_aside) and goes on empty. */
int persist_load(store_t *s, const char *path, const bs_limits_t *lim, double now,
                 char *err, size_t errlen);

/* Renames a refused state file (or whatever sits at path: a FIFO, a
 * directory) to PATH.bad-YYYYmmddTHHMMSSZ (-N added when that exists; an
 * earlier aside file is never replaced), so it is kept for a person to look
 * at and never overwritten with fresh values. 0 with the new name in aside,
 * or -1 with errno. */
int persist_move_aside(const char *path, char *aside, size_t asidelen);

/* Writes len bytes to path atomically: a temp file PATH.tmp-PID-N created
 * with O_CREAT|O_EXCL|O_NOFOLLOW (a name nobody could have planted a link
 * at: nothing is ever truncated or written through a symlink), fsync,
 * rename over path (which replaces a link at path, never its target),
 * fsync of the directory; creates the directory when missing. 0, or -1
 * with err; on failure the old file is untouched and the temp file
 * removed. */
int persist_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen);

/* The background writer. */
typedef struct persist_writer persist_writer_t;

/* A writer thread for path (copied). NULL with err. */
persist_writer_t *persist_writer_new(const char *path, char *err, size_t errlen);
/* Hands text (malloc'd, ownership taken) to the writer; an older pending
 * text not yet written is replaced (latest wins). Never blocks on I/O. */
void persist_writer_submit(persist_writer_t *w, char *text, size_t len);
/* Writes what is pending, stops the thread and frees w. Accepts NULL. */
void persist_writer_free(persist_writer_t *w);
/* Files written and failures so far (any thread). */
void persist_writer_counts(persist_writer_t *w, uint64_t *written, uint64_t *failed);

#endif
