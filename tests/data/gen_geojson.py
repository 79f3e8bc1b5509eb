#!/usr/bin/env python3
"""Generates the stylised maps used by the "map" widget and its tests.

layouts/linping-stylised.geojson  — the district's towns and streets, STYLISED:
    Voronoi cells of approximate town seats, clipped to an approximate outline,
    with borders warped by a smooth field so neighbours still share them.
layouts/hangzhou-stylised.geojson — the city's districts and counties, STYLISED
    the same way (the inner districts as one 主城区), for the union-hall map's
    inset showing where the district lies in its city.
tests/data/synthetic-province.geojson — a larger made-up "province" with a
    fractal coast, islands (MultiPolygon), lakes (holes), an enclave, a
    GeometryCollection and a Point feature, to exercise the loader.

Neither is survey data. Deterministic: same output every run.
"""
import json, math, random, sys, os

def clip(poly, a, b, c):
    """Keeps the part of poly with a*x + b*y <= c (Sutherland-Hodgman)."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = a*p[0] + b*p[1] - c, a*q[0] + b*q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])))
    return out

def voronoi(outline, seeds, kx):
    cells = []
    for i, (sx, sy) in enumerate(seeds):
        cell = outline[:]
        for j, (tx, ty) in enumerate(seeds):
            if i == j:
                continue
            # points nearer seed i than seed j (x squeezed by kx)
            a, b = 2*(tx-sx)*kx*kx, 2*(ty-sy)
            c = (tx*tx - sx*sx)*kx*kx + (ty*ty - sy*sy)
            cell = clip(cell, a, b, c)
            if not cell:
                break
        cells.append(cell)
    return cells

def key(p):
    return (round(p[0], 7), round(p[1], 7))

def subdivide(ring, step):
    """Splits every edge into pieces of about step, at fixed fractions, so a
    shared edge splits the same way from either side."""
    out = []
    n = len(ring)
    for i in range(n):
        p, q = ring[i], ring[(i + 1) % n]
        L = math.hypot(q[0]-p[0], q[1]-p[1])
        k = max(1, int(L / step))
        for s in range(k):
            t = s / k
            out.append((p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])))
    return out

def warp(p, amp, freq, seed):
    x, y = p
    dx = amp * (math.sin(freq*y*1.7 + seed) + 0.5*math.sin(freq*3.1*x + 2*y*freq + seed*2))
    dy = amp * (math.sin(freq*x*1.3 + seed*0.7) + 0.5*math.sin(freq*2.7*y - x*freq + seed*3))
    return (x + dx, y + dy)

def fix(ring, amp, freq, seed, step):
    r = [warp(p, amp, freq, seed) for p in subdivide(ring, step)]
    r = [(round(x, 5), round(y, 5)) for x, y in r]
    # drop repeats, close
    out = []
    for p in r:
        if not out or out[-1] != p:
            out.append(p)
    if out[0] != out[-1]:
        out.append(out[0])
    return [list(p) for p in out]

def blob(cx, cy, rx, ry, n, rnd, rough=0.25):
    pts = []
    for i in range(n):
        a = 2*math.pi*i/n
        r = 1 + rough*(rnd.random()-0.5)
        pts.append((cx + rx*r*math.cos(a), cy + ry*r*math.sin(a)))
    return pts

def feature(name, geom, **props):
    p = {"name": name}
    p.update(props)
    return {"type": "Feature", "properties": p, "geometry": geom}

def linping():
    seeds = {
        "塘栖": (120.19, 30.495), "运河": (120.27, 30.475), "仁和": (120.07, 30.475),
        "崇贤": (120.15, 30.435), "临平": (120.295, 30.425), "东湖": (120.345, 30.395),
        "南苑": (120.285, 30.385), "星桥": (120.215, 30.385), "乔司": (120.285, 30.330),
        "良渚": (120.065, 30.390), "瓶窑": (119.955, 30.405), "仓前": (119.985, 30.315),
        "闲林": (119.925, 30.250), "五常": (120.065, 30.290),
    }
    outline = [(119.88, 30.24), (119.90, 30.20), (119.98, 30.215), (120.05, 30.245), (120.12, 30.27),
               (120.20, 30.285), (120.26, 30.27), (120.33, 30.285), (120.40, 30.33), (120.41, 30.38),
               (120.395, 30.43), (120.35, 30.465), (120.31, 30.51), (120.24, 30.54), (120.16, 30.535),
               (120.08, 30.52), (120.01, 30.49), (119.93, 30.47), (119.88, 30.43), (119.86, 30.36),
               (119.87, 30.30)]
    kx = math.cos(math.radians(30.4))
    names = list(seeds)
    cells = voronoi(outline, [seeds[n] for n in names], kx)
    amp, freq, sd, step = 0.006, 55.0, 1.3, 0.008
    feats = []
    for name, cell in zip(names, cells):
        rings = [fix(cell, amp, freq, sd, step)]
        geom = {"type": "Polygon", "coordinates": rings}
        if name == "闲林":
            # 闲林水库: a lake, a hole in the polygon
            lake = blob(119.915, 30.262, 0.017, 0.010, 18, random.Random(7), 0.2)
            geom["coordinates"].append(fix(lake[::-1], 0.0, 1, 0, 1))
        if name == "乔司":
            # a sandbar in the Qiantang: an island of its own
            isl = blob(120.36, 30.285, 0.018, 0.007, 16, random.Random(11), 0.3)
            geom = {"type": "MultiPolygon", "coordinates": [rings, [fix(isl, 0.0, 1, 0, 1)]]}
        feats.append(feature(name, geom))
    return {
        "type": "FeatureCollection",
        "name": "linping-stylised",
        "note": "STYLISED map for the demo screen: approximate shapes built from rough town positions; "
                "not survey data, not official boundaries. 示意图，非测绘数据，不代表真实行政区划界线。",
        "features": feats,
    }

def hangzhou():
    seeds = {
        "临平区": (120.30, 30.42), "余杭区": (119.95, 30.37), "主城区": (120.15, 30.25),
        "萧山区": (120.30, 30.12), "钱塘区": (120.52, 30.30), "富阳区": (119.90, 29.98),
        "临安区": (119.45, 30.20), "桐庐县": (119.62, 29.78), "淳安县": (118.85, 29.65),
        "建德市": (119.30, 29.45),
    }
    outline = [(118.34, 29.65), (118.55, 29.25), (118.95, 29.20), (119.35, 29.35), (119.65, 29.55),
               (119.95, 29.75), (120.15, 29.90), (120.35, 30.02), (120.60, 30.13), (120.72, 30.30),
               (120.55, 30.42), (120.40, 30.48), (120.25, 30.57), (120.05, 30.55), (119.80, 30.50),
               (119.50, 30.45), (119.20, 30.35), (118.90, 30.15), (118.60, 29.95), (118.40, 29.85)]
    kx = math.cos(math.radians(29.9))
    names = list(seeds)
    cells = voronoi(outline, [seeds[n] for n in names], kx)
    feats = [feature(n, {"type": "Polygon", "coordinates": [fix(c, 0.02, 9.0, 2.1, 0.03)]})
             for n, c in zip(names, cells)]
    return {
        "type": "FeatureCollection",
        "name": "hangzhou-stylised",
        "note": "STYLISED map for the demo screen's inset: approximate shapes built from rough district seats; "
                "not survey data, not official boundaries. 示意图，非测绘数据，不代表真实行政区划界线。",
        "features": feats,
    }

def province():
    rnd = random.Random(2026)
    # a fractal-ish coast: midpoint displacement on a rough ellipse
    base = blob(118.0, 28.0, 2.6, 1.8, 14, rnd, 0.35)
    coast = base
    for it in range(5):
        nc = []
        for i in range(len(coast)):
            p, q = coast[i], coast[(i + 1) % len(coast)]
            L = math.hypot(q[0]-p[0], q[1]-p[1])
            m = ((p[0]+q[0])/2 + (rnd.random()-0.5)*L*0.35, (p[1]+q[1])/2 + (rnd.random()-0.5)*L*0.35)
            nc += [p, m]
        coast = nc
    syll = "东西南北安平宁远兴华昌明德丰泰和清江山湖海云川阳城"
    seeds = []
    for i in range(64):
        while True:
            x, y = 118.0 + (rnd.random()-0.5)*4.8, 28.0 + (rnd.random()-0.5)*3.4
            if ((x-118)/2.4)**2 + ((y-28)/1.6)**2 < 0.85:
                break
        seeds.append((x, y))
    kx = math.cos(math.radians(28))
    cells = voronoi(coast, seeds, kx)
    feats = []
    used = set()
    for i, cell in enumerate(cells):
        if len(cell) < 3:
            continue
        while True:
            nm = rnd.choice(syll) + rnd.choice(syll) + ("市" if i % 3 == 0 else "县")
            if nm not in used:
                used.add(nm)
                break
        rings = [fix(cell, 0.03, 3.0, 0.4, 0.04)]
        geom = {"type": "Polygon", "coordinates": rings}
        if i % 9 == 4:   # a lake
            cx = sum(p[0] for p in cell)/len(cell); cy = sum(p[1] for p in cell)/len(cell)
            geom["coordinates"].append(fix(blob(cx, cy, 0.06, 0.04, 12, rnd)[::-1], 0, 1, 0, 1))
        feats.append(feature(nm, geom, adcode=330100 + i))
    # islands off the coast, several per "island county", as a MultiPolygon
    isl = []
    for j in range(7):
        a = -0.4 + j*0.12
        cx, cy = 118 + 2.9*math.cos(a), 28 + 2.0*math.sin(a)
        isl.append([fix(blob(cx, cy, 0.05 + 0.03*(j % 3), 0.04, 14, rnd, 0.4), 0, 1, 0, 1)])
    feats.append(feature("群岛县", {"type": "MultiPolygon", "coordinates": isl}, adcode=330999))
    # an enclave: a town inside a lake-hole of its neighbour
    host = feats[4]
    hole = host["geometry"]["coordinates"][1] if len(host["geometry"]["coordinates"]) > 1 else None
    if hole:
        feats.append(feature("飞地镇", {"type": "Polygon", "coordinates": [hole[::-1]]}))
    # a GeometryCollection of two polygons, a Point and a LineString (skipped)
    feats.append(feature("礁石乡", {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": [fix(blob(121.1, 27.2, 0.04, 0.03, 10, rnd), 0, 1, 0, 1)]},
        {"type": "Polygon", "coordinates": [fix(blob(121.2, 27.1, 0.03, 0.03, 10, rnd), 0, 1, 0, 1)]},
        {"type": "Point", "coordinates": [121.15, 27.15]},
    ]}))
    feats.append(feature("省会", {"type": "Point", "coordinates": [118.0, 28.0]}))
    feats.append(feature("铁路", {"type": "LineString", "coordinates": [[117, 27.5], [119, 28.5]]}))
    return {"type": "FeatureCollection", "note": "SYNTHETIC test data, not a real place.", "features": feats}

if __name__ == "__main__":
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(root, "layouts", "linping-stylised.geojson"), "w", encoding="utf-8") as f:
        json.dump(linping(), f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(root, "layouts", "hangzhou-stylised.geojson"), "w", encoding="utf-8") as f:
        json.dump(hangzhou(), f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(root, "tests", "data", "synthetic-province.geojson"), "w", encoding="utf-8") as f:
        json.dump(province(), f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
