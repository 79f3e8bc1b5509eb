/* fileio.c — reading a regular file with a cap (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a plain file";
}

char *bs_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    return bs_read_file_stat(path, max, len, NULL, err, errlen);
}

char *bs_read_file_stat(const char *path, size_t max, size_t *len, struct stat *st_out, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    char *buf = NULL;
    int e = 0;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        e = errno;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        e = errno;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
        goto err;
    }
    if (!S_ISREG(st.st_mode)) {
        e = EINVAL;
        snprintf(err, errlen, "%s is not a regular file (%s)", path, kind(st.st_mode));
        goto err;
    }
    if ((unsigned long long)st.st_size > max) {
        e = EFBIG;
        snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
        goto err;
    }
    /* read to EOF: the size may change under us; one byte more than the cap
     * tells a file that grew past it */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    if (cap > max + 1)
        cap = max + 1;
    buf = malloc(cap + 1);
    if (!buf) {
        e = ENOMEM;
        snprintf(err, errlen, "cannot read %s: out of memory", path);
        goto err;
    }
    for (;;) {
        if (n == cap) {
            if (n > max) {
                e = EFBIG;
                snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
                goto err;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                e = ENOMEM;
                snprintf(err, errlen, "cannot read %s: out of memory", path);
                goto err;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            e = errno == EAGAIN ? EIO : errno;
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
            goto err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        e = EFBIG;
        snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
        goto err;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    if (st_out)
        *st_out = st;
    return buf;
err:
    free(buf);
    close(fd);
    errno = e;
    return NULL;
}

int bs_is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
