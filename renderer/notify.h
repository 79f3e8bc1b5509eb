/*
 * notify.h — telling systemd how the screen is (sd_notify(3)).
 *
 * Under a Type=notify unit ($NOTIFY_SOCKET set): READY=1 once the first
 * frame has been presented; WATCHDOG=1 from the render loop, a quarter of
 * WatchdogSec= apart, only while frames are being produced (a hung render
 * thread stops the pings and systemd restarts the unit); STATUS= every two
 * seconds with the frame rate, late/dropped frames and each feed's state;
 * RELOADING=1 / READY=1 around a SIGHUP reload; STOPPING=1 at exit.
 * Without $NOTIFY_SOCKET every call is a cheap no-op. A send never waits:
 * when the reader's queue is full the message is lost and counted.
 *
 * Thread: the render thread only. A notify_t lives in the loop's frame.
 */
#ifndef BS_NOTIFY_H
#define BS_NOTIFY_H

#include "screen.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

typedef struct {
    bool     on;            /* $NOTIFY_SOCKET is set and usable */
    int      fd;            /* non-blocking datagram socket, -1: none */
    struct sockaddr_un addr;
    socklen_t addr_len;
    uint64_t lost;          /* notifications dropped (queue full, socket gone) */
    bool     ready;         /* READY=1 sent */
    double   wd_every;      /* seconds between WATCHDOG=1; 0: no watchdog */
    double   last_ping, last_status;
    uint64_t status_frames; /* frames counted at the last STATUS */
} notify_t;

/* Reads the environment (NOTIFY_SOCKET, WATCHDOG_USEC/WATCHDOG_PID). */
void rdr_notify_init(notify_t *n);
/* After each frame of the loop at monotonic time now; presented: the frame
 * (or an earlier one) is on the display. frames: frames so far. */
void rdr_notify_frame(notify_t *n, const screen_t *s, double now, bool presented, uint64_t frames);
/* Around a reload asked for by SIGHUP. */
void rdr_notify_reloading(notify_t *n);
void rdr_notify_reloaded(notify_t *n, const char *how);
/* The loop is ending: STOPPING=1, and the socket is closed. */
void rdr_notify_stopping(notify_t *n);

#endif
