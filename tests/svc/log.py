#!/usr/bin/env python3
"""log.py BIGSCREEN BIGSCREEN-FEED SRCDIR — logs that journald reads well.

With stderr connected to a file whose "dev:ino" is in JOURNAL_STREAM (what
systemd does for a unit's stream), every line must start with the sd-daemon
priority ("<3>" error, "<4>" warning, "<5>" notice, "<6>" info) and carry no
"bigscreen: " (journald adds the identifier): a bad option, a feed that cannot
connect, the metrics listener, a reload refused by SIGHUP with its
file:line:col lines, bigscreen-feed's errors. Without JOURNAL_STREAM, or with
one that names another stream (a shell redirected stderr), no line has a
"<N>" prefix, messages start "bigscreen: " with "error: "/"warning: ", and
never "bigscreen: bigscreen:"."""
import os, re, shutil, signal, socket, subprocess, sys, tempfile, time

bs, feed, src = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp()
fails = 0


def check(ok, what, text=None):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        fails += 1
        if text is not None:
            print("     ---\n     " + "\n     ".join(text.splitlines()[-30:]))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def run(cmd, journal, name, wait=True, env_extra=None):
    """Starts cmd with stderr in tmp/name; journal: True = JOURNAL_STREAM names
    that file, "other" = names another file, False = unset."""
    path = os.path.join(tmp, name)
    f = open(path, "w+b")
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    env.pop("NOTIFY_SOCKET", None)
    if journal is True:
        st = os.fstat(f.fileno())
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    elif journal == "other":
        other = open(os.path.join(tmp, "other"), "w")
        st = os.fstat(other.fileno())
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    env.update(env_extra or {})
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=f, env=env)
    if wait:
        p.wait(timeout=60)
    return p, path


def text_of(path):
    return open(path, encoding="utf-8", errors="replace").read()


def wait_for(path, pattern, seconds):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if re.search(pattern, text_of(path), re.M):
            return True
        time.sleep(0.05)
    return False


hall_src = open(os.path.join(src, "layouts", "union-hall.json"), encoding="utf-8").read()
layout = os.path.join(tmp, "hall.json")
shutil.copy(os.path.join(src, "layouts", "linping-stylised.geojson"), tmp)
shutil.copy(os.path.join(src, "layouts", "hangzhou-stylised.geojson"), tmp)   # the map's inset


def service_run(journal, name):
    """A screen whose feed cannot connect, with metrics, then a bad edit and
    SIGHUP: warnings, info, notice and a multi-line error."""
    open(layout, "w", encoding="utf-8").write(hall_src)
    cmd = [bs, "--headless", "--run-for", "20", "--no-state", "--metrics", str(free_port()),
           "--feed", "main=ws://127.0.0.1:%d/" % free_port(), layout]
    p, path = run(cmd, journal, name, wait=False)
    ok = wait_for(path, r"feed main: connection failed", 10)
    check(ok, "%s: the feed's failure was logged" % name, text_of(path))
    # a layout with two problems (lines 2 and 3), put in place, then SIGHUP
    open(layout + ".new", "w", encoding="utf-8").write('{\n  "nonsense": 1,\n  "canvas": "x"\n}\n')
    os.rename(layout + ".new", layout)
    p.send_signal(signal.SIGHUP)
    ok = wait_for(path, r"hall\.json:3:", 10)
    check(ok, "%s: the refused reload was logged with its file:line:col lines" % name, text_of(path))
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)
    return text_of(path)


try:
    # ---- stderr is the journal -------------------------------------------
    j = service_run(True, "journal-run")
    _, path = run([bs, "--no-such-option"], True, "journal-cli")
    j_cli = text_of(path)
    _, path = run([feed, "--demo", "--port", "0"], True, "journal-feed")
    j_feed = text_of(path)
    lines = [l for l in (j + j_cli + j_feed).splitlines() if l]
    bad = [l for l in lines if not re.match(r"<[0-7]>", l)]
    check(lines and not bad, "journal: every line starts with <N> (%d lines)" % len(lines), "\n".join(bad) or j)
    named = [l for l in lines if re.match(r"<[0-7]>bigscreen(-feed)?: ", l)]
    check(not named, "journal: no line carries the program name (journald adds it)", "\n".join(named))
    check(re.search(r"^<4>feed main: connection failed", j, re.M) is not None,
          "journal: a feed that cannot connect is a warning (<4>)", j)
    check(re.search(r"^<6>metrics on http://127\.0\.0\.1:", j, re.M) is not None,
          "journal: the metrics listener is info (<6>)", j)
    check(re.search(r"^<5>SIGHUP: reloading ", j, re.M) is not None, "journal: SIGHUP is a notice (<5>)", j)
    check(re.search(r"^<3>layout not reloaded; keeping the last good one:$", j, re.M) is not None,
          "journal: a refused reload is an error (<3>)", j)
    check(re.search(r"^<3>\S*hall\.json:2:\d+: ", j, re.M) is not None and
          re.search(r"^<3>\S*hall\.json:3:\d+: ", j, re.M) is not None,
          "journal: each of its file:line:col lines is an error entry of its own (<3>)", j)
    check(re.match(r"<3>unknown option --no-such-option", j_cli) is not None,
          "journal: a bad option is an error (<3>)", j_cli)
    check(re.search(r"^<3>--port 0: expected", j_feed, re.M) is not None,
          "journal: bigscreen-feed logs the same way (<3>)", j_feed)

    # ---- stderr is a terminal or a file -------------------------------------
    for mode, name in ((False, "plain"), ("other", "other-stream")):
        t = service_run(mode, name + "-run")
        _, path = run([bs, "--no-such-option"], mode, name + "-cli")
        t_cli = text_of(path)
        _, path = run([feed, "--demo", "--port", "0"], mode, name + "-feed")
        t_feed = text_of(path)
        allt = t + t_cli + t_feed
        pre = [l for l in allt.splitlines() if re.match(r"<[0-7]>", l)]
        what = "JOURNAL_STREAM of another stream" if mode else "no JOURNAL_STREAM"
        check(not pre, "%s: no line has a <N> prefix" % what, "\n".join(pre))
        check("bigscreen: bigscreen:" not in allt and "bigscreen-feed: bigscreen" not in allt,
              "%s: never \"bigscreen: bigscreen:\"" % what, allt)
        check(re.search(r"^bigscreen: warning: feed main: connection failed", t, re.M) is not None,
              "%s: \"bigscreen: warning: \" before a warning" % what, t)
        check(re.search(r"^bigscreen: error: layout not reloaded", t, re.M) is not None and
              re.search(r"^\S*hall\.json:3:\d+: ", t, re.M) is not None,
              "%s: a refused reload says \"error: \", its problems stay file:line:col first" % what, t)
        check(re.search(r"^bigscreen: metrics on http://", t, re.M) is not None,
              "%s: info lines have no level word" % what, t)
        check(t_cli.startswith("bigscreen: error: unknown option --no-such-option"),
              "%s: a bad option says \"bigscreen: error: \"" % what, t_cli)
        check(re.search(r"^bigscreen-feed: error: --port 0: expected", t_feed, re.M) is not None,
              "%s: bigscreen-feed names itself" % what, t_feed)

    # ---- no message bypasses the log ----------------------------------------
    # (the usage text of the tools is theirs to print as it is)
    stray = []
    for d in ("base", "loader", "feeds", "renderer", "widgets", "tools"):
        for root, _, files in os.walk(os.path.join(src, d)):
            for name in files:
                if not name.endswith((".c", ".h")):
                    continue
                p = os.path.join(root, name)
                for n, line in enumerate(open(p, encoding="utf-8", errors="replace"), 1):
                    if re.search(r"\b(v?fprintf|fputs|fputc|perror)\s*\(\s*(stderr\b|\")", line) and "usage" not in line:
                        stray.append("%s:%d: %s" % (os.path.relpath(p, src), n, line.strip()))
    check(not stray, "every message goes through bs_log (base/log.h)", "\n".join(stray))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if fails else 0)
