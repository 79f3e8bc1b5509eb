#!/bin/sh
# nats.sh BIGSCREEN SRCDIR — a NATS feed against Debian's nats-server on
# 127.0.0.1: values published as plain values and as message objects show;
# garbage is counted; the server killed and restarted → reconnect.
set -u
bs=$1; src=$2
command -v nats-server >/dev/null || { echo "nats-server not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { kill $srv $pid 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$port" >"$tmp/srv1.log" 2>&1 &
srv=$!
# Every step waits on the screen's own metrics (no fixed sleeps: a loaded
# machine takes seconds where an idle one takes milliseconds), 30 s at most.
"$bs" --headless --run-for 120 --no-state --metrics "$mport" --feed "main=nats://127.0.0.1:$port" \
  --report "$tmp/r.json" "$src/layouts/union-hall.json" 2>"$tmp/err" &
pid=$!
until_metrics() { # WHAT PYTHON-CONDITION-ON-v — waits until the condition holds on the metrics
  python3 - "$mport" "$1" "$2" <<'PY' || { cat "$tmp/err"; exit 1; }
import sys, time, urllib.request
port, what, cond = sys.argv[1:4]
deadline = time.monotonic() + 30
v = {}
while time.monotonic() < deadline:
    try:
        text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=3).read().decode()
        v = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                k, x = line.rsplit(" ", 1)
                v[k.replace('{feed="main"}', "").replace('{feed="main",state=', "{")] = float(x)
        if eval(cond, {"v": v}):
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
print("FAIL waiting for %s: %s not within 30 s" % (what, cond))
sys.exit(1)
PY
}
pub() { # publish "subject payload" lines through the NATS text protocol
  python3 - "$port" "$@" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.recv(4096)                                   # INFO
s.sendall(b'CONNECT {"verbose":false}\r\n')
for arg in sys.argv[2:]:
    subj, payload = arg.split(" ", 1)
    data = payload.encode()
    s.sendall(b"PUB %s %d\r\n%s\r\n" % (subj.encode(), len(data), data))
s.sendall(b"PING\r\n")
s.recv(4096)                                   # PONG: all delivered to the server
s.close()
PY
}
# "up" is set as the connection opens, just before the subscriptions go out
# on the same connection: a moment later they are in place
until_metrics "the first connection" 'v.get("bigscreen_feed_up{\"up\"}") == 1'
sleep 0.5
pub "office.rate 93.4" "members.realname {\"topic\":\"members.realname\",\"value\":130001}" \
    "jobs.postings not-json-at-all" "apply.total [[[["
until_metrics "the four values" 'v.get("bigscreen_feed_messages_total", 0) >= 4'
# the server goes away and comes back; the screen reconnects and gets new values
kill $srv; wait $srv 2>/dev/null
until_metrics "the feed down" '"bigscreen_feed_up{\"up\"}" not in v and v'
nats-server -a 127.0.0.1 -p "$port" >"$tmp/srv2.log" 2>&1 &
srv=$!
until_metrics "the reconnect" 'v.get("bigscreen_feed_up{\"up\"}") == 1 and v.get("bigscreen_feed_connects_total", 0) >= 2'
sleep 0.5
pub "apply.total 4321"
until_metrics "the value after the restart" 'v.get("bigscreen_feed_messages_total", 0) >= 5'
kill -TERM $pid
wait $pid; rc=$?
cat "$tmp/err"
[ $rc -eq 0 ] || { echo "FAIL bigscreen exited $rc"; exit 1; }
python3 - "$tmp/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w = {x["id"]: x for x in r["widgets"]}
f = r["feeds"][0]
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
check(w["office-rate"]["text"] == "93.4%", "a plain value shows (%s)" % w["office-rate"]["text"])
check(w["members"]["text"].startswith("130,001"), "a message object shows (%s)" % w["members"]["text"])
check(w["applications"]["text"].startswith("4,321"), "a value after the server restart shows (%s)" % w["applications"]["text"])
check(f["state"] == "up" and f["connects"] >= 2, "reconnected (%s, %d connects)" % (f["state"], f["connects"]))
check(f["messages"] >= 5 and f["rejected"] == 0, "every publish arrived; text that is not JSON is a string value (%d messages)" % f["messages"])
check(w["jobs"]["text"] == "--个", "a KPI given a string shows -- (%s)" % w["jobs"]["text"])
sys.exit(1 if fails else 0)
PY
