/*
 * tz.h — time zones of layouts: a fixed offset ("+08:00") or an IANA name
 * ("Asia/Shanghai") read from the system's zoneinfo (TZif files, as
 * Debian's tzdata installs them under /usr/share/zoneinfo, or $TZDIR).
 *
 * A tz_t is read once when the layout is loaded (the loading thread does
 * the file I/O) and is read-only afterwards, so the render thread may ask
 * it for offsets at any time: tz_offset_min() is a binary search in memory.
 * Times past the zone's last listed transition keep its last offset
 * (Debian's files list transitions up to 2037).
 */
#ifndef BS_TZ_H
#define BS_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct tz tz_t;

#define TZ_NAME_MAX 64

/* Reads zone name ("Area/City", "UTC"). NULL with a reason in err when the
 * name is malformed, unknown to the system or its file is bad. */
tz_t *tz_load(const char *name, char *err, size_t errlen);
/* Minutes east of UTC in zone z at wall time wall_ms (ms since the epoch). */
int tz_offset_min(const tz_t *z, int64_t wall_ms);
/* Accepts NULL. */
void tz_free(tz_t *z);

#endif
