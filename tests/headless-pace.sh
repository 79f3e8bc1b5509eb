#!/bin/sh
# headless-pace.sh BIGSCREEN FEED SRCDIR — the headless loop paces and counts like
# the window: under a flood (bigscreen-feed --demo every 10 ms) on union-hall at
# 240 fps, frames that miss their deadline are counted as late (and skipped slots
# as dropped) in the report, and frames + dropped cover the run's frame slots.
set -u
bs=$1; feed=$2; src=$3
tmp=$(mktemp -d); fpid=""
trap '[ -n "$fpid" ] && kill $fpid 2>/dev/null; rm -rf "$tmp"' EXIT
sed 's/"fps": *60/"fps": 240/' "$src/layouts/union-hall.json" >"$tmp/hall240.json"
cp "$src/layouts/linping-stylised.geojson" "$src/layouts/hangzhou-stylised.geojson" "$tmp/"
grep -q '"fps": 240' "$tmp/hall240.json" || { echo "FAIL could not make a 240 fps copy"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$feed" --demo --tick 0.01 --bind 127.0.0.1 --port "$port" >"$tmp/feed.log" 2>&1 &
fpid=$!
for i in $(seq 50); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port)).close()" 2>/dev/null && break; sleep 0.1; done
"$bs" --headless --run-for 3 --no-state --report "$tmp/r.json" --feed "main=ws://127.0.0.1:$port/" \
    "$tmp/hall240.json" 2>"$tmp/err" || { echo "FAIL bigscreen exited $?"; cat "$tmp/err"; exit 1; }
python3 - "$tmp/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["render"]
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
late, dropped, frames = r.get("late"), r.get("dropped"), r.get("frames", 0)
check(late is not None and dropped is not None, "the report has render.late and render.dropped (%r, %r)" % (late, dropped))
check((late or 0) > 0, "late frames counted under the flood (%r of %d)" % (late, frames))
slots = frames + (dropped or 0)
check(3 * 240 * 0.5 <= slots <= 3 * 240 * 1.5,
      "frames + dropped = %d frame slots of 3 s at 240 fps (720 expected)" % slots)
sys.exit(1 if fails else 0)
PY
