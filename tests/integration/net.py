#!/usr/bin/env python3
"""Network hardening tests: hostile clients on the metrics port, listeners
bound to exactly the address asked for, feeds that come back from every way
a connection can end (hang, black hole, kill -9 a hundred times).

usage: net.py BIGSCREEN BIGSCREEN_FEED SOURCE_ROOT CASE
CASE: metrics-hostile | bind | hang | blackhole | chaos | plain-token | all

Servers listen on 127.0.0.1 (and [::1] / 127.0.0.2 only to prove that
nothing answers there) on ports the kernel hands out. Helpers (Proc,
free_port, widget, ...) come from feeds.py next to this file.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feeds  # noqa: E402  (re-execs under Debian's python3 when needed)
from feeds import Proc, free_port, widget  # noqa: E402

import json  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

BIGSCREEN, FEED, ROOT = feeds.BIGSCREEN, feeds.FEED, feeds.ROOT
LAYOUT = feeds.LAYOUT


# ---- helpers ---------------------------------------------------------------

def listeners(port):
    """Addresses listening on TCP port, from /proc/net/tcp{,6}: e.g.
    ['127.0.0.1'], ['::1'], ['0.0.0.0'], ['::']."""
    out = []
    for name, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    addr, st = parts[1], parts[3]
                    if st != "0A":                      # LISTEN
                        continue
                    hexip, hexport = addr.split(":")
                    if int(hexport, 16) != port:
                        continue
                    raw = bytes.fromhex(hexip)
                    if v6:
                        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                        out.append(socket.inet_ntop(socket.AF_INET6, raw))
                    else:
                        out.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
        except FileNotFoundError:
            pass
    return sorted(out)


def can_connect(host, port, timeout=1.0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def other_local_addresses():
    """Local addresses other than 127.0.0.1 that a wildcard listener would
    answer on: 127.0.0.2 (all of 127/8 is local on Linux), ::1, and any
    global IPv6 address of this machine."""
    out = ["127.0.0.2"]
    if have_ipv6_loopback():
        out.append("::1")
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                hexip, _, _, scope = line.split()[:4]
                if scope == "00":                       # global scope
                    out.append(socket.inet_ntop(socket.AF_INET6, bytes.fromhex(hexip)))
    except FileNotFoundError:
        pass
    return out


def get_metrics(port, host="127.0.0.1", timeout=5):
    h = "[%s]" % host if ":" in host else host
    text = urllib.request.urlopen("http://%s:%d/metrics" % (h, port), timeout=timeout).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            values[k] = float(v)
    return values


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def headless(tmp, run_for, *extra, feed_url=None, layout=LAYOUT, env=None):
    rep = os.path.join(tmp, "report.json")
    argv = [BIGSCREEN, "--headless", "--run-for", str(run_for), "--no-state", "--report", rep]
    if feed_url:
        argv += ["--feed", "main=" + feed_url]
    argv += list(extra) + [layout]
    return Proc(argv, env=env), rep


def finish(bs, rep, run_for):
    return feeds.finish(bs, rep, run_for)


def feed_server(port, *extra):
    return feeds.feed_server(port, *extra)


# ---- item 1: the metrics port against hostile clients ----------------------

def case_metrics_hostile(tmp):
    port = free_port()
    run_for = 22
    bs, rep = headless(tmp, run_for, "--metrics", str(port))
    held = []
    try:
        bs.wait_line("metrics on", timeout=10)
        # a port scan / TCP health check: connect and close
        socket.create_connection(("127.0.0.1", port)).close()
        time.sleep(0.3)
        assert bs.p.poll() is None, "connect-and-close killed the screen:\n" + bs.text()
        # random bytes, then close; random bytes, then hold
        rnd = random.Random(7)
        for hold in (False, True):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(bytes(rnd.getrandbits(8) for _ in range(4096)))
            (held.append(s) if hold else s.close())
        # a TLS hello on the plain HTTP port
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = socket.create_connection(("127.0.0.1", port))
        try:
            ctx.wrap_socket(s, server_hostname="localhost").close()
        except (ssl.SSLError, OSError):
            pass
        s.close()
        # half a request, then silence; and a bare idle socket
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        held.append(s)
        held.append(socket.create_connection(("127.0.0.1", port)))
        # 500 parallel connections that say nothing
        for _ in range(500):
            held.append(socket.create_connection(("127.0.0.1", port)))
        time.sleep(0.5)
        assert bs.p.poll() is None, "hostile clients killed the screen:\n" + bs.text()
        # the server hangs up on idle sockets by itself, and keeps answering
        t0 = time.monotonic()
        for s in held:
            s.settimeout(max(0.1, 20 - (time.monotonic() - t0)))
            try:
                while s.recv(4096):
                    pass
            except (socket.timeout, ConnectionResetError):
                pass
        t_idle = time.monotonic() - t0
        assert bs.p.poll() is None, "idle sockets timing out killed the screen:\n" + bs.text()
        open_left = 0
        for s in held:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    pass
                else:
                    open_left += 1
            except BlockingIOError:
                open_left += 1
            except OSError:
                pass
            s.close()
        held = []
        assert open_left == 0, "%d idle sockets still open after %.1f s" % (open_left, t_idle)
        v = get_metrics(port)
        assert v.get("bigscreen_frames_total", 0) > 0, v
        r = finish(bs, rep, run_for)
    finally:
        for s in held:
            s.close()
        bs.stop()
    assert r["render"]["frames"] > 0
    print("metrics-hostile: connect/close, random bytes, TLS hello, half request, 502 idle sockets "
          "(all hung up after %.1f s); /metrics still answers; clean exit" % t_idle)


# ---- item 2: listeners bind exactly the address asked for ------------------

def case_bind(tmp):
    others = other_local_addresses()
    fails = []

    def expect(port, want, label):
        got = listeners(port)
        if got != sorted(want):
            fails.append("%s: listening on %s, want %s" % (label, got, want))
        for a in want:
            if not can_connect(a, port):
                fails.append("%s: no answer on %s" % (label, a))
        for a in others + ["127.0.0.1"]:
            if a not in want and can_connect(a, port):
                fails.append("%s: answers on %s" % (label, a))

    # bigscreen --metrics PORT: 127.0.0.1 only
    specs = [("%d", ["127.0.0.1"]), ("127.0.0.1:%d", ["127.0.0.1"]), ("127.0.0.2:%d", ["127.0.0.2"])]
    if have_ipv6_loopback():
        specs.append(("[::1]:%d", ["::1"]))
    for spec, want in specs:
        port = free_port()
        s = spec % port
        bs, rep = headless(tmp, 3, "--metrics", s)
        try:
            bs.wait_line("metrics on", timeout=10)
            expect(port, want, "--metrics " + s)
        finally:
            bs.stop()
    # bad addresses: names and interfaces are refused up front
    for bad in ("eth0:9100", "localhost:9100", "1.2.3.4.5:9100", "[::1:9100", "127.0.0.1:", ":9100", "[::1]"):
        p = subprocess.run([BIGSCREEN, "--headless", "--run-for", "1", "--no-state", "--metrics", bad, LAYOUT],
                           capture_output=True, text=True, timeout=20)
        if p.returncode != 2 or "--metrics" not in p.stderr:
            fails.append("--metrics %s: exit %d, %r (want exit 2 and a message)" % (bad, p.returncode, p.stderr[-200:]))

    # bigscreen-feed --bind ADDR
    binds = [(None, ["127.0.0.1"]), ("127.0.0.1", ["127.0.0.1"])]
    if have_ipv6_loopback():
        binds.append(("::1", ["::1"]))
    for addr, want in binds:
        port = free_port()
        argv = [FEED, "--port", str(port), "--demo"] + (["--bind", addr] if addr else [])
        srv = Proc(argv)
        try:
            srv.wait_line("listening")
            expect(port, want, "bigscreen-feed --bind %s" % addr)
        finally:
            srv.stop()
    # an address that is not this machine's fails loudly instead of listening nowhere or everywhere
    for bad, code in (("192.0.2.123", 1), ("eth0", 2), ("localhost", 2)):
        port = free_port()
        p = subprocess.run([FEED, "--port", str(port), "--demo", "--bind", bad], capture_output=True, text=True,
                           timeout=10)
        if p.returncode != code or listeners(port):
            fails.append("bigscreen-feed --bind %s: exit %d (want %d), listeners %s, %r"
                         % (bad, p.returncode, code, listeners(port), p.stderr[-200:]))
    assert not fails, "\n".join(fails)
    print("bind: --metrics and --bind listen on exactly the address asked for; refused on %s" % ", ".join(others))


CASES = {
    "metrics-hostile": case_metrics_hostile,
    "bind": case_bind,
}


def main():
    names = list(CASES) if sys.argv[4] == "all" else [sys.argv[4]]
    failed = 0
    for name in names:
        tmp = tempfile.mkdtemp(prefix="bs-net-%s-" % name)
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
