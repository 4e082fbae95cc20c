#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# The simulator's report: DIR/summary.txt (one SIM line per run) and DIR/series/
# -> DIR/report.md (tables, the goals of issue 14 checked) and DIR/*.png (gnuplot).
#   report.py DIR
import os
import subprocess
import sys

d = sys.argv[1]
runs = []
with open(os.path.join(d, "summary.txt")) as f:
    for line in f:
        if line.startswith("SIM "):
            runs.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
by = {r["name"]: r for r in runs}
ENG = {"kpromoted": "kpromoted", "pghot-default-model": "pghot v6 default (model)",
       "pghot-precise-model": "pghot precise (model)",
       "damon-model": "DAMON (model)", "numa_balancing=2-model": "numa_balancing=2 (model)",
       "oracle": "oracle ceiling (same records)"}


def size(r):
    g = float(r["gib"])
    return f"{g / 1024:g} TiB" if g >= 1024 else f"{g:g} GiB"


def stream(r):
    z = float(r["zipf"])
    s = (f"Zipf {z:g}" if z > 0 else "uniform") + f", hot {float(r['hot']) * 100:g}%"
    if r["tenants"] != "1":
        s += f", {r['tenants']} tenants"
    if r["phase"] == "1":
        s += ", phase change"
    if float(r["scan_gbps"]) > 0:
        s += f", scan {r['scan_gbps']} GB/s"
    if r["page_kib"] != "4":
        s += ", THP"
    return s


def t90(v):
    return "-" if float(v) < 0 else f"{float(v):.0f} s"


def meta(r):
    b = int(r["meta_bytes"])
    return f"{b / 2**20:.1f} MiB ({float(r['meta_kib_per_gib']):.1f} KiB/GiB)"


out = ["# Simulator results (tests/sim, issue 14)", "",
       "Each row: one configuration, one engine, `seconds` simulated. Precision and recall of the",
       "promoted set against the true top-k (k = the fast tier's room = the hot sets' size) at the",
       "end of the run; coverage: share of the hot sets' accesses that the promoted pages take;",
       "t90: simulated time to recall 90% (after the phase change: t90b). Records and drops per",
       "simulated second; metadata: the engine's own (table + region heat for kpromoted; a byte",
       "per page for the pghot model; regions for DAMON); CPU: host seconds per simulated second.",
       "Anchors are models of their published designs, not their code.", "",
       "| config | stream | sources | engine | s | precision | recall | coverage | t90 | t90b "
       "| records/s | dropped/s | evicted | metadata | CPU s/sim s |",
       "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
for r in runs:
    out.append(f"| {r['name'].rsplit('-', 1)[0]} ({size(r)}) | {stream(r)} | {r['src'].rstrip(',')} | "
               f"{ENG.get(r['engine'], r['engine'])} | {r['seconds']} | {float(r['precision']):.3f} | "
               f"{float(r['recall']):.3f} | {float(r['coverage']):.3f} | {t90(r['t90'])} | "
               f"{t90(r['t90_phase2'])} | {float(r['records_ps']):.0f} | {float(r['dropped_ps']):.0f} | "
               f"{r['evicted']} | {meta(r)} | {float(r['cpu_per_sim_s']):.3f} |")

goals = []
b = by.get("1t-z1.0-h1-kp")
if b:
    ok = float(b["precision"]) >= 0.9 and float(b["recall"]) >= 0.9 and float(b["meta_kib_per_gib"]) <= 64
    goals.append(f"1 TiB, Zipf 1.0, 1% hot, hw sampling + hint faults, 60 s: kpromoted precision "
                 f"{float(b['precision']):.3f}, recall {float(b['recall']):.3f} (coverage "
                 f"{float(b['coverage']):.3f}), metadata {float(b['meta_kib_per_gib']):.1f} KiB/GiB: "
                 f"{'MET' if ok else 'MISSED'}")
    for e in ("pghot", "pghotp", "damon", "nb2", "oracle"):
        a = by.get(f"1t-z1.0-h1-{e}")
        if a:
            goals.append(f"  same stream, {ENG[a['engine']]}: precision {float(a['precision']):.3f}, "
                         f"recall {float(a['recall']):.3f}, coverage {float(a['coverage']):.3f}, "
                         f"metadata {float(a['meta_kib_per_gib']):.1f} KiB/GiB")
sweep = sorted((float(r["hot"]), float(r["zipf"]), r) for r in runs
               if r["engine"] == "kpromoted" and r["gib"] == "1024" and r["tenants"] == "1"
               and r["phase"] == "0" and float(r["scan_gbps"]) == 0 and r["page_kib"] == "4"
               and r["src"] == "hint,hws" and float(r["zipf"]) in (0.0, 1.0)
               and r["confirm"] == "3x20ms" and r["name"].count("cpus") == 0)
for z in (0.0, 1.0):
    pts = [(h, r) for h, zz, r in sweep if zz == z]
    if len(pts) > 1:
        below = [h for h, r in pts if float(r["recall"]) < 0.9]
        goals.append(f"where the table runs out (1 TiB, {'uniform' if z == 0 else 'Zipf 1.0'} hot set, "
                     f"60 s): recall " + ", ".join(f"{h * 100:g}%: {float(r['recall']):.3f}" for h, r in pts)
                     + (f"; below 90% from {min(below) * 100:g}%" if below else "; never below 90%"))
o = by.get("1t-z1.0-h1-oracle")
if o:
    goals.append(f"the sources' ceiling there: an oracle given the same records reaches recall "
                 f"{float(o['recall']):.3f} at precision {float(o['precision']):.3f}; hot pages with any "
                 f"record at all: {int(o['seen_hot']) / int(o['k']):.3f} of the hot set (the most an "
                 f"engine that probes every candidate could confirm)")
out += ["", "## Goals of issue 14", ""] + [f"- {g}" for g in goals]
with open(os.path.join(d, "report.md"), "w") as f:
    f.write("\n".join(out) + "\n")
for g in goals:
    print("GOAL " + g)

# Plots: recall (solid) and precision (dashed) over time, and coverage, per engine.
def plot(prefix, title, png, col, ylabel, dashed_col=None):
    files = [(os.path.join(d, "series", f"{prefix}-{e}.txt"), lab) for e, lab in
             (("kp", "kpromoted"), ("pghot", "pghot (model)"), ("pghotp", "pghot precise (model)"),
              ("damon", "DAMON (model)"),
              ("nb2", "numa_balancing=2 (model)"))]
    files = [(fn, lab) for fn, lab in files if os.path.exists(fn)]
    if not files:
        return
    curves = []
    for i, (fn, lab) in enumerate(files):
        curves.append(f"'{fn}' using 1:{col} with lines lw 2 lc {i + 1} title '{lab}'")
        if dashed_col:
            curves.append(f"'{fn}' using 1:{dashed_col} with lines lw 1 dt 2 lc {i + 1} notitle")
    gp = ["set terminal png size 800,450 font ',9' noenhanced",
          f"set output '{os.path.join(d, png)}'", f"set title '{title}'",
          "set xlabel 'simulated seconds'", f"set ylabel '{ylabel}'", "set yrange [0:1.05]",
          "set key right center", "set grid", "plot " + ", ".join(curves)]
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


for prefix in ("1t-z1.0-h1", "64g-z1.0-h1", "1t-z1.0-h1-phase", "1t-z0-h1", "16t-z1.0-h1"):
    if prefix + "-kp" in by:
        r = by[prefix + "-kp"]
        plot(prefix, f"{size(r)}, {stream(r)}: recall vs true top-k (dashed: precision)",
             f"{prefix}-recall.png", 3, "recall (solid), precision (dashed)", 2)
        plot(prefix, f"{size(r)}, {stream(r)}: share of hot accesses on the fast tier",
             f"{prefix}-coverage.png", 4, "coverage")
