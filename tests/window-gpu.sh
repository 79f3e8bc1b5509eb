#!/bin/sh
# window-gpu.sh BIGSCREEN GOLDEN SRCDIR — GPU composition (--present gpu) under
# Xvfb, where Mesa's llvmpipe is an accelerated OpenGL renderer to SDL:
# 1. the frame the GPU composes, layer texture by layer texture and damage by
#    damage over every frame step (--snapshot --present gpu reads it back),
#    equals the CPU's snapshot at the same --at within the golden tolerance:
#    union-hall (marquee mid-slide, map comets, count-ups), a moving ticker,
#    stale badges, map pulses; and once with every texture dropped half-way
#    (a device reset: remade from the CPU's copies);
# 2. while the ticker's headlines slide, the live window composing on the
#    GPU paints fewer pixels with Cairo than the window surface path (the
#    strip moves as a texture instead of being repainted each frame; the
#    surface path repaints only the headlines' ink, so what the GPU path
#    paints is mostly its first frames).
set -u
bs=$1; golden=$2; src=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"
# llvmpipe rasterises in the calling thread: one core, leaving the other to the tests beside this one
export LP_NUM_THREADS=0
# SDL's X11/GL back ends keep allocations to process exit that are not ours
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fail=0
same() {  # LAYOUT SIZE AT [ENV=1]
  "$bs" --snapshot "$tmp/ref.png" --size "$2" --at "$3" "$1" >/dev/null || { echo "cpu snapshot of $1 failed"; fail=1; return; }
  env ${4:-GPU_TEST=1} sh "$src/tests/xvfb.sh" "$golden" "$bs" "$1" "$tmp/ref.png" --present gpu --size "$2" --at "$3" \
    >"$tmp/golden.log" 2>&1
  rc=$?
  cat "$tmp/golden.log"
  if [ $rc -ne 0 ]; then
    echo "FAIL: $1 at $3 s composed on the GPU differs from the CPU's snapshot ${4:-}"
    fail=1
  elif ! grep -q "composed on the GPU" "$tmp/golden.log"; then
    echo "FAIL: --snapshot --present gpu did not compose on the GPU"
    fail=1
  fi
}
same "$src/layouts/union-hall.json" 1280x720 12.4
same "$src/tests/golden/ticker.json" 1200x64 13.3
same "$src/tests/golden/stale.json" 960x540 30
same "$src/tests/golden/map-pulse.json" 960x540 5.55
same "$src/layouts/union-hall.json" 1280x720 12.4 BIGSCREEN_TEST_GPU_RESET=1

drawn() {  # MODE: prints the px drawn per frame of a 3 s live run of the ticker
  sh "$src/tests/xvfb.sh" -s "-screen 0 1280x720x24" "$bs" --windowed 1200x64 --run-for 3 --stats --no-state \
    --present "$1" "$src/tests/golden/ticker.json" >"$tmp/$1.log" 2>&1
  sed -n 's/.* \([0-9][0-9]*\) px drawn per frame.*/\1/p' "$tmp/$1.log" | tail -1
}
sw=$(drawn surface); gpu=$(drawn gpu)
cat "$tmp/surface.log" "$tmp/gpu.log"
echo "ticker sliding: ${sw:-?} px drawn per frame through the window surface, ${gpu:-?} composing on the GPU"
grep -q "layers as textures" "$tmp/gpu.log" || { echo "FAIL: --present gpu did not compose on the GPU"; fail=1; }
if [ -z "$sw" ] || [ -z "$gpu" ] || [ "$sw" -lt 5000 ] || [ "$gpu" -ge "$sw" ]; then
  echo "FAIL: the GPU path should paint fewer pixels than the software path while the ticker slides"
  fail=1
fi
exit $fail
