#!/usr/bin/env python3
"""schema.py BIGSCREEN SRCDIR — the JSON Schema of layouts (bigscreen schema)
says what the loader says: the shipped and golden layouts are valid; a 65-byte
id, screen_on "25:00", a misspelled limits key and a negative width are not;
every default lies in its own range; id, type, rect, title and bind are
described; widgets are chosen by if/then on "type", so the error for a kpi
typo names the typo, not every kind. Needs python3-jsonschema (else 77)."""
import copy, glob, json, os, subprocess, sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema not installed: skipped")
    sys.exit(77)

bs, src = sys.argv[1], sys.argv[2]
schema = json.loads(subprocess.run([bs, "schema"], check=True, capture_output=True, text=True).stdout)
V = jsonschema.Draft7Validator(schema)
fails = 0


def check(ok, what):
    global fails
    print(("ok   " if ok else "FAIL ") + what)
    fails += not ok


def strip_comments(text):
    """// and /* */ outside strings, as the loader takes them."""
    out, i, n, instr = [], 0, len(text), False
    while i < n:
        c = text[i]
        if instr:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1]); i += 1
            elif c == '"':
                instr = False
        elif c == '"':
            instr = True; out.append(c)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def load(path):
    return json.loads(strip_comments(open(path, encoding="utf-8").read()))


files = sorted(glob.glob(os.path.join(src, "layouts", "*.json")) + glob.glob(os.path.join(src, "tests", "golden", "*.json")))
files = [f for f in files if not f.endswith("schema.json")]
bad = []
for f in files:
    errs = list(V.iter_errors(load(f)))
    if errs:
        bad.append("%s: %s" % (os.path.basename(f), errs[0].message[:120]))
check(not bad, "the shipped and golden layouts are valid (%d files) %s" % (len(files), bad[:3]))

hall = load(os.path.join(src, "layouts", "union-hall.json"))


def invalid(what, change):
    doc = copy.deepcopy(hall)
    change(doc)
    errs = list(V.iter_errors(doc))
    check(bool(errs), "refused: %s (%s)" % (what, errs[0].message[:90] if errs else "accepted"))
    return errs


def widget(doc):
    return doc["widgets"][0]


invalid("a 65-byte id", lambda d: widget(d).update(id="x" * 65))
invalid('screen_on "25:00"', lambda d: d.update(screen_on="25:00", screen_off="22:00"))
invalid("a misspelled limits key", lambda d: d["feeds"][0].update(limits={"frame_byte": 1000}))
invalid("a negative width", lambda d: widget(d).update(rect=[0, 0, -10, 10]))
doc = copy.deepcopy(hall)
kpi = next(w for w in doc["widgets"] + [x for p in doc.get("pages", []) for x in p["widgets"]] if w["type"] == "kpi")
kpi["decimal"] = 2
errs = list(V.iter_errors(doc))
msgs = [e.message for e in errs]
check(len(errs) == 1 and "'decimal' was unexpected" in msgs[0], "a kpi typo gives one error naming it (%s)" % msgs[:2])
check(not any("oneOf" in json.dumps(list(e.schema_path)) for e in errs), "no oneOf in the error's path")


def walk(node, path):
    if isinstance(node, dict):
        if "default" in node and isinstance(node["default"], (int, float)) and not isinstance(node["default"], bool):
            lo, hi = node.get("minimum"), node.get("maximum")
            if (lo is not None and node["default"] < lo) or (hi is not None and node["default"] > hi):
                yield "%s: default %s outside %s..%s" % (path, node["default"], lo, hi)
        for k, v in node.items():
            yield from walk(v, path + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, "%s/%d" % (path, i))


outside = list(walk(schema, ""))
check(not outside, "every default lies in its range %s" % outside[:3])
undescribed = []
for kind, d in schema["definitions"].items():
    if kind == "widget_list":
        continue
    for key in ("id", "type", "rect", "title") + (("bind",) if "bind" in d["properties"] else ()):
        if not d["properties"].get(key, {}).get("description"):
            undescribed.append("%s.%s" % (kind, key))
check(not undescribed, "id, type, rect, title, bind are described %s" % undescribed[:4])
sys.exit(1 if fails else 0)
