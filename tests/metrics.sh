#!/bin/sh
# metrics.sh BIGSCREEN SRCDIR — --metrics serves Prometheus text on loopback:
# frames counted, the feed up, queue and memory figures; other paths 404;
# the screen still exits cleanly.
set -u
bs=$1; src=$2
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
err=$(mktemp); trap 'rm -f "$err"' EXIT
"$bs" --headless --run-for 60 --no-state --metrics "$port" "$src/layouts/union-hall.json" 2>"$err" &
pid=$!
# wait for the listener (a loaded machine may take seconds to start); the
# checks below poll until frames and the feed are there (at most 30 s), then
# SIGTERM ends the screen, which must exit 0
i=0
while ! grep -q "metrics on" "$err" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
python3 - "$port" <<'PY'
import sys, time, urllib.request, urllib.error
port = sys.argv[1]
def scrape():
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            values[k] = float(v)
    return values
deadline = time.monotonic() + 30
while True:
    values = scrape()
    if (values.get("bigscreen_frames_total", 0) > 30 and values.get('bigscreen_feed_up{feed="main",state="up"}') == 1
            and values.get('bigscreen_feed_messages_total{feed="main"}', 0) > 0) or time.monotonic() > deadline:
        break
    time.sleep(0.3)
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
check(values.get("bigscreen_frames_total", 0) > 30, "frames counted (%s)" % values.get("bigscreen_frames_total"))
check(values.get('bigscreen_feed_up{feed="main",state="up"}') == 1, "the demo feed is up")
check(values.get('bigscreen_feed_messages_total{feed="main"}', 0) > 0, "feed messages counted")
check(values.get("bigscreen_resident_memory_bytes", 0) > 1e6, "memory reported")
check('bigscreen_frame_work_seconds{quantile="0.99"}' in values, "frame-time quantiles")
try:
    urllib.request.urlopen("http://127.0.0.1:%s/other" % port, timeout=5)
    check(False, "other paths are 404")
except urllib.error.HTTPError as e:
    check(e.code == 404, "other paths are 404")
sys.exit(1 if fails else 0)
PY
rc=$?
kill -TERM $pid; wait $pid; brc=$?
[ $brc -eq 0 ] || { echo "FAIL bigscreen exited $brc"; cat "$err"; exit 1; }
echo "ok   bigscreen exited cleanly"
exit $rc
