#!/bin/sh
# tools/bench/window-present.sh BIGSCREEN LAYOUT SECONDS MODE... — the real window path under a
# 1920x1080 Xvfb, one run per --present MODE: CPU-s/min of bigscreen and of Xvfb, fps, and the
# --stats line (px drawn per frame). Not a test; run it under flock /work/.bench.lock.
bs=$1; layout=$2; secs=$3; shift 3
for mode in "$@"; do
  d=$(( 200 + $$ % 500 ))
  Xvfb :$d -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
  xp=$!
  sleep 1
  x0=$(awk '{print $14+$15}' /proc/$xp/stat)
  out=$(DISPLAY=:$d /usr/bin/time -f "TIME %e %U %S" "$bs" --windowed 1920x1080 --run-for "$secs" --stats --no-state \
        --present "$mode" "$layout" 2>&1)
  x1=$(awk '{print $14+$15}' /proc/$xp/stat)
  kill $xp; wait $xp 2>/dev/null
  echo "$out" | grep -E "presenting|frames,|TIME" | tail -3
  echo "$out" | awk -v m="$mode" -v xt=$(( x1 - x0 )) '
    /TIME/ {e=$2; c=$3+$4}
    / frames, / {for(i=1;i<=NF;i++) if($(i+1)=="frames,") f=$i}
    END {printf "RESULT %s: bigscreen %.1f CPU-s/min, Xvfb %.1f CPU-s/min, %.1f fps\n", m, c/e*60, xt/100/e*60, f/e}'
done
