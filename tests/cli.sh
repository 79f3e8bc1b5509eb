#!/bin/sh
# cli.sh BIGSCREEN SRCDIR — the command-line contract of bigscreen.
set -u
bs=$1; src=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "ok   $1"; }
bad()  { fails=$((fails+1)); echo "FAIL $1"; }
expect_code() { # name want cmd...
  name=$1; want=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
  if [ "$got" = "$want" ]; then ok "$name"; else bad "$name (exit $got, want $want)"; cat "$tmp/err"; fi
}
expect_err() { # name pattern
  if grep -q -- "$2" "$tmp/err" "$tmp/out"; then ok "$1"; else bad "$1: no \"$2\" in output"; cat "$tmp/err"; fi
}

expect_code "version" 0 "$bs" --version
expect_code "help" 0 "$bs" --help
expect_code "check good" 0 "$bs" check "$src/layouts/union-hall.json"
printf '{\n  "widgets": [\n    { "id": "a", "type": "kpi", "rect": [0, 0, 10, 10], "bind": "office.rate", "decimal": 2 }\n  ]\n}\n' > "$tmp/bad.json"
expect_code "check bad" 1 "$bs" check "$tmp/bad.json"
expect_err "check bad says line:col" "bad.json:3:80: unknown key \"decimal\" for a kpi widget (did you mean \"decimals\"?)"
expect_code "check unreadable" 2 "$bs" check "$tmp/missing.json"
expect_code "check mixed" 2 "$bs" check "$src/layouts/union-hall.json" "$tmp/bad.json" "$tmp/missing.json"
printf '{ "widgets": [ { "id": "a", "type": "kpi" ' > "$tmp/trunc.json"
expect_code "check truncated" 1 "$bs" check "$tmp/trunc.json"
expect_err "truncated says where" "trunc.json:1:"

expect_code "snapshot" 0 "$bs" --snapshot "$tmp/a.png" "$src/layouts/union-hall.json"
expect_code "snapshot again" 0 "$bs" --snapshot "$tmp/b.png" "$src/layouts/union-hall.json"
if cmp -s "$tmp/a.png" "$tmp/b.png"; then ok "snapshot deterministic"; else bad "snapshot deterministic"; fi
expect_code "snapshot --at" 0 "$bs" --snapshot "$tmp/c.png" --at 3.5 "$src/layouts/union-hall.json"
expect_code "snapshot --at again" 0 "$bs" --snapshot "$tmp/d.png" --at 3.5 "$src/layouts/union-hall.json"
if cmp -s "$tmp/c.png" "$tmp/d.png"; then ok "mid-animation deterministic"; else bad "mid-animation deterministic"; fi
if cmp -s "$tmp/a.png" "$tmp/c.png"; then bad "--at changes the picture"; else ok "--at changes the picture"; fi
expect_code "snapshot 4K" 0 "$bs" --snapshot "$tmp/k.png" --size 3840x2160 "$src/layouts/union-hall.json"
expect_err "4K size" "3840x2160"
expect_code "snapshot --time" 0 "$bs" --snapshot "$tmp/t.png" --time 2026-01-01T08:00:00+08:00 "$src/layouts/union-hall.json"
if cmp -s "$tmp/a.png" "$tmp/t.png"; then bad "--time changes the clock"; else ok "--time changes the clock"; fi
expect_code "unwritable snapshot" 1 "$bs" --snapshot /nonexistent/dir/x.png "$src/layouts/union-hall.json"
expect_err "unwritable says so" "cannot write /nonexistent/dir/x.png"
expect_code "bad size" 2 "$bs" --snapshot "$tmp/x.png" --size 12 "$src/layouts/union-hall.json"
expect_code "bad option" 2 "$bs" --frobnicate
expect_code "missing layout" 2 "$bs" --snapshot "$tmp/x.png" "$tmp/nope.json"
expect_code "bad feed url" 2 "$bs" --snapshot "$tmp/x.png" --feed main=gopher://x "$src/layouts/union-hall.json"
expect_err "bad feed says so" "unknown feed scheme"
expect_code "unknown feed id" 2 "$bs" --snapshot "$tmp/x.png" --feed nope=demo: "$src/layouts/union-hall.json"
printf '{"theme":{"fonts":{"title":"Comic Sans MS"}},"widgets":[{"id":"a","type":"frame","rect":[0,0,9,9]}]}' > "$tmp/font.json"
expect_code "unknown font" 1 "$bs" --snapshot "$tmp/x.png" "$tmp/font.json"
expect_err "unknown font says so" "unknown or missing font \"Comic Sans MS\""
# pages: the carousel follows time; --page pins; a pinned page wins
lobby="$src/layouts/union-lobby-portrait.json"
expect_code "page overview at 10 s" 0 "$bs" --snapshot "$tmp/p1.png" --at 10 "$lobby"
expect_code "pinned overview at 10 s" 0 "$bs" --snapshot "$tmp/p1p.png" --at 10 --page overview "$lobby"
if cmp -s "$tmp/p1.png" "$tmp/p1p.png"; then ok "carousel starts on page 1"; else bad "carousel starts on page 1"; fi
expect_code "page services at 35 s" 0 "$bs" --snapshot "$tmp/p2.png" --at 35 "$lobby"
expect_code "pinned services at 35 s" 0 "$bs" --snapshot "$tmp/p2p.png" --at 35 --page 2 "$lobby"
if cmp -s "$tmp/p2.png" "$tmp/p2p.png"; then ok "carousel moves to page 2 after 30 s"; else bad "carousel moves to page 2 after 30 s"; fi
expect_code "pinned overview at 35 s" 0 "$bs" --snapshot "$tmp/p3.png" --at 35 --page overview "$lobby"
if cmp -s "$tmp/p2.png" "$tmp/p3.png"; then bad "--page pins the carousel"; else ok "--page pins the carousel"; fi
expect_code "no such page" 2 "$bs" --snapshot "$tmp/x.png" --page nosuch "$lobby"
expect_err "no such page names the pages" 'no such page; give a name or a number from 1 to 2 (1 "overview", 2 "services")'
expect_code "page 0" 2 "$bs" --snapshot "$tmp/x.png" --page 0 "$lobby"
expect_err "page 0 says pages count from 1" "a number from 1 to 2"
sed 's/"duration": 30,/"duration": 30, "pinned": true,/; s/"duration": 20,/"duration": 20, "pinned": true,/' "$lobby" > "$tmp/twopins.json"
cp "$src/layouts/linping-stylised.geojson" "$src/layouts/hangzhou-stylised.geojson" "$tmp/"
expect_code "two pinned pages" 1 "$bs" check "$tmp/twopins.json"
expect_err "two pinned pages says so" "only one page can be pinned"

# the on/off schedule: dark at 10:30, lit at 07:30
expect_code "dark by schedule" 0 "$bs" --snapshot "$tmp/dark.png" "$src/tests/golden/schedule-dark.json"
expect_code "lit by schedule" 0 "$bs" --snapshot "$tmp/lit.png" --time 2026-11-25T07:30:00+08:00 "$src/tests/golden/schedule-dark.json"
if cmp -s "$tmp/dark.png" "$tmp/lit.png"; then bad "the schedule lights the screen"; else ok "the schedule lights the screen"; fi

# video wall: a tile renders its part; a bad tile spec is refused
expect_code "tile snapshot" 0 "$bs" --snapshot "$tmp/tile.png" --tile 3x2:2,1 --size 640x540 "$src/layouts/union-hall.json"
expect_code "bad tile" 2 "$bs" --snapshot "$tmp/x.png" --tile 2x2:2,0 "$src/layouts/union-hall.json"
expect_err "bad tile says so" "COL < C"

# check --feed ID=URL: a layout bound to topics of its own real feed, whose
# file still says demo:, is checked against the feed it will run with
sed 's/"bind": "towns"/"bind": "my.towns"/' "$src/layouts/union-hall.json" >"$tmp/own.json"
cp "$src"/layouts/*.geojson "$tmp/"; cp -r "$src/layouts/media" "$tmp/" 2>/dev/null
expect_code "check: a topic the demo feed lacks" 1 "$bs" check "$tmp/own.json"
expect_code "check --feed ID=URL" 0 "$bs" check --feed main=ws://127.0.0.1:9/ "$tmp/own.json"
expect_code "check --feed=ID=URL" 0 "$bs" check --feed=main=ws://127.0.0.1:9/ "$tmp/own.json"
expect_code "check --feed of a feed the layout lacks" 1 "$bs" check --feed nope=ws://127.0.0.1:9/ "$tmp/own.json"
expect_code "check --feed without =" 2 "$bs" check --feed main "$tmp/own.json"
expect_code "check with an unknown option" 2 "$bs" check --bogus "$tmp/own.json"

expect_code "schema" 0 "$bs" schema
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null; then ok "schema is JSON"; else bad "schema is JSON"; fi

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
