#!/bin/sh
# install.sh BUILDDIR SRCDIR — the installed program needs no source tree:
# `meson install` into a scratch root gives layouts, map data, the font
# manifest, the schema, man pages, units and the licence; the installed
# binary (data directory given by BIGSCREEN_DATADIR, run from elsewhere)
# renders the default layout and a copied layout; the binary holds no path
# into the source tree; a missing data directory is named in the error.
set -u
build=$1; src=$(cd "$2" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; passes=0
ok()   { passes=$((passes+1)); echo "ok   $1"; }
bad()  { fails=$((fails+1)); echo "FAIL $1"; }
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1 \
  || { cat "$tmp/install.log"; echo "FAIL meson install"; exit 1; }
prefix=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root=$tmp/root$prefix
data=$root/share/bigscreen
for f in layouts/union-hall.json layouts/union-lobby-portrait.json layouts/linping-stylised.geojson \
         layouts/hangzhou-stylised.geojson \
         layouts/schema.json fonts/manifest.json; do
  [ -f "$data/$f" ] && ok "installed $f" || bad "installed $f"
done
for f in man/man1/bigscreen.1 man/man1/bigscreen-feed.1 man/man5/bigscreen-layout.5 doc/bigscreen/LICENSE \
         doc/bigscreen/widgets.md doc/bigscreen/design.md; do
  [ -f "$root/share/$f" ] && ok "installed $f" || bad "installed $f"
done
find "$tmp/root" -name bigscreen.service | grep -q . && ok "installed bigscreen.service" || bad "installed bigscreen.service"
bs=$root/bin/bigscreen
# the program's constant data holds no path into the source tree (debug info may)
objcopy -O binary -j .rodata "$bs" "$tmp/rodata"
if grep -aq -- "$src" "$tmp/rodata"; then bad "the program holds no source path ($src)"; else ok "the program holds no source path"; fi
# an installed layout's $schema is the installed schema, by absolute path
sch=$(sed -n 's/.*"\$schema": *"\([^"]*\)".*/\1/p' "$data/layouts/union-hall.json")
case "$sch" in "$prefix"/share/bigscreen/layouts/schema.json) ok "installed \$schema is absolute ($sch)";;
  *) bad "installed \$schema is absolute ($sch)";; esac
# run from elsewhere, with only the installed data
mkdir "$tmp/elsewhere"; cd "$tmp/elsewhere"
if BIGSCREEN_DATADIR=$data "$bs" --snapshot default.png --size 640x360 --at 2 >"$tmp/out" 2>&1; then
  ok "installed program renders the default layout"; else bad "installed program renders the default layout"; cat "$tmp/out"; fi
cp "$data/layouts/union-hall.json" "$tmp/elsewhere/mine.json"      # a copy, without its GeoJSON
if "$bs" --data-dir "$data" --snapshot copy.png --size 640x360 --at 2 mine.json >"$tmp/out" 2>&1; then
  ok "a copied layout finds its map in the data directory"; else bad "a copied layout finds its map"; cat "$tmp/out"; fi
if "$bs" check --data-dir "$data" mine.json >"$tmp/out" 2>&1; then ok "check --data-dir"; else bad "check --data-dir"; cat "$tmp/out"; fi
# nothing found: the error says where it looked
BIGSCREEN_DATADIR=$tmp/nowhere "$bs" --snapshot x.png >"$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "$tmp/nowhere" "$tmp/out" && ok "no data: the error names the directories ($(head -1 "$tmp/out"))" \
  || { bad "no data: the error names the directories (exit $rc)"; cat "$tmp/out"; }
echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
