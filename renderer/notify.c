/* notify.c — sd_notify for Type=notify units (see notify.h). */
#include "notify.h"
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#define STATUS_EVERY_S 2.0

void rdr_notify_init(notify_t *n)
{
    memset(n, 0, sizeof *n);
    const char *sock = getenv("NOTIFY_SOCKET");
    n->on = sock && sock[0];
    uint64_t usec = 0;
    if (n->on && sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        n->wd_every = (double)usec / 4e6;
}

/* "60 fps · main up · 0 late, 0 dropped": what `systemctl status` shows. */
static void send_status(notify_t *n, const screen_t *s, double now, uint64_t frames)
{
    double dt = now - n->last_status;
    double fps = dt > 0 ? (double)(frames - n->status_frames) / dt : 0;
    char text[512];
    int len = snprintf(text, sizeof text, "STATUS=%.0f fps", fps);
    for (int i = 0; i < s->nfeeds && len < (int)sizeof text - 80; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        len += snprintf(text + len, sizeof text - (size_t)len, " · %.32s %s", s->feeds[i]->conf.id,
                        feed_state_name(st.state));
    }
    if (len < (int)sizeof text - 60)
        snprintf(text + len, sizeof text - (size_t)len, " · %llu late, %llu dropped",
                 (unsigned long long)s->st.late, (unsigned long long)s->st.dropped);
    sd_notify(0, text);
    n->last_status = now;
    n->status_frames = frames;
}

void rdr_notify_frame(notify_t *n, const screen_t *s, double now, bool presented, uint64_t frames)
{
    if (!n->on)
        return;
    if (!n->ready && presented) {
        n->ready = true;
        sd_notify(0, "READY=1");
        send_status(n, s, now, frames);
        n->last_ping = now;
        if (n->wd_every > 0)
            sd_notify(0, "WATCHDOG=1");
        return;
    }
    if (n->wd_every > 0 && now - n->last_ping >= n->wd_every) {
        sd_notify(0, "WATCHDOG=1");
        n->last_ping = now;
    }
    if (n->ready && now - n->last_status >= STATUS_EVERY_S)
        send_status(n, s, now, frames);
}

void rdr_notify_reloading(notify_t *n)
{
    if (n->on)
        sd_notify(0, "RELOADING=1\nSTATUS=reloading the layout");
}

void rdr_notify_reloaded(notify_t *n, const char *how)
{
    if (!n->on)
        return;
    char text[256];
    snprintf(text, sizeof text, "READY=1\nSTATUS=%s", how);
    sd_notify(0, text);
}

void rdr_notify_stopping(notify_t *n)
{
    if (n->on)
        sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
