#!/usr/bin/env python3
"""reload-frame.py BIGSCREEN SRCDIR — a hot reload's first frame fits in its
frame slot. union-hall runs headless at its 1920x1080 canvas with the real
loop (60 fps); its titles are edited and SIGHUP sent, RELOADS times. The
report's render.reload counters (the frame that swaps each new layout in:
swap, update and paint) must show every swap applied, no frame slot dropped,
and the worst such frame under one period (16.7 ms) of the render thread's
CPU time. Before the new screen's layers were drawn on the reload thread,
that frame repainted every widget: about 55 ms, three slots dropped."""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, threading, time

bs, src = sys.argv[1], sys.argv[2]
RELOADS = 4
tmp = tempfile.mkdtemp()
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


try:
    for g in ("linping-stylised.geojson", "hangzhou-stylised.geojson"):
        shutil.copy(os.path.join(src, "layouts", g), tmp)
    text = open(os.path.join(src, "layouts", "union-hall.json"), encoding="utf-8").read()
    layout = os.path.join(tmp, "hall.json")
    open(layout, "w", encoding="utf-8").write(text)
    report = os.path.join(tmp, "report.json")
    path = os.path.join(tmp, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("WATCHDOG_USEC", None)
    errf = open(os.path.join(tmp, "err"), "w+")
    proc = subprocess.Popen([bs, "--headless", "--run-for", "60", "--no-state", "--report", report, layout],
                            env=env, stderr=errf, text=True)
    ready = False
    t0 = time.monotonic()
    while not ready and time.monotonic() - t0 < 20:
        try:
            ready = "READY=1" in sock.recv(4096).decode()
        except socket.timeout:
            break
    check(ready, "the screen came up")

    def drain():                       # systemd reads every notification; so must we
        while True:
            try:
                sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
    threading.Thread(target=drain, daemon=True).start()
    time.sleep(2)                      # past the first seconds' counting-up
    titles = re.findall(r'"title": "([^"]+)"', text)
    for k in range(RELOADS):
        new = text
        for t in titles:                # every widget's look changes: all layers remade
            new = new.replace('"title": "%s"' % t, '"title": "%s %d"' % (t, k + 1), 1)
        open(layout + ".new", "w", encoding="utf-8").write(new)
        os.rename(layout + ".new", layout)
        proc.send_signal(signal.SIGHUP)
        t1 = time.monotonic()
        while time.monotonic() - t1 < 15:
            errf.seek(0)
            if len(re.findall(r"reloaded .* \(swap", errf.read())) >= k + 1:
                break
            time.sleep(0.05)
        time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hung"
    errf.seek(0)
    err = errf.read()
    check(rc == 0, "the screen ran to the end (exit %s)" % rc)
    r = json.load(open(report, encoding="utf-8"))["render"]
    rl = r["reload"]
    print("     render: %d frames, %d late, %d dropped; reload frames: %s" %
          (r["frames"], r["late"], r["dropped"], json.dumps(rl)))
    check(rl["frames"] >= RELOADS, "every edit was swapped in (%d of %d)" % (rl["frames"], RELOADS))
    # a sanitizer build's code runs 2-3 times slower: its frame times are no budget to hold
    # (it still proves the prepared swap is leak- and race-free); the plain build is held to it
    if b"__asan_init" in open(bs, "rb").read():
        print("skip the reload frame's CPU budget under the sanitizers (%.1f ms of CPU)" % rl["worst_cpu_ms"])
    else:
        check(rl["worst_cpu_ms"] < 1000 / 60,
              "the worst reload frame's work fits a 60 fps slot (%.1f ms of CPU, %.1f ms wall)"
              % (rl["worst_cpu_ms"], rl["worst_ms"]))
    # Whether a frame makes its slot is the wall clock's to say, and on a
    # machine shared with other work ordinary frames miss theirs too: then
    # the count says nothing about the reload, and only the CPU time counts.
    ordinary = r["frames"] - rl["frames"]
    ordinary_late = r["late"] - rl["late"]
    if ordinary_late > ordinary * 0.01:
        print("skip no frame slot dropped by a reload frame (%d): the machine is too busy to say "
              "(%d of %d ordinary frames late)" % (rl["dropped"], ordinary_late, ordinary))
    else:
        check(rl["dropped"] == 0, "no frame slot dropped by a reload frame (%d)" % rl["dropped"])
    if fails:
        print(err[-2000:])
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
