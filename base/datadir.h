/*
 * datadir.h — where the program's data is: shipped layouts, map data, the
 * font manifest, the schema.
 *
 * The directories, in the order they are searched:
 *   1. --data-dir DIR (bs_datadir_set), else $BIGSCREEN_DATADIR;
 *   2. the installed data directory, BS_DATADIR (meson: PREFIX/share/bigscreen);
 *   3. the current directory (running from a source checkout).
 * Files named in a layout are first looked for next to the layout file
 * (the widgets do that), then in these directories and their layouts/.
 *
 * Threads: bs_datadir_set is called once by main before any other thread
 * starts; everything else only reads and may be called from any thread.
 */
#ifndef BS_DATADIR_H
#define BS_DATADIR_H

#include <stddef.h>

#define BS_DATADIR_MAX 3

/* Sets the directory given with --data-dir (the string must live on). */
void bs_datadir_set(const char *dir);
/* Fills dirs with the directories to search, in order; returns how many. */
int bs_datadir_list(const char *dirs[BS_DATADIR_MAX]);
/* Finds rel ("fonts/manifest.json") in the data directories: 0 with the
 * path in out, or -1 with out holding the directories searched, joined
 * with ", " (for the error message). */
int bs_datadir_find(const char *rel, char *out, size_t len);
/* The directories, joined with ", ", for messages. */
void bs_datadir_describe(char *out, size_t len);

#endif
