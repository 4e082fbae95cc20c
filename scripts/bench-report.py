#!/usr/bin/env python3
# Turns the "KPB ..." lines of a `make bench` run (DIR/raw.txt, written by scripts/bench.sh)
# into DIR/report.md (a table per scenario, the goals of issue 6 checked) and DIR/*.png
# (gnuplot: share of the hot set on the fast node over time).
# Usage: scripts/bench-report.py DIR
import os
import statistics
import subprocess
import sys

d = sys.argv[1]
meta, results, samples, runs, notes, host = {}, [], {}, [], [], []
damon, damoncfg = {}, {}  # DAMON probes per (contender, scenario, rep); sysfs read back per contender


def kv(words):
    out = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            out[k] = v
    return out


for line in open(os.path.join(d, "raw.txt"), errors="replace"):
    w = line.split()
    if len(w) < 2 or w[0] != "KPB":
        continue
    if w[1] == "meta":
        meta.update(kv(w[2:]))
    elif w[1] == "result":
        results.append(kv(w[2:]))
    elif w[1] == "sample":
        s = kv(w[2:])
        samples.setdefault((s["contender"], s["scenario"], s["rep"]), []).append(s)
    elif w[1] == "damon":
        x = kv(w[2:])
        damon.setdefault((x["contender"], x["scenario"], x["rep"]), []).append(x)
    elif w[1] == "damoncfg" and len(w) >= 4 and "=" in w[3]:
        k, v = w[3].split("=", 1)
        damoncfg.setdefault(kv([w[2]]).get("contender", "?"), {})[k] = v
    elif w[1] == "run":
        runs.append(kv(w[2:]))
    elif w[1] in ("note", "boot"):
        notes.append(" ".join(w[1:]))
hp = os.path.join(d, "host-record.txt")
if os.path.exists(hp):
    host = [l.strip() for l in open(hp) if l.strip()]

order = ["none", "kernel", "kernel-nb1", "damon", "damon-tier", "kp-hint", "kp-mglru", "kp-both", "kp-default"]
label = {
    "none": "none (numa_balancing=0)",
    "kernel": "kernel (numa_balancing=2)",
    "kernel-nb1": "kernel (numa_balancing=1, not tiering)",
    "damon": "DAMON migrate_hot",
    "damon-tier": "DAMON tiering (hot+cold, quota goals)",
    "kp-hint": "kpromoted hintfault",
    "kp-mglru": "kpromoted mglru",
    "kp-both": "kpromoted hintfault+mglru",
    "kp-default": "kpromoted, default sources",
}
scen_title = {
    "hot": "1. Hot set on the slow node, room on the fast node (4 KiB pages)",
    "pressure": "2. Pressure: fast node filled with cold memory, demotion on",
    "shift": "3. Shifting hot set (the hot part moves halfway)",
    "uniform": "4. Uniform random access (half the buffer on each node)",
    "hot-thp": "5. Hot set with transparent huge pages (scenario 1, THP on)",
}
ok = [r for r in results if r.get("status") == "ok" and r.get("scenario") != "movepages"]
scenarios = [s for s in ["hot", "pressure", "shift", "uniform", "hot-thp"]
             if any(r["scenario"] == s for r in ok)]
contenders = [c for c in order if any(r["contender"] == c for r in ok)]


def vals(rs, k, f=float):
    out = []
    for r in rs:
        try:
            out.append(f(r[k]))
        except (KeyError, ValueError):
            pass
    return out


def med(rs, k, scale=1.0, fmt="{:.0f}", never=False):
    """median [min-max] over repetitions; never=True: negative means 'not reached'."""
    v = vals(rs, k)
    if not v:
        return "-"
    if never:
        reached = [x for x in v if x >= 0]
        if not reached:
            return "never"
        m = statistics.median(reached) * scale
        s = fmt.format(m)
        if len(reached) < len(v):
            s += f" ({len(reached)}/{len(v)} runs)"
        elif len(v) > 1:
            s += " [" + fmt.format(min(reached) * scale) + "-" + fmt.format(max(reached) * scale) + "]"
        return s
    m = statistics.median(v) * scale
    s = fmt.format(m)
    if len(v) > 1 and min(v) != max(v):
        s += " [" + fmt.format(min(v) * scale) + "-" + fmt.format(max(v) * scale) + "]"
    return s


def medv(rs, k):
    v = vals(rs, k)
    return statistics.median(v) if v else None


def t90_of(rs, k, majority=False):
    """A time to 90%: the median over the runs that reached it (-1: never); None when none did,
    or with majority=True (scenario 2's rule) when most runs never did."""
    v = [x for x in vals(rs, k) if x >= 0]
    if not v or (majority and len(v) * 2 <= len(rs)):
        return None
    return statistics.median(v)


def added(rs, base_all, base_kt, kp_all=None):
    """CPU a contender added over none: the whole guest's busy time (user, system, irq; the
    workload included), and its kernel threads (kpromoted_scan, kdamond, kworkers, kswapd);
    then the whole guest's against kpromoted's (default sources), where both added some."""
    a, k = medv(rs, "cpu_all"), medv(rs, "kthreads_all_cpu")
    if base_all is None or a is None:
        return "no none run"
    vs = ""
    if kp_all is not None and kp_all - base_all > 0 and a - base_all > 0:
        vs = f" ({(a - base_all) / (kp_all - base_all):.2f}x)"
    return f"{a - base_all:+.0f} / {k - base_kt:+.0f}{vs}"


def promoted_runs(rs):
    return [r for r in rs if float(r.get("precision", -1)) >= 0]


def sel(c, s):
    return [r for r in ok if r["contender"] == c and r["scenario"] == s]


def kthread_migr(r):
    return float(r.get("pgmigrate_success", 0)) - float(r.get("numa_pages_migrated", 0))


for r in ok:
    r["kthread_migr"] = str(kthread_migr(r))
    # numa_pages_migrated: numa_balancing=1 (not tiering) migrates without counting promotions.
    # DAMON: what its migrate_hot scheme applied (sz_applied; runs before that key: migrations
    # minus demotions), and its migrate_cold demotions, which pgdemote_* does not count.
    if r["contender"].startswith("damon"):
        r["promoted"] = r.get("damon_hot_applied_pages",
                              str(float(r.get("pgmigrate_success", 0)) - float(r.get("pgdemote", 0))))
    else:
        r["promoted"] = str(max(float(r.get("pgpromote_success", 0)), float(r.get("kp_promoted_pages", 0)),
                                float(r.get("numa_pages_migrated", 0))))
    # Demotions: the kernel's (pgdemote_*), and kpromoted's own exchange, which the kernel does not count.
    r["demoted"] = str(float(r.get("pgdemote", 0)) + float(r.get("kp_demoted_for_room", 0))
                       + float(r.get("damon_cold_applied_pages", 0)))
    r["kp_scan_cpu_ms"] = str(float(r.get("kp_mglru_scan_cpu_ns", 0)) / 1e6)
    # The workers' rate while they migrate (promote_ns: their time in the batches, waits for
    # room left out), in runs that moved at least a full batch's worth.
    if float(r.get("kp_promote_ns", 0)) > 0 and float(r.get("kp_promoted_pages", 0)) >= 512:
        r["kp_migrate_mbps"] = str(float(r["kp_promoted_bytes"]) * 1e3 / float(r["kp_promote_ns"]))
    # The node's rate (promote_busy_ns: the time it had at least one worker in a batch): its
    # workers side by side count once, where promote_ns adds up each one's time.
    if float(r.get("kp_promote_busy_ns", 0)) > 0 and float(r.get("kp_promoted_pages", 0)) >= 512:
        r["kp_node_mbps"] = str(float(r["kp_promoted_bytes"]) * 1e3 / float(r["kp_promote_busy_ns"]))
    r["kthreads_cpu"] = str(float(r.get("cpu_kpscan", 0)) + float(r.get("cpu_kdamond", 0)))
    # Kernel threads that work for a promoter: its own, the kworkers, kswapd (demotion).
    r["kthreads_all_cpu"] = str(sum(float(r.get(k, 0)) for k in ("cpu_kpscan", "cpu_kdamond", "cpu_kworker", "cpu_kswapd")))

mp = [r for r in results if r.get("scenario") == "movepages" and r.get("status") == "ok"]
mp_mbps = vals(mp, "mbps")

L = []
L.append(f"# kpromoted benchmark: {meta.get('release', '?')} ({meta.get('kernel', '?')})")
L.append("")
L.append(f"- date (UTC): {meta.get('date', '?')}; commit {meta.get('commit', '?')}; "
         f"{'quick mode' if meta.get('quick') == '1' else 'full mode'}; {meta.get('reps')} repetition(s) "
         f"of {meta.get('secs')} s per scenario; seed {meta.get('seed')}")
L.append(f"- guest: {meta.get('guest', '?')}; QEMU {meta.get('qemu', '?')} {meta.get('accel', 'tcg')} on a "
         f"{meta.get('host_cores', '?')}-core host (other guests may have shared it)")
L.append(f"- workload (tests/vm/kp_bench.c): {meta.get('mib')} MiB faulted in on node 1, hot set "
         f"{meta.get('hot')} MiB; each iteration reads 4096 random pages, 98.4% of them in the hot set, "
         "1.6% in the cold rest; placement sampled with move_pages(2) every 250 ms")
L.append("- cells: median over repetitions [min-max]; `never`: not reached within the run")
kp_params = meta.get("kp_params", "none")
if kp_params != "none":
    L.append("- kpromoted contenders loaded with extra parameters: `" + kp_params.replace(":", " ") + "`")
# What the run was given beyond `make bench` (bench.sh records the BENCH_* it was set with).
overrides = "".join(f"{env}='{meta[k].replace(':', ' ').strip()}' " for k, env in
                    (("set_scenarios", "BENCH_SCENARIOS"), ("set_contenders", "BENCH_CONTENDERS"),
                     ("set_reps", "BENCH_REPS"), ("set_secs", "BENCH_SECS")) if meta.get(k))
L.append("- reproduce: `" + overrides + ("BENCH_KP_PARAMS='" + kp_params.replace(":", " ") + "' " if kp_params != "none" else "") +
         "make bench RELEASE=" + meta.get("release", "trixie") +
         (" QUICK=1" if meta.get("quick") == "1" else "") + "` (raw lines in raw.txt, this file from "
         "scripts/bench-report.py)")
L.append("")
if meta.get("release") == "bookworm":
    L.append("Linux 6.1 does not tier from HMAT: both nodes are in one tier, so `kernel` "
             "(numa_balancing=2) has nothing to promote; `kernel-nb1` is plain NUMA balancing (mode 1), "
             "which is not tiering but moves pages toward the accessing CPU; kpromoted runs with "
             "`slow_nodes=1`. DAMON sysfs is not built into 6.1.")
    L.append("")

summary_at = len(L)	# the summary goes here, once every figure is known (end of file)
kps = [c for c in contenders if c.startswith("kp-")]
# kpromoted as modprobe gives it (no sources=), else both sources: the one set against the peers.
default = "kp-default" if "kp-default" in kps else ("kp-both" if "kp-both" in kps else None)

for s in scenarios:
    L.append(f"## {scen_title[s]}")
    L.append("")
    L.append("| contender | t50 s | t90 s | hot on fast, steady | precision | promoted pages | demoted | "
             "migrations in app context | in kernel threads | hint faults | modelled latency ns |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in contenders:
        rs = sel(c, s)
        if not rs:
            continue
        t50k, t90k = ("shift_t50", "shift_t90") if s == "shift" else ("t50", "t90")
        # -1: nothing promoted in that run; the median is over the runs that promoted.
        prec = med(promoted_runs(rs), "precision", 100, "{:.1f}%") if s != "uniform" else "n/a"
        if all(float(r.get("precision", -1)) < 0 for r in rs) and s != "uniform":
            prec = "none promoted"
        L.append("| " + " | ".join([
            label[c],
            med(rs, t50k, 1, "{:.1f}", never=True) if s != "uniform" else "n/a",
            med(rs, t90k, 1, "{:.1f}", never=True) if s != "uniform" else "n/a",
            med(rs, "steady_hot", 100, "{:.1f}%"),
            prec,
            med(rs, "promoted"),
            med(rs, "demoted"),
            med(rs, "numa_pages_migrated"),
            med(rs, "kthread_migr"),
            med(rs, "numa_hint_faults"),
            med(rs, "model_lat", 1, "{:.1f}"),
        ]) + " |")
    L.append("")
    L.append("| contender | throughput Mpages/s | iteration p50 us | p99 us | max ms | app sys CPU ms | "
             "kpromoted_scan CPU ms | mglru_scan_cpu_ns (ms) | kdamond CPU ms | all kworkers CPU ms | table KiB | "
             "kpromoted records (dropped) | guest busy CPU ms | added over none: all CPU / kthreads ms (all CPU against kpromoted's) |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    base_all, base_kt = medv(sel("none", s), "cpu_all"), medv(sel("none", s), "kthreads_all_cpu")
    kp_all = medv(sel(default, s), "cpu_all") if default else None
    for c in contenders:
        rs = sel(c, s)
        if not rs:
            continue
        L.append("| " + " | ".join([
            label[c],
            med(rs, "tput_mpages_s", 1, "{:.2f}"),
            med(rs, "lat_p50_us"),
            med(rs, "lat_p99_us"),
            med(rs, "lat_max_us", 1e-3, "{:.0f}"),
            med(rs, "app_stime_ms"),
            med(rs, "cpu_kpscan") if c.startswith("kp-") else "-",
            med(rs, "kp_scan_cpu_ms") if c.startswith("kp-") else "-",
            med(rs, "cpu_kdamond") if c.startswith("damon") else "-",
            med(rs, "cpu_kworker"),
            med(rs, "kp_table_bytes", 1 / 1024, "{:.0f}") if c.startswith("kp-") else "-",
            (med(rs, "kp_records") + " (" + med(rs, "kp_records_dropped") + ")") if c.startswith("kp-") else "-",
            med(rs, "cpu_all"),
            added(rs, base_all, base_kt, kp_all) if c != "none" else "-",
        ]) + " |")
    L.append("")
    L.append("Guest busy CPU: user+system+irq time of both vCPUs over the scenario (/proc/stat), the workload "
             "included; added over none: its median minus none's, for the whole guest and for the kernel threads "
             "(kpromoted_scan, kdamond, kworkers, kswapd), and the whole guest's added CPU against kpromoted's "
             "(default sources; shown where both added some). The workload keeps about one vCPU busy and TCG's "
             "timing swings between runs: differences of a few hundred ms are noise.")
    L.append("")
    if os.path.exists(os.path.join(d, f"{s}.png")) or True:
        L.append(f"![{s}]({s}.png)")
        L.append("")

# Goals of the issues, checked against these figures.
L.append("## Goals, checked on these figures")
L.append("")


def precision_line(c, bar):
    precs = [(s, medv(sel(c, s), "precision")) for s in ("hot", "shift") if sel(c, s)]
    precs = [(s, p) for s, p in precs if p is not None]
    if not precs:
        return None
    low = min(p for _, p in precs)
    return (f"precision >= {bar * 100:.0f}% (hot, shift): {'met' if low >= bar else 'MISSED'} ("
            + ", ".join(f"{s} {p * 100:.1f}%" for s, p in precs) + ")")


def t90_line(c, s, fallback=None):
    k = "shift_t90" if s == "shift" else "t90"
    if not sel(c, s):
        return None
    av, bv = t90_of(sel(c, s), k), t90_of(sel("kernel", s), k)
    what = f"{s}: 90% of the hot set no later than the kernel" + (f" (or <= {fallback:.0f} s where it never gets there)" if fallback else "")
    if av is None:
        return f"{what}: MISSED (never reached; kernel {'%.1f s' % bv if bv is not None else 'never'})"
    if bv is None:
        ok_ = fallback is None or av <= fallback
        return f"{what}: {'met' if ok_ else 'MISSED'} ({av:.1f} s; kernel never)"
    return f"{what}: {'met' if av <= bv else 'MISSED'} ({av:.1f} s vs {bv:.1f} s)"


def common_lines(c):
    g = []
    app = sum(sum(vals(sel(c, s), "numa_pages_migrated")) for s in scenarios)
    g.append(f"zero migrations in app context: {'met' if app == 0 else 'MISSED'} ({app:.0f} numa_pages_migrated over all runs)")
    u, n = medv(sel(c, "uniform"), "tput_mpages_s"), medv(sel("none", "uniform"), "tput_mpages_s")
    if u is not None and n is not None:
        um, nm = medv(sel(c, "uniform"), "model_lat"), medv(sel("none", "uniform"), "model_lat")
        g.append(f"uniform no worse than none: modelled latency {um:.1f} vs {nm:.1f} ns "
                 f"({'met' if um <= nm * 1.02 else 'MISSED'}), throughput {u:.2f} vs {n:.2f} Mpages/s")
    return g


# Issue 10: the default sources (what modprobe gives a user), then each source alone.
if default:
    g = [x for x in [precision_line(default, 0.95), t90_line(default, "hot"), t90_line(default, "shift", 3.0)] if x]
    rec = medv(sel(default, "hot"), "steady_hot")
    if rec is not None:
        g.append(f"hot set on the fast node at the end >= 95%: {'met' if rec >= 0.95 else 'MISSED'} ({rec * 100:.1f}%)")
    g += common_lines(default)
    L.append(f"- **{label[default]}** (issue 10, default sources): " + "; ".join(g))
for c in kps:
    if c == default:
        continue
    g = [x for x in [precision_line(c, 0.90)] if x]
    if c == "kp-mglru":
        hf = sum(sum(vals(sel(c, s), "numa_hint_faults")) for s in scenarios)
        g.append(f"no hint faults: {'met' if hf == 0 else 'MISSED'} ({hf:.0f})")
    g += [x for x in [t90_line(c, "hot")] if x]
    g += common_lines(c)
    L.append(f"- **{label[c]}** (issue 10, one source alone): " + "; ".join(g))
# Issue 11, scenario 2: a full fast node, demotion on.
def reclaimers(rs, key="direct_reclaim_by"):
    """Tasks that entered direct reclaim over the runs, from direct_reclaim_by=comm:n,..."""
    n = {}
    for r in rs:
        for part in r.get(key, "none").split(","):
            comm, _, cnt = part.rpartition(":")
            if comm and cnt.isdigit():
                n[comm] = n.get(comm, 0) + int(cnt)
    return ", ".join(f"{k} {v}" for k, v in sorted(n.items(), key=lambda kv: -kv[1])) or "nobody"


def pressure_line(c):
    rs = sel(c, "pressure")
    if not rs:
        return None
    g = []
    t90v = t90_of(rs, "t90", majority=True)
    g.append("90% of the hot set within 10 s: " + ("met" if t90v is not None and t90v <= 10 else "MISSED") +
             f" ({'%.1f s' % t90v if t90v is not None else 'never'})")
    p = medv(promoted_runs(rs), "precision")
    if p is not None:
        g.append(f"precision >= 95%: {'met' if p >= 0.95 else 'MISSED'} ({p * 100:.1f}%)")
    app = sum(vals(rs, "numa_pages_migrated"))
    g.append(f"zero migrations in app context: {'met' if app == 0 else 'MISSED'} ({app:.0f})")
    oom = sum(vals(rs, "oom_kill"))
    g.append(f"no OOM kill: {'met' if oom == 0 else 'MISSED'} ({oom:.0f})")
    # Judged twice: over the measured run alone (kp_bench reads the counters when its run
    # begins and ends), and with its set-up (node 0 filled, the buffer faulted in), which
    # is the application's too. Runs from before kp_bench counted the run have only the latter.
    for k in ("allocstall", "pgscan_direct"):
        a, n = medv(rs, "run_" + k), medv(sel("none", "pressure"), "run_" + k)
        sa, sn = medv(rs, k), medv(sel("none", "pressure"), k)
        # :g, not :.0f: a median of two runs can be 0.5, which must not read as 0.
        if a is not None and n is not None:
            g.append(f"{k} no higher than none over the run: {'met' if a <= n else 'MISSED'} ({a:g} vs {n:g})")
        if sa is not None and sn is not None:
            g.append(f"{k} no higher than none{' with set-up' if a is not None else ''}: "
                     f"{'met' if sa <= sn else 'MISSED'} ({sa:g} vs {sn:g})")
    g.append(f"direct reclaim entered by: {reclaimers(rs)} (under none: {reclaimers(sel('none', 'pressure'))})")
    if any("direct_reclaim_run_by" in r for r in rs):
        g.append(f"of those, in the run: {reclaimers(rs, 'direct_reclaim_run_by')} "
                 f"(under none: {reclaimers(sel('none', 'pressure'), 'direct_reclaim_run_by')})")
    pr, rp = medv(rs, "promoted"), medv(rs, "kp_repromoted")
    if pr is not None and rp is not None and c.startswith("kp-"):
        g.append(f"repromoted <= 5% of promoted: {'met' if rp <= 0.05 * max(pr, 1) else 'MISSED'} "
                 f"({rp:.0f} of {pr:.0f}; demoted for room {medv(rs, 'kp_demoted_for_room') or 0:.0f})")
    return f"- **{label[c]}** (issue 11, scenario 2 pressure): " + "; ".join(g)


for c in ["kernel"] + kps:
    line = pressure_line(c)
    if line:
        L.append(line)


def boot_mp(r, key="mbps"):
    """move_pages(2)'s rate in the run's own boot (every boot measures it last since the
    results of 2026-12-05), else the median of all boots; None when never measured."""
    same = [float(m[key]) for m in mp if m["contender"] == r["contender"] and m.get("rep") == r.get("rep")
            and key in m]
    every = vals(mp, key)
    return same[0] if same else statistics.median(every) if every else None


def boot_ratios(runs, key, mp_key="mbps"):
    """Each run's rate over move_pages(2)'s in the same boot, for the runs that have both."""
    return [float(r[key]) / boot_mp(r, mp_key) for r in runs if key in r and boot_mp(r, mp_key)]


def rate_goal(c, what, runs, key):
    """A rate against move_pages(2) in the same boot: the median of the per-boot ratios."""
    runs = [r for r in runs if key in r]
    if not runs or not mp_mbps:
        return
    rates = [float(r[key]) for r in runs]
    ratios = boot_ratios(runs, key)
    m = statistics.median(ratios)
    busy = boot_ratios(runs, key, "in_use_mbps")
    L.append(f"- {label[c]} (issue 11): {what} >= 0.9x move_pages(2): {'met' if m >= 0.9 else 'MISSED'} "
             f"({m:.2f}x, median of {len(runs)} boots [{min(ratios):.2f}-{max(ratios):.2f}] against move_pages "
             f"in the same boot; {statistics.median(rates):.1f} MB/s"
             + (f"; {statistics.median(busy):.2f}x move_pages of pages in use" if busy else "") + ")")


def boot_peaks(c, key):
    """Per boot of contender c, its scenario with the highest rate: the boot's peak."""
    best = {}
    for r in ok:
        if r["contender"] == c and key in r and r.get("scenario") != "movepages":
            b = best.get(r.get("rep"))
            if b is None or float(r[key]) > float(b[key]):
                best[r.get("rep")] = r
    return list(best.values())


def rate_info(c, what, key):
    """A rate in each scenario against move_pages(2) in the same boot, medians of the runs; no bar."""
    parts = []
    for s in scenarios:
        rs = [r for r in sel(c, s) if key in r and boot_mp(r)]
        if rs:
            parts.append(f"{s} {statistics.median(boot_ratios(rs, key)):.2f}x "
                         f"({statistics.median(vals(rs, key)):.1f} MB/s)")
    if parts:
        L.append(f"- {label[c]} (issue 11, no bar): {what}, against move_pages in the same boot: "
                 + ", ".join(parts))


for c in kps:
    # The goal: the fast node's promotion rate while it has work (promoted_bytes /
    # promote_busy_ns, its workers side by side counted once), in the scenario where it was
    # highest in each boot (a scenario's average over all its batches: no burst is a peak here).
    rate_goal(c, "peak promotion rate (the fast node's while promoting, each boot's best scenario)",
              boot_peaks(c, "kp_node_mbps"), "kp_node_mbps")
    # The same in each scenario: under pressure each batch waits for the room it needs.
    rate_info(c, "the fast node's promotion rate while promoting", "kp_node_mbps")
    # One worker's: promoted_bytes / promote_ns (each worker's time counted).
    rate_info(c, "one worker's rate", "kp_migrate_mbps")
    # Where pages land per 250 ms: how fast the sources find them as much as the migration.
    rate_info(c, "the placement peak (pages reaching node 0 per 250 ms)", "peak_promote_mbps")
if mp_mbps:
    first = vals(mp, "first_mbps")
    in_use = vals(mp, "in_use_mbps")
    L.append(f"- move_pages(2) node 1 -> node 0 in this guest, 64 MiB in batches of 512 pages: "
             f"{statistics.median(mp_mbps):.1f} MB/s median [{min(mp_mbps):.1f}-{max(mp_mbps):.1f}] over "
             f"{len(mp_mbps)} boots"
             + (f" (a warm pass: the first, TCG translating the migration code anew, "
                f"{statistics.median(first):.1f} MB/s)" if first else "")
             + (f"; the same pages while another thread reads them (each batch's unmap shoots down "
                f"the reader's TLB, as every promotion of a running application does): "
                f"{statistics.median(in_use):.1f} MB/s [{min(in_use):.1f}-{max(in_use):.1f}]" if in_use else ""))
L.append("")


# DAMON: what it was told (its sysfs files read back) and what it saw and did (its probes).
def mib(x):
    return float(x) / 1048576


def damon_config(c):
    cfg = damoncfg.get(c)
    if not cfg:
        return None
    out = []
    for kd in sorted({k.split("/")[0] for k in cfg if k.split("/")[0].isdigit()}):
        pre = f"{kd}/contexts/0/"
        iv = pre + "monitoring_attrs/intervals/"
        ctx = (f"kdamond {kd}: {cfg.get(pre + 'operations', '?')} "
               f"[{cfg.get(pre + 'targets/0/regions/0/start', '?')}, {cfg.get(pre + 'targets/0/regions/0/end', '?')}), "
               f"sample/aggr {cfg.get(iv + 'sample_us', '?')}/{cfg.get(iv + 'aggr_us', '?')} us")
        if cfg.get(iv + "intervals_goal/aggrs", "0") != "0":
            ctx += (f" self-tuned toward {cfg.get(iv + 'intervals_goal/access_bp')} bp in "
                    f"{cfg.get(iv + 'intervals_goal/aggrs')} aggregations")
        schemes = sorted({k.split("/")[4] for k in cfg if k.startswith(pre + "schemes/") and k.split("/")[4].isdigit()})
        for n in schemes:
            sp = pre + f"schemes/{n}/"
            ap = sp + "access_pattern/"
            g = lambda k: cfg.get(sp + k, "?")
            one = (f"{g('action')}" + (f" to node {g('target_nid')}" if g('action').startswith("migrate") else "") +
                   f": sz {cfg.get(ap + 'sz/min')}..{cfg.get(ap + 'sz/max')}, nr_accesses "
                   f"{cfg.get(ap + 'nr_accesses/min')}..{cfg.get(ap + 'nr_accesses/max')}, age "
                   f"{cfg.get(ap + 'age/min')}..{cfg.get(ap + 'age/max')}; quota {g('quotas/bytes')} B / "
                   f"{g('quotas/ms')} ms per {g('quotas/reset_interval_ms')} ms")
            if cfg.get(sp + "quotas/goals/nr_goals", "0") != "0":
                one += (f", goal {g('quotas/goals/0/target_metric')} {g('quotas/goals/0/target_value')} "
                        f"on node {g('quotas/goals/0/nid')}")
            fl = []
            for d in ("filters", "core_filters", "ops_filters"):
                for i in range(int(cfg.get(sp + d + "/nr_filters", "0") or 0)):
                    fp = f"{sp}{d}/{i}/"
                    fl.append(f"{cfg.get(fp + 'type')} matching={cfg.get(fp + 'matching')}"
                              + (f" allow={cfg.get(fp + 'allow')}" if fp + "allow" in cfg else ""))
            one += "; filters " + (", ".join(fl) if fl else "none")
            one += f"; watermarks {g('watermarks/metric')}"
            ctx += f"; scheme {n} " + one
        out.append(ctx)
    return out


def damon_lines(c, s, rep, pr):
    hot_mib = float(meta.get("hot", 32))
    by_t = {}
    for x in pr:
        by_t.setdefault(x["t"], []).append(x)
    stat = [x for x in pr if x.get("action") == "stat"]
    end = {x["action"]: x for x in by_t.get("end", [])}
    g = []
    seen = [(x["t"], mib(x["tried_bytes"])) for x in stat if float(x.get("tried_bytes", -1)) >= 0 and x["t"] != "end"]
    if "stat" in end:
        # Cumulative: a region counts once per aggregation interval in which it was hot.
        tried = mib(end["stat"]["sz_tried"])
        most = max((v for _, v in seen), default=0.0)
        verdict = ("DAMON did NOT see the hot set" if tried < 0.1 * hot_mib else
                   f"DAMON saw the hot set, and up to {most:.0f} MiB hot at once: its pattern takes in cold pages too"
                   if most > 2 * hot_mib else
                   "DAMON saw the hot set" if tried >= 0.9 * hot_mib else "DAMON saw part of the hot set")
        g.append(f"DAMON's stat scheme (the migrate_hot pattern) found {tried:.1f} MiB of node-1 regions hot "
                 f"over the run ({end['stat']['nr_tried']} region-intervals; hot set {hot_mib:.0f} MiB of "
                 f"{float(meta.get('mib', 256)):.0f}): {verdict}")
    if seen:
        g.append("hot on node 1 at the probes (tried regions): "
                 + ", ".join(f"{t} s {v:.1f} MiB" for t, v in seen))
    for a in ("migrate_hot", "migrate_cold"):
        if a in end:
            e = end[a]
            g.append(f"{a}: tried {mib(e['sz_tried']):.1f} MiB, applied {mib(e['sz_applied']):.1f} MiB, "
                     f"quota exceeded {e['qt_exceeds']} times")
            series = [x for x in pr if x.get("action") == a and x["t"] != "end"]
            if series and float(series[0].get("esz", -1)) >= 0 and "goal" in series[0]:
                g.append(f"{a} effective quota over time: " + ", ".join(
                    f"{x['t']} s {float(x['esz']):.0f} B" +
                    (f" (node 0 used {x['node0_used_bp']} bp)" if float(x.get("node0_used_bp", -1)) >= 0 else "")
                    for x in series) +
                    f" (goal {series[0]['goal'].split(':')[0]} {series[0]['goal'].rsplit('/', 1)[1]}; "
                    f"current_value as sysfs reads it: {series[-1]['goal'].split(':')[1].split('/')[0]})")
    if pr:
        g.append(f"intervals at the end: sample {pr[-1].get('sample_us')} us, aggregation {pr[-1].get('aggr_us')} us")
    return f"- {label.get(c, c)}, {s}, rep {rep}: " + "; ".join(g)


dcs = [c for c in contenders if c.startswith("damon")]
if dcs:
    L.append("## DAMON: its configuration read back, and what it saw")
    L.append("")
    L.append("Every DAMON sysfs file is written by scripts/bench-guest.sh (none left at its default) and read "
             "back after `state=on`; a `stat` scheme with the migrate_hot access pattern counts what DAMON calls "
             "hot on node 1 (its tried regions, probed 1 s into the run and every 5 s), so a row of zeros above "
             "is explained here by what DAMON saw.")
    L.append("")
    for c in dcs:
        for line in damon_config(c) or ["no configuration read back (run before this report's version)"]:
            L.append(f"- {label[c]}, " + line)
    for (c, s, rep), pr in sorted(damon.items()):
        L.append(damon_lines(c, s, rep, pr))
    L.append("")
L.append("")
L.append("## Host record path (tests/unit/bench_record.c, kp_table_record from src/core/table.c)")
L.append("")
L.append("```")
L.extend(host)
L.append("```")
L.append("")
L.append("## Runs")
L.append("")
for r in runs:
    L.append(f"- {r.get('contender')} rep {r.get('rep')}: {r.get('seconds')} s wall, vm-run status {r.get('vmrun_rc')}")
unav = [r for r in results if r.get("status") == "unavailable"]
for r in unav:
    L.append(f"- {r.get('contender')} {r.get('scenario')}: unavailable on this kernel")
L.append("")


# The summary: each goal's figure for kpromoted (default sources), the best peer's, their ratio.
def fig(c, s, k):
    rs = sel(c, s)
    if not rs:
        return None
    if k in ("t90", "shift_t90"):
        return t90_of(rs, k, majority=(s == "pressure"))	# as the goals below judge it
    if k == "precision":
        return medv(promoted_runs(rs), k)
    if k == "app_migr":
        return sum(sum(vals(sel(c, x), "numa_pages_migrated")) for x in scenarios)
    if k == "added_cpu":
        a, b = medv(rs, "cpu_all"), medv(sel("none", s), "cpu_all")
        return None if a is None or b is None else a - b
    return medv(rs, k)


def no_later_than_kernel(s, fallback=None):
    """Issue 10's bar for a time: the kernel's (numa_balancing=2), or fallback where it never gets there."""
    def bar(k, p):
        kern = fig("kernel", s, "shift_t90" if s == "shift" else "t90") if sel("kernel", s) else None
        return k <= kern if kern is not None else (fallback is None or k <= fallback)
    return bar


# (goal, scenario, key, unit, lower is better, the bar kpromoted's figure must meet; None: no bar)
goals = [
    ("90% of the hot set on the fast node, no later than the kernel (1, hot)", "hot", "t90", "s", True,
     no_later_than_kernel("hot")),
    ("precision (1, hot)", "hot", "precision", "%", False, lambda k, p: k >= 0.95),
    ("hot set on the fast node at the end (1, hot)", "hot", "steady_hot", "%", False, lambda k, p: k >= 0.95),
    ("90% of the moved hot set, no later than the kernel or 3 s (3, shift)", "shift", "shift_t90", "s", True,
     no_later_than_kernel("shift", 3.0)),
    ("precision (3, shift)", "shift", "precision", "%", False, lambda k, p: k >= 0.95),
    ("90% of the hot set within 10 s, fast node full (2, pressure)", "pressure", "t90", "s", True,
     lambda k, p: k <= 10),
    ("precision, fast node full (2, pressure)", "pressure", "precision", "%", False, lambda k, p: k >= 0.95),
    ("the application's allocstall, fast node full (2, pressure; with set-up)", "pressure", "allocstall", "",
     True, lambda k, p: k <= (medv(sel("none", "pressure"), "allocstall") or 0)),
    ("modelled latency, no hot set (4, uniform)", "uniform", "model_lat", "ns", True,
     lambda k, p: k <= 1.02 * (medv(sel("none", "uniform"), "model_lat") or k)),
    ("90% of the hot set, huge pages (5, hot-thp)", "hot-thp", "t90", "s", True, None),
    ("migrations in the application's context (all)", "hot", "app_migr", "", True, lambda k, p: k == 0),
    ("CPU added over none, whole guest (1, hot)", "hot", "added_cpu", "ms", True, None),
]
peers = [c for c in ("kernel", "kernel-nb1", "damon", "damon-tier") if c in contenders]


def partial(c, s, k):
    """ (n/m runs) after a time that not every run reached, as the scenario tables show it."""
    if k not in ("t90", "shift_t90"):
        return ""
    v = vals(sel(c, s), k)
    n = len([x for x in v if x >= 0])
    return f" ({n}/{len(v)} runs)" if 0 < n < len(v) else ""


def show(v, unit):
    if v is None:
        return "never"
    if unit == "%":
        return f"{v * 100:.1f}%"
    if unit == "s":
        return f"{v:.1f} s"
    return (f"{v:g}" if unit == "" else f"{v:.0f}") + (f" {unit}" if unit else "")


S = []
if default and peers:
    S.append("## Summary")
    S.append("")
    S.append(f"{label[default]} against the best of {', '.join(label[c] for c in peers)} on each goal "
             "(medians over repetitions; times: never = not reached in most runs; ratio = kpromoted / peer, "
             "below 1 is better for kpromoted where lower is better, above 1 where higher is). The goals "
             "with their bars are checked below, after the scenarios.")
    S.append("")
    S.append("| goal | kpromoted | best peer | ratio | bar met |")
    S.append("|---|---|---|---|---|")
    for what, s, k, unit, lower, bar in goals:
        if s not in scenarios:
            continue
        kv = fig(default, s, k)
        pv = [(c, fig(c, s, k)) for c in peers if sel(c, s)]
        known = [(c, v) for c, v in pv if v is not None]
        best = (min if lower else max)(known, key=lambda cv: cv[1]) if known else (pv[0] if pv else None)
        if best is None:
            continue
        bc, bv = best
        ratio = f"{kv / bv:.2f}" if kv is not None and bv is not None and bv > 0 and kv >= 0 else "-"
        if bar is None:
            met = "no bar"
        elif kv is None:
            met = "MISSED" if k in ("t90", "shift_t90") else "-"
        else:
            met = "met" if bar(kv, bv) else "MISSED"
        S.append(f"| {what} | {show(kv, unit)}{partial(default, s, k) if kv is not None else ''} | "
                 f"{label[bc]}: {show(bv, unit)}{partial(bc, s, k) if bv is not None else ''} | {ratio} | {met} |")
    # The rate goal on the node's rate where the run has it (promote_busy_ns), else on one
    # worker's (results from before that counter).
    for key, what in (("kp_node_mbps", "peak promotion rate: the fast node's, each boot's best scenario"),
                      ("kp_migrate_mbps", "the workers' migration rate (all)")):
        mpr = (boot_peaks(default, key) if key == "kp_node_mbps" else
               [r for r in ok if r["contender"] == default and key in r])
        if mpr and mp_mbps:
            m = statistics.median(boot_ratios(mpr, key))
            S.append(f"| {what} | {statistics.median(vals(mpr, key)):.1f} MB/s | "
                     f"move_pages(2): {statistics.median(mp_mbps):.1f} MB/s | {m:.2f} | {'met' if m >= 0.9 else 'MISSED'} |")
            break
    S.append("")
L[summary_at:summary_at] = S
open(os.path.join(d, "report.md"), "w").write("\n".join(L))

# Plots: hot share on the fast node over time, first repetition, one line per contender.
for s in scenarios:
    files = []
    for c in contenders:
        ss = samples.get((c, s, "0"))
        if not ss:
            continue
        fn = os.path.join(d, f".{s}-{c}.dat")
        with open(fn, "w") as f:
            for x in ss:
                f.write(f"{x['t']} {float(x['hot']) * 100:.2f} {float(x['cold']) * 100:.2f}\n")
        files.append((fn, label[c]))
    if not files:
        continue
    ylabel = ("buffer on fast node (%)" if s == "uniform"
              else "hot set on fast node (%); dashed: never-hot pages")
    gp = [
        "set terminal png size 800,450 font ',9' noenhanced",
        f"set output '{os.path.join(d, s + '.png')}'",
        f"set title '{scen_title[s]} - {meta.get('kernel', '')}, rep 0'",
        "set xlabel 'seconds'", f"set ylabel '{ylabel}'", "set yrange [0:105]", "set key bottom right",
        "set grid",
        "plot " + ", ".join(
            f"'{fn}' using 1:2 with lines lw 2 lc {i + 1} title '{t}'" +
            ("" if s == "uniform" else f", '{fn}' using 1:3 with lines lw 1 dt 2 lc {i + 1} notitle")
            for i, (fn, t) in enumerate(files)),
    ]
    try:
        subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"bench-report: gnuplot failed for {s}: {e}", file=sys.stderr)
    for fn, _ in files:
        os.unlink(fn)
try:
    print(open(os.path.join(d, "report.md")).read())
except BrokenPipeError:
    pass
