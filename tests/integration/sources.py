#!/usr/bin/env python3
"""Integration tests for the polling feeds against real servers.

usage: sources.py BIGSCREEN BIGSCREEN_FEED SOURCE_ROOT CASE
CASE: http | http-bad | file | pg | mysql | relay | union-hall

Every server listens on 127.0.0.1 (a port the kernel picks) or on a unix
socket inside the case's temp dir: this script's own HTTP server (threads,
behaviour switched while bigscreen runs), Debian's PostgreSQL (initdb in the
temp dir, run as an unprivileged user when we are root, since postgres refuses
root) and Debian's MariaDB (mariadb-install-db with its own datadir). Each
case runs `bigscreen --headless --run-for S --report R`, checks the report and
what was logged, and ends every process it started. Exit 77 = skipped (a
server program is not installed).
"""
import http.server
import json
import os
import pwd
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

BIGSCREEN, FEED, ROOT, CASE = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
TOKEN = "s3cr3t-t0ken-xyz"
PASSWORD = "pw-Hidden-42"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child whose output lines are collected."""

    def __init__(self, argv, env=None, **kw):
        self.lines = []
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env=env, **kw)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self):
        return "\n".join(self.lines)

    def wait(self, timeout):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("did not end within %.0f s:\n%s" % (timeout, self.text()))
        self.t.join(2)
        return self.p.returncode

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.t.join(2)


CURRENT = None      # the screen run_screen runs now (for `during` threads)


def wait_log(needle, timeout=30):
    end = time.monotonic() + timeout
    while needle not in CURRENT.text() and time.monotonic() < end:
        time.sleep(0.05)
    assert needle in CURRENT.text(), "no %r in:\n%s" % (needle, CURRENT.text())


def run_screen(tmp, layout, run_for, env_extra=None, name="r", during=None, args=()):
    """Runs bigscreen headless on layout (a dict); `during(t0)` runs in a
    thread meanwhile. Returns (report, log text)."""
    lpath = os.path.join(tmp, name + ".json")
    with open(lpath, "w") as f:
        json.dump(layout, f, ensure_ascii=False)
    rpath = os.path.join(tmp, name + ".report.json")
    env = dict(os.environ)
    env.update(env_extra or {})
    p = Proc([BIGSCREEN, "--headless", "--no-state", "--run-for", str(run_for), "--report", rpath] + list(args)
             + [lpath], env=env)
    global CURRENT
    CURRENT = p
    th = None
    if during:
        th = threading.Thread(target=during, daemon=True)
        th.start()
    rc = p.wait(run_for + 30)
    if th:
        th.join(30)
    assert rc == 0, "bigscreen exited %d:\n%s" % (rc, p.text())
    with open(rpath) as f:
        return json.load(f), p.text()


def widget(r, wid):
    for w in r["widgets"]:
        if w["id"] == wid:
            return w
    raise AssertionError("no widget %s in %s" % (wid, r["widgets"]))


def feed(r, fid):
    for f in r["feeds"]:
        if f["id"] == fid:
            return f
    raise AssertionError("no feed %s" % fid)


def kpi(wid, topic, y, feed_id=None, **kw):
    b = {"topic": topic, "feed": feed_id} if feed_id else topic
    w = {"id": wid, "type": "kpi", "rect": [0, y, 300, 60], "bind": b}
    w.update(kw)
    return w


def text(wid, topic, y):
    return {"id": wid, "type": "text", "rect": [300, y, 600, 60], "bind": topic}


def check_frames(r, run_for):
    # the render loop kept going whatever the sources did (never blocked)
    # slots run or slept through idle (screen_idle_slot): a stalled loop has neither
    assert r["render"]["frames"] + r["render"].get("slept", 0) >= run_for * 60 * 0.5, r["render"]


# ---- HTTP -------------------------------------------------------------------

class Api:
    """The behaviour of our HTTP server, switched while bigscreen runs."""

    def __init__(self):
        self.mode = "good"
        self.version = 1
        self.requests = []
        self.n304 = 0
        self.good = 0          # good documents served

    def wait_good(self, n=1, timeout=20):
        """Until the screen has had n more good documents (it may start slowly on a loaded machine)."""
        want = self.good + n
        end = time.monotonic() + timeout
        while self.good < want and time.monotonic() < end:
            time.sleep(0.02)

    def doc(self):
        return {"data": {"members": {"realname": 12345 + self.version},
                         "office": [{"v": 91.5}, {"v": 80}],
                         "online": 450, "total": 500,
                         "accounts": [{"acct": "工会A", "fans": 5}, {"acct": "工会B", "fans": 9},
                                      {"acct": "工会C", "fans": 7}, {"acct": "工会D", "fans": 1}],
                         "names": ["x", "y"], "jobs": 4321, "wechat_pos": 3,
                         "news": ["区总工会召开线上服务推进会", "12 个镇街工会完成线上办公"]}}


def http_server(api):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, code, body, ctype="application/json", extra=None):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode() if n else ""
            api.requests.append((self.command, self.path, dict(self.headers), body))
            m = api.mode
            if self.path.startswith("/protocol"):
                return self.reply(200, json.dumps([{"topic": "proto.n", "value": 5}, {"topic": "proto.s", "value": "好"}]))
            if m == "good":
                etag = '"v%d"' % api.version
                if self.headers.get("If-None-Match") == etag:
                    api.n304 += 1
                    api.good += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                api.good += 1
                return self.reply(200, json.dumps(api.doc(), ensure_ascii=False), extra={"ETag": etag})
            if m == "500":
                return self.reply(500, "oops", "text/plain")
            if m == "invalid":
                return self.reply(200, '{"data": {"members": ')
            if m in ("huge", "huge-cl"):
                # a 1 GB body, sent until the client hangs up (with or without a length up front)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if m == "huge-cl":
                    self.send_header("Content-Length", str(1 << 30))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"[" + b"1," * 32767
                try:
                    for _ in range((1 << 30) // len(chunk)):
                        self.wfile.write(chunk)
                except OSError:
                    pass
                return
            if m == "hang":
                time.sleep(20)
                return
            if m == "wrongtype":
                d = api.doc()
                d["data"]["office"] = "n/a"
                d["data"]["accounts"] = [{"acct": "x", "fans": "many"}]
                return self.reply(200, json.dumps(d))

        do_GET = handle_any
        do_POST = handle_any

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = S(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def api_layout(port, every=0.3, timeout=2, extra_maps=None, max_bytes=1 << 20):
    maps = [{"topic": "members.realname", "path": "data.members.realname"},
            {"topic": "office.rate", "path": "data.office.0.v"},
            {"topic": "online.rate", "path": "data.online", "ratio": "data.total"},
            {"topic": "wechat.rank", "path": "data.accounts", "pick": {"name": "acct", "value": "fans"},
             "sort": "desc", "top": 3},
            {"topic": "fans.total", "path": "data.accounts", "sum": "fans"},
            {"topic": "accounts.n", "path": "data.accounts", "count": True}] + (extra_maps or [])
    return {"feeds": [{"id": "api", "url": "http://127.0.0.1:%d/v1/kpi" % port, "every": every, "timeout": timeout,
                       "token_env": "BS_TEST_TOKEN", "headers": {"Accept": "application/json", "X-Screen": "hall"},
                       "max_bytes": max_bytes, "map": maps}],
            "stale_after": 60,
            "widgets": [kpi("members", "members.realname", 0), kpi("office", "office.rate", 60, decimals=1),
                        kpi("online", "online.rate", 120, decimals=1),
                        {"id": "rank", "type": "ranking", "rect": [600, 0, 600, 300], "bind": "wechat.rank"},
                        kpi("fans", "fans.total", 180), kpi("n", "accounts.n", 240)]}


def case_http(tmp):
    api = Api()
    srv = http_server(api)
    port = srv.server_address[1]
    extra = [{"topic": "nothing.here", "path": "data.nope.0"},            # a path that matches nothing
             {"topic": "bad.sum", "path": "data.names", "sum": True}]      # wrong types
    lay = api_layout(port, extra_maps=extra)
    lay["feeds"].append({"id": "proto", "url": "http://127.0.0.1:%d/protocol" % port, "every": 0.5,
                         "body": '{"q": "kpi"}'})
    lay["widgets"] += [kpi("proto-n", "proto.n", 300, feed_id="proto"), text("proto-s", "proto.s", 300)]

    mport = free_port()
    metrics = {}

    def during():
        api.wait_good(2)
        api.version = 2              # a new document: the numbers move
        time.sleep(0.8)
        import urllib.request
        text_ = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=5).read().decode()
        for line in text_.splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                metrics[k] = float(v)

    r, log = run_screen(tmp, lay, 3.5, {"BS_TEST_TOKEN": TOKEN}, during=during, args=["--metrics", str(mport)])
    assert metrics.get('bigscreen_feed_polls_total{feed="api"}', 0) >= 3, metrics
    assert metrics.get('bigscreen_feed_poll_errors_total{feed="api"}', 1) == 0, metrics
    assert metrics.get('bigscreen_feed_rejected_total{feed="api"}', 0) >= 2, metrics
    assert 'bigscreen_feed_poll_seconds{feed="api"}' in metrics, metrics
    assert widget(r, "members")["text"].startswith("12,347"), widget(r, "members")
    assert widget(r, "office")["text"].startswith("91.5"), widget(r, "office")
    assert widget(r, "online")["text"].startswith("90.0"), widget(r, "online")   # 450 / 500 as percent
    rows = widget(r, "rank")["rows"]
    assert len(rows) == 3 and "工会B" in rows[0] and "工会C" in rows[1], rows     # sorted, top 3, picked
    assert widget(r, "fans")["text"].startswith("22"), widget(r, "fans")
    assert widget(r, "n")["text"].startswith("4"), widget(r, "n")
    assert widget(r, "proto-n")["text"].startswith("5") and widget(r, "proto-s")["text"] == "好", r["widgets"]
    for w in r["widgets"]:
        assert not w["stale"], w
    f = feed(r, "api")
    assert f["state"] == "up" and f["polls"] >= 5 and f["errors"] == 0, f
    assert f["rejected"] >= 2, f                          # the unmatched path and the bad sum, each poll
    assert 'path "data.nope.0" matches nothing' in log, log
    assert "not a number" in log, log
    assert log.count("matches nothing") <= 1, log         # rate-limited: once per 10 s
    assert TOKEN not in log, "the token was logged"
    gets = [q for q in api.requests if q[1] == "/v1/kpi"]
    assert all(q[0] == "GET" and q[2].get("Authorization") == "Bearer " + TOKEN for q in gets), gets[0]
    assert all(q[2].get("X-Screen") == "hall" for q in gets)
    assert api.n304 >= 2, api.n304                        # ETag sent back, 304s answered
    posts = [q for q in api.requests if q[1] == "/protocol"]
    assert posts and all(q[0] == "POST" and q[3] == '{"q": "kpi"}' for q in posts), posts[:1]
    check_frames(r, 3.5)
    srv.shutdown()
    print("ok   http: mapping, transforms, token, headers, ETag/304, POST, protocol body, bad paths counted")


def case_http_bad(tmp):
    """Good first, then each kind of failure: last values stay, widgets go
    stale, the feed is down with a clear message, frames keep coming; then
    an outage that ends, and the feed recovers."""
    api = Api()
    srv = http_server(api)
    port = srv.server_address[1]
    expect = {"500": "HTTP 500", "invalid": "not usable JSON", "huge": "over the 1048576 byte cap",
              "huge-cl": "over the 1048576 byte cap",
              "hang": "Timeout", "wrongtype": "not a number"}
    for mode, msg in expect.items():
        api.mode = "good"
        api.version += 1

        def during(mode=mode):
            api.wait_good(2)
            api.mode = mode

        t0 = time.monotonic()
        r, log = run_screen(tmp, api_layout(port, every=0.3, timeout=1), 5, {"BS_TEST_TOKEN": TOKEN},
                            name="bad-" + mode, during=during)
        took = time.monotonic() - t0
        f = feed(r, "api")
        assert msg in log, "%s: no %r in:\n%s" % (mode, msg, log)
        assert widget(r, "members")["text"].startswith("{:,}".format(12345 + api.version)), (mode, widget(r, "members"))
        if mode == "wrongtype":
            # the document is fine, two of its paths are not: those widgets keep their last values
            assert f["state"] == "up" and f["rejected"] >= 2, f
            assert widget(r, "office")["text"].startswith("91.5"), widget(r, "office")
        else:
            assert f["state"] == "down" and f["errors"] >= 1, (mode, f)
            assert widget(r, "members")["stale"], (mode, widget(r, "members"))
        assert TOKEN not in log
        check_frames(r, 5)
        assert took < 5 + 8, (mode, took)             # a hung server does not hold the exit
        print("ok   http-bad %s: %s, last values kept" % (mode, msg))
    # an outage that ends: the feed comes back by itself
    api.mode = "good"

    def outage():
        api.wait_good(2)
        api.mode = "500"
        time.sleep(1.2)
        api.mode = "good"

    r, log = run_screen(tmp, api_layout(port, every=0.3, timeout=1), 5, {"BS_TEST_TOKEN": TOKEN}, name="outage",
                        during=outage)
    f = feed(r, "api")
    assert f["state"] == "up" and f["errors"] >= 1 and f["connects"] >= 2, f
    assert "recovered" in log, log
    assert not widget(r, "members")["stale"], widget(r, "members")
    srv.shutdown()
    print("ok   http-bad: an outage ends, the feed recovers, widgets fresh again")


# ---- file -------------------------------------------------------------------

def write_renamed(path, content):
    """As editors do: a new file renamed over the old one."""
    tmp = path + ".swp"
    with open(tmp, "w") as f:
        f.write(content)
    os.rename(tmp, path)


def case_file(tmp):
    jpath = os.path.join(tmp, "targets.json")
    cpath = os.path.join(tmp, "targets.csv")
    ppath = os.path.join(tmp, "proto.json")
    with open(jpath, "w") as f:
        json.dump({"targets.courses": 100, "targets.name": "云课堂"}, f, ensure_ascii=False)
    with open(cpath, "w") as f:
        f.write("topic,value\ntargets.lectures,10\ntargets.note,\"8 场, 全年\"\n")
    with open(ppath, "w") as f:
        json.dump([{"topic": "p.v", "value": 1}], f)
    lay = {"feeds": [{"id": "targets", "url": "file:targets.json"},        # next to the layout
                     {"id": "csv", "url": "file:" + cpath},
                     {"id": "proto", "url": "file://" + ppath},
                     {"id": "probe", "url": "file:probe-missing.json"}],   # says when the feeds have started
           "widgets": [kpi("courses", "targets.courses", 0), text("name", "targets.name", 0),
                       kpi("lectures", "targets.lectures", 60), text("note", "targets.note", 60),
                       kpi("pv", "p.v", 120)]}
    events = {}

    def during():
        wait_log("probe-missing.json")
        time.sleep(0.8)
        write_renamed(jpath, json.dumps({"targets.courses": 120, "targets.name": "云课堂 2026"}, ensure_ascii=False))
        with open(cpath, "w") as f:                      # edited in place
            f.write("targets.lectures,12\ntargets.note,全年\n")
        time.sleep(1.0)
        write_renamed(jpath, '{"targets.courses": 1')     # broken: reported, last values stay
        with open(cpath, "w") as f:
            f.write('targets.lectures,"13\n')             # broken CSV
        with open(ppath, "w") as f:
            json.dump([{"topic": "p.v", "value": 2}], f)
        time.sleep(1.0)
        events["broken_done"] = True

    r, log = run_screen(tmp, lay, 5, during=during)
    assert events.get("broken_done"), "the screen ended before the edits were done"
    assert widget(r, "courses")["text"].startswith("120"), widget(r, "courses")
    assert widget(r, "name")["text"] == "云课堂 2026", widget(r, "name")
    assert widget(r, "lectures")["text"].startswith("12"), widget(r, "lectures")
    assert widget(r, "note")["text"] == "全年", widget(r, "note")
    assert widget(r, "pv")["text"].startswith("2"), widget(r, "pv")
    t, c = feed(r, "targets"), feed(r, "csv")
    assert t["state"] == "down" and t["rejected"] >= 1 and "broken" in t["error"], t
    assert c["state"] == "down" and c["rejected"] >= 1, c
    assert widget(r, "courses")["stale"] and widget(r, "lectures")["stale"], r["widgets"]
    assert "invalid JSON" in log and "bad CSV" in log, log
    assert feed(r, "proto")["state"] == "up"
    print("ok   file: JSON object, CSV, protocol messages; rename-editors and in-place edits seen; "
          "broken files reported, counted, last values kept")
    # a missing file at boot that appears later
    gone = os.path.join(tmp, "later.json")
    lay2 = {"feeds": [{"id": "later", "url": "file:" + gone}], "widgets": [kpi("x", "later.x", 0)]}

    def appear():
        time.sleep(1.0)
        write_renamed(gone, '{"later.x": 7}')

    r, log = run_screen(tmp, lay2, 2.5, name="later", during=appear)
    assert widget(r, "x")["text"].startswith("7") and feed(r, "later")["state"] == "up", (r, log)
    print("ok   file: a file missing at boot is read when it appears")
    # --feed ID=URL puts a real source in place of demo:, even for topics the simulator does not know
    lay3 = {"feeds": [{"id": "main", "url": "demo:"}], "widgets": [kpi("x", "later.x", 0)]}
    lp = os.path.join(tmp, "demo-only.json")
    with open(lp, "w") as f:
        json.dump(lay3, f)
    chk = subprocess.run([BIGSCREEN, "check", lp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert chk.returncode == 1 and 'unknown topic "later.x"' in chk.stdout, chk.stdout
    r, log = run_screen(tmp, lay3, 1.5, name="override", args=["--feed", "main=file:" + gone])
    assert widget(r, "x")["text"].startswith("7") and feed(r, "main")["url"] == "file:" + gone, (r, log)
    print("ok   file: --feed main=file:... replaces demo: for topics the simulator does not know")


# ---- databases ----------------------------------------------------------------

def unprivileged():
    """(uid, gid) to run a database server as when we are root, else None."""
    if os.getuid() != 0:
        return None
    for name in ("nobody",):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            pass
    raise AssertionError("no unprivileged user to run the database as")


def demote(ids):
    if not ids:
        return None

    def f():
        os.setgid(ids[1])
        os.setuid(ids[0])
    return f


PG_BIN = "/usr/lib/postgresql/15/bin"


class Postgres:
    def __init__(self, tmp):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            print("SKIP: Debian's postgresql is not installed")
            sys.exit(77)
        self.ids = unprivileged()
        self.dir = os.path.join(tmp, "pg")
        os.makedirs(self.dir)
        if self.ids:
            os.chown(self.dir, *self.ids)
            os.chmod(tmp, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write("super\n")
        if self.ids:
            os.chown(pwfile, *self.ids)
        subprocess.run([os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "admin", "--pwfile", pwfile,
                        "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=demote(self.ids),
                       cwd=self.dir)
        self.proc = None

    def start(self):
        self.proc = Proc([os.path.join(PG_BIN, "postgres"), "-D", self.data, "-k", self.dir, "-p", str(self.port),
                          "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"], preexec_fn=demote(self.ids),
                         cwd=self.dir)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            if self.psql("select 1", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("postgres did not start:\n" + self.proc.text())

    def psql(self, sql, check=True):
        env = dict(os.environ, PGPASSWORD="super")
        return subprocess.run(["psql", "-h", self.dir, "-p", str(self.port), "-U", "admin", "-d", "postgres",
                               "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], env=env, check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              preexec_fn=demote(self.ids), cwd=self.dir)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


def pg_fixture(pg):
    pg.psql("create role bigscreen login password '%s'" % PASSWORD)
    pg.psql("create table application (id serial, year int, kind text)")
    pg.psql("insert into application (year, kind) select 2026, (array['医疗互助','疗休养','技能奖','法律援助'])[1 + i %% 4]"
            " from generate_series(1, 1234) i".replace("%%", "%"))
    pg.psql("create table town_office_rate (town text, rate numeric)")
    pg.psql("insert into town_office_rate values ('临平', 93.5), ('乔司', 88), ('南苑', 91.25), ('良渚', null)")
    pg.psql("grant select on all tables in schema public to bigscreen")


def sql_layout(url, pwenv, extra=None, every=0.5, timeout=2):
    qs = [{"topic": "apply.total", "sql": "select count(*) from application where year = 2026"},
          {"topic": "towns", "sql": "select town, rate from town_office_rate order by town", "shape": "map"},
          {"topic": "apply.kinds", "sql": "select kind as name, count(*) as value from application group by kind "
                                          "order by 2 desc, 1", "shape": "rows"},
          {"topic": "best.town", "sql": "select town, rate from town_office_rate where rate is not null "
                                        "order by rate desc limit 1", "shape": "row"},
          {"topic": "broken.q", "sql": "select * from no_such_table"},
          # a million rows, streamed (a cross join of two small series, not one big materialised one)
          {"topic": "million", "sql": "select a * 1000 + b from generate_series(1, 1000) a, generate_series(1, 1000) b",
           "shape": "rows"},
          ] + (extra or [])
    return {"feeds": [{"id": "db", "url": url, "password_env": pwenv, "every": every, "timeout": timeout,
                       "queries": qs}],
            "widgets": [kpi("total", "apply.total", 0, feed_id="db"),
                        {"id": "kinds", "type": "ranking", "rect": [600, 0, 600, 300], "bind": "apply.kinds"},
                        {"id": "best", "type": "text", "rect": [0, 300, 600, 60], "bind": {"topic": "best.town",
                                                                                           "path": "town"}},
                        {"id": "towns", "type": "text", "rect": [0, 360, 600, 60],
                         "bind": {"topic": "towns", "path": "临平"}},
                        kpi("broken", "broken.q", 420)]}


def case_pg(tmp):
    pg = Postgres(tmp)
    try:
        url = "postgresql://bigscreen@127.0.0.1:%d/postgres" % pg.port
        lay = sql_layout(url, "BS_TEST_DBPW",
                         extra=[{"topic": "slow", "sql": "select pg_sleep(5)"}])

        def boot_later():
            wait_log("cannot connect")   # the database is down when the screen boots
            pg.start()
            pg_fixture(pg)

        r, log = run_screen(tmp, lay, 10, {"BS_TEST_DBPW": PASSWORD}, during=boot_later)
        f = feed(r, "db")
        assert widget(r, "total")["text"].startswith("1,234"), (widget(r, "total"), log)
        rows = widget(r, "kinds")["rows"]
        assert len(rows) == 4 and any("医疗互助" in x for x in rows), rows
        assert widget(r, "best")["text"] == "临平", widget(r, "best")
        assert widget(r, "towns")["text"].startswith("93.5"), widget(r, "towns")
        assert f["state"] == "up" and f["errors"] >= 1 and f["connects"] >= 1, f
        assert "cannot connect" in log, log                       # down at boot, said
        assert "no_such_table" in log, log                        # the erroring query, said
        assert "more than 1000 rows" in log, log                  # a million rows: refused, not read
        assert "statement timeout" in log, log                    # a slow query: the server stops it
        assert f["rejected"] >= 3, f
        assert PASSWORD not in log, "the password was logged"
        check_frames(r, 10)
        print("ok   pg: down at boot then up; value/row/rows/map shapes; erroring, huge and slow queries counted")
        # a wrong password: a clear message, no crash, nothing on screen, retries
        r, log = run_screen(tmp, lay, 2.5, {"BS_TEST_DBPW": "wrong-" + PASSWORD}, name="pg-wrong")
        f = feed(r, "db")
        assert f["state"] == "down" and "password authentication failed" in log, (f, log)
        assert PASSWORD not in log
        assert widget(r, "total")["age_s"] is None, widget(r, "total")
        # a read-only session: a write is refused
        # even a user who may write cannot through a screen
        pg.psql("grant insert, update on application to bigscreen; grant usage on sequence application_id_seq to bigscreen")
        lay3 = {"feeds": [{"id": "db", "url": url, "password_env": "BS_TEST_DBPW", "every": 0.5,
                           "queries": [{"topic": "w", "sql": "insert into application (year) values (1) returning id"},
                                       {"topic": "w2", "sql": "with x as (insert into application (year) values (1) "
                                                              "returning id) select * from x"},
                                       {"topic": "w3", "sql": "select 1; insert into application (year) values (1)"}]}],
                "widgets": [kpi("w", "w", 0)]}
        r, log = run_screen(tmp, lay3, 1.5, {"BS_TEST_DBPW": PASSWORD}, name="pg-ro")
        assert log.count("failed") >= 3, log
        assert pg.psql("select count(*) from application where year = 1").stdout.split()[2] == "0"
        print("ok   pg: wrong password said clearly; writes refused")
        # measure: how many rows a query can map per second
        pg.psql("create table big as select i as id, 'name ' || i as name, i * 1.5 as v from generate_series(1, 100000) i")
        pg.psql("grant select on big to bigscreen")
        layb = {"feeds": [{"id": "db", "url": url, "password_env": "BS_TEST_DBPW", "every": 1, "timeout": 20,
                           "max_rows": 200000, "max_bytes": 64e6, "limits": {"items": 200000},
                           "queries": [{"topic": "big", "sql": "select id, name, v from big", "shape": "rows"}]}],
                "widgets": [kpi("x", "big", 0)]}
        r, log = run_screen(tmp, layb, 4, {"BS_TEST_DBPW": PASSWORD}, name="pg-bench")
        f = feed(r, "db")
        assert f["state"] == "up", (f, log)
        print("figure pg: 100000 rows x 3 columns shaped as rows in %.0f ms (%.0f rows/s), %d polls"
              % (f["poll_ms"], 100000 / (f["poll_ms"] / 1000), f["polls"]))
    finally:
        pg.stop()


class Maria:
    def __init__(self, tmp):
        if not shutil.which("mariadb-install-db") or not os.path.exists("/usr/sbin/mariadbd"):
            print("SKIP: Debian's mariadb-server is not installed")
            sys.exit(77)
        self.ids = unprivileged()
        self.dir = os.path.join(tmp, "my")
        os.makedirs(self.dir)
        if self.ids:
            os.chown(self.dir, *self.ids)
            os.chmod(tmp, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "mysqld.sock")
        user = pwd.getpwuid(self.ids[0] if self.ids else os.getuid()).pw_name
        subprocess.run(["mariadb-install-db", "--no-defaults", "--datadir=" + self.data, "--user=" + user,
                        "--auth-root-authentication-method=normal", "--skip-test-db"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=demote(self.ids), cwd=self.dir)
        self.proc = Proc(["/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + self.data, "--socket=" + self.sock,
                          "--skip-networking", "--pid-file=" + os.path.join(self.dir, "pid"),
                          "--log-error=" + os.path.join(self.dir, "err.log"), "--innodb-buffer-pool-size=16M",
                          "--max-recursive-iterations=2000000",
                          "--skip-grant-tables=0"], preexec_fn=demote(self.ids), cwd=self.dir)
        end = time.monotonic() + 40
        while time.monotonic() < end:
            if self.sql("select 1", check=False).returncode == 0:
                return
            time.sleep(0.3)
        raise AssertionError("mariadbd did not start:\n" + self.proc.text())

    def sql(self, q, check=True):
        r = subprocess.run(["mariadb", "--no-defaults", "--default-character-set=utf8mb4", "-S", self.sock,
                            "-u", "root", "-e", q],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=demote(self.ids))
        if check and r.returncode != 0:
            raise AssertionError("mariadb: %s\n%s" % (q[:200], r.stdout))
        return r

    def stop(self):
        self.proc.stop()


def case_mysql(tmp):
    my = Maria(tmp)
    try:
        my.sql("create database union_db character set utf8mb4; use union_db;"
               "create table application (id int auto_increment primary key, year int, kind varchar(20));"
               "create table town_office_rate (town varchar(20), rate decimal(5,2));"
               "insert into town_office_rate values ('临平', 93.5), ('乔司', 88), ('南苑', 91.25), ('良渚', null);"
               "create user 'bigscreen'@'localhost' identified by '%s';"
               "grant select on union_db.* to 'bigscreen'@'localhost';" % PASSWORD)
        my.sql("use union_db; insert into application (year, kind) with recursive s(i) as "
               "(select 1 union all select i + 1 from s where i < 1234) "
               "select 2026, elt(1 + i %% 4, '医疗互助', '疗休养', '技能奖', '法律援助') from s".replace("%%", "%"))
        url = "mysql://bigscreen@localhost/union_db?socket=" + my.sock
        lay = sql_layout(url, "BS_TEST_DBPW")
        # MariaDB has no generate_series: a million rows from its sequence engine
        lay["feeds"][0]["queries"][5]["sql"] = "select seq from seq_1_to_1000000"
        lay["feeds"][0]["queries"].append({"topic": "slow", "sql": "select sleep(5)"})
        r, log = run_screen(tmp, lay, 5, {"BS_TEST_DBPW": PASSWORD})
        f = feed(r, "db")
        assert widget(r, "total")["text"].startswith("1,234"), (widget(r, "total"), log)
        assert len(widget(r, "kinds")["rows"]) == 4, widget(r, "kinds")
        assert widget(r, "best")["text"] == "临平", widget(r, "best")
        assert widget(r, "towns")["text"].startswith("93.5"), widget(r, "towns")
        assert f["state"] == "up" and f["rejected"] >= 2, f
        assert "no_such_table" in log and "more than 1000 rows" in log, log
        assert "max_statement_time" in log, log                    # the slow query, stopped by the server
        assert PASSWORD not in log
        check_frames(r, 5)
        print("ok   mysql: value/row/rows/map shapes; erroring and huge queries counted")
        r, log = run_screen(tmp, lay, 2, {"BS_TEST_DBPW": "nope"}, name="my-wrong")
        assert feed(r, "db")["state"] == "down" and "Access denied" in log, log
        # even a user who may write cannot through a screen: the session is read-only
        my.sql("grant insert on union_db.application to 'bigscreen'@'localhost'")
        lay3 = {"feeds": [{"id": "db", "url": url, "password_env": "BS_TEST_DBPW", "every": 0.5,
                           "queries": [{"topic": "w", "sql": "insert into application (year) values (1)"}]}],
                "widgets": [kpi("w", "w", 0)]}
        r, log = run_screen(tmp, lay3, 1.5, {"BS_TEST_DBPW": PASSWORD}, name="my-ro")
        assert "READ ONLY" in log.upper(), log
        out = my.sql("select count(*) from union_db.application where year = 1").stdout
        assert out.split()[-1] == "0", out
        print("ok   mysql: wrong password said clearly; writes refused")
    finally:
        my.stop()


# ---- relay ------------------------------------------------------------------

def case_relay(tmp):
    api = Api()
    srv = http_server(api)
    hport = srv.server_address[1]
    src = api_layout(hport, every=0.5)
    src_path = os.path.join(tmp, "source.json")
    with open(src_path, "w") as f:
        json.dump(src, f)
    wport = free_port()
    env = dict(os.environ, BS_TEST_TOKEN=TOKEN)
    relay = Proc([FEED, "--port", str(wport), "--from", "api", "--layout", src_path], env=env)
    try:
        end = time.monotonic() + 10
        while "listening" not in relay.text() and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(1.0)
        screen = {"feeds": [{"id": "main", "url": "ws://127.0.0.1:%d/" % wport}],
                  "widgets": [kpi("members", "members.realname", 0), kpi("office", "office.rate", 60, decimals=1),
                              {"id": "rank", "type": "ranking", "rect": [600, 0, 600, 300], "bind": "wechat.rank"}]}
        lpath = os.path.join(tmp, "screen.json")
        with open(lpath, "w") as f:
            json.dump(screen, f)
        polls_before = len(api.requests)
        t_start = time.monotonic()
        procs = []
        for i in range(10):
            rp = os.path.join(tmp, "screen%d.report.json" % i)
            procs.append((rp, Proc([BIGSCREEN, "--headless", "--no-state", "--run-for", "3", "--report", rp, lpath])))
            time.sleep(0.1)
        for rp, p in procs:
            assert p.wait(40) == 0, p.text()
        polls = len(api.requests) - polls_before
        elapsed = time.monotonic() - t_start
        for rp, p in procs:
            with open(rp) as f:
                r = json.load(f)
            assert widget(r, "members")["text"].startswith("12,346"), widget(r, "members")
            assert widget(r, "office")["text"].startswith("91.5"), widget(r, "office")
            assert len(widget(r, "rank")["rows"]) == 3
            assert feed(r, "main")["state"] == "up"
        # one poller: the API saw the relay's polls only (every 0.5 s), not ten screens' worth
        assert polls <= elapsed / 0.5 + 3, (polls, elapsed)
        print("ok   relay: ten headless screens from one poller (%d polls of the API in %.1f s while they ran)"
              % (polls, elapsed))
    finally:
        relay.stop()
        srv.shutdown()
    assert TOKEN not in relay.text()
    # replay: the t=0 line reaches a client that connects later
    jl = os.path.join(tmp, "replay.jsonl")
    with open(jl, "w") as f:
        f.write(json.dumps({"t": 0, "msg": {"topic": "office.rate", "value": 42.5}}) + "\n")
        f.write(json.dumps({"t": 30, "msg": {"topic": "office.rate", "value": 1}}) + "\n")
    wport = free_port()
    rep = Proc([FEED, "--port", str(wport), "--replay", jl])
    try:
        time.sleep(1.0)                  # the t=0 line is long sent when the screen connects
        screen = {"feeds": [{"id": "main", "url": "ws://127.0.0.1:%d/" % wport}],
                  "widgets": [kpi("office", "office.rate", 0, decimals=1)]}
        r, log = run_screen(tmp, screen, 1.5, name="late")
        assert widget(r, "office")["text"].startswith("42.5"), widget(r, "office")
        print("ok   replay: a late client gets the t=0 line through the relay's state")
    finally:
        rep.stop()


# ---- union-hall, pointed at real sources by editing its feeds only -------------

def case_union_hall(tmp):
    api = Api()
    srv = http_server(api)
    pg = Postgres(tmp)
    try:
        pg.start()
        pg_fixture(pg)
        targets = os.path.join(tmp, "targets.csv")
        with open(targets, "w") as f:
            f.write("topic,value\ncourses.cloud,100\ntraining.online,50\nquiz.member_day,8\nbenefit.holiday,4\n"
                    "lectures,10\n")
        feeds = [
            {"id": "api", "url": "http://127.0.0.1:%d/v1/kpi" % srv.server_address[1], "every": 1,
             "token_env": "BS_TEST_TOKEN",
             "map": [{"topic": "members.realname", "path": "data.members.realname"},
                     {"topic": "office.rate", "path": "data.office.0.v"},
                     {"topic": "wechat.rank", "path": "data.accounts", "pick": {"name": "acct", "value": "fans"},
                      "sort": "desc", "top": 10},
                     {"topic": "wechat.position", "path": "data.wechat_pos"},
                     {"topic": "jobs.postings", "path": "data.jobs"},
                     {"topic": "news", "path": "data.news"}]},
            {"id": "db", "url": "postgresql://bigscreen@127.0.0.1:%d/postgres" % pg.port,
             "password_env": "BS_TEST_DBPW", "every": 2,
             "queries": [{"topic": "apply.total", "sql": "select count(*) from application where year = 2026"},
                         {"topic": "apply.kinds", "sql": "select kind as name, count(*) as value from application "
                                                         "group by kind order by 2 desc", "shape": "rows"},
                         {"topic": "towns", "sql": "select town, rate from town_office_rate", "shape": "map"}]},
            {"id": "targets", "url": "file:" + targets}]
        out = os.path.join(tmp, "union-hall-real.json")
        subprocess.run([sys.executable, os.path.join(ROOT, "tests", "integration", "set_feeds.py"),
                        os.path.join(ROOT, "layouts", "union-hall.json"), out, json.dumps(feeds)], check=True)
        rpath = os.path.join(tmp, "uh.report.json")
        png = os.environ.get("UNION_HALL_PNG")
        env = dict(os.environ, BS_TEST_TOKEN=TOKEN, BS_TEST_DBPW=PASSWORD)
        p = Proc([BIGSCREEN, "--headless", "--no-state", "--run-for", "4", "--report", rpath, out], env=env)
        assert p.wait(40) == 0, p.text()
        with open(rpath) as f:
            r = json.load(f)
        for fid in ("api", "db", "targets"):
            assert feed(r, fid)["state"] == "up", (feed(r, fid), p.text())
        print("ok   union-hall with an API, a database and a file:")
        for w in r["widgets"]:
            if w["text"]:
                print("       %-22s %s" % (w["id"], w["text"]))
        print("     feeds: " + ", ".join("%s %s %d msgs %.1f ms/poll" % (f["id"], f["state"], f["messages"],
                                                                        f.get("poll_ms", 0)) for f in r["feeds"]))
        if png:
            shutil.copy(out, png + ".json")
    finally:
        pg.stop()
        srv.shutdown()


def main():
    tmp = tempfile.mkdtemp(prefix="bs-sources-")
    try:
        {"http": case_http, "http-bad": case_http_bad, "file": case_file, "pg": case_pg, "mysql": case_mysql,
         "relay": case_relay, "union-hall": case_union_hall}[CASE](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
