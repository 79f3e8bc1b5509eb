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
nats-server -a 127.0.0.1 -p "$port" >"$tmp/srv1.log" 2>&1 &
srv=$!
sleep 0.5
"$bs" --headless --run-for 6 --no-state --feed "main=nats://127.0.0.1:$port" --report "$tmp/r.json" \
  "$src/layouts/union-hall.json" 2>"$tmp/err" &
pid=$!
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
sleep 1.5
pub "office.rate 93.4" "members.realname {\"topic\":\"members.realname\",\"value\":130001}" \
    "jobs.postings not-json-at-all" "apply.total [[[[" 
# the server goes away and comes back; the screen reconnects and gets new values
kill $srv; wait $srv 2>/dev/null
sleep 1
nats-server -a 127.0.0.1 -p "$port" >"$tmp/srv2.log" 2>&1 &
srv=$!
sleep 1.5
pub "apply.total 4321"
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
