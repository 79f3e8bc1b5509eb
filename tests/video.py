#!/usr/bin/env python3
"""The video widget: frames at exact times, bad input, streams that drop or never answer.

usage: video.py BIGSCREEN GOLDEN SOURCE_ROOT CASE
CASE: golden | check | corrupt | blackhole | live | drop | hls | many | lazy | rtsp | hidden | all

The test clip is made here with ffmpeg (a test-only dependency, tools/deps
--test): testsrc2 320x180, 25 fps, 4 s, x264 with one thread (the same bytes
on every run of one ffmpeg). Every run of bigscreen has a deadline: one that
does not end in time is killed and reported as a hang. Servers listen on
127.0.0.1 ports the kernel picks. Everything lives in a temporary directory.
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIGSCREEN, GOLDEN, ROOT = (os.path.abspath(a) for a in sys.argv[1:4])
CASE = sys.argv[4]
fails = 0
tmp = tempfile.mkdtemp(prefix="bs-video-")


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    fails += not ok


def run(argv, timeout, exe=None):
    """Runs bigscreen (or exe); returns (rc or 'hang', output text, seconds)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([exe or BIGSCREEN] + argv, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True, cwd=tmp)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = "hang"
        out.seek(0)
        text = out.read().decode(errors="replace")
    return rc, text, time.monotonic() - t0


def clip(name="video-clip.mp4"):
    path = os.path.join(tmp, name)
    if not os.path.exists(path):
        subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
                        "-i", "testsrc2=size=320x180:rate=25", "-t", "4", "-c:v", "libx264", "-threads", "1",
                        "-pix_fmt", "yuv420p", "-movflags", "+faststart", path], check=True)
    return path


def layout(name, widgets, fps=60):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump({"canvas": {"width": 900, "height": 300}, "fps": fps,
                   "feeds": [{"id": "main", "url": "demo:"}], "widgets": widgets}, f, ensure_ascii=False)
    return path


def video(src, i=0, **kw):
    w = {"id": "v%d" % i, "type": "video", "rect": [i * 460, 0, 440, 300], "title": "v", "src": src}
    w.update(kw)
    return w


def headless(lay, secs, deadline=None):
    """A live headless run; returns (report or None, output, seconds)."""
    rep = os.path.join(tmp, "report.json")
    if os.path.exists(rep):
        os.unlink(rep)
    rc, text, took = run(["--headless", "--run-for", str(secs), "--no-state", "--report", rep, lay],
                         deadline or secs + 15)
    r = json.load(open(rep)) if rc == 0 and os.path.exists(rep) else None
    if r is None:
        print("  bigscreen: rc=%r\n%s" % (rc, text[-2000:]))
    return r, text, took


def pace_ok(r, secs, fps=60, what=""):
    """The screen kept its frame rate. A render thread that waits on a stream
    stalls for seconds (the network timeout is 10 s): no frame may finish
    more than 0.75 s past its deadline. Frames late or dropped by a loaded
    machine (CI runs two suites at once on two cores) stay under half."""
    rd = r["render"]
    slots = rd["frames"] + rd["dropped"] + rd.get("slept", 0)   # slept: idle slots (screen_idle_slot)
    check(slots >= secs * fps * 0.8, "%sframe slots %d of %d expected" % (what, slots, secs * fps))
    worst = rd.get("worst_late_ms", 0)
    check(worst < 750, "%sno stall: the latest frame %.0f ms past its deadline" % (what, worst))
    bad = rd["late"] + rd["dropped"]
    check(bad <= slots * 0.5, "%sframe rate kept: %d late + %d dropped of %d frames"
          % (what, rd["late"], rd["dropped"], rd["frames"]))


def case_golden():
    """--at 1 and --at 3 show the clip's frames 25 and 75, each its golden; they differ."""
    clip()
    shutil.copy(os.path.join(ROOT, "tests", "golden", "video-clip.json"), tmp)
    lay = os.path.join(tmp, "video-clip.json")
    for t in ("1", "3"):
        ref = os.path.join(ROOT, "tests", "golden", "video-at%s.png" % t)
        rc, text, took = run([BIGSCREEN, lay, ref, "--at", t], 60, exe=GOLDEN)
        print("  " + text.strip().replace("\n", "\n  "))
        check(rc == 0, "golden --at %s matches video-at%s.png (%.1f s)" % (t, t, took))
    if os.environ.get("GOLDEN_UPDATE") == "1":
        return
    rc, text, _ = run([BIGSCREEN, lay, os.path.join(ROOT, "tests", "golden", "video-at3.png"), "--at", "1"], 60,
                      exe=GOLDEN)
    check(rc == 1, "the frame at 1 s is not the frame at 3 s (golden of 3 s refuses --at 1)")
    # --at past the end loops: 5 s shows the frame of 1 s
    rc, text, _ = run([BIGSCREEN, lay, os.path.join(ROOT, "tests", "golden", "video-at1.png"), "--at", "5"], 60,
                      exe=GOLDEN)
    check(rc == 0, "a looping file at --at 5 shows its frame of 1 s")


def case_check():
    """Errors known from the layout fail check with file:line:col and a clear reason."""
    clip()
    fifo = os.path.join(tmp, "fifo.mp4")
    os.mkfifo(fifo)
    open(os.path.join(tmp, "empty.mp4"), "w").close()
    os.mkdir(os.path.join(tmp, "dir.mp4"))
    bad = [
        ("missing file", {"src": "nothere.mp4"}, 'cannot find "nothere.mp4"'),
        ("ftp scheme", {"src": "ftp://127.0.0.1/a.mp4"}, 'scheme "ftp" is not one of'),
        ("file scheme", {"src": "file:///etc/passwd"}, 'scheme "file" is not one of'),
        ("no host", {"src": "rtsp:///cam"}, "URL has no host"),
        ("over-long src", {"src": "http://127.0.0.1/" + "a" * 1100}, "src"),
        ("control character", {"src": "video-clip.mp4\n"}, "control character"),
        ("fifo", {"src": "fifo.mp4"}, "not a regular file"),
        ("directory", {"src": "dir.mp4"}, "not a regular file"),
        ("empty file", {"src": "empty.mp4"}, "is empty"),
        ("missing poster", {"src": "rtsp://127.0.0.1/cam", "poster": "nothere.png"}, 'cannot find poster'),
        ("no src", {"src": None}, '"src" is required'),
        ("fit", {"src": "video-clip.mp4", "fit": "stretch"}, "fit"),
    ]
    for what, kw, want in bad:
        w = video("x")
        w.update(kw)
        if w["src"] is None:
            del w["src"]
        lay = layout("bad.json", [w])
        rc, text, took = run(["check", lay], 10)
        first = text.strip().split("\n")[0]
        check(rc == 1 and first.startswith(lay + ":") and want in first and took < 5,
              "%s: check fails with %s (%s)" % (what, want, first[:140]))
        key = ([k for k in kw if k != "src"] or ["src"])[0]
        if kw.get(key) is not None:       # reported at the value it is about, not at the widget
            body = open(lay).read()
            at = body.index(json.dumps(kw[key], ensure_ascii=False))
            pos = "%s:%d:%d:" % (lay, 1, len(body[:at]) + 1)     # one line; a column counts code points
            check(first.startswith(pos), "%s: reported at %s (%s)" % (what, pos, first[:140]))
    rc, text, _ = run(["check", layout("good.json", [video("video-clip.mp4"), video("rtsp://127.0.0.1/cam", 1)])], 10)
    check(rc == 0, "a file and an rtsp URL pass check (%s)" % text.strip()[:120])


def case_corrupt():
    """Random bytes: check cannot know; the snapshot and the live screen draw 无法播放 and count it."""
    with open(os.path.join(tmp, "corrupt.mp4"), "wb") as f:
        f.write(os.urandom(200000))
    lay = layout("corrupt.json", [video("corrupt.mp4")])
    rc, text, took = run(["--snapshot", os.path.join(tmp, "c.png"), lay], 30)
    check(rc == 0 and "corrupt.mp4" in text and took < 15, "snapshot of a corrupt file: drawn error, exit 0 (%s)"
          % text.strip().split("\n")[0][:120])
    r, text, took = headless(lay, 3)
    if not r:
        check(False, "headless run with a corrupt file")
        return
    t = r["widgets"][0]["text"]
    check(" error " in t, "the widget shows the error state (%s)" % t)
    check(r["videos"]["errors"] >= 1 and r["videos"]["frames"] == 0, "counted: %r" % r["videos"])
    pace_ok(r, 3)
    # and in the health metrics
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    p = subprocess.Popen([BIGSCREEN, "--headless", "--run-for", "6", "--no-state", "--metrics", "127.0.0.1:%d" % port,
                          lay], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
    body = ""
    import urllib.request
    for _ in range(50):
        time.sleep(0.1)
        try:
            body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=2).read().decode()
            if "bigscreen_video_errors_total 0" not in body:
                break
        except OSError:
            pass
    p.terminate()
    p.wait(timeout=15)
    line = [l for l in body.split("\n") if l.startswith("bigscreen_video_errors_total")]
    check(line and int(line[0].split()[1]) >= 1, "--metrics counts it: %s" % (line or "no bigscreen_video_errors_total"))


def blackhole_server():
    """A listener that accepts and never says anything."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    held = []

    def serve():
        while True:
            try:
                c, _ = s.accept()
                held.append(c)
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    return s, held


def case_blackhole():
    """Streams to a port that never answers: connecting shown, the frame rate kept, a prompt exit."""
    s, held = blackhole_server()
    port = s.getsockname()[1]
    lay = layout("hole.json", [video("http://127.0.0.1:%d/live/index.m3u8" % port),
                               video("rtsp://127.0.0.1:%d/cam" % port, 1)])
    r, text, took = headless(lay, 4)
    if not r:
        check(False, "headless run with black-hole streams")
        return
    texts = [w["text"] for w in r["widgets"]]
    check(all(" opening " in t for t in texts), "both show 连接中 (%s)" % texts)
    check(len(held) >= 2, "both connected to the black hole (%d connections)" % len(held))
    pace_ok(r, 4)
    check(took < 4 + 5, "the screen quits promptly with streams hanging (%.1f s for a 4 s run)" % took)
    s.close()


def case_live():
    """A file plays at its frame rate; the screen repaints only the video's rect."""
    clip()
    lay = layout("live.json", [video("video-clip.mp4"),
                               {"id": "t", "type": "title", "rect": [460, 0, 440, 300], "title": "静止"}])
    r, text, took = headless(lay, 3)
    if not r:
        check(False, "headless run with a playing file")
        return
    t = r["widgets"][0]["text"]
    n = int(t.split("frames=")[1].split()[0]) if "frames=" in t else 0
    check(" playing " in t and n >= 40, "the clip plays: %d frames in 3 s at 25 fps (%s)" % (n, t))
    rd = r["render"]
    area = 440 * 300
    per = rd["pixels"] / max(1, rd["painted"])
    # the first paint is the whole screen (900x300); every other one the video's rect at most
    check(rd["pixels"] <= 900 * 300 + (rd["painted"] - 1) * area * 1.05,
          "damage stays in the video's rect: %.0f px per paint (rect %d px, screen %d)" % (per, area, 900 * 300))
    # the first paint draws both; then the video once a paint (a frame and a
    # state change may come in the same paint or not): a title drawn with
    # it would make about two draws a paint
    check(rd["widgets_drawn"] <= rd["painted"] * 1.1 + 3,
          "only the video is redrawn: %d draws in %d paints" % (rd["widgets_drawn"], rd["painted"]))
    pace_ok(r, 3)
    # on a page that is not on screen, a file pauses and nothing is rendered
    path = os.path.join(tmp, "pages.json")
    with open(path, "w") as f:
        json.dump({"canvas": {"width": 900, "height": 300}, "fps": 60, "feeds": [{"id": "main", "url": "demo:"}],
                   "pages": [{"name": "a", "duration": 10, "widgets": [
                                 {"id": "t", "type": "title", "rect": [0, 0, 900, 300], "title": "a"}]},
                             {"name": "b", "duration": 10, "widgets": [video("video-clip.mp4")]}]},
                  f, ensure_ascii=False)
    rep = os.path.join(tmp, "report.json")
    rc, text, took = run(["--headless", "--run-for", "3", "--no-state", "--page", "a", "--report", rep, path], 20)
    r = json.load(open(rep)) if rc == 0 else None
    if r:
        t = [w["text"] for w in r["widgets"] if w["type"] == "video"][0]
        check(r["videos"]["frames"] <= 2, "a video on a page not shown renders nothing after its first frame "
              "(%d frames; %s)" % (r["videos"]["frames"], t))
    else:
        check(False, "headless run with a hidden video (rc %r: %s)" % (rc, text[-400:]))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def http_server(port=0):
    handler = lambda *a, **kw: Quiet(*a, directory=tmp, **kw)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.allow_reuse_address = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def case_drop():
    """A stream that ends and whose server goes away: 信号中断 over the last frame, retries, and back."""
    clip()
    srv = http_server()
    port = srv.server_address[1]
    lay = layout("drop.json", [video("http://127.0.0.1:%d/video-clip.mp4" % port)])
    # the server goes at 1.5 s; the clip ends at 4 s: down, retried, still down at 7 s
    threading.Timer(1.5, lambda: (srv.shutdown(), srv.server_close())).start()
    r, text, took = headless(lay, 7)
    if r:
        t = r["widgets"][0]["text"]
        check(" lost " in t, "a dropped stream shows 信号中断 (%s)" % t)
        check(r["videos"]["drops"] >= 1 and r["videos"]["retries"] >= 1, "drops and retries counted: %r"
              % r["videos"])
        pace_ok(r, 7)
    else:
        check(False, "headless run with a dropping stream")
    # the server comes back: the screen reconnects by itself
    srv = http_server()
    port = srv.server_address[1]
    lay = layout("drop2.json", [video("http://127.0.0.1:%d/video-clip.mp4" % port)])
    def bounce():
        srv.shutdown()
        srv.server_close()
        time.sleep(4.5)
        globals()["srv2"] = http_server(port)
    threading.Timer(1.5, bounce).start()
    r, text, took = headless(lay, 13)
    if r:
        t = r["widgets"][0]["text"]
        check(" playing " in t and r["videos"]["drops"] >= 1 and r["videos"]["retries"] >= 2,
              "back to playing after the server returns (%s; %r)" % (t, r["videos"]))
    else:
        check(False, "headless run with a returning stream")
    if "srv2" in globals():
        globals()["srv2"].shutdown()


def case_many():
    """Ten videos at once: eight decoders run, two show the cap's error; the frame rate holds."""
    clip()
    ws = [{"id": "v%d" % i, "type": "video", "rect": [(i % 5) * 180, (i // 5) * 150, 170, 140],
           "src": "video-clip.mp4", "frame": False} for i in range(10)]
    r, text, took = headless(layout("many.json", ws), 3)
    if not r:
        check(False, "headless run with ten videos")
        return
    texts = [w["text"] for w in r["widgets"]]
    playing = sum(" playing " in t for t in texts)
    capped = sum("同时播放的视频过多" in t for t in texts)
    check(playing == 8 and capped == 2, "8 play, 2 wait under the cap (%d, %d: %s)" % (playing, capped, texts[-1]))
    check(r["videos"]["playing"] == 8, "8 decoders counted (%r)" % r["videos"])
    # eight decoders on a 2-core box shared with other work take the CPU the
    # render thread needs, so late frames here measure the machine: only the
    # run itself must stand (the single-video cases check the frame rate)
    rd = r["render"]
    check(rd["frames"] + rd["dropped"] + rd.get("slept", 0) >= 3 * 60 * 0.8, "the screen ran its 3 s (%d frames, %d dropped, %d late)"
          % (rd["frames"], rd["dropped"], rd["late"]))


def case_hls():
    """HLS over http: a playlist of 1 s segments made with ffmpeg plays."""
    clip()
    hls = os.path.join(tmp, "hls")
    os.mkdir(hls)
    subprocess.run(["ffmpeg", "-y", "-hide_banner", "-loglevel", "error", "-i", os.path.join(tmp, "video-clip.mp4"),
                    "-c", "copy", "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
                    "-hls_playlist_type", "vod", os.path.join(hls, "index.m3u8")], check=True)
    srv = http_server()
    lay = layout("hls.json", [video("http://127.0.0.1:%d/hls/index.m3u8" % srv.server_address[1])])
    r, text, took = headless(lay, 3)
    srv.shutdown()
    if not r:
        check(False, "headless run with an HLS stream")
        return
    t = r["widgets"][0]["text"]
    n = int(t.split("frames=")[1].split()[0]) if "frames=" in t else 0
    check(" playing " in t and n >= 25, "the HLS stream plays (%d frames in 3 s; %s)" % (n, t))
    pace_ok(r, 3)


def mapped_libmpv(lay, at=2.5, secs=4):
    """A live headless run of lay: whether libmpv is in the process's maps at `at` s."""
    p = subprocess.Popen([BIGSCREEN, "--headless", "--run-for", str(secs), "--no-state", lay],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp)
    try:
        time.sleep(at)
        with open("/proc/%d/maps" % p.pid) as f:
            maps = f.read()
        rc = p.wait(timeout=secs + 15)
    except (OSError, subprocess.TimeoutExpired):
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        maps, rc = "", "hang"
    check(rc == 0, "headless run of %s ends (rc=%r)" % (os.path.basename(lay), rc))
    return "libmpv.so" in maps


def case_lazy():
    """libmpv (and ffmpeg under it) is loaded only when a video starts: not by a layout without one."""
    clip()
    still = layout("still.json", [{"id": "t", "type": "title", "rect": [0, 0, 900, 300], "title": "静止"}])
    check(not mapped_libmpv(still), "a layout without a video does not map libmpv")
    lay = layout("lazy.json", [video("video-clip.mp4")])
    check(mapped_libmpv(lay), "a playing video maps libmpv")
    # a libmpv that does not load (here: not an ELF file first in the path) is
    # the widget's drawn error state with the reason, counted; the run goes on
    bad = os.path.join(tmp, "nolib")
    os.makedirs(bad, exist_ok=True)
    open(os.path.join(bad, "libmpv.so.2"), "w").write("not a library\n")
    env = dict(os.environ, LD_LIBRARY_PATH=bad)
    rep = os.path.join(tmp, "nolib.json")
    p = subprocess.run([BIGSCREEN, "--headless", "--run-for", "2", "--no-state", "--report", rep, lay],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp, env=env, timeout=30)
    out = p.stdout.decode(errors="replace")
    r = json.load(open(rep)) if p.returncode == 0 and os.path.exists(rep) else None
    t = r["widgets"][0]["text"] if r else ""
    check(r is not None and " error " in t and "libmpv not available: " in t,
          "no libmpv: the error state with the reason (rc=%d, %s)" % (p.returncode, t))
    check(out.count("libmpv not available") == 1, "no libmpv: logged once (%d)" % out.count("libmpv not available"))


class RtspServer:
    """A small RTSP server on 127.0.0.1 for one stream, RTP interleaved over
    the RTSP connection (what the widget asks for: rtsp-transport tcp). The
    pictures come from an ffmpeg that encodes testsrc2 live (a keyframe a
    second) to RTP on a local UDP port; the server relays each RTP packet to
    every playing client as "$", channel 0, length, packet. stop() closes the
    listener and every client: a camera that went away."""

    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp.settimeout(0.2)
        sdp = os.path.join(tmp, "rtsp-%d.sdp" % self.port)
        self.ff = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
                                    "-i", "testsrc2=size=320x180:rate=25", "-c:v", "libx264", "-preset", "ultrafast",
                                    "-tune", "zerolatency", "-g", "25", "-threads", "1", "-pix_fmt", "yuv420p",
                                    "-f", "rtp", "-sdp_file", sdp,
                                    "rtp://127.0.0.1:%d?pkt_size=1200" % self.rtp.getsockname()[1]],
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            if os.path.exists(sdp) and os.path.getsize(sdp) > 0:
                break
            time.sleep(0.05)
        lines = [ln for ln in open(sdp).read().splitlines() if ln.strip() and not ln.startswith("SDP:")]
        out = []
        for ln in lines:
            if ln.startswith("m=video"):
                ln = "m=video 0 RTP/AVP " + ln.split()[-1]
            out.append(ln)
            if ln.startswith("m=video"):
                out.append("a=control:track0")
        self.sdp = "\r\n".join(out) + "\r\n"
        self.clients, self.playing, self.requests, self.live = [], [], [], True
        threading.Thread(target=self.accept, daemon=True).start()
        threading.Thread(target=self.relay, daemon=True).start()

    def accept(self):
        while self.live:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.clients.append(c)
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        buf = b""
        while self.live:
            try:
                data = c.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                head, buf = buf.split(b"\r\n\r\n", 1)
                lines = head.decode(errors="replace").split("\r\n")
                method, url = (lines[0].split() + ["", ""])[:2]
                hdr = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
                n = int(hdr.get("content-length", "0") or 0)
                buf = buf[n:]
                self.requests.append(method)
                extra, body = "", ""
                if method == "OPTIONS":
                    extra = "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n"
                elif method == "DESCRIBE":
                    body = self.sdp
                    extra = "Content-Base: %s/\r\nContent-Type: application/sdp\r\n" % url.rstrip("/")
                elif method == "SETUP":
                    extra = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4711;timeout=60\r\n"
                elif method in ("PLAY", "GET_PARAMETER", "TEARDOWN"):
                    extra = "Session: 4711\r\n"
                msg = "RTSP/1.0 200 OK\r\nCSeq: %s\r\n%sContent-Length: %d\r\n\r\n%s" % (
                    hdr.get("cseq", "0"), extra, len(body.encode()), body)
                try:
                    c.sendall(msg.encode())
                except OSError:
                    return
                if method == "PLAY":
                    self.playing.append(c)

    def relay(self):
        while self.live:
            try:
                pkt = self.rtp.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            for c in list(self.playing):
                try:
                    c.sendall(b"$\x00" + len(pkt).to_bytes(2, "big") + pkt)
                except OSError:
                    self.playing.remove(c)

    def stop(self):
        self.live = False
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)   # wakes the accept(): no more connections
        except OSError:
            pass
        for c in self.clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        self.lsock.close()
        self.rtp.close()
        os.killpg(self.ff.pid, signal.SIGKILL)
        self.ff.wait()


def case_rtsp():
    """A camera over RTSP plays; when it goes away: 信号中断 over the last frame, counted, retried.
    (The picture mpv drew after the stream ended once made the widget say 播放中 again, with its
    retries reset, until the 12 s stall check: a dead camera shown as live.)"""
    srv = RtspServer()
    try:
        lay = layout("rtsp.json", [video("rtsp://127.0.0.1:%d/cam" % srv.port)])
        r, text, took = headless(lay, 4)
        if r:
            t = r["widgets"][0]["text"]
            n = int(t.split("frames=")[1].split()[0]) if "frames=" in t else 0
            check(" playing " in t and n >= 25, "the RTSP camera plays (%d frames in 4 s; %s; the server saw %s)"
                  % (n, t, "/".join(dict.fromkeys(srv.requests))))
            pace_ok(r, 4)
        else:
            check(False, "headless run with an RTSP camera")
        # the same camera goes away 3 s into a 6 s run
        threading.Timer(3.0, srv.stop).start()
        r, text, took = headless(lay, 6)
        if r:
            t = r["widgets"][0]["text"]
            check(" lost " in t or " opening " in t, "the camera that went away shows 信号中断 or reconnects (%s)" % t)
            check(r["videos"]["drops"] >= 1 and r["videos"]["retries"] >= 1, "the drop is counted and retried (%r)"
                  % r["videos"])
            pace_ok(r, 6)
        else:
            check(False, "headless run with an RTSP camera that goes away")
    finally:
        if srv.live:
            srv.stop()


def pages_layout(name, first, second, video_on, **kw):
    """Two pages of `first` and `second` seconds; the video on page `video_on` (0 or 1), a title on the other."""
    pages = []
    for i, dur in enumerate((first, second)):
        w = video("video-clip.mp4", **kw) if i == video_on else \
            {"id": "t%d" % i, "type": "title", "rect": [0, 0, 900, 300], "title": "页 %d" % i}
        pages.append({"name": "p%d" % i, "duration": dur, "widgets": [w]})
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump({"canvas": {"width": 900, "height": 300}, "fps": 60, "transition": 0.2,
                   "feeds": [{"id": "main", "url": "demo:"}], "pages": pages}, f, ensure_ascii=False)
    return path


def case_hidden():
    """A video's decoder starts on the first visit of its page, not at load; it stops when the page is off
    screen for longer than hidden_stop, and starts again when the page returns."""
    clip()
    # the page with the video is never shown: no decoder, libmpv never loaded, nothing rendered
    lay = pages_layout("hidden.json", 10, 10, 1)
    p = subprocess.Popen([BIGSCREEN, "--headless", "--run-for", "3", "--no-state", "--page", "p0",
                          "--report", os.path.join(tmp, "hidden-report.json"), lay],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=tmp)
    try:
        time.sleep(2.5)
        with open("/proc/%d/maps" % p.pid) as f:
            maps = f.read()
        rc = p.wait(timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        maps, rc = "", "hang"
    r = json.load(open(os.path.join(tmp, "hidden-report.json"))) if rc == 0 else None
    check(r is not None, "headless run with the video's page never shown (rc=%r)" % rc)
    if r:
        t = [w["text"] for w in r["widgets"] if w["type"] == "video"][0]
        check(r["videos"].get("starts", -1) == 0 and r["videos"]["playing"] == 0 and r["videos"]["frames"] == 0,
              "no decoder started for a page not shown (%r)" % r["videos"])
        check(" idle " in t, "the hidden video stays idle (%s)" % t)
    check("libmpv.so" not in maps, "a video on a page never shown does not map libmpv")
    # the carousel: shown 0-1.5 s, hidden 1.5-3.5 s (stopped 0.5 s in), shown again 3.5-5 s, hidden after
    lay = pages_layout("carousel.json", 1.5, 2, 0, hidden_stop=0.5)
    r, text, took = headless(lay, 6.5)
    if not r:
        check(False, "headless run of a carousel with a video")
        return
    vo = r["videos"]
    check(vo.get("starts", 0) >= 2, "the decoder starts on each visit of the page (%r)" % vo)
    check(vo.get("stops", 0) >= 2, "the decoder stops while the page is off screen (%r)" % vo)
    check(vo["playing"] == 0, "no decoder runs at the end, the page being off screen (%r)" % vo)
    check(vo["frames"] >= 10, "the video played while shown (%r)" % vo)
    # hidden_stop is checked
    rc, text, _ = run(["check", pages_layout("bad-stop.json", 1, 1, 0, hidden_stop=-1)], 30)
    check(rc != 0 and "hidden_stop" in text, "a negative hidden_stop fails check (rc=%r: %s)" % (rc, text.strip()[-200:]))


CASES = {"golden": case_golden, "check": case_check, "corrupt": case_corrupt, "blackhole": case_blackhole,
         "live": case_live, "drop": case_drop,
         "hls": case_hls, "many": case_many, "lazy": case_lazy, "rtsp": case_rtsp, "hidden": case_hidden}
try:
    if shutil.which("ffmpeg") is None and CASE in ("golden", "check", "live", "drop", "hls", "many", "lazy", "rtsp", "hidden", "all"):
        print("SKIP ffmpeg is not installed (tools/deps --test)")
        sys.exit(77)
    for name, fn in CASES.items():
        if CASE in (name, "all"):
            fn()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
