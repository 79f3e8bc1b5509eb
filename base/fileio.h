/*
 * fileio.h — the one way bigscreen reads a file from outside: layouts,
 * state files, GeoJSON, images, token files, the font manifest.
 *
 * Every such file is opened O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY, so a
 * FIFO, a device or a socket put where a file should be never blocks the
 * thread that reads it (the reload thread, the boot, `check`); the open file
 * must then be a regular file (fstat S_ISREG) of at most the caller's cap,
 * checked on the descriptor that is read, not on the name. The whole file
 * comes back in memory, so decoders (cairo, librsvg, cJSON) read from a
 * buffer and never reopen the name.
 *
 * Threads: no shared state; any thread.
 */
#ifndef BS_FILEIO_H
#define BS_FILEIO_H

#include <stddef.h>

/* Reads the regular file at path whole: at most max bytes. Returns a
 * malloc'd buffer with a NUL after the last byte (*len bytes), or NULL with
 * errno set and a one-line reason in err:
 *   ENOENT (and other open errors: EACCES, ELOOP, ...): "cannot open PATH: why";
 *   EINVAL: "PATH is not a regular file (a FIFO|directory|device|socket)";
 *   EFBIG:  "PATH is larger than MAX bytes";
 *   EIO/ENOMEM: "cannot read PATH: why".
 * Never blocks on a FIFO or device; a file that grows while it is read is
 * refused by the same cap. err may be NULL. */
char *bs_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

/* The same, and *st (when not NULL) gets the fstat of the descriptor that
 * was read: the identity (device, inode, size, mtime) of those bytes. */
struct stat;
char *bs_read_file_stat(const char *path, size_t max, size_t *len, struct stat *st, char *err, size_t errlen);

/* True when path names a regular file right now (stat, follows links): for
 * checks before handing a name to a library that opens it itself (fonts). */
int bs_is_regular(const char *path);

#endif
