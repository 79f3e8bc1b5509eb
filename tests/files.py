#!/usr/bin/env python3
"""Hostile files: non-regular inputs, image memory, the state file on disk.

usage: files.py BIGSCREEN SOURCE_ROOT CASE
CASE: fifo-check | fifo-image | fifo-reload | fifo-state | image-svg | image-shared |
      image-budget | state-symlink | state-bad | state-unreadable | all

Every run of bigscreen has a deadline: a run that does not end in time is
killed and reported as a hang, so a test that used to hang fails instead of
stalling the suite. Peak memory is the child's ru_maxrss (resource module).
Everything lives in a temporary directory removed at the end.
"""
import glob
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import time
import zlib

BIGSCREEN, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
HALL = os.path.join(ROOT, "layouts", "union-hall.json")
GEOJSON = os.path.join(ROOT, "layouts", "linping-stylised.geojson")
INSET = os.path.join(ROOT, "layouts", "hangzhou-stylised.geojson")     # the map's inset
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    fails += not ok


def run(argv, timeout, env=None, preexec=None):
    """Runs bigscreen; returns (rc or 'hang', output text, its own peak RSS MiB, seconds)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([BIGSCREEN] + argv, stdout=out, stderr=subprocess.STDOUT, env=env,
                             preexec_fn=preexec, start_new_session=True)
        rc, ru = "hang", None
        while time.monotonic() - t0 < timeout:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.02)
        if rc == "hang":
            os.killpg(p.pid, signal.SIGKILL)
            _, _, ru = os.wait4(p.pid, 0)
        p.returncode = 0            # reaped here; keep Popen from waiting again
        out.seek(0)
        text = out.read().decode(errors="replace")
    run.cpu = ru.ru_utime + ru.ru_stime     # the CPU seconds of the last run: load does not change them
    return rc, text, ru.ru_maxrss / 1024.0, time.monotonic() - t0


def png(path, w, h):
    """Writes a w x h 8-bit grey PNG of zeros (small on disk, big decoded)."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    z = zlib.compressobj(9)
    row = b"\0" * (w + 1)
    parts = []
    for _ in range(h):
        parts.append(z.compress(row))
    parts.append(z.flush())
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b""))


def image_layout(path, files, svg=False):
    ws = []
    for i, f in enumerate(files):
        ws.append({"id": "img%d" % i, "type": "image", "rect": [(i % 4) * 240, (i // 4) * 180, 230, 170],
                   "file": f})
    with open(path, "w") as f:
        json.dump({"canvas": {"width": 960, "height": 540}, "widgets": ws}, f)


def state_name(tmp, layout="hall.json"):
    return os.path.join(tmp, "state", layout[:-5] + ".state.json")


def valid_state(path):
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with open(path) as f:
            j = json.load(f)
        return isinstance(j, list) and len(j) > 0
    except (OSError, ValueError):
        return False


def asides(tmp, base="hall.state.json"):
    d = os.path.join(tmp, "state")
    return sorted(n for n in os.listdir(d) if n.startswith(base + ".bad-"))


# ---- item 5: non-regular files ---------------------------------------------

def case_fifo_check(tmp):
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    rc, log, _, sec = run(["check", fifo], 10)
    check(rc == 2 and "regular" in log, "check FIFO-as-layout: exit 2 with a clear error in %.1f s (rc %s: %s)"
          % (sec, rc, log.strip()[:120]))
    for dev in ["/dev/zero", tmp]:
        rc, log, _, sec = run(["check", dev], 10)
        check(rc == 2 and "regular" in log, "check %s as layout: exit 2, not a regular file (rc %s: %s)"
              % ("a device" if dev.startswith("/dev") else "a directory", rc, log.strip()[:120]))
    # a map whose GeoJSON is a FIFO
    gj = os.path.join(tmp, "towns.geojson")
    os.mkfifo(gj)
    with open(os.path.join(tmp, "map.json"), "w") as f:
        json.dump({"canvas": {"width": 800, "height": 600}, "widgets": [
            {"id": "m", "type": "map", "rect": [0, 0, 800, 600], "geojson": "towns.geojson",
             "bind": "towns"}]}, f)
    rc, log, _, sec = run(["check", os.path.join(tmp, "map.json")], 10)
    check(rc == 1 and "regular" in log, "check with a FIFO as GeoJSON: exit 1, clear error in %.1f s (rc %s: %s)"
          % (sec, rc, log.strip()[:160]))
    rc, log, _, sec = run(["--headless", "--run-for", "1", "--no-state", os.path.join(tmp, "map.json")], 10)
    check(rc == 1 and "regular" in log, "boot with a FIFO as GeoJSON: refused in %.1f s (rc %s)" % (sec, rc))


def case_fifo_image(tmp):
    for ext in ["png", "svg"]:
        im = os.path.join(tmp, "fifo." + ext)
        os.mkfifo(im)
        image_layout(os.path.join(tmp, "im.json"), ["fifo." + ext])
        rc, log, _, sec = run(["check", os.path.join(tmp, "im.json")], 10)
        check(rc == 1 and "regular" in log, "check with a FIFO as %s image: exit 1, clear error (rc %s: %s)"
              % (ext.upper(), rc, log.strip()[:160]))


def case_fifo_reload(tmp):
    lay = os.path.join(tmp, "hall.json")
    shutil.copy(HALL, lay)
    shutil.copy(GEOJSON, tmp)
    shutil.copy(INSET, tmp)

    def replace_by_fifo():
        f = os.path.join(tmp, ".hall.fifo")
        os.mkfifo(f)
        os.rename(f, lay)

    def good_edit(title):
        text = open(HALL, encoding="utf-8").read().replace("临平区总工会 · 智慧工会数据大屏", title)
        with open(lay + ".new", "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(lay + ".new", lay)

    # 1. the reload thread is not stuck: a later good edit still shows
    rep = os.path.join(tmp, "r.json")
    p = subprocess.Popen([BIGSCREEN, "--headless", "--run-for", "6", "--no-state", "--report", rep, lay],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    time.sleep(1.5)
    replace_by_fifo()
    time.sleep(1.5)
    good_edit("临平区总工会 · FIFO 之后")
    try:
        _, err = p.communicate(timeout=15)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        rc = "hang"
    err = err.decode(errors="replace")
    check(rc == 0, "run with the layout replaced by a FIFO ends on time (rc %s)" % rc)
    try:
        r = json.load(open(rep))
    except (OSError, ValueError):
        r = {"widgets": [], "reload_errors": [], "reloads": 0}
    title = [w for w in r["widgets"] if w["id"] == "title"]
    check(title and "FIFO 之后" in title[0]["text"], "a good edit after the FIFO is applied (%s)" %
          (title[0]["text"] if title else "no report"))
    check(any("regular" in e for e in r.get("reload_errors", [])) or "regular" in err,
          "the FIFO is reported as not a regular file")

    # 2. SIGTERM while the layout is a FIFO: prompt exit, state saved
    os.unlink(lay)
    shutil.copy(HALL, lay)
    sd = os.path.join(tmp, "state")
    p = subprocess.Popen([BIGSCREEN, "--headless", "--state-dir", sd, lay],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    # the first periodic save (every 5 s once values came): the screen has data
    # to save (on a loaded machine that takes longer than a fixed sleep gave it)
    deadline = time.monotonic() + 30
    while not valid_state(state_name(tmp)) and time.monotonic() < deadline:
        time.sleep(0.2)
    before = os.stat(state_name(tmp)).st_mtime_ns if valid_state(state_name(tmp)) else 0
    replace_by_fifo()
    time.sleep(1.0)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.communicate(timeout=5)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        rc = "hang"
    check(rc == 0, "SIGTERM while the layout is a FIFO: exit 0 in %.1f s (rc %s)" % (time.monotonic() - t0, rc))
    check(before and valid_state(state_name(tmp)) and os.stat(state_name(tmp)).st_mtime_ns > before,
          "the final state was saved at exit")


def case_fifo_state(tmp):
    lay = os.path.join(tmp, "hall.json")
    shutil.copy(HALL, lay)
    shutil.copy(GEOJSON, tmp)
    shutil.copy(INSET, tmp)
    os.mkdir(os.path.join(tmp, "state"))
    os.mkfifo(state_name(tmp))
    rc, log, _, sec = run(["--headless", "--run-for", "1.5", "--state-dir", os.path.join(tmp, "state"), lay], 15)
    check(rc == 0, "boot with a FIFO as state file ends on time (rc %s, %.1f s)" % (rc, sec))
    check("regular" in log, "the FIFO is reported as not a regular file (%s)" % log.strip()[:200])
    a = asides(tmp)
    check(len(a) == 1 and stat.S_ISFIFO(os.lstat(os.path.join(tmp, "state", a[0])).st_mode),
          "the FIFO was moved aside (%s)" % a)
    check(valid_state(state_name(tmp)), "a fresh state file was written")


# ---- item 6: image memory ----------------------------------------------------

RSS_BOUND = 400  # MiB: the screen itself is ~60-100 MiB; one 4096² image 64 MiB


def case_image_svg(tmp):
    png(os.path.join(tmp, "big.png"), 20000, 20000)
    with open(os.path.join(tmp, "tiny.svg"), "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
                'width="100" height="100"><image xlink:href="big.png" width="100" height="100"/></svg>\n')
    check(os.path.getsize(os.path.join(tmp, "tiny.svg")) < 256, "the SVG is %d bytes" %
          os.path.getsize(os.path.join(tmp, "tiny.svg")))
    image_layout(os.path.join(tmp, "svg.json"), ["tiny.svg"])
    rc, log, rss, sec = run(["--snapshot", os.path.join(tmp, "out.png"), os.path.join(tmp, "svg.json")], 60)
    print("     snapshot: rc %s, %.1f s, peak RSS %.0f MiB" % (rc, sec, rss))
    check(rc != "hang" and rss < RSS_BOUND, "an SVG <image> pointing at a 20000² PNG: peak RSS %.0f MiB < %d"
          % (rss, RSS_BOUND))
    check("external" in log or "big.png" in log, "the refused reference is reported (%s)" % log.strip()[:200])
    # the same picture embedded as data: is refused by its header
    raw = open(os.path.join(tmp, "big.png"), "rb").read()
    import base64
    with open(os.path.join(tmp, "data.svg"), "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image href="data:image/png;base64,'
                + base64.b64encode(raw).decode() + '" width="100" height="100"/></svg>\n')
    image_layout(os.path.join(tmp, "data.json"), ["data.svg"])
    rc, log, rss2, sec = run(["check", os.path.join(tmp, "data.json")], 60)
    check(rc == 1 and "20000" in log, "an SVG embedding a 20000² PNG fails check with its size (rc %s: %s)"
          % (rc, log.strip()[:200]))
    # a small embedded PNG is fine; the same hidden behind character references is refused
    png(os.path.join(tmp, "small.png"), 4, 4)
    b64 = base64.b64encode(open(os.path.join(tmp, "small.png"), "rb").read()).decode()
    for name, href, ok in [("ok.svg", "data:image/png;base64," + b64, True),
                           ("refs.svg", "d&#97;ta:image/png;base64," + b64, False),
                           ("notb64.svg", "data:image/png,%89PNG", False)]:
        with open(os.path.join(tmp, name), "w") as f:
            f.write('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><image href="%s" '
                    'width="100" height="100"/></svg>\n' % href)
        image_layout(os.path.join(tmp, "e.json"), [name])
        rc, log, _, _ = run(["check", os.path.join(tmp, "e.json")], 20)
        check(rc == (0 if ok else 1), "%s: check %s (rc %s: %s)" % (name, "passes" if ok else "refuses", rc,
                                                                    log.strip()[:160]))
    # the checks stay linear: 350k unclosed <image tags (3.8 MB) took over a minute when each scanned to the end
    with open(os.path.join(tmp, "many.svg"), "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + "<image href" * 350000 + ">")
    image_layout(os.path.join(tmp, "many.json"), ["many.svg"])
    rc, log, _, sec = run(["check", os.path.join(tmp, "many.json")], 120)
    check(rc == 1 and run.cpu < 10, "a 3.8 MB SVG of unclosed <image tags is refused in %.1f s of CPU (rc %s, %.1f s)"
          % (run.cpu, rc, sec))
    # XInclude of a neighbouring file (a token file, say) is not shown
    with open(os.path.join(tmp, "token"), "w") as f:
        f.write("s3cr3t-token\n")
    with open(os.path.join(tmp, "xi.svg"), "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xi="http://www.w3.org/2001/XInclude" '
                'width="400" height="100"><text x="0" y="50" font-size="40">'
                '<xi:include href="token" parse="text"/></text></svg>\n')
    image_layout(os.path.join(tmp, "xi.json"), ["xi.svg"])
    rc, log, _, _ = run(["check", os.path.join(tmp, "xi.json")], 20)
    check(rc == 1 and "include" in log.lower(), "an SVG with XInclude is refused (rc %s: %s)" % (rc, log.strip()[:200]))


def case_image_shared(tmp):
    png(os.path.join(tmp, "big.png"), 4096, 4096)
    image_layout(os.path.join(tmp, "twelve.json"), ["big.png"] * 12)
    rc, log, rss, sec = run(["--snapshot", os.path.join(tmp, "out.png"), os.path.join(tmp, "twelve.json")], 120)
    print("     snapshot of twelve widgets, one 4096² PNG: rc %s, %.1f s, peak RSS %.0f MiB" % (rc, sec, rss))
    check(rc == 0, "snapshot ok (rc %s: %s)" % (rc, log.strip()[:200]))
    check(rss < 64 * 3 + 150, "decoded once: peak RSS %.0f MiB < %d (12 copies would be 768 MiB)"
          % (rss, 64 * 3 + 150))
    rep = os.path.join(tmp, "r.json")
    rc, log, rss, sec = run(["--headless", "--run-for", "1", "--no-state", "--report", rep,
                             os.path.join(tmp, "twelve.json")], 120)
    print("     headless run of the same: rc %s, %.1f s, peak RSS %.0f MiB" % (rc, sec, rss))
    try:
        im = json.load(open(rep)).get("images", {})
    except (OSError, ValueError):
        im = {}
    check(rc == 0 and rss < 64 * 3 + 150 and im.get("files") == 1 and im.get("shared") == 11,
          "headless: one file decoded, 11 loads shared, RSS %.0f MiB (report images %s)" % (rss, im))
    png(os.path.join(tmp, "huge.png"), 8192, 8192)
    image_layout(os.path.join(tmp, "huge.json"), ["huge.png"] * 12)
    rc, log, rss, sec = run(["check", os.path.join(tmp, "huge.json")], 120)
    print("     check of twelve widgets sharing one 8192² PNG: rc %s, %.1f s, peak RSS %.0f MiB" % (rc, sec, rss))
    check(rc == 1 and "pixels" in log, "an 8192² PNG (67 Mpx) is over the per-image cap (rc %s: %s)"
          % (rc, log.strip()[:200]))


def case_image_budget(tmp):
    names = []
    for i in range(5):
        png(os.path.join(tmp, "p%d.png" % i), 4096, 4096)
        names.append("p%d.png" % i)
    image_layout(os.path.join(tmp, "five.json"), names)
    rc, log, rss, sec = run(["check", os.path.join(tmp, "five.json")], 120)
    print("     five distinct 4096² PNGs: rc %s, %.1f s, peak RSS %.0f MiB" % (rc, sec, rss))
    check(rc == 1 and "budget" in log, "five 16.8 Mpx images exceed the total budget (rc %s: %s)"
          % (rc, log.strip()[:200]))
    check(rss < 64 * 4 + 200, "peak RSS %.0f MiB stays within the budget" % rss)


# ---- items 7 and 10: the state file -------------------------------------------

def copy_hall(tmp):
    """union-hall as tmp/hall.json with what it names next to it: the maps
    (the districts, the inset) and its media (the video's clip, the gallery's
    pictures)."""
    shutil.copy(HALL, os.path.join(tmp, "hall.json"))
    for g in glob.glob(os.path.join(ROOT, "layouts", "*.geojson")):
        shutil.copy(g, tmp)
    shutil.copytree(os.path.join(ROOT, "layouts", "media"), os.path.join(tmp, "media"), dirs_exist_ok=True)


def boot(tmp, extra=(), preexec=None, secs="1.5", env=None):
    lay = os.path.join(tmp, "hall.json")
    if not os.path.exists(lay):
        copy_hall(tmp)
    return run(["--headless", "--run-for", secs, "--state-dir", os.path.join(tmp, "state")] + list(extra) + [lay],
               20, env=env, preexec=preexec)


def case_state_symlink(tmp):
    os.mkdir(os.path.join(tmp, "state"))
    victim = os.path.join(tmp, "victim")
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, state_name(tmp) + ".tmp")
    rc, log, _, _ = boot(tmp)
    check(rc == 0, "run with a planted .tmp symlink (rc %s)" % rc)
    check(open(victim).read() == "precious\n", "the symlink's target is untouched")
    check(os.path.islink(state_name(tmp) + ".tmp"), "the planted link is left where it was")
    check(valid_state(state_name(tmp)), "the state file was written")
    check(not [n for n in os.listdir(os.path.join(tmp, "state")) if ".tmp-" in n],
          "no temporary file is left behind")
    # a temp file left by a writer that died (a pid not running) is removed at
    # the next start; one of a running writer is not
    dead = os.path.join(tmp, "state", "hall.state.json.tmp-999999999-0")
    alive = os.path.join(tmp, "state", "hall.state.json.tmp-%d-0" % os.getpid())
    for f in (dead, alive):
        open(f, "w").write("[")
    boot(tmp, secs="0.5")
    check(not os.path.exists(dead) and os.path.exists(alive),
          "a dead writer's temp file is removed, a live one's kept")
    os.unlink(alive)
    # the state file itself a link: it is replaced, its target is not written
    os.unlink(state_name(tmp))
    with open(victim, "w") as f:
        f.write("precious\n")
    os.symlink(victim, state_name(tmp))
    rc, log, _, _ = boot(tmp)
    check(open(victim).read() == "precious\n", "a state file that is a link: the target is untouched")
    check(valid_state(state_name(tmp)) and not os.path.islink(state_name(tmp)), "…and a real state file replaces it")


def case_state_bad(tmp):
    os.mkdir(os.path.join(tmp, "state"))
    st = state_name(tmp)
    kinds = [("invalid JSON", lambda: open(st, "w").write('[{"topic": "office.rate", "value": 9')),
             ("over the cap", lambda: (open(st, "w").write("["), os.truncate(st, 64 * 1024 * 1024 + 10))),
             ("a directory", lambda: os.mkdir(st))]
    for what, make in kinds:
        for n in asides(tmp):
            p = os.path.join(tmp, "state", n)
            shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
        if os.path.exists(st):
            os.unlink(st)
        make()
        size = os.lstat(st).st_size
        rc, log, _, _ = boot(tmp)
        a = asides(tmp)
        check(rc == 0, "%s: the screen runs (rc %s)" % (what, rc))
        check(len(a) == 1 and os.lstat(os.path.join(tmp, "state", a[0])).st_size == size,
              "%s: moved aside intact (%s)" % (what, a))
        check(log.count("moved aside") == 1, "%s: said once (%s)" % (what, [l for l in log.splitlines()
                                                                           if "state" in l or "last-known" in l]))
        check(valid_state(st), "%s: fresh state written in its place" % what)


def case_state_unreadable(tmp):
    """Mode 000 only refuses an unprivileged user: the step runs as nobody."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("SKIP: needs root and setpriv to run a step as nobody")
        return 77
    os.chmod(tmp, 0o755)
    copy_hall(tmp)
    sd = os.path.join(tmp, "state")
    os.mkdir(sd)
    rc, _, _, _ = boot(tmp)
    good = open(state_name(tmp), "rb").read()
    check(valid_state(state_name(tmp)), "a good state file to start with")
    os.chmod(state_name(tmp), 0)
    os.chown(sd, 65534, 65534)
    os.chown(state_name(tmp), 65534, 65534)

    def as_nobody():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    # nobody gets its own copy of the data directory (fonts/manifest.json): the
    # source tree may be out of its reach, e.g. a clone in root's 0700 home
    data = os.path.join(tmp, "data")
    shutil.copytree(os.path.join(ROOT, "fonts"), os.path.join(data, "fonts"))
    rc, log, _, _ = boot(tmp, preexec=as_nobody, env=dict(os.environ, BIGSCREEN_DATADIR=data))
    if "Permission denied" in log and "layout" in log and rc == 2:
        print("SKIP: nobody cannot read the build tree")
        return 77
    a = asides(tmp)
    check(rc == 0, "as nobody with a mode-000 state file: runs (rc %s)" % rc)
    check(len(a) == 1, "the unreadable file was moved aside (%s; %s)" % (a, [l for l in log.splitlines()
                                                                            if "last-known" in l]))
    if a:
        os.chmod(os.path.join(sd, a[0]), 0o600)
        check(open(os.path.join(sd, a[0]), "rb").read() == good, "its good content is intact")
    check(valid_state(state_name(tmp)), "a fresh state file was written")


CASES = {"fifo-check": case_fifo_check, "fifo-image": case_fifo_image, "fifo-reload": case_fifo_reload, "fifo-state": case_fifo_state,
         "image-svg": case_image_svg, "image-shared": case_image_shared, "image-budget": case_image_budget,
         "state-symlink": case_state_symlink, "state-bad": case_state_bad,
         "state-unreadable": case_state_unreadable}


def main():
    names = list(CASES) if CASE == "all" else [CASE]
    skipped = False
    for n in names:
        tmp = tempfile.mkdtemp(prefix="bs-files-")
        try:
            print("== " + n, flush=True)
            skipped |= CASES[n](tmp) == 77
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if fails:
        sys.exit(1)
    sys.exit(77 if skipped and len(names) == 1 else 0)


main()
