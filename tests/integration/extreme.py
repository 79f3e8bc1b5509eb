#!/usr/bin/env python3
"""Every shipped layout, every page, with extreme numbers: live and from saved state.

usage: extreme.py BIGSCREEN BIGSCREEN_FEED SOURCE_ROOT [LAYOUT...]

One extreme number used to freeze the render loop for good (an axis loop
whose `t += step` was absorbed, a maximum that overflowed to inf, cairo_arc
with NaN): no more frames, CPU at 100 %, --run-for and SIGTERM ignored, and,
since the value is saved, again at every boot. For each layout of layouts/
(or those named) and each of its pages:

  live:  bigscreen-feed --replay sends every bound topic, round after round,
         ±1.7e308, -9.1e15, 1e300, -0, denormals, objects and item arrays of
         equal huge values (NaN-producing sums), 1000-item arrays, plain and
         as history ("append"); bigscreen --headless --run-for must end in
         time, with frames drawn and a report written;
  state: a state file (--state-dir) holding such values is loaded at boot;
         the screen must keep drawing and end on SIGTERM (or --run-for).

Every run is bounded by a timeout and killed if it hangs; 127.0.0.1 only,
free ports from the kernel.
"""
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIGSCREEN, FEED, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
LAYOUTS = sys.argv[4:] or sorted(p for p in glob.glob(os.path.join(ROOT, "layouts", "*.json"))
                                 if not p.endswith("schema.json"))
WALL0 = 1795573800000
RUN_FOR = 3.0
GRACE = 12.0          # seconds over run-for before a run counts as hung
# A frozen loop ends never, not with few frames; a loaded machine (8 test
# runs on 2 cores) can spend a second on start-up, so the floor only says
# the loop went on past its first frame with the values on screen.
MIN_FRAMES = 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metric_frames(port):
    """bigscreen_frames_total from the screen's --metrics, or 0 while there is none."""
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5) as c:
            c.settimeout(1.0)
            c.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            data = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
    except OSError:
        return 0
    m = re.search(rb"^bigscreen_frames_total (\d+)", data, re.M)
    return int(m.group(1)) if m else 0


def wait_port(port, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("feed server on port %d never listened" % port)


def topics_of(path):
    text = open(path, encoding="utf-8").read()
    t = set(re.findall(r'"bind"\s*:\s*"([^"]+)"', text))
    t |= set(re.findall(r'"topic"\s*:\s*"([^"]+)"', text))
    return sorted(t)


def pages_of(path):
    out = subprocess.run([BIGSCREEN, "check", path], capture_output=True, text=True, timeout=30)
    m = re.search(r"(\d+) pages", out.stdout)
    assert out.returncode == 0 and m, "check %s: %s%s" % (path, out.stdout, out.stderr)
    return int(m.group(1))


def towns():
    gj = json.load(open(os.path.join(ROOT, "layouts", "linping-stylised.geojson"), encoding="utf-8"))
    return [f["properties"]["name"] for f in gj["features"]]


HUGE, TINY = 1.7e308, 5e-324


def items(vals):
    return [{"name": "第%d名" % i, "value": v, "label": "x%d" % i} for i, v in enumerate(vals)]


def values():
    """The extreme values, as JSON texts (so -0 and 1e300 go out as written)."""
    t = towns()
    v = ["1.7e308", "-1.7e308", "-9.1e15", "1e300", "-1e300", "-0", "5e-324", "-5e-324", "2.2250738585072014e-308",
         "9007199254740993", '"1e308"',
         json.dumps({"a": 1e308, "b": 1e308}), json.dumps({"a": -1e308, "b": 1e308}),
         json.dumps({n: HUGE for n in t}), json.dumps({n: (HUGE if i % 2 else -HUGE) for i, n in enumerate(t)}),
         json.dumps({n: TINY for n in t}),
         json.dumps(items([1e308, 1e308, 1e308])), json.dumps(items([HUGE, -HUGE, 0, TINY])),
         json.dumps(items([-9.1e15] * 5)), json.dumps([HUGE, -HUGE, HUGE]), json.dumps([-9.1e15, -9.1e15]),
         json.dumps(items([1e300 * (1 if i % 2 else -1) for i in range(1000)])),
         json.dumps({"k%d" % i: 1e308 for i in range(1000)}),
         json.dumps(["1.7e308 " * 40] * 20)]
    return v


def messages(topic, value_text, op="set", ts=WALL0):
    return '{"op":"%s","topic":%s,"value":%s,"ts":%d}' % (op, json.dumps(topic), value_text, ts)


class Run:
    """A bigscreen child; stop() says how it ended."""

    def __init__(self, argv, log):
        self.log = open(log, "w")
        self.argv = argv
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()
        self.log.close()


def check_report(rep, what, min_frames):
    assert os.path.exists(rep), "%s: no report written (%s)" % (what, rep)
    r = json.load(open(rep, encoding="utf-8"))
    frames = r["render"]["frames"] + r["render"].get("slept", 0)   # run, or slept through idle
    assert frames >= min_frames, "%s: only %d frames drawn (want >= %d)" % (what, frames, min_frames)
    for w in r["widgets"]:
        for row in w.get("rows", []):
            assert len(row) <= 400, "%s: widget %s shows a %d-character row: %.80s…" % (what, w["id"], len(row), row)
    return r


def live(tmp, layout, page, tops):
    port = free_port()
    replay = os.path.join(tmp, "replay.jsonl")
    vals = values()
    with open(replay, "w", encoding="utf-8") as f:
        for k, v in enumerate(vals):
            t = 0.3 + k * 0.08
            for tp in tops:                  # a frame per topic: 1000-item values stay under the frame cap
                frame = [messages(tp, v, "set", WALL0 + k), messages(tp, v, "append", WALL0 + k)]
                f.write('{"t": %.2f, "msg": [%s]}\n' % (t, ",".join(frame)))
    fs = subprocess.Popen([FEED, "--port", str(port), "--bind", "127.0.0.1", "--replay", replay],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        rep = os.path.join(tmp, "live.json")
        argv = [BIGSCREEN, "--headless", "--run-for", str(RUN_FOR), "--state-dir", os.path.join(tmp, "state"),
                "--feed", "main=ws://127.0.0.1:%d/" % port, "--report", rep, layout]
        if page:
            argv[1:1] = ["--page", str(page)]
        what = "%s page %s live" % (os.path.basename(layout), page or "-")
        r = Run(argv, os.path.join(tmp, "live.log"))
        rc = r.wait(RUN_FOR + GRACE)
        r.close()
        log = open(os.path.join(tmp, "live.log"), encoding="utf-8", errors="replace").read()[-2000:]
        assert rc is not None, "%s: still running %.0f s after --run-for %.0f: the render loop hung\n%s" % (
            what, GRACE, RUN_FOR, log)
        assert rc == 0, "%s: exit status %d\n%s" % (what, rc, log)
        rep = check_report(rep, what, MIN_FRAMES)
        assert rep["feeds"][0]["messages"] > 0, "%s: the feed delivered nothing\n%s" % (what, log)
        print("ok  %s (%d frames, %d messages)" % (what, rep["render"]["frames"], rep["feeds"][0]["messages"]))
    finally:
        fs.terminate()
        try:
            fs.wait(5)
        except subprocess.TimeoutExpired:
            fs.kill()
            fs.wait()


def from_state(tmp, layout, page, tops, k, v, by_signal):
    """Boots with every topic holding value v (history too) in the state file."""
    state = os.path.join(tmp, "state")
    os.makedirs(state, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(layout)[:-len(".json")])
    frame = [messages(tp, v, "append", WALL0 - 5000) for tp in tops]
    frame += [messages(tp, v, "append", WALL0 - 4000) for tp in tops]
    frame += [messages(tp, v, "set", WALL0 - 3000) for tp in tops]
    with open(os.path.join(state, name + ".state.json"), "w", encoding="utf-8") as f:
        f.write("[" + ",\n".join(frame) + "]\n")
    rep = os.path.join(tmp, "state-%d.json" % k)
    run_for = 60 if by_signal else 2.5
    argv = [BIGSCREEN, "--headless", "--run-for", str(run_for), "--state-dir", state,
            "--feed", "main=ws://127.0.0.1:%d/" % free_port(), "--report", rep, layout]
    mport = free_port()
    if by_signal:
        argv[1:1] = ["--metrics", str(mport)]
    if page:
        argv[1:1] = ["--page", str(page)]
    what = "%s page %s from state %.60s" % (os.path.basename(layout), page or "-", v)
    log = os.path.join(tmp, "state-%d.log" % k)
    r = Run(argv, log)
    if by_signal:
        # 2.5 s on screen, and then until the loop has counted a few frames
        # (under the sanitizers on a loaded machine start-up alone can take
        # that long); a frozen loop never gets there and fails on its frames
        time.sleep(2.5)
        end = time.monotonic() + 20
        while time.monotonic() < end and metric_frames(mport) < MIN_FRAMES + 3:
            time.sleep(0.25)
        r.p.send_signal(signal.SIGTERM)
        rc = r.wait(GRACE)
        how = "SIGTERM"
    else:
        rc = r.wait(run_for + GRACE)
        how = "--run-for %.1f" % run_for
    r.close()
    text = open(log, encoding="utf-8", errors="replace").read()[-2000:]
    assert rc is not None, "%s: did not end %.0f s after %s: the render loop hung\n%s" % (what, GRACE, how, text)
    assert rc == 0, "%s: exit status %d after %s\n%s" % (what, rc, how, text)
    r = check_report(rep, what, MIN_FRAMES)
    assert r["state_loaded"] > 0, "%s: nothing loaded from the state file\n%s" % (what, text)
    print("ok  %s: ended on %s (%d frames)" % (what, how, r["render"]["frames"]))


def main():
    failures = []
    for layout in LAYOUTS:
        tops = topics_of(layout)
        n = pages_of(layout)
        for page in (range(1, n + 1) if n else [None]):
            tmp = tempfile.mkdtemp(prefix="bs-extreme-")
            try:
                try:
                    live(tmp, layout, page, tops)
                except AssertionError as e:
                    failures.append(str(e))
                    print("FAIL", e)
                # the worst offenders, one boot each, half of them ended by SIGTERM
                for k, v in enumerate(["1.7e308", "-9.1e15", json.dumps({"a": 1e308, "b": 1e308}),
                                       json.dumps(items([HUGE, HUGE, -HUGE]))]):
                    try:
                        from_state(tmp, layout, page, tops, k, v, by_signal=k % 2 == 1)
                    except AssertionError as e:
                        failures.append(str(e))
                        print("FAIL", e)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("\n%d failure(s)" % len(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
