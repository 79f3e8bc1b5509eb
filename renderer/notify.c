/* notify.c — sd_notify for Type=notify units (see notify.h). */
#include "notify.h"
#include "feed.h"

#include "log.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define STATUS_EVERY_S 2.0

void rdr_notify_init(notify_t *n)
{
    memset(n, 0, sizeof *n);
    n->fd = -1;
    const char *sock = getenv("NOTIFY_SOCKET");
    if (!sock || !sock[0])
        return;
    /* The datagram protocol of sd_notify(3), sent by us rather than by
     * sd_notify(): libsystemd's socket blocks when the reader's queue is full
     * (10 datagrams on Linux), and the render thread must never wait on
     * another process. A path, or "@name" in the abstract namespace. */
    size_t len = strlen(sock);
    if ((sock[0] != '/' && sock[0] != '@') || len >= sizeof n->addr.sun_path) {
        bs_log(BS_LOG_WARNING, "NOTIFY_SOCKET=%.64s: not a unix socket path this program can use; "
               "systemd is not told how the screen is", sock);
        return;
    }
    n->addr.sun_family = AF_UNIX;
    memcpy(n->addr.sun_path, sock, len);
    if (sock[0] == '@')
        n->addr.sun_path[0] = '\0';
    n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (n->fd < 0) {
        bs_log(BS_LOG_WARNING, "NOTIFY_SOCKET: socket: %s", strerror(errno));
        return;
    }
    n->on = true;
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        n->wd_every = (double)usec / 4e6;
}

/* One notification, never waiting: a full queue (a reader that stopped
 * reading) or a gone socket loses this message, counted and said once. */
static void notify_send(notify_t *n, const char *text)
{
    if (n->fd < 0)
        return;
    ssize_t r = sendto(n->fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL,
                       (const struct sockaddr *)&n->addr, n->addr_len);
    if (r >= 0)
        return;
    if (n->lost++ == 0)
        bs_log(BS_LOG_WARNING, "NOTIFY_SOCKET: %s; notifications are dropped while it lasts "
               "(the screen does not wait)", strerror(errno));
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
    notify_send(n, text);
    n->last_status = now;
    n->status_frames = frames;
}

void rdr_notify_frame(notify_t *n, const screen_t *s, double now, bool presented, uint64_t frames)
{
    if (!n->on)
        return;
    if (!n->ready && presented) {
        n->ready = true;
        notify_send(n, "READY=1");
        send_status(n, s, now, frames);
        n->last_ping = now;
        if (n->wd_every > 0)
            notify_send(n, "WATCHDOG=1");
        return;
    }
    if (n->wd_every > 0 && now - n->last_ping >= n->wd_every) {
        notify_send(n, "WATCHDOG=1");
        n->last_ping = now;
    }
    if (n->ready && now - n->last_status >= STATUS_EVERY_S)
        send_status(n, s, now, frames);
}

void rdr_notify_reloading(notify_t *n)
{
    if (n->on)
        notify_send(n, "RELOADING=1\nSTATUS=reloading the layout");
}

void rdr_notify_reloaded(notify_t *n, const char *how)
{
    if (!n->on)
        return;
    char text[256];
    snprintf(text, sizeof text, "READY=1\nSTATUS=%s", how);
    notify_send(n, text);
}

void rdr_notify_stopping(notify_t *n)
{
    if (!n->on)
        return;
    notify_send(n, "STOPPING=1\nSTATUS=stopping");
    close(n->fd);
    n->fd = -1;
    n->on = false;
}
