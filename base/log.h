/*
 * log.h — the program's messages: one line per call on stderr, with a
 * priority, read well by a person at a terminal and by journald.
 *
 * When stderr is the journal (systemd sets JOURNAL_STREAM to "dev:ino" of the
 * stream it connects, and fd 2 still is that stream), each line starts with
 * the sd-daemon priority prefix ("<3>" error ... "<7>" debug, see
 * sd-daemon(3)) and carries no program name: journald adds the identifier
 * and reads the priority, so `journalctl -p warning` finds the problems.
 * Otherwise each message starts "bigscreen: " (the name given to
 * bs_log_init), and "error: " or "warning: " for those levels:
 *
 *     journal:   <4>feed main: connection lost; reconnecting
 *     terminal:  bigscreen: warning: feed main: connection lost; reconnecting
 *
 * A message may hold several lines (a reload's list of layout problems):
 * in the journal every line gets the prefix, so each entry has its priority;
 * at a terminal the lines after the first are printed as they are.
 * BS_LOG_BARE, or'ed into the level, leaves the terminal prefix out: for
 * messages that start with "file:line:col:" and should stay that way.
 *
 * Messages below the threshold are dropped: info and above by default;
 * BIGSCREEN_LOG_LEVEL=debug (or err, warning, notice, info, or 3..7) changes it.
 *
 * Threads: any thread may call bs_log at any time. A message is formatted on
 * the caller's stack (a long one in a bounded heap buffer) and written with
 * one write(2) under a mutex, so lines of different threads never mix; the
 * mutex is held only for that write. Call bs_log_init from main before
 * starting threads (without it the name is "bigscreen").
 */
#ifndef BS_LOG_H
#define BS_LOG_H

#include <stdarg.h>
#include <stdbool.h>

typedef enum {
    BS_LOG_ERR     = 3,    /* something failed: the screen or a part of it cannot do its job */
    BS_LOG_WARNING = 4,    /* something is wrong and being worked around (retrying, kept old data) */
    BS_LOG_NOTICE  = 5,    /* normal but worth seeing (reloaded, connected again) */
    BS_LOG_INFO    = 6,    /* what the program is doing (listening on, statistics) */
    BS_LOG_DEBUG   = 7,
} bs_log_level_t;

#define BS_LOG_BARE 0x100  /* or'ed into a level: no "name: level: " at a terminal */

#define BS_LOG_MAX 65536   /* bytes of one message; a longer one is cut, marked "..." */

/* Names the program for terminal lines ("bigscreen", "bigscreen-feed"; the
 * string must outlive the program), looks whether stderr is the journal
 * and reads BIGSCREEN_LOG_LEVEL. Main thread, before other threads start;
 * calling it again (tests) looks again. */
void bs_log_init(const char *name);

/* Writes one message (without a trailing newline; one is added) at level
 * (a bs_log_level_t, optionally | BS_LOG_BARE). Never fails: when stderr is
 * gone the message is lost. */
void bs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bs_vlog(int level, const char *fmt, va_list ap);

/* True when messages at level would be written (skip costly formatting). */
bool bs_log_enabled(int level);
/* True when stderr is the journal (lines carry "<N>"). */
bool bs_log_to_journal(void);

#endif
