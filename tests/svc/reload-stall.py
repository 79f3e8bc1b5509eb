#!/usr/bin/env python3
"""reload-stall.py BIGSCREEN SRCDIR — a hot reload never stalls the render
loop. The layout is edited to a new font theme and its feed to a NATS server
that accepts the connection and never answers (the library's first connect
waits its 3 s timeout, NATS_TIMEOUT_MS, for the server's INFO), then SIGHUP. The render loop's
WATCHDOG=1 pings (NOTIFY_SOCKET, WATCHDOG_USEC 0.4 s) must keep coming: no
gap of 2.5 s (the connect alone takes 3; a loaded machine has shown gaps of 1.8 s without any stall), and the swap logged under 200 ms; the feed then reports
connecting, not a dead screen. Before the swap moved its slow parts to the
watcher thread, the loop stood still for the whole connect."""
import os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

bs, src = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


# a "NATS server" that takes connections and says nothing
mute = socket.socket()
mute.bind(("127.0.0.1", 0))
mute.listen(8)
port = mute.getsockname()[1]
held = []


def accept():
    while True:
        try:
            c, _ = mute.accept()
            held.append(c)
        except OSError:
            return


threading.Thread(target=accept, daemon=True).start()
try:
    shutil.copy(os.path.join(src, "layouts", "linping-stylised.geojson"), tmp)
    shutil.copy(os.path.join(src, "layouts", "hangzhou-stylised.geojson"), tmp)   # the map's inset
    text = open(os.path.join(src, "layouts", "union-hall.json"), encoding="utf-8").read()
    layout = os.path.join(tmp, "hall.json")
    open(layout, "w", encoding="utf-8").write(text)
    path = os.path.join(tmp, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.05)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([bs, "--headless", "--run-for", "7", "--no-state", layout], env=env,
                            stderr=subprocess.PIPE, text=True)
    pings, t0, edited = [], time.monotonic(), None
    while proc.poll() is None and time.monotonic() - t0 < 30:
        try:
            m = sock.recv(4096).decode()
            now = time.monotonic() - t0
            if "WATCHDOG=1" in m:
                pings.append(now)
            if "READY=1" in m and edited is None:
                time.sleep(0.5)
                new = text.replace('"url": "demo:"', '"url": "nats://127.0.0.1:%d"' % port)
                new = new.replace('"theme": {', '"theme": { "fonts": { "title": "Noto Serif CJK SC Bold" },', 1) \
                    if '"theme": {' in new else new.replace("{", '{ "theme": { "fonts": { "title": "Noto Serif CJK SC Bold" } },', 1)
                open(layout + ".new", "w", encoding="utf-8").write(new)
                os.rename(layout + ".new", layout)
                edited = time.monotonic() - t0
                proc.send_signal(signal.SIGHUP)
        except socket.timeout:
            pass
    err = proc.stderr.read()
    rc = proc.wait()
    check(rc == 0, "the screen ran to the end (exit %s)" % rc)
    swaps = [float(x) for x in re.findall(r"reloaded .* \(swap ([0-9.]+) ms\)", err)]
    check(bool(swaps), "the edit was applied (%s)" % swaps)
    check(bool(swaps) and max(swaps) < 200, "the swap fits well inside a frame budget (%s ms)" % swaps)
    after = [t for t in pings if edited is not None and t > edited - 0.5]
    gaps = [b - a for a, b in zip(after, after[1:])]
    check(len(after) >= 5 and max(gaps) < 2.5,
          "the render loop kept pinging through the reload (%d pings, largest gap %.2f s)" % (len(after), max(gaps or [9])))
    check(len(held) >= 1, "the new feed did connect to the mute server (%d)" % len(held))
    if fails:
        print(err[-2000:])
finally:
    mute.close()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
