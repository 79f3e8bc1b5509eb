#!/usr/bin/env python3
"""Integration tests for live WebSocket feeds: real servers on 127.0.0.1.

usage: feeds.py BIGSCREEN BIGSCREEN_FEED SOURCE_ROOT CASE
CASE: demo | restart | refused | garbage | stall | tls | all

Each case starts its own servers on a random free port, runs
`bigscreen --headless --run-for S --report R` against them, checks the
report, and cleans up (temp dir, child processes) whatever happens.
The garbage and stall servers are independent implementations (Python's
`websockets` from Debian's python3-websockets, and raw sockets), so the
client is never only tested against our own server.
"""
import os
import sys

try:
    import websockets  # noqa: F401
except ImportError:  # e.g. a pyenv python without Debian's modules
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: python3-websockets is not installed (apt-get install python3-websockets)")
    sys.exit(77)

import asyncio
import base64
import hashlib
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

BIGSCREEN, FEED, ROOT = sys.argv[1], sys.argv[2], sys.argv[3]
LAYOUT = os.path.join(ROOT, "layouts", "union-hall.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process whose stderr/stdout lines are collected with times."""

    def __init__(self, argv, env=None):
        self.lines = []
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def wait_line(self, needle, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for t, l in self.lines:
                if needle in l:
                    return t
            time.sleep(0.02)
        raise AssertionError("no line containing %r within %.1fs; got:\n%s" % (needle, timeout, self.text()))

    def text(self):
        return "\n".join(l for _, l in self.lines)

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.t.join(1)
        return self.p.returncode


def feed_server(port, *extra):
    s = Proc([FEED, "--port", str(port), "--demo", "--tick", "0.5", *extra])
    s.wait_line("listening")
    return s


def bigscreen(tmp, port, run_for, path="/"):
    rep = os.path.join(tmp, "report.json")
    argv = [BIGSCREEN, "--headless", "--run-for", str(run_for), "--state-dir", os.path.join(tmp, "state"),
            "--feed", "main=ws://127.0.0.1:%d%s" % (port, path), "--report", rep, LAYOUT]
    return Proc(argv), rep


def finish(bs, rep, run_for):
    try:
        bs.p.wait(run_for + 20)
    except subprocess.TimeoutExpired:
        bs.p.kill()
        raise AssertionError("bigscreen did not exit in time")
    bs.t.join(1)
    assert bs.p.returncode == 0, "bigscreen exit %s:\n%s" % (bs.p.returncode, bs.text())
    with open(rep) as f:
        r = json.load(f)
    return r


def widget(r, wid):
    for w in r["widgets"]:
        if w["id"] == wid:
            return w
    raise AssertionError("no widget " + wid)


def check_live_values(r):
    for wid in ("members", "applications", "office-rate", "jobs"):
        w = widget(r, wid)
        assert w["text"] and "--" not in w["text"], "%s shows %r" % (wid, w["text"])
        assert not w["stale"], "%s is stale" % wid


# ---- cases -----------------------------------------------------------------

def case_demo(tmp):
    port = free_port()
    srv = feed_server(port)
    try:
        bs, rep = bigscreen(tmp, port, 4)
        r = finish(bs, rep, 4)
    finally:
        srv.stop()
    f = r["feeds"][0]
    assert f["state"] == "up", f
    assert f["connects"] == 1 and f["messages"] > 0 and f["rejected"] == 0, f
    assert r["banner"] == "", r["banner"]
    check_live_values(r)
    print("demo: %d messages, %d bytes; office-rate %s" % (f["messages"], f["bytes"], widget(r, "office-rate")["text"]))


def case_restart(tmp):
    port = free_port()
    srv = feed_server(port)
    run_for = 7
    try:
        bs, rep = bigscreen(tmp, port, run_for)
        bs.wait_line("connected to")
        time.sleep(1.5)
        srv.stop()
        t_down = time.monotonic()
        bs.wait_line("connection lost")
        time.sleep(1.0)
        srv = feed_server(port)
        t_up = srv.wait_line("listening")
        t_re = bs.wait_line("reconnected", timeout=8)
        r = finish(bs, rep, run_for)
    finally:
        srv.stop()
    f = r["feeds"][0]
    assert f["state"] == "up" and f["connects"] >= 2, f
    assert r["banner"] == "", r["banner"]
    check_live_values(r)
    print("restart: server down %.2fs; reconnected %.0f ms after the server was back (connects %d)"
          % (t_up - t_down, (t_re - t_up) * 1000, f["connects"]))


def case_refused(tmp):
    port = free_port()
    run_for = 6
    bs, rep = bigscreen(tmp, port, run_for)
    srv = None
    try:
        bs.wait_line("connection failed")
        time.sleep(2.0)
        srv = feed_server(port)
        t_up = srv.wait_line("listening")
        t_c = bs.wait_line("connected to", timeout=8)
        r = finish(bs, rep, run_for)
    finally:
        if srv:
            srv.stop()
        bs.stop()
    f = r["feeds"][0]
    assert f["state"] == "up" and f["connects"] == 1 and f["messages"] > 0, f
    check_live_values(r)
    print("refused: connected %.0f ms after the server appeared" % ((t_c - t_up) * 1000))


def garbage_frames():
    """(kind, payload): kind 't' text str, 'b' binary, 'raw' raw text bytes,
    'frag' list of text fragments."""
    big = '[' + ','.join(['{"topic":"big","value":"%s"}' % ("x" * 1000)] * 2200) + ']'   # > 1 MiB
    deep = '{"topic":"deep","value":' + '[' * 5000 + ']' * 5000 + '}'
    bulk = json.dumps([{"topic": "bulk.%d" % i, "value": i} for i in range(10000)])
    return [
        ("t", json.dumps({"topic": "members.realname", "value": 12345})),
        ("t", "{not json"),
        ("t", ""),
        ("t", "null"),
        ("t", json.dumps([{"topic": 5, "value": 1}, {"topic": "office.rate", "value": 55.5},
                          {"op": "merge", "topic": "x", "value": 3}, {"topic": "y", "ts": "yesterday", "value": 1},
                          "string", 7, {"op": "explode", "topic": "z", "value": 1}, {"topic": "", "value": 1}])),
        ("b", b"\x00\x01\x02binary\xff"),
        ("t", big),
        ("t", deep),
        ("raw", b'[{"topic":"office.rate","value":1},{"topic":"bad","value":"\xff\xfe"}]'),
        ("t", json.dumps({"topic": "t" * 5000, "value": 1})),
        ("t", json.dumps({"topic": "s", "value": "y" * 100000})),
        ("t", json.dumps({"topic": "nan", "value": 1e400}).replace("Infinity", "1e999")),
        ("t", bulk),
        ("frag", ['{"topic":"jobs.po', 'stings","val', 'ue":4321}']),
        ("t", json.dumps([{"topic": "office.rate", "value": 66.6}, {"bad": 1},
                          {"topic": "apply.total", "value": 777}, {"topic": "q", "value": {"a": [1, 2, {"b": None}]}}])),
    ]


GARBAGE_STOP = threading.Event()


async def garbage_handler(ws, path=None):
    for kind, payload in garbage_frames():
        if kind == "t":
            await ws.send(payload)
        elif kind == "b":
            await ws.send(payload)
        elif kind == "raw":
            await ws.write_frame(True, 0x1, payload)
        elif kind == "frag":
            for i, part in enumerate(payload):
                await ws.write_frame(i == len(payload) - 1, 0x1 if i == 0 else 0x0, part.encode())
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.02)
    while not GARBAGE_STOP.is_set():
        await asyncio.sleep(0.05)


def run_server(handler, port, stop_evt, **kw):
    async def main():
        async with websockets.serve(handler, "127.0.0.1", port, max_size=None, **kw):
            while not stop_evt.is_set():
                await asyncio.sleep(0.05)
    asyncio.run(main())


def case_garbage(tmp):
    port = free_port()
    stop = GARBAGE_STOP
    th = threading.Thread(target=run_server, args=(garbage_handler, port, stop), daemon=True)
    th.start()
    time.sleep(0.3)
    try:
        bs, rep = bigscreen(tmp, port, 5)
        r = finish(bs, rep, 5)
    finally:
        stop.set()
        th.join(5)
    f = r["feeds"][0]
    assert f["state"] == "up" and f["connects"] == 1, f        # the connection was kept
    assert widget(r, "office-rate")["text"] == "66.6%", widget(r, "office-rate")
    assert widget(r, "members")["text"].startswith("12,345"), widget(r, "members")
    assert widget(r, "jobs")["text"].startswith("4,321"), widget(r, "jobs")            # fragments joined
    assert widget(r, "applications")["text"].startswith("777"), widget(r, "applications")
    # bad frames: invalid JSON, empty, binary, oversized, deep, bad UTF-8, long topic, long string;
    # bad messages: 6 in the mixed frame + 1 in the last frame + null frame
    assert f["rejected"] >= 15, f
    assert f["messages"] >= 10000, f
    print("garbage: %d accepted, %d rejected, store %s, queue %s" % (f["messages"], f["rejected"], r["store"], r["queue"]))


def ws_accept(key):
    return base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()


def text_frame(payload, fin=True, opcode=1):
    b = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        b += bytes([n])
    elif n < 65536:
        b += bytes([126]) + n.to_bytes(2, "big")
    else:
        b += bytes([127]) + n.to_bytes(8, "big")
    return b + payload


def stall_server(lsock, stop, conns):
    """Raw RFC 6455 server: 1st connection sends a value, then half a frame,
    then nothing (and answers no PING); later ones send another value."""
    lsock.settimeout(0.2)
    held = []
    while not stop.is_set():
        try:
            c, _ = lsock.accept()
        except socket.timeout:
            continue
        conns.append(time.monotonic())
        req = b""
        c.settimeout(2)
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                break
            req += d
        key = ""
        for line in req.decode(errors="replace").split("\r\n"):
            if line.lower().startswith("sec-websocket-key:"):
                key = line.split(":", 1)[1].strip()
        c.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n" % ws_accept(key)).encode())
        if len(conns) == 1:
            c.sendall(text_frame(b'{"topic":"office.rate","value":11.1}'))
            whole = text_frame(b'{"topic":"office.rate","value":22.2,"pad":"' + b"p" * 1000 + b'"}')
            c.sendall(whole[:40])          # header + 38 bytes of 1000+, then silence
        else:
            c.sendall(text_frame(b'{"topic":"office.rate","value":33.3}'))
        held.append(c)                     # keep it open; never read PINGs
    for c in held:
        c.close()


def case_stall(tmp):
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4)
    port = lsock.getsockname()[1]
    stop = threading.Event()
    conns = []
    th = threading.Thread(target=stall_server, args=(lsock, stop, conns), daemon=True)
    th.start()
    run_for = 14
    try:
        bs, rep = bigscreen(tmp, port, run_for)
        r = finish(bs, rep, run_for)
    finally:
        stop.set()
        th.join(5)
        lsock.close()
    f = r["feeds"][0]
    assert len(conns) >= 2 and f["connects"] >= 2, (conns, f)   # hung up on the stalled one, came back
    assert widget(r, "office-rate")["text"] == "33.3%", widget(r, "office-rate")
    frames = r["render"]["frames"] + r["render"].get("slept", 0)   # run, or slept through idle
    assert frames > run_for * 60 * 0.3, "render loop stalled: %d frames in %d s" % (frames, run_for)
    print("stall: hung up after %.1f s of silence; %d frames rendered meanwhile"
          % (conns[1] - conns[0], frames))


def case_tls(tmp):
    """wss: verified by default (self-signed refused), ca_file accepted,
    bearer token sent as Authorization and never printed."""
    if not shutil.which("openssl"):
        print("tls: no openssl binary; skipped")
        return
    import ssl
    key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    auth = []

    async def handler(ws, path=None):
        auth.append(ws.request_headers.get("Authorization"))
        await ws.send('{"topic":"office.rate","value":77.7}')
        while not stop.is_set():
            await asyncio.sleep(0.05)

    port = free_port()
    stop = threading.Event()
    th = threading.Thread(target=run_server, args=(handler, port, stop), kwargs={"ssl": ctx}, daemon=True)
    th.start()
    time.sleep(0.3)
    with open(LAYOUT) as f:
        text = f.read()
    results = {}
    try:
        for name, extra in (("default", ""), ("ca", ', "ca_file": "%s"' % crt)):
            lay = os.path.join(tmp, "tls-%s.json" % name)
            with open(lay, "w") as f:
                f.write(text.replace('{ "id": "main", "url": "demo:" }',
                                     '{ "id": "main", "url": "wss://localhost:%d/", "token_env": "BS_IT_TOKEN"%s }'
                                     % (port, extra)))
            rep = os.path.join(tmp, "r-%s.json" % name)
            env = dict(os.environ, BS_IT_TOKEN="s3cr3t-token")
            p = subprocess.run([BIGSCREEN, "--headless", "--no-state", "--run-for", "2", "--report", rep, lay],
                               capture_output=True, text=True, env=env, timeout=30)
            assert p.returncode == 0, p.stderr
            assert "s3cr3t" not in p.stdout + p.stderr, "the token was printed"
            with open(rep) as f:
                results[name] = json.load(f)
    finally:
        stop.set()
        th.join(5)
    d, c = results["default"]["feeds"][0], results["ca"]["feeds"][0]
    assert d["state"] == "down" and d["connects"] == 0, d        # self-signed: refused
    assert c["state"] == "up" and c["connects"] == 1, c
    assert widget(results["ca"], "office-rate")["text"] == "77.7%"
    assert auth and all(a == "Bearer s3cr3t-token" for a in auth), auth
    print("tls: self-signed refused by default, accepted with ca_file; token sent %d times" % len(auth))


CASES = {"tls": case_tls, "demo": case_demo, "restart": case_restart, "refused": case_refused,
         "garbage": case_garbage, "stall": case_stall}


def main():
    names = list(CASES) if sys.argv[4] == "all" else [sys.argv[4]]
    failed = 0
    for name in names:
        tmp = tempfile.mkdtemp(prefix="bs-it-%s-" % name)
        t0 = time.monotonic()
        try:
            CASES[name](tmp)
            print("ok   %s (%.1fs)" % (name, time.monotonic() - t0))
        except AssertionError as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
