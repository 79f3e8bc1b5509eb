#!/bin/sh
# window-smoke.sh BIGSCREEN SRCDIR — the real SDL window path under Xvfb for a
# few seconds: it must open, run frames, and quit cleanly on its own.
set -u
bs=$1; src=$2
out=$(mktemp); trap 'rm -f "$out"' EXIT
# Under ASan, SDL's X11/GL/dbus back ends keep allocations to process exit
# that are not ours (dlopen'ed drivers, unsymbolised); our own code's leaks
# are checked by the snapshot, headless and CLI tests, which load no driver.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
sh "$src/tests/xvfb.sh" -s "-screen 0 1280x720x24" "$bs" --windowed 1280x720 --run-for 3 --stats \
  "$src/layouts/union-hall.json" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || { echo "window run exited $rc"; exit 1; }
grep -q "frames" "$out" || { echo "no frame statistics printed"; exit 1; }
frames=$(sed -n 's/.*: \([0-9]*\) frames.*/\1/p' "$out" | tail -1)
# pacing is headless-pace's test; here frames must come (a sanitizer build on a
# loaded machine has made 3 in 2 s, a plain one makes 180 in 3 s)
[ "${frames:-0}" -ge 5 ] || { echo "only ${frames:-0} frames in 3 s"; exit 1; }
echo "window ran $frames frames"
