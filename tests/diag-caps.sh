#!/bin/sh
# diag-caps.sh BIGSCREEN — a hostile layout cannot make `check` (or a hot
# reload) slow or flood its output: a 3.5 MB layout with 300k unknown keys and
# one with 40k widgets each finish in well under a (very generous) 60 s, print
# at most 64 problems and then "... and N more", and name the widget cap once.
set -u
bs=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
keys = ",".join('"k%d":1' % i for i in range(300000))
open(d + "/keys.json", "w").write('{"canvas":{"width":1920,"height":1080},%s,"widgets":[]}' % keys)
w = ",".join('{"id":"w%d","type":"kpi","rect":[0,0,10,10],"bind":"office.rate"}' % i for i in range(40000))
open(d + "/widgets.json", "w").write('{"canvas":{"width":1920,"height":1080},"widgets":[%s]}' % w)
PY
fails=0
check() {   # name, file, whether a "... and N more" line is due (1/0)
    start=$(date +%s)
    timeout 60 "$bs" check "$tmp/$2" >"$tmp/out" 2>&1; rc=$?
    secs=$(( $(date +%s) - start ))
    lines=$(wc -l <"$tmp/out")
    if [ $rc -eq 124 ]; then echo "FAIL $1: check still running after 60 s"; fails=$((fails + 1)); return; fi
    if [ $rc -eq 0 ]; then echo "FAIL $1: check accepted it"; fails=$((fails + 1)); fi
    if [ "$lines" -le 66 ]; then echo "ok   $1: $lines lines of output, in ${secs} s"
    else echo "FAIL $1: $lines lines of output"; fails=$((fails + 1)); fi
    [ "$3" = 1 ] || return
    if grep -q "\.\.\. and [0-9]* more" "$tmp/out"; then echo "ok   $1: the rest is counted (\"$(grep -o '\.\.\. and [0-9]* more.*' "$tmp/out")\")"
    else echo "FAIL $1: no \"... and N more\" line"; fails=$((fails + 1)); fi
}
check "300k unknown keys" keys.json 1
check "40k widgets" widgets.json 0
n=$(grep -c "widgets" "$tmp/out")
if [ "$n" -eq 1 ] && grep -q "40000 widgets" "$tmp/out"; then echo "ok   the widget cap is named once: $(grep widgets "$tmp/out")"
else echo "FAIL the widget cap: $n lines about it:"; grep widgets "$tmp/out" | head -3; fails=$((fails + 1)); fi
[ $fails -eq 0 ]
