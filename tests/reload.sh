#!/bin/sh
# reload.sh BIGSCREEN SRCDIR — hot reload: a good edit shows within a second
# with the data kept; a broken edit is reported (file:line:col, log and
# overlay) while the last good layout stays on screen.
set -u
bs=$1; src=$2
tmp=$(mktemp -d); trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
cp "$src/layouts/union-hall.json" "$tmp/hall.json"
cp "$src/layouts/linping-stylised.geojson" "$src/layouts/hangzhou-stylised.geojson" "$tmp/"
"$bs" --headless --run-for 6 --report "$tmp/r.json" "$tmp/hall.json" 2>"$tmp/err" &
pid=$!
sleep 1.5
# a good edit, written the way editors do: a new file renamed over the old
sed 's/临平区总工会 · 智慧工会数据大屏/临平区总工会 · 热更新后的标题/' "$tmp/hall.json" > "$tmp/.hall.json.new"
mv "$tmp/.hall.json.new" "$tmp/hall.json"
sleep 1.5
# a broken edit: a typo in an option name, written in place
line=$(grep -n '"bind": "office.rate"' "$tmp/hall.json" | cut -d: -f1)
awk -v n="$line" 'NR==n { sub(/"bind"/, "\"bnid\"") } { print }' "$tmp/hall.json" > "$tmp/hall.json.tmp"
cat "$tmp/hall.json.tmp" > "$tmp/hall.json"
wait $pid; rc=$?
cat "$tmp/err"
[ $rc -eq 0 ] || { echo "FAIL bigscreen exited $rc"; exit 1; }
python3 - "$tmp/r.json" "$line" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); line = sys.argv[2]
title = [w for w in r["widgets"] if w["id"] == "title"][0]["text"]
members = [w for w in r["widgets"] if w["id"] == "members"][0]["text"]
fails = 0
def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok
check(r["reloads"] >= 1, "the good edit was applied (%s reloads)" % r["reloads"])
check("热更新后的标题" in title, "the new title is on screen (%s)" % title)
check(members and "--" not in members, "data survived the reload (%s)" % members)
errs = r["reload_errors"]
check(any(("hall.json:%s:" % line) in e and "bnid" in e for e in errs), "the broken edit is reported with line:col (%s)" % errs[:1])
sys.exit(1 if fails else 0)
PY
[ $? -eq 0 ] || exit 1
grep -q "reloaded" "$tmp/err" && grep -q "layout not reloaded" "$tmp/err" || { echo "FAIL log lines missing"; exit 1; }
echo "ok   log says reloaded / not reloaded"
