#!/bin/sh
# store-budget.sh BIGSCREEN FEED — the issue's recipe through the real feed
# path: ~1 MB appends to two bound topics (up to 128, over ws:// from
# bigscreen-feed --replay). The store stays under its byte budget (history
# evicted, counted), RSS stays bounded, the state file stays under the
# 64 MiB the loader reads, and the next boot loads it: the last values are
# back (stale) instead of lost.
set -u
bs=$1; feed=$2
tmp=$(mktemp -d); fpid=""; bpid=""
trap '[ -n "$fpid" ] && kill $fpid 2>/dev/null; [ -n "$bpid" ] && kill $bpid 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/big.json" <<'JSON'
{
  "canvas": { "width": 640, "height": 240 },
  "feeds": [ { "id": "main", "url": "ws://127.0.0.1:1/", "limits": { "string_len": 1048576 } } ],
  "widgets": [
    { "id": "a", "type": "kpi", "rect": [0, 0, 320, 240], "title": "A", "bind": { "topic": "big.a", "path": "v" } },
    { "id": "b", "type": "kpi", "rect": [320, 0, 320, 240], "title": "B", "bind": { "topic": "big.b", "path": "v" } }
  ]
}
JSON
python3 - "$tmp/big.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(128):
        msg = {"topic": "big.a" if i % 2 == 0 else "big.b", "op": "append",
               "value": {"v": i, "pad": chr(97 + i % 26) * 1000000}}
        f.write(json.dumps({"t": round(i * 0.03, 3), "msg": msg}) + "\n")
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$feed" --replay "$tmp/big.jsonl" --bind 127.0.0.1 --port "$port" >"$tmp/feed.log" 2>&1 &
fpid=$!
for i in $(seq 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port)).close()" 2>/dev/null && break; sleep 0.1; done
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bs" --headless --run-for 300 --metrics "$mport" --state-dir "$tmp/state" --report "$tmp/r1.json" \
    --feed "main=ws://127.0.0.1:$port/" "$tmp/big.json" 2>"$tmp/err1" &
bpid=$!
# until the appends are in (the screen's count of frames received has not
# moved for 4 s; 90 s at most: a sanitizer build on a loaded machine parses
# 1 MB messages slowly), then SIGTERM
hwm=0; t0=$(date +%s); last=-1; still=0
while kill -0 $bpid 2>/dev/null; do
    h=$(awk '/^VmHWM:/ { print $2 }' /proc/$bpid/status 2>/dev/null)
    [ -n "$h" ] && hwm=$h
    n=$(python3 -c "import urllib.request as u; t=u.urlopen('http://127.0.0.1:$mport/metrics',timeout=2).read().decode()
print(max([int(float(l.split()[-1])) for l in t.splitlines() if l.startswith('bigscreen_feed_messages_total')] or [0]))" 2>/dev/null)
    if [ "${n:-0}" -gt 0 ] && [ "$n" = "$last" ]; then still=$((still + 1)); else still=0; last=${n:-0}; fi
    if [ $still -ge 8 ] || [ $(( $(date +%s) - t0 )) -ge 90 ]; then kill -TERM $bpid; break; fi
    sleep 0.5
done
wait $bpid; rc1=$?; bpid=""
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null; fpid=""
state=$(ls "$tmp"/state/*.state.json 2>/dev/null | head -1)
size=$( [ -n "$state" ] && stat -c %s "$state" || echo 0)
# the second boot: no feed at all, only what was saved
"$bs" --headless --run-for 2 --state-dir "$tmp/state" --report "$tmp/r2.json" --feed "main=ws://127.0.0.1:1/" \
    "$tmp/big.json" 2>"$tmp/err2"; rc2=$?
# AddressSanitizer's shadow memory and quarantine add hundreds of MB of their own
asan=0; grep -q __asan_init "$bs" && asan=1
python3 - "$tmp" "$rc1" "$rc2" "$hwm" "$size" "$asan" <<'PY'
import json, os, sys
tmp, rc1, rc2, hwm, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rss_cap_mb = 800 if int(sys.argv[6]) else 300    # under ASan: shadow memory and quarantine
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
check(rc1 == 0 and rc2 == 0, "both boots exit 0 (%d, %d)" % (rc1, rc2))
r1 = json.load(open(tmp + "/r1.json")) if os.path.exists(tmp + "/r1.json") else {}
st, fd = r1.get("store", {}), (r1.get("feeds") or [{}])[0]
w1 = {x["id"]: x for x in r1.get("widgets", [])}
# the replay batches what is due at once into one frame: a loaded machine gets fewer, bigger frames
check(w1.get("a", {}).get("text") == "126" and w1.get("b", {}).get("text") == "127",
      "the feed delivered the appends, the last ones shown (%r, %r; %s frames)"
      % (w1.get("a", {}).get("text"), w1.get("b", {}).get("text"), fd.get("messages")))
check("budget" in st and st.get("bytes", 1 << 40) <= st.get("budget", 0),
      "the store is under its byte budget (%s of %s bytes)" % (st.get("bytes"), st.get("budget")))
check(st.get("evicted", 0) > 0, "old history was evicted, counted (%s)" % st.get("evicted"))
check(0 < hwm < rss_cap_mb * 1024, "peak RSS %.0f MB, under %d MB (the unbudgeted store took 559 MB)" % (hwm / 1024, rss_cap_mb))
check(0 < size <= 64 << 20, "state file %.1f MB, under the loader's 64 MiB" % (size / 1e6))
err2 = open(tmp + "/err2").read()
check("not loaded" not in err2, "the next boot loads it" + ("" if "not loaded" not in err2 else ": " + err2.strip()[:200]))
r2 = json.load(open(tmp + "/r2.json")) if os.path.exists(tmp + "/r2.json") else {}
check(r2.get("state_loaded", 0) > 0, "last-known values back at boot (%s messages)" % r2.get("state_loaded"))
w = {x["id"]: x for x in r2.get("widgets", [])}
check(all(w.get(k, {}).get("text") for k in "ab") and all(w.get(k, {}).get("stale") for k in "ab"),
      "both widgets show their last value, stale (%r, %r)" % (w.get("a", {}).get("text"), w.get("b", {}).get("text")))
sys.exit(1 if fails else 0)
PY
