#!/usr/bin/env bash
# tools/bench/soak.sh [--valgrind] [MINUTES] — "flat in memory for weeks", measured.
#
# Runs bigscreen --headless on union-hall against bigscreen-feed --demo --tick 0.05 (20 ticks/s) over
# ws://127.0.0.1, samples the bigscreen process's RSS (VmRSS) and CPU time (utime+stime) every 10 s, kills and
# restarts the feed server twice (at 1/3 and 2/3 of the run) so the reconnect path is exercised, and prints:
# RSS at 1 min, RSS at end, max RSS, the least-squares RSS slope over the last 80 % of samples (KB/hour),
# mean CPU % of one core and the report's feed/queue/store counters.
#
#   MINUTES      run length, default 10 (decimals allowed: 0.5 = 30 s)
#   --valgrind   the same under valgrind --leak-check=full (default 1 minute, one feed restart); prints the
#                "definitely lost" bytes and the stacks of definite leaks. RSS/CPU figures are then valgrind's.
#
# Environment: BUILD (default build-bench), KEEP=1 keeps the work directory (samples, logs, report).
# A benchmark, not a test: it prints figures and exits 0 unless something could not run.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build-bench}
BIN=$ROOT/$BUILD/renderer/bigscreen
FEED=$ROOT/$BUILD/tools/bigscreen-feed

VALGRIND=0
if [ "${1:-}" = "--valgrind" ]; then VALGRIND=1; shift; fi
if [ $VALGRIND = 1 ]; then MINUTES=${1:-1}; else MINUTES=${1:-10}; fi
DUR=$(awk -v m="$MINUTES" 'BEGIN { d = int(m * 60 + 0.5); print (d < 20 ? 20 : d) }')
INTERVAL=10

for f in "$BIN" "$FEED"; do
    [ -x "$f" ] || { echo "soak: $f missing — build first: meson setup $BUILD && ninja -C $BUILD" >&2; exit 2; }
done
if [ $VALGRIND = 1 ] && ! command -v valgrind >/dev/null; then
    echo "soak: valgrind not installed (apt-get install valgrind)" >&2; exit 2
fi

WORK=$(mktemp -d /tmp/bigscreen-soak.XXXXXX)
FEED_PID=""
BS_PID=""
cleanup() {
    [ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null && wait "$FEED_PID" 2>/dev/null
    [ -n "$BS_PID" ] && kill "$BS_PID" 2>/dev/null && wait "$BS_PID" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "soak: work files kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free TCP port on 127.0.0.1
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

wait_listening() {   # port, seconds
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

start_feed() {
    local try
    for try in 1 2 3 4 5; do
        "$FEED" --demo --tick 0.05 --bind 127.0.0.1 --port "$PORT" >>"$WORK/feed.log" 2>&1 &
        FEED_PID=$!
        wait_listening "$PORT" 5 && return 0
        kill "$FEED_PID" 2>/dev/null; wait "$FEED_PID" 2>/dev/null; FEED_PID=""
        sleep 1                     # port still held: try again
    done
    echo "soak: bigscreen-feed would not listen on 127.0.0.1:$PORT (see $WORK/feed.log)" >&2
    KEEP=1; exit 2
}

stop_feed() {
    [ -n "$FEED_PID" ] || return
    kill "$1" "$FEED_PID" 2>/dev/null
    wait "$FEED_PID" 2>/dev/null
    FEED_PID=""
}

start_feed

if [ $VALGRIND = 1 ]; then
    # the whole run under memcheck; leave ample time for valgrind's start-up and the leak check at exit
    RUN_CMD=(valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
             --num-callers=40 --log-file="$WORK/valgrind.log" "$BIN")
    RESTARTS=("$((DUR / 2))")
else
    RUN_CMD=("$BIN")
    RESTARTS=("$((DUR / 3))" "$((2 * DUR / 3))")
fi
# run 3 s past the last sample so the sample at DUR is taken from a live process
"${RUN_CMD[@]}" --headless --run-for "$((DUR + 3))" --no-state --report "$WORK/report.json" \
    --feed main="ws://127.0.0.1:$PORT/" layouts/union-hall.json >"$WORK/bigscreen.log" 2>&1 &
BS_PID=$!

HZ=$(getconf CLK_TCK)
echo "soak: bigscreen pid $BS_PID, feed on ws://127.0.0.1:$PORT/ (tick 0.05 s), ${DUR} s," \
     "sampling every ${INTERVAL} s, feed restarts at ${RESTARTS[*]} s$([ $VALGRIND = 1 ] && echo ', under valgrind')"
printf '%8s %10s %10s\n' "t_s" "rss_kb" "cpu_s"

sample() {   # prints "t rss_kb cpu_ticks" or fails when the process is gone
    local rss ticks
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$BS_PID/status" 2>/dev/null) || return 1
    [ -n "$rss" ] || return 1
    # fields after the ")" of comm: state is $1, utime is $12, stime is $13
    ticks=$(sed 's/^.*) //' "/proc/$BS_PID/stat" 2>/dev/null | awk '{ print $12 + $13 }') || return 1
    echo "$1 $rss $ticks"
}

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
next_sample=$INTERVAL        # the first sample at 10 s: start-up (fonts, map base layer) is not steady state
ri=0
: >"$WORK/samples"; : >"$WORK/restarts"
while kill -0 "$BS_PID" 2>/dev/null; do
    now=$(elapsed)
    if [ "$next_sample" -le "$DUR" ] && awk -v n="$now" -v s="$next_sample" 'BEGIN { exit !(n >= s) }'; then
        if line=$(sample "$now"); then
            echo "$line" >>"$WORK/samples"
            awk -v h="$HZ" '{ printf "%8.1f %10d %10.2f\n", $1, $2, $3 / h }' <<<"$line"
        fi
        next_sample=$((next_sample + INTERVAL))
    fi
    if [ $ri -lt ${#RESTARTS[@]} ] && awk -v n="$now" -v r="${RESTARTS[$ri]}" 'BEGIN { exit !(n >= r) }'; then
        # alternate a crash (SIGKILL) and a clean stop (SIGTERM); the server is away for 2 s each time
        sig=-KILL; [ $((ri % 2)) = 1 ] && sig=-TERM
        echo "   -- feed server killed ($sig) at ${now} s, restarted 2 s later"
        echo "$now" >>"$WORK/restarts"
        stop_feed "$sig"
        sleep 2
        start_feed
        ri=$((ri + 1))
    fi
    sleep 0.5
done
wait "$BS_PID"; BS_RC=$?
BS_PID=""
stop_feed -TERM

echo
if [ $BS_RC != 0 ]; then
    echo "soak: bigscreen exited with status $BS_RC; last lines of its log:"; tail -20 "$WORK/bigscreen.log"
fi

# ---- figures -----------------------------------------------------------------------------------------------
awk -v hz="$HZ" '
    BEGIN { n = 0; nr = 0 }
    FNR == NR { rt[nr++] = $1; next }                 # first file: feed restart times
    { t[n] = $1; r[n] = $2; c[n] = $3; n++ }
    END {
        if (n < 2) { print "soak: fewer than 2 samples"; exit 1 }
        # RSS at 1 min: the first sample at or after 60 s (else the last one)
        r1 = r[n - 1]; t1 = t[n - 1]
        for (i = 0; i < n; i++) if (t[i] >= 60) { r1 = r[i]; t1 = t[i]; break }
        mx = 0; for (i = 0; i < n; i++) if (r[i] > mx) mx = r[i]
        # least squares over the last 80 % of samples
        s = int(n * 0.2); m = n - s; sx = sy = sxx = sxy = 0
        for (i = s; i < n; i++) { x = t[i] / 3600; sx += x; sy += r[i]; sxx += x * x; sxy += x * r[i] }
        d = m * sxx - sx * sx
        slope = (m > 1 && d > 0) ? (m * sxy - sx * sy) / d : 0
        cpu = (c[n - 1] - c[0]) / hz / (t[n - 1] - t[0]) * 100      # steady state: first to last sample
        cpuall = c[n - 1] / hz / t[n - 1] * 100                      # whole run, start-up included
        printf "RSS at 1 min      %8.1f MB  (%d KB, sample at %.0f s)\n", r1 / 1024, r1, t1
        printf "RSS at end        %8.1f MB  (%d KB, sample at %.0f s)\n", r[n - 1] / 1024, r[n - 1], t[n - 1]
        printf "max RSS           %8.1f MB  (%d KB)\n", mx / 1024, mx
        printf "RSS slope         %+8.1f KB/hour  (least squares over the last %d of %d samples, %.0f-%.0f s)\n",
               slope, m, n, t[s], t[n - 1]
        # the RSS step across each feed restart, and the drift between restarts, so steps and trends are told apart
        for (k = 0; k < nr; k++) {
            b = -1; a = -1
            for (i = 0; i < n; i++) { if (t[i] <= rt[k]) b = i; else if (a < 0) a = i }
            if (b >= 0 && a >= 0)
                printf "  feed restart at %4.0f s: RSS %d KB before, %d KB after (%+d KB)\n", rt[k], r[b], r[a], r[a] - r[b]
        }
        seg0 = 0
        for (k = 0; k <= nr; k++) {
            lim = (k < nr) ? rt[k] : 1e18; f = -1; l = -1
            for (i = 0; i < n; i++) if (t[i] > seg0 && t[i] <= lim) { if (f < 0) f = i; l = i }
            if (f >= 0 && l > f)
                printf "  between restarts %4.0f-%4.0f s: RSS %+d KB\n", t[f], t[l], r[l] - r[f]
            seg0 = lim
        }
        printf "mean CPU          %8.1f %% of one core  (%.1f s CPU over %.0f-%.0f s; %.1f %% from start)\n",
               cpu, (c[n - 1] - c[0]) / hz, t[0], t[n - 1], cpuall
    }' "$WORK/restarts" "$WORK/samples"

if [ -s "$WORK/report.json" ]; then
    python3 - "$WORK/report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for f in r.get("feeds", []):
    print("feed %-6s state %s, connects %d, messages %d, rejected %d, bytes %d" %
          (f["id"], f["state"], f["connects"], f["messages"], f["rejected"], f["bytes"]))
q, s, d = r.get("queue", {}), r.get("store", {}), r.get("render", {})
print("queue  pushed %d, coalesced %d, dropped %d, high water %d" %
      (q.get("pushed", 0), q.get("coalesced", 0), q.get("dropped", 0), q.get("high_water", 0)))
print("store  topics %d, applied %d, rejected %d" % (s.get("topics", 0), s.get("applied", 0), s.get("rejected", 0)))
print("render frames %d, painted %d, widgets drawn %d" % (d.get("frames", 0), d.get("painted", 0), d.get("widgets_drawn", 0)))
print("banner at exit: %r" % r.get("banner", ""))
EOF
else
    echo "soak: no report written (bigscreen did not exit normally)"
fi

if [ $VALGRIND = 1 ]; then
    echo
    if [ -s "$WORK/valgrind.log" ]; then
        grep -E 'definitely lost|indirectly lost|possibly lost|still reachable|ERROR SUMMARY' "$WORK/valgrind.log" |
            sed 's/^==[0-9]*== */valgrind: /'
        if grep -q 'are definitely lost' "$WORK/valgrind.log"; then
            echo; echo "definite leaks (stacks):"
            awk '/are definitely lost/ { on = 1 } on { print } on && /^==[0-9]+== *$/ { on = 0 }' \
                "$WORK/valgrind.log" | sed 's/^==[0-9]*== *//'
        fi
    else
        echo "valgrind: no log"
    fi
fi
exit 0
