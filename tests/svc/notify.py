#!/usr/bin/env python3
"""notify.py BIGSCREEN SRCDIR — the screen under a Type=notify unit, with a
unix datagram listener as NOTIFY_SOCKET (what systemd does): READY=1 after
the first frame, WATCHDOG=1 pings a quarter of WATCHDOG_USEC apart from the
render loop, STATUS= with fps and feed state, SIGHUP reloads the layout
(RELOADING=1, READY=1 again, the report counts it, exit 0 rather than 129),
STOPPING=1 at exit. Then the same READY under Xvfb for the window path."""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time

bs, src = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


def listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.05)
    return s


def collect(sock, proc, until_exit, on_ready=None, on_msg=None, deadline=60):
    """(time, message) pairs until the process ends."""
    msgs, t0, fired = [], time.monotonic(), False
    while time.monotonic() - t0 < deadline:
        try:
            data = sock.recv(4096).decode()
            msgs.append((time.monotonic() - t0, data))
            if on_ready and not fired and "READY=1" in data:
                fired = True
                on_ready(proc)
            if on_msg:
                on_msg(proc, msgs)
        except socket.timeout:
            pass
        if proc.poll() is not None:
            try:                               # what is still queued
                while True:
                    msgs.append((time.monotonic() - t0, sock.recv(4096).decode()))
            except (socket.timeout, BlockingIOError):
                break
    return msgs


try:
    shutil.copy(os.path.join(src, "layouts", "union-hall.json"), tmp)
    shutil.copy(os.path.join(src, "layouts", "linping-stylised.geojson"), tmp)
    shutil.copy(os.path.join(src, "layouts", "hangzhou-stylised.geojson"), tmp)   # the map's inset
    layout = os.path.join(tmp, "union-hall.json")
    path = os.path.join(tmp, "notify.sock")
    sock = listen(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    report = os.path.join(tmp, "r.json")
    # --run-for is only a backstop: the test ends the screen with SIGTERM
    # (as systemctl stop does) once the reload's READY=1 came, so a slow
    # machine (the sanitizers, a loaded CI host) has all the time it needs
    proc = subprocess.Popen([bs, "--headless", "--run-for", "40", "--no-state", "--report", report, layout],
                            env=env, stderr=subprocess.PIPE, text=True)

    hup_at = []

    def hup(p):
        def fire():
            hup_at.append(time.monotonic())
            p.send_signal(signal.SIGHUP)
        threading.Timer(1.5, fire).start()

    stop_at = []

    def stop_after_reload(p, msgs):
        texts = [m for _, m in msgs]
        i = next((k for k, m in enumerate(texts) if "RELOADING=1" in m), None)
        if not stop_at and i is not None and any(m.startswith("READY=1") for m in texts[i + 1:]):
            stop_at.append(time.monotonic())
            threading.Timer(1.0, lambda: p.send_signal(signal.SIGTERM)).start()

    t_start = time.monotonic()
    msgs = collect(sock, proc, True, on_ready=hup, on_msg=stop_after_reload)
    err = proc.stderr.read()
    rc = proc.wait()
    texts = [m for _, m in msgs]
    check(rc == 0, "SIGHUP does not kill the screen (exit %s)" % rc)
    check(bool(texts) and texts[0].startswith("READY=1"), "READY=1 comes first (%r)" % (texts[:1],))
    pings = [t for t, m in msgs if "WATCHDOG=1" in m]
    check(len(pings) >= 8, "WATCHDOG=1 pings from the render loop (%d)" % len(pings))
    # the cadence while the screen just runs (the reload's stall is measured by reload-stall)
    before = [t for t in pings if hup_at and t < hup_at[0] - t_start]
    gaps = [b - a for a, b in zip(before, before[1:])]
    check(len(before) >= 3 and max(gaps) < 0.4,
          "pings closer than WATCHDOG_USEC before the reload (%d, largest gap %.2f s)" % (len(before), max(gaps or [9])))
    status = [m for m in texts if m.startswith("STATUS=") and "fps" in m]
    check(any("main up" in m for m in status), "STATUS= has fps and the feed's state (%r)" % (status[-1:],))
    check(any("RELOADING=1" in m for m in texts), "SIGHUP: RELOADING=1")
    i = next((k for k, m in enumerate(texts) if "RELOADING=1" in m), None)
    check(i is not None and any(m.startswith("READY=1") for m in texts[i + 1:]), "READY=1 again after the reload")
    check(any("STOPPING=1" in m for m in texts), "STOPPING=1 at exit")
    check("SIGHUP: reloading" in err and "reloaded" in err, "the log says SIGHUP reloaded")
    r = json.load(open(report)) if os.path.exists(report) else {}
    check(r.get("reloads", 0) >= 1, "the report counts the reload (%s)" % r.get("reloads"))
    sock.close()

    # a reader that stops reading (its queue holds 10 datagrams on Linux):
    # the render thread must not wait on it; libsystemd's sd_notify() did,
    # and the screen hung at the eleventh ping
    os.unlink(path)
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    deaf.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="100000")
    env.pop("WATCHDOG_PID", None)
    t = time.monotonic()
    proc = subprocess.Popen([bs, "--headless", "--run-for", "3", "--no-state", layout], env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        rc = proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hung"
    err = proc.stderr.read()
    check(rc == 0 and "notifications are dropped" in err,
          "a reader that stops reading does not stop the screen (exit %s in %.1f s)" % (rc, time.monotonic() - t))
    deaf.close()

    # the window path: READY only once a frame is on the display
    xvfb = os.path.join(src, "tests", "xvfb.sh")
    if shutil.which("Xvfb"):
        os.unlink(path)
        sock = listen(path)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        env.pop("SDL_VIDEODRIVER", None)
        # under ASan: SDL's X11/dbus drivers keep allocations to exit (as window-smoke.sh says)
        env["ASAN_OPTIONS"] = (env["ASAN_OPTIONS"] + ":" if env.get("ASAN_OPTIONS") else "") + "detect_leaks=0"
        proc = subprocess.Popen(["sh", xvfb, "-s", "-screen 0 640x360x24", bs, "--windowed", "320x180",
                                 "--run-for", "2", "--no-state", layout], env=env,
                                stderr=subprocess.PIPE, text=True)
        msgs = collect(sock, proc, True)
        proc.stderr.read()
        rc = proc.wait()
        texts = [m for _, m in msgs]
        check(rc == 0 and any(m.startswith("READY=1") for m in texts),
              "window: READY=1 after the first presented frame (exit %s, %d messages)" % (rc, len(texts)))
    else:
        print("skip window (no Xvfb)")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
