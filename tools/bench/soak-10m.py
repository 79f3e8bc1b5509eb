#!/usr/bin/python3
"""tools/bench/soak-10m.py [--messages N] [--batch K] [--spacing S] — weeks of feed traffic, time-compressed.

Pushes N messages (default 10 million) through the real feed path into bigscreen --headless: bigscreen-feed
--replay --loop on ws://127.0.0.1 → the ws feed thread → parser → queue → store → bindings → widgets → paint,
on the portrait lobby layout with its pages shortened to 3 s (a page change every 3 s, with the cross-fade) and a
hot reload every 7 s (the layout rewritten, alternating a title), last-known values saved every 5 s as usual.

The messages are the demo simulation's own (captured from bigscreen-feed --demo for a few seconds, "ts" removed so
ages come from arrival), sent K per frame, one frame every S seconds, 200 k messages per replay round (then 1 s
pause, and again).

Samples the renderer's RSS (VmRSS) every second (a line every 10 s). RSS swings by a few MB within a page cycle
(the cross-fade holds a copy of the frame, a reload builds the new layout beside the old), so RSS is compared as
the max over a 60 s window, which spans several page cycles and reloads: the warm-up window starts once 1 M
messages (--warmup) are in and 30 s have passed (every page shown, reloaded, caches filled), the end window is the last 60 s.
Prints both windows' max and min, the growth of the max, the rate, and the report's counters. Exit 0 when it could
run; the figures are the result.

A benchmark, not a test: run it alone — flock /work/.bench.lock tools/bench/soak-10m.py
Environment: BUILD (default build-bench), KEEP=1 keeps the work directory.
"""
import argparse, asyncio, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build-bench")
BIN = os.path.join(ROOT, BUILD, "renderer", "bigscreen")
FEED = os.path.join(ROOT, BUILD, "tools", "bigscreen-feed")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, secs=10):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def capture_demo(seconds=4.0):
    """The demo simulation's frames: (first frame's messages, later messages), ts removed."""
    import websockets
    port = free_port()
    p = subprocess.Popen([FEED, "--demo", "--tick", "0.01", "--bind", "127.0.0.1", "--port", str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_port(port):
            sys.exit("soak: bigscreen-feed --demo did not listen")
        frames = []

        async def rec():
            async with websockets.connect("ws://127.0.0.1:%d/" % port, max_size=1 << 24) as ws:
                end = time.time() + seconds
                while time.time() < end:
                    frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=5)))
        asyncio.run(rec())
    finally:
        p.terminate()
        p.wait()

    def msgs(f):
        out = []
        for m in (f if isinstance(f, list) else [f]):
            if m.get("op") == "snapshot":
                continue
            m.pop("ts", None)
            out.append(m)
        return out
    first, rest = msgs(frames[0]), [m for f in frames[1:] for m in msgs(f)]
    if not rest:
        sys.exit("soak: the demo sent nothing after its first frame")
    return first, rest


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def metrics(port):
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
    except OSError:
        return {}
    vals = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            vals[k] = float(v)
    return vals


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=float, default=10e6)
    ap.add_argument("--batch", type=int, default=500, help="messages per frame")
    ap.add_argument("--spacing", type=float, default=0.025, help="seconds between frames")
    ap.add_argument("--round", type=int, default=200_000, help="messages per replay round")
    ap.add_argument("--warmup", type=float, default=1e6, help="messages before the warm-up window")
    a = ap.parse_args()
    target = int(a.messages)
    for f in (BIN, FEED):
        if not os.access(f, os.X_OK):
            sys.exit("soak: %s missing — build first: meson setup %s && ninja -C %s" % (f, BUILD, BUILD))
    work = tempfile.mkdtemp(prefix="bigscreen-soak10m.")
    procs = []
    try:
        # the layout: pages every 3 s; two versions for hot reloads
        src = open(os.path.join(ROOT, "layouts", "union-lobby-portrait.json"), encoding="utf-8").read()
        src = re.sub(r'"duration":\s*[0-9.]+', '"duration": 3', src)
        shutil.copy(os.path.join(ROOT, "layouts", "linping-stylised.geojson"), work)
        title = "基层工会线上办公率"
        if title not in src:
            sys.exit("soak: the lobby layout changed (no %s title to alternate)" % title)
        versions = [src, src.replace(title, title + "（热更新）")]
        layout = os.path.join(work, "lobby.json")

        def write_layout(i):
            tmp = layout + ".new"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(versions[i % 2])
            os.rename(tmp, layout)
        write_layout(0)

        first, rest = capture_demo()
        per_round = a.round
        lines = max(1, per_round // a.batch)
        with open(os.path.join(work, "soak.jsonl"), "w", encoding="utf-8") as f:
            f.write(json.dumps({"t": 0, "msg": first}, ensure_ascii=False) + "\n")
            k = 0
            for i in range(lines):
                batch = [rest[(k + j) % len(rest)] for j in range(a.batch)]
                k += a.batch
                f.write(json.dumps({"t": round(0.5 + i * a.spacing, 4), "msg": batch}, ensure_ascii=False) + "\n")
        round_msgs = len(first) + lines * a.batch

        fport, mport = free_port(), free_port()
        feed = subprocess.Popen([FEED, "--replay", os.path.join(work, "soak.jsonl"), "--loop", "--bind", "127.0.0.1",
                                 "--port", str(fport)], stdout=open(os.path.join(work, "feed.log"), "w"),
                                stderr=subprocess.STDOUT)
        procs.append(feed)
        if not wait_port(fport, 120):                 # it parses the whole file first
            sys.exit("soak: bigscreen-feed --replay did not listen")
        report = os.path.join(work, "report.json")
        bs = subprocess.Popen([BIN, "--headless", "--state-dir", os.path.join(work, "state"), "--report", report,
                               "--metrics", "127.0.0.1:%d" % mport, "--feed", "main=ws://127.0.0.1:%d/" % fport,
                               layout], stdout=open(os.path.join(work, "bigscreen.log"), "w"), stderr=subprocess.STDOUT)
        procs.append(bs)
        print("soak: bigscreen pid %d, %d messages, %d per frame every %.3f s (%d per replay round), "
              "pages every 3 s, a hot reload every 7 s" % (bs.pid, target, a.batch, a.spacing, round_msgs))
        print("%8s %12s %10s %8s %6s %10s %10s" % ("t_s", "messages", "rss_kb", "msg/s", "page", "text_kb", "layers_kb"))
        t0 = time.time()
        samples, pages_seen, reloads, last_msgs, last_t = [], set(), 0, 0, t0
        next_sample, next_reload, next_print = t0 + 1, t0 + 7, t0 + 10
        msgs = 0
        while bs.poll() is None:
            time.sleep(0.25)
            now = time.time()
            m = metrics(mport)
            msgs = int(m.get('bigscreen_feed_messages_total{feed="main"}', msgs))
            if "bigscreen_page" in m:
                pages_seen.add(int(m["bigscreen_page"]))
            if now >= next_reload:
                reloads += 1
                write_layout(reloads)
                next_reload += 7
            if now >= next_sample:
                r = rss_kb(bs.pid)
                if r:
                    samples.append((now - t0, msgs, r))
                next_sample += 1
            if now >= next_print and samples:
                rate = (msgs - last_msgs) / (now - last_t)
                last_msgs, last_t = msgs, now
                print("%8.1f %12d %10d %8.0f %6s %10.0f %10.0f" % (now - t0, msgs, samples[-1][2], rate,
                      m.get("bigscreen_page", "-"), m.get("bigscreen_text_cache_bytes", 0) / 1024,
                      m.get("bigscreen_layer_bytes", 0) / 1024), flush=True)
                next_print += 10
            if msgs >= target:
                break
        end_rss = rss_kb(bs.pid)
        if end_rss:
            samples.append((time.time() - t0, msgs, end_rss))
        bs.send_signal(signal.SIGTERM)
        bs.wait(timeout=60)
        elapsed = time.time() - t0
        feed.terminate()
        feed.wait()
        print()
        if bs.returncode != 0:
            print("soak: bigscreen exited with %d:" % bs.returncode)
            print(open(os.path.join(work, "bigscreen.log")).read()[-2000:])
        warm0 = next((s[0] for s in samples if s[1] >= a.warmup and s[0] >= 30), None)
        if warm0 is not None and samples and samples[-1][0] - warm0 >= 120:
            ww = [s for s in samples if warm0 <= s[0] < warm0 + 60]
            ew = [s for s in samples if s[0] > samples[-1][0] - 60]
            print("messages          %d in %.0f s (%.0f msg/s)" % (msgs, elapsed, msgs / elapsed))
            for name, w in (("warm-up", ww), ("end", ew)):
                print("RSS at %-8s   max %8d KB, min %8d KB  (%d samples, %.0f-%.0f s, messages %d-%d)" %
                      (name, max(s[2] for s in w), min(s[2] for s in w), len(w), w[0][0], w[-1][0], w[0][1], w[-1][1]))
            print("growth            %+8d KB (max to max), %+d KB (min to min)" %
                  (max(s[2] for s in ew) - max(s[2] for s in ww), min(s[2] for s in ew) - min(s[2] for s in ww)))
            print("max RSS           %8d KB" % max(s[2] for s in samples))
        else:
            print("soak: too short for the warm-up and end windows (%d messages, 30 s, then 2 minutes)" % a.warmup)
        print("hot reloads written %d, pages seen %s" % (reloads, sorted(pages_seen)))
        if os.path.exists(report):
            r = json.load(open(report))
            for f in r.get("feeds", []):
                print("feed %s: state %s, connects %d, messages %d, rejected %d, bytes %d" %
                      (f["id"], f["state"], f["connects"], f["messages"], f["rejected"], f["bytes"]))
            q, s, d = r.get("queue", {}), r.get("store", {}), r.get("render", {})
            print("queue  pushed %d, coalesced %d, dropped %d, high water %d" %
                  (q.get("pushed", 0), q.get("coalesced", 0), q.get("dropped", 0), q.get("high_water", 0)))
            print("store  topics %d, applied %d, rejected %d, bytes %d" %
                  (s.get("topics", 0), s.get("applied", 0), s.get("rejected", 0), s.get("bytes", 0)))
            print("render frames %d, painted %d, late %s, dropped %s; reloads applied %d, reload errors %d" %
                  (d.get("frames", 0), d.get("painted", 0), d.get("late"), d.get("dropped"), r.get("reloads", 0),
                   len(r.get("reload_errors", []))))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP") == "1":
            print("soak: work files kept in", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))     # run the cleanup
    main()
