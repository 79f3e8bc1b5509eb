#!/usr/bin/env python3
"""proctree.py PID SECONDS [--interval 2] [--name COMM]... [--json OUT]

Samples the process tree under PID (PID and every descendant, found from /proc/*/stat parent links) every
INTERVAL seconds for SECONDS seconds, or until PID is gone. Per sample: the summed RSS (VmRSS) and PSS
(smaps_rollup) of the tree and the CPU time (utime+stime) of every process seen so far, keeping the last
reading of a process that has exited (so short-lived children count up to their last sample).

Prints one line per sample and, at the end, one summary per group: "all" (the whole tree) and each --name
(processes whose comm is COMM). --json writes the summaries as JSON for run.sh. Used by tools/bench/browser-peer/run.sh.
"""
import argparse
import json
import os
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def read_stat(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        s = f.read().decode("utf-8", "replace")
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] = state, rest[1] = ppid, rest[11] = utime, rest[12] = stime
    return comm, int(rest[1]), int(rest[11]) + int(rest[12])


def kb_field(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                procs[int(d)] = read_stat(d)
            except (OSError, ValueError):
                pass
    if root not in procs:
        return {}
    kids = {}
    for pid, (_, ppid, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = {}, [root]
    while todo:
        p = todo.pop()
        if p in procs and p not in out:
            out[p] = procs[p]
            todo.extend(kids.get(p, []))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pid", type=int)
    ap.add_argument("seconds", type=float)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--name", action="append", default=[])
    ap.add_argument("--steady-from", type=float, default=10.0,
                    help="also report CPU from the first sample at or after this many seconds")
    ap.add_argument("--json")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()

    groups = ["all"] + a.name
    cpu_last = {g: {} for g in groups}          # group -> pid -> ticks
    peak_rss = {g: 0 for g in groups}
    peak_pss = {g: 0 for g in groups}
    peak_n = {g: 0 for g in groups}
    steady = {}                                 # group -> (t, ticks) at the steady-state start
    t0 = time.monotonic()
    k = 0
    last_t = 0.0
    if not a.quiet:
        print("%7s %5s %10s %10s %9s" % ("t_s", "procs", "rss_mb", "pss_mb", "cpu_s"), flush=True)
    while True:
        t = time.monotonic() - t0
        procs = tree(a.pid)
        if not procs:
            break
        last_t = t
        for g in groups:
            sel = {p: v for p, v in procs.items() if g == "all" or v[0] == g}
            rss = sum(kb_field(f"/proc/{p}/status", "VmRSS:") for p in sel)
            pss = sum(kb_field(f"/proc/{p}/smaps_rollup", "Pss:") for p in sel)
            for p, v in sel.items():
                cpu_last[g][p] = v[2]
            peak_rss[g] = max(peak_rss[g], rss)
            peak_pss[g] = max(peak_pss[g], pss)
            peak_n[g] = max(peak_n[g], len(sel))
            ticks = sum(cpu_last[g].values())
            if g not in steady and t >= a.steady_from:
                steady[g] = (t, ticks)
            if g == "all" and not a.quiet:
                print("%7.1f %5d %10.1f %10.1f %9.2f" % (t, len(sel), rss / 1024, pss / 1024, ticks / HZ), flush=True)
        k += 1
        if t >= a.seconds:
            break
        nxt = t0 + k * a.interval
        time.sleep(max(0.0, nxt - time.monotonic()))

    summary = {}
    for g in groups:
        ticks = sum(cpu_last[g].values())
        s = {"wall_s": round(last_t, 2), "cpu_s": round(ticks / HZ, 2),
             "cpu_pct": round(ticks / HZ / last_t * 100, 1) if last_t > 0 else None,
             "peak_rss_mb": round(peak_rss[g] / 1024, 1), "peak_pss_mb": round(peak_pss[g] / 1024, 1),
             "max_procs": peak_n[g]}
        if g in steady and last_t > steady[g][0]:
            st, sticks = steady[g]
            s["steady_cpu_pct"] = round((ticks - sticks) / HZ / (last_t - st) * 100, 1)
            s["steady_from_s"] = round(st, 1)
        summary[g] = s
        print("SUMMARY %s %s" % (g, json.dumps(s)), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f)


if __name__ == "__main__":
    sys.exit(main())
