#!/usr/bin/env python3
"""set_feeds.py IN.json OUT.json FEEDS_JSON — a copy of a layout with only its
"feeds" replaced (comments dropped), as an operator edits a layout's feeds."""
import json
import sys


def strip_comments(s):
    out, i, n, in_str = [], 0, len(s), False
    while i < n:
        c = s[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(s[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif s.startswith("//", i):
            while i < n and s[i] != "\n":
                i += 1
            continue
        elif s.startswith("/*", i):
            i = s.index("*/", i) + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


src, dst, feeds = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with open(src) as f:
    layout = json.loads(strip_comments(f.read()))
layout["feeds"] = feeds
# images, maps and fonts are found next to the layout: keep the layout's own
# directory findable through absolute paths for the files it names
import os
base = os.path.dirname(os.path.abspath(src))
def fix(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("geojson", "inset", "src", "file") and isinstance(v, str) and not v.startswith("/"):
                o[k] = os.path.join(base, v)
            else:
                fix(v)
    elif isinstance(o, list):
        for v in o:
            fix(v)
fix(layout["widgets"])
for p in layout.get("pages", []):
    fix(p.get("widgets", []))
with open(dst, "w") as f:
    json.dump(layout, f, ensure_ascii=False, indent=1)
