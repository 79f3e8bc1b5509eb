/* tz.c — IANA time zones from the system's TZif files (see tz.h). */
#include "tz.h"
#include "fileio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_FILE_MAX    (256 * 1024)   /* real files are a few KB */
#define TZ_TRANS_MAX   4096
#define TZ_TYPES_MAX   256

struct tz {
    int      n;                 /* transitions */
    int64_t *at;                /* transition times, seconds, ascending */
    int32_t *off;               /* offset in seconds from each transition on */
    int32_t  off0;              /* before the first transition */
};

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* A zone name as in tzdata: letters, digits, "/_+-", no "..", not absolute. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TZ_NAME_MAX || s[0] == '/' || strstr(s, ".."))
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '/' || *p == '_' || *p == '+' || *p == '-'))
            return false;
    return true;
}

/* Parses one TZif data block of the given time size (4: v1, 8: v2+) at p
 * (header included) into z. Returns the block's length, or 0 if bad. */
static size_t parse_block(const unsigned char *p, size_t len, int tsize, tz_t *z)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return 0;
    int64_t isut = be(p + 20, 4), isstd = be(p + 24, 4), leap = be(p + 28, 4);
    int64_t timecnt = be(p + 32, 4), typecnt = be(p + 36, 4), charcnt = be(p + 40, 4);
    if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || timecnt > TZ_TRANS_MAX || typecnt < 1 ||
        typecnt > TZ_TYPES_MAX || charcnt < 0 || charcnt > 4096 || leap > 4096 || isut > TZ_TYPES_MAX ||
        isstd > TZ_TYPES_MAX)
        return 0;
    size_t need = 44 + (size_t)timecnt * (tsize + 1) + (size_t)typecnt * 6 + (size_t)charcnt +
                  (size_t)leap * (tsize + 4) + (size_t)isstd + (size_t)isut;
    if (need > len)
        return 0;
    const unsigned char *times = p + 44, *idx = times + timecnt * tsize, *types = idx + timecnt;
    free(z->at);
    free(z->off);
    z->at = malloc(sizeof *z->at * (size_t)(timecnt ? timecnt : 1));
    z->off = malloc(sizeof *z->off * (size_t)(timecnt ? timecnt : 1));
    if (!z->at || !z->off)
        return 0;
    z->n = (int)timecnt;
    for (int64_t i = 0; i < timecnt; i++) {
        if (idx[i] >= typecnt)
            return 0;
        z->at[i] = be(times + i * tsize, tsize);
        z->off[i] = (int32_t)be(types + idx[i] * 6, 4);
        if (i && z->at[i] <= z->at[i - 1])
            return 0;
        if (z->off[i] < -26 * 3600 || z->off[i] > 26 * 3600)
            return 0;
    }
    z->off0 = (int32_t)be(types, 4);
    if (z->off0 < -26 * 3600 || z->off0 > 26 * 3600)
        return 0;
    return need;
}

tz_t *tz_load(const char *name, char *err, size_t errlen)
{
    tz_t *z = NULL;
    unsigned char *buf = NULL;
    if (!name || !name_ok(name)) {
        snprintf(err, errlen, "not a time zone name");
        goto err;
    }
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : "/usr/share/zoneinfo", name);
    size_t len = 0;                  /* a regular file, capped: never a FIFO */
    buf = (unsigned char *)bs_read_file(path, TZ_FILE_MAX, &len, NULL, 0);
    if (!buf) {
        if (errno == ENOENT)
            snprintf(err, errlen, "unknown time zone (no %s)", path);
        else
            snprintf(err, errlen, "%s is not a time zone file", path);
        goto err;
    }
    z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    size_t first = parse_block(buf, len, 4, z);
    if (!first) {
        snprintf(err, errlen, "%s is not a time zone file", path);
        goto err;
    }
    if (buf[4] >= '2' && !parse_block(buf + first, len - first, 8, z)) {
        snprintf(err, errlen, "%s is not a time zone file", path);
        goto err;
    }
    free(buf);
    return z;
err:
    free(buf);
    tz_free(z);
    return NULL;
}

int tz_offset_min(const tz_t *z, int64_t wall_ms)
{
    int64_t t = wall_ms / 1000;
    if (!z || z->n == 0 || t < z->at[0])
        return z ? z->off0 / 60 : 0;
    int lo = 0, hi = z->n - 1;       /* the last transition at or before t */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->off[lo] / 60;
}

void tz_free(tz_t *z)
{
    if (!z)
        return;
    free(z->at);
    free(z->off);
    free(z);
}
