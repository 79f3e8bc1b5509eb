#!/bin/sh
# docs.sh BIGSCREEN SRCDIR — the generated documents match the code: every
# widget and every option is in docs/widgets.md, layouts/schema.json is the
# schema the option tables make, and every kind has its picture.
set -u
bs=$1; src=$2
fails=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$bs" docs > "$tmp/widgets.md"
if diff -u "$src/docs/widgets.md" "$tmp/widgets.md" > "$tmp/d1"; then echo "ok   docs/widgets.md is current"
else echo "FAIL docs/widgets.md is out of date (run tools/gen-docs):"; head -40 "$tmp/d1"; fails=$((fails+1)); fi
"$bs" schema > "$tmp/schema.json"
if diff -u "$src/layouts/schema.json" "$tmp/schema.json" > "$tmp/d2"; then echo "ok   layouts/schema.json is current"
else echo "FAIL layouts/schema.json is out of date (run tools/gen-docs):"; head -40 "$tmp/d2"; fails=$((fails+1)); fi
for kind in $(sed -n 's/^!\[.*\](widgets\/\(.*\)\.png)$/\1/p' "$tmp/widgets.md"); do
  if [ -f "$src/docs/widgets/$kind.png" ]; then echo "ok   picture of $kind"
  else echo "FAIL no docs/widgets/$kind.png"; fails=$((fails+1)); fi
done
# every option key of every kind appears in the schema's definitions too
python3 - "$tmp/schema.json" "$tmp/widgets.md" <<'PY' || fails=$((fails+1))
import json, re, sys
schema = json.load(open(sys.argv[1])); md = open(sys.argv[2]).read()
missing = []
for kind, d in schema["definitions"].items():
    if kind == "widget_list": continue
    for key in d.get("properties", {}):
        if key in ("type", "id", "title", "rect", "bind", "stale_after"): continue
        if "`%s`" % key not in md: missing.append("%s.%s" % (kind, key))
print("FAIL options missing from docs: " + ", ".join(missing) if missing else "ok   every schema option is documented")
sys.exit(1 if missing else 0)
PY
[ $fails = 0 ]
