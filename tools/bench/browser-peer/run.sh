#!/usr/bin/env bash
# tools/bench/browser-peer/run.sh [SECONDS] — bigscreen against the browser it replaces, measured.
#
# (a) an ECharts page comparable to union-hall (index.html + page.js, data drifting once a second) in headless
#     Chromium at 1920x1080: CPU seconds and peak summed RSS of ALL Chromium processes (the tree under the
#     launched PID, sampled every 2 s);
# (b) bigscreen --windowed 1920x1080 on union-hall (demo: feed, once a second) under Xvfb: CPU seconds and peak
#     RSS of the bigscreen process, sampled the same way.
# Both for SECONDS (default 60), one after the other, never at once. Prints a table: CPU % of one core, peak RSS
# (and PSS) MB, and the ratios. Also writes a screenshot of the page to $SHOT (default /tmp/bigscreen-peer.png)
# so one can check that it really draws.
#
# Needs: chromium (apt-get install chromium), xvfb-run (xvfb), npm (echarts is installed into node_modules here at
# run time, git-ignored), python3, and a build: meson setup build-bench && ninja -C build-bench (BUILD= to change).
# Everything listens on 127.0.0.1 only and every process started is ended on exit.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build-bench}
BIN=$ROOT/$BUILD/renderer/bigscreen
SECS=${1:-60}
SHOT=${SHOT:-/tmp/bigscreen-peer.png}
CHROMIUM=${CHROMIUM:-chromium}

die() { echo "browser-peer: $*" >&2; exit 2; }
[ -x "$BIN" ] || die "$BIN missing — build first: meson setup $BUILD && ninja -C $BUILD"
command -v "$CHROMIUM" >/dev/null || die "chromium missing (apt-get install chromium)"
command -v xvfb-run >/dev/null || die "xvfb-run missing (apt-get install xvfb)"
command -v python3 >/dev/null || die "python3 missing"

if [ ! -f "$HERE/node_modules/echarts/dist/echarts.min.js" ]; then
    command -v npm >/dev/null || die "npm missing (apt-get install npm)"
    echo "browser-peer: installing echarts from npm into $HERE/node_modules"
    (cd "$HERE" && timeout 300 npm install --no-audit --no-fund --loglevel=error) || die "npm install failed"
fi
ECHARTS_VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
                  "$HERE/node_modules/echarts/package.json")

WORK=$(mktemp -d /tmp/bigscreen-peer.XXXXXX)
STARTED=()          # PIDs this script launched; their process trees are ended on exit

descendants() {     # every descendant PID of $1, deepest last
    local c
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        echo "$c"; descendants "$c"
    done
}
end_tree() {        # TERM a launched PID and its descendants, then KILL what is left after 3 s
    local pid=$1 all p i
    all="$pid $(descendants "$pid")"
    kill -TERM $all 2>/dev/null
    for ((i = 0; i < 30; i++)); do
        local alive=0
        for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    kill -KILL $all 2>/dev/null
    wait "$pid" 2>/dev/null
}
forget() {          # $1 has been ended: drop it from STARTED
    local p keep=()
    for p in "${STARTED[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    STARTED=("${keep[@]}")
}
cleanup() {
    local p
    for p in "${STARTED[@]}"; do [ -n "$p" ] && end_tree "$p"; done
    STARTED=()
    if [ "${KEEP:-0}" = 1 ]; then echo "browser-peer: work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the page, served from the project root (the page fetches /layouts/linping-stylised.geojson) -----------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$ROOT" >"$WORK/http.log" 2>&1 &
HTTP_PID=$!; STARTED+=("$HTTP_PID")
for ((i = 0; i < 50; i++)); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
URL="http://127.0.0.1:$PORT/tools/bench/browser-peer/index.html"

CHROME_FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
              --disable-component-update --disable-sync --hide-scrollbars --mute-audio --window-size=1920,1080)

# ---- a screenshot first, to see that the page draws: 8 s of virtual time (a few updates), chart animations off
#      (?shot=1: they do not advance in virtual time); the measured run below keeps them on ---------------------
PROFILE=$(mktemp -d "$WORK/profile.XXXXXX")
timeout 90 "$CHROMIUM" "${CHROME_FLAGS[@]}" --user-data-dir="$PROFILE" --virtual-time-budget=8000 \
    --screenshot="$SHOT" "$URL?shot=1" >"$WORK/shot.log" 2>&1 </dev/null
if [ -s "$SHOT" ]; then echo "browser-peer: screenshot of the page: $SHOT"
else echo "browser-peer: no screenshot (see $WORK/shot.log)"; KEEP=1; fi

# ---- (a) Chromium headless on the ECharts page ----------------------------------------------------------------
echo "browser-peer: (a) headless Chromium $("$CHROMIUM" --version 2>/dev/null | awk '{print $2}') + ECharts $ECHARTS_VERSION, ${SECS} s ..."
PROFILE=$(mktemp -d "$WORK/profile.XXXXXX")
"$CHROMIUM" "${CHROME_FLAGS[@]}" --user-data-dir="$PROFILE" "$URL" >"$WORK/chromium.log" 2>&1 </dev/null &
CH_PID=$!; STARTED+=("$CH_PID")
python3 "$HERE/proctree.py" "$CH_PID" "$SECS" --interval 2 --json "$WORK/chromium.json" >"$WORK/chromium.samples"
kill -0 "$CH_PID" 2>/dev/null || echo "browser-peer: warning: Chromium exited before the end (see $WORK/chromium.log)"
end_tree "$CH_PID"
forget "$CH_PID"
grep -c '"GET /tools/bench/browser-peer/page.js' "$WORK/http.log" >/dev/null ||
    echo "browser-peer: warning: the page script was never fetched (see $WORK/http.log)"
sleep 2                                       # let the machine settle between the runs

# ---- (b) bigscreen under Xvfb ---------------------------------------------------------------------------------
echo "browser-peer: (b) bigscreen under Xvfb, ${SECS} s ..."
xvfb-run -a -s "-screen 0 1920x1080x24" "$BIN" --windowed 1920x1080 --run-for "$SECS" --stats \
    layouts/union-hall.json >"$WORK/bigscreen.log" 2>&1 </dev/null &
XV_PID=$!; STARTED+=("$XV_PID")
# the bigscreen process appears under xvfb-run once Xvfb is up; sample the whole tree, report by name
python3 "$HERE/proctree.py" "$XV_PID" "$((SECS + 10))" --interval 2 --name bigscreen --name Xvfb \
    --json "$WORK/bigscreen.json" >"$WORK/bigscreen.samples"
wait "$XV_PID"; BS_RC=$?
forget "$XV_PID"
[ $BS_RC = 0 ] || { echo "browser-peer: bigscreen under xvfb-run exited with $BS_RC:"; tail -5 "$WORK/bigscreen.log"; }

# ---- the table ------------------------------------------------------------------------------------------------
python3 - "$WORK/chromium.json" "$WORK/bigscreen.json" "$SECS" "$ECHARTS_VERSION" <<'EOF'
import json, sys
ch = json.load(open(sys.argv[1]))["all"]
bj = json.load(open(sys.argv[2]))
bs, xv = bj["bigscreen"], bj["Xvfb"]
secs, ev = sys.argv[3], sys.argv[4]
def row(name, s):
    return "| %-40s | %7.1f | %7.1f | %8.1f | %8.1f | %4d |" % (
        name, s["cpu_pct"], s.get("steady_cpu_pct", float("nan")), s["peak_rss_mb"], s["peak_pss_mb"], s["max_procs"])
print()
print("Run of %s s each, one after the other; 2 cores, no GPU, everything on the CPU." % secs)
print("Chromium headless draws with its own software compositor (no display); bigscreen draws through SDL's")
print("software renderer into an Xvfb window (the X server's work is in the Xvfb row, not in bigscreen's).")
print()
print("| %-40s | %7s | %7s | %8s | %8s | %4s |" % ("", "CPU %", "after10s", "peak RSS", "peak PSS", "proc"))
print("| %-40s | %7s | %7s | %8s | %8s | %4s |" % ("-" * 40, "-" * 7, "-" * 7, "-" * 8, "-" * 8, "-" * 4))
print(row("Chromium + ECharts %s (all processes)" % ev, ch))
print(row("bigscreen (the process)", bs))
print(row("Xvfb (display server for bigscreen)", xv))
r = lambda a, b: a / b if b else float("inf")
print()
print("CPU % of one core over the whole run; after10s: from the first sample at or after 10 s (start-up excluded).")
print("RSS of Chromium is summed over its processes (shared pages counted in each); PSS splits shared pages.")
print("ratio Chromium / bigscreen: CPU x%.1f (after 10 s x%.1f), peak RSS x%.1f, peak PSS x%.1f" % (
    r(ch["cpu_pct"], bs["cpu_pct"]), r(ch.get("steady_cpu_pct", 0), bs.get("steady_cpu_pct", 0)),
    r(ch["peak_rss_mb"], bs["peak_rss_mb"]), r(ch["peak_pss_mb"], bs["peak_pss_mb"])))
print("ratio Chromium / (bigscreen + Xvfb): CPU x%.1f, peak RSS x%.1f" % (
    r(ch["cpu_pct"], bs["cpu_pct"] + xv["cpu_pct"]), r(ch["peak_rss_mb"], bs["peak_rss_mb"] + xv["peak_rss_mb"])))
EOF
echo
echo "bigscreen --stats (last report):"
grep -v '^\s*$' "$WORK/bigscreen.log" | tail -3 | sed 's/^/  /'
exit 0
