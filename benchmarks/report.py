#!/usr/bin/env python3
"""Prints the comparison table of compare-pytorch.sh from its raw results (target/compare/).

Inputs: workloads.json, cheap.json, threads.json, intraop.json, lenet.json, transformer.json and facts.json (JMH, -rf json),
torch.txt (pytorch_bench.py), compile.txt and cheap-interleaved.txt (the plain mains CompileBench and
CheapGradientInterleaved), cost-NET-BATCH-PRECISION.json (netc check --cost --json: FLOPs per call for GFLOP/s).
"""
import json
import os
import re
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "target", "compare")

WORKLOADS = [("xor", 4), ("mlp", 1), ("mlp", 64), ("chain", 1), ("chain", 32)]
OPS = [("loss", "Loss"), ("grad", "Grad"), ("train", "Train")]
BENCH = {"xor": "XorBench", "mlp": "MlpBench", "chain": "ChainBench"}


def load_json(name):
    p = os.path.join(out, name)
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return json.load(f)


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


jmh = {}     # (bench, method, batch) -> (ns, bytes per op)
for r in load_json("workloads.json"):
    cls, method = r["benchmark"].split(".")[-2:]
    sec = {k.lstrip("\u00b7"): v for k, v in r.get("secondaryMetrics", {}).items()}
    alloc = sec.get("gc.alloc.rate.norm", {}).get("score")
    jmh[(cls, method, int(r["params"]["batch"]))] = (r["primaryMetric"]["score"], alloc)



def best(wl, batch, m, suffix):
    """The faster of the plain Java build (netc*) and the vector build (vec*): (ns, bytes per op)."""
    found = [v for v in (jmh.get((BENCH[wl], "netc" + m + suffix, batch)), jmh.get((BENCH[wl], "vec" + m + suffix, batch))) if v]
    return min(found, key=lambda v: v[0]) if found else None


def cost_flops(net, batch, prec, op):
    """FLOPs of one call of the method behind op (train counts lossAndGradient's), from netc check --cost --json."""
    p = os.path.join(out, f"cost-{net}-{batch}-{'double' if prec in ('d', 'f64') else 'float'}.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        methods = json.load(f)["methods"]
    m = methods.get("loss" if op == "loss" else "lossAndGradient")
    return m["batchFlops"] if m else None


def gflops(net, batch, prec, op, ns):
    f = cost_flops(net, batch, prec, op)
    return None if f is None or not ns else f / ns


def fmt_gf(g):
    return "-" if g is None else f"{g:.1f}"


torch = {}   # (workload, batch, prec, threads, op) -> ns
p = os.path.join(out, "torch.txt")
if os.path.exists(p):
    for line in open(p):
        f = line.split()
        if len(f) == 7 and f[0] == "torch":
            torch[(f[1], int(f[2]), f[3], int(f[4]), f[5])] = float(f[6])

print("Time per call (JMH average for netc and hand-written Java; PyTorch median), ratios < 1 mean netc is faster.")
print("netc: compiled with --kernels scalar (what the default class runs without the Vector API module); vector: with")
print("--kernels vector (what it runs with the module); best: the faster of the two, which the ratios use.")
print("B/op: bytes allocated per call (JMH -prof gc, gc.alloc.rate.norm; includes JMH's own per-iteration garbage,")
print("which grows with the time per call: compare netc with hand-written, which allocates nothing).")
print("GFLOP/s: the FLOPs of netc check --cost (loss; lossAndGradient for grad and train, Adam not counted) over the best time.")
hdr = ["workload", "batch", "prec", "op", "netc", "vector", "hand", "torch 1T", "torch 2T", "best/hand", "best/torch1T", "torch1T/best", "best GFLOP/s", "best B/op", "hand B/op"]
rows = []
for wl, batch in WORKLOADS:
    for prec, suffix in (("f64", "D"), ("f32", "F")):
        for op, m in OPS:
            plain = jmh.get((BENCH[wl], "netc" + m + suffix, batch))
            vec = jmh.get((BENCH[wl], "vec" + m + suffix, batch))
            n = best(wl, batch, m, suffix)
            h = jmh.get((BENCH[wl], "hand" + m + suffix, batch))
            t1 = torch.get((wl, batch, "d" if suffix == "D" else "f", 1, op))
            t2 = torch.get((wl, batch, "d" if suffix == "D" else "f", 2, op))
            nn = n[0] if n else None
            hn = h[0] if h else None
            rows.append([wl, str(batch), prec, op, fmt_ns(plain[0] if plain else None), fmt_ns(vec[0] if vec else None),
                         fmt_ns(hn), fmt_ns(t1), fmt_ns(t2),
                         ratio(nn, hn), ratio(nn, t1), ratio(t1, nn),
                         fmt_gf(gflops(wl, batch, prec, op, nn)),
                         "-" if not n or n[1] is None else f"{n[1]:.1f}",
                         "-" if not h or h[1] is None else f"{h[1]:.1f}"])
w = [max(len(hdr[i]), *(len(r[i]) for r in rows)) for i in range(len(hdr))]
line = lambda cells: "| " + " | ".join(c.rjust(w[i]) if i >= 4 else c.ljust(w[i]) for i, c in enumerate(cells)) + " |"
print(line(hdr))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for r in rows:
    print(line(r))

# cheap gradient
cheap = {}
for r in load_json("cheap.json"):
    method = r["benchmark"].split(".")[-1]
    key = (r["params"].get("build", "d"), int(r["params"]["depth"]), int(r["params"]["width"]))
    cheap.setdefault(key, {})[method] = r["primaryMetric"]["score"]
if cheap:
    print()
    print("Cheap gradient (netc, double, batch 1; build d: --kernels scalar, dv: --kernels vector): lossAndGradient / loss, and central finite differences (2 x params x loss).")
    hdr2 = ["build", "depth", "width", "params", "loss", "lossAndGradient", "ratio", "FD = 2 x params x loss", "FD / lossAndGradient"]
    rows2 = []
    for (bld, d, wd) in sorted(cheap):
        c = cheap[(bld, d, wd)]
        params = d * (wd * wd + wd)
        lo, gr = c.get("loss"), c.get("lossAndGradient")
        fd = 2 * params * lo if lo else None
        rows2.append([bld, str(d), str(wd), str(params), fmt_ns(lo), fmt_ns(gr), ratio(gr, lo),
                      "-" if fd is None else (f"{fd / 1e9:.2f} s" if fd >= 1e9 else fmt_ns(fd)),
                      "-" if fd is None or not gr else f"{fd / gr:,.0f}x"])
    w2 = [max(len(hdr2[i]), *(len(r[i]) for r in rows2)) for i in range(len(hdr2))]
    l2 = lambda cells: "| " + " | ".join(c.rjust(w2[i]) for i, c in enumerate(cells)) + " |"
    print(l2(hdr2))
    print("|" + "|".join("-" * (x + 2) for x in w2) + "|")
    for r in rows2:
        print(l2(r))

# the vector kernels alone
kern = load_json("kernels.json")
if kern:
    print()
    print("The Vector API kernels alone on W 128 x 784 (KernelsBench): GFLOP/s = 2 x 128 x 784 x batch / time.")
    for r in sorted(kern, key=lambda r: (r["benchmark"], int(r["params"]["batch"]))):
        ns = r["primaryMetric"]["score"]
        b = int(r["params"]["batch"])
        print(f"- {r['benchmark'].split('.')[-1]:12s} batch {b:3d}: {fmt_ns(ns):>10s}  {2 * 128 * 784 * b / ns:6.1f} GFLOP/s")

# goals
print()
print("Goals (issue #7):")
def jn(wl, batch, op, suffix):
    v = best(wl, batch, op, suffix)
    return v[0] if v else None
worse = []
for wl, batch in WORKLOADS:
    for suffix in "DF":
        for _, m in OPS:
            n = best(wl, batch, m, suffix)
            h = jmh.get((BENCH[wl], "hand" + m + suffix, batch))
            if n and h and n[0] > h[0]:
                worse.append(f"{wl}/{batch}/{'f64' if suffix == 'D' else 'f32'}/{m.lower()} {n[0] / h[0]:.2f}x")
total = len(WORKLOADS) * 2 * len(OPS)
print(f"- netc <= 1.0x hand-written on every workload: {'MET' if not worse else 'MISSED'}"
      f" ({total - len(worse)} of {total} rows at or under 1.0x){'; slower: ' + ', '.join(worse) if worse else ''}")
for wl, batch, need in (("xor", 4, 100), ("mlp", 1, 10)):
    parts = []
    ok = True
    for prec, suffix in (("d", "D"), ("f", "F")):
        for op, m in OPS:
            n, t = jn(wl, batch, m, suffix), torch.get((wl, batch, prec, 1, op))
            if n and t:
                parts.append(f"{op}/{'f64' if prec == 'd' else 'f32'} {t / n:.0f}x")
                ok = ok and t / n >= need
    print(f"- netc >= {need}x faster than PyTorch (1 thread) on {wl} batch {batch}: {'MET' if ok and parts else 'MISSED'} ({', '.join(parts)})")
parts = []
ok = True
for op, m in OPS:
    n, t = jn("mlp", 64, m, "F"), torch.get(("mlp", 64, "f", 1, op))
    if n and t:
        parts.append(f"{op} netc/torch {n / t:.2f}")
        ok = ok and n <= t
print(f"- MLP batch 64 float32, netc at least as fast as 1-thread PyTorch: {'MET' if ok and parts else 'MISSED'} ({', '.join(parts)})")
lenet = {}   # (method, batch) -> ns, LenetBench (issue 20's CNN)
for r in load_json("lenet.json"):
    lenet[(r["benchmark"].rsplit(".", 1)[1], int(r["params"]["batch"]))] = r["primaryMetric"]["score"] * 1e3
if lenet:
    print()
    print("LeNet-like CNN (issue 20), batch 64, one thread: plain Java build and Vector API build;"
          " GFLOP/s of the best at 1.7 MFLOP per example for grad, 0.56 for loss")
    print("| prec | op | netc plain | netc vector | torch 1T | best/torch1T | best GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for prec in "fd":
        for op, flops in (("loss", 0.56e6), ("grad", 1.7e6)):
            a, b = lenet.get((op + prec.upper(), 64)), lenet.get((op + prec.upper() + "V", 64))
            n = min(x for x in (a, b) if x) if (a or b) else None
            t = torch.get(("lenet", 64, prec, 1, op))
            gf = f"{flops * 64 / n:.1f}" if n else "-"
            print(f"| {'f32' if prec == 'f' else 'f64'} | {op} | {fmt_ns(a)} | {fmt_ns(b)} | {fmt_ns(t)} | {ratio(n, t)} | {gf} |")
    n = min([x for x in (lenet.get(("gradF", 64)), lenet.get(("gradFV", 64))) if x] or [0]) or None
    t = torch.get(("lenet", 64, "f", 1, "grad"))
    if n and t:
        print(f"- LeNet float32 step at most 0.5x PyTorch (1 thread): {'MET' if n <= 0.5 * t else 'MISSED'} ({n / t:.2f}x)")
t1, t2 = torch.get(("mlp", 256, "f", 1, "train")), torch.get(("mlp", 256, "f", 2, "train"))
ref = f"; for reference PyTorch float32 MLP train step at batch 256: 2 threads {t1 / t2:.2f}x one thread" if t1 and t2 else ""
threads = {}
for r in load_json("threads.json"):
    threads[(r["benchmark"].rsplit(".", 1)[1], r["params"]["precision"])] = r["primaryMetric"]["score"]
parts = []
ok = True
for prec in ("double", "float"):
    one, two = threads.get(("oneThread", prec)), threads.get(("twoThreads", prec))
    if one and two:
        parts.append(f"{prec} {one / two:.2f}x")
        ok = ok and one / two >= 1.7
status = ("MET" if ok else "MISSED") if parts else "NOT MEASURED"
print(f"- two threads >= 1.7x one thread at batch 256 (netc ParallelModel, MLP lossAndGradient): {status} ({', '.join(parts)}){ref}")
intra = {}   # (op, prec, batch) -> ns, vector MLP with two intra-op threads
for r in load_json("intraop.json"):
    method = r["benchmark"].rsplit(".", 1)[1]
    intra[(method[:-1], method[-1].lower(), int(r["params"]["batch"]))] = r["primaryMetric"]["score"]
if intra:
    print()
    print("Intra-op threads: the vector MLP with IntraOp.setThreads(2) against its one-thread time and PyTorch with 2 threads")
    print("| batch | prec | op | vector 1T | vector 2T | 1T/2T | torch 2T | torch2T/vector2T |")
    print("|---|---|---|---|---|---|---|---|")
    for batch in (1, 64):
        for prec in "df":
            for op in ("loss", "grad", "train"):
                two = intra.get((op, prec, batch))
                one = jmh.get(("MlpBench", "vec" + op.capitalize() + prec.upper(), batch))
                one = one[0] if one else None
                t2 = torch.get(("mlp", batch, prec, 2, op))
                print(f"| {batch} | {'f64' if prec == 'd' else 'f32'} | {op} | {fmt_ns(one)} | {fmt_ns(two)} | {ratio(one, two)} | {fmt_ns(t2)} | {ratio(t2, two)} |")
    print()
allocs = []
measured = 0
for wl, batch in WORKLOADS:
    for suffix in "DF":
        for m in ("Grad", "Train"):
            v = best(wl, batch, m, suffix)
            h = jmh.get((BENCH[wl], "hand" + m + suffix, batch))
            if v and v[1] is not None:
                measured += 1
            # JMH's own per-iteration allocations show up as a small B/op that grows with the time
            # per call (the hand-written code, which allocates nothing, shows it too): count an
            # allocation only when netc's bytes per nanosecond exceed twice the hand-written's.
            floor = 2 * h[1] / h[0] * v[0] if v and h and h[1] is not None else 0
            if v and v[1] is not None and v[1] >= 0.5 and v[1] > floor:
                allocs.append(f"{wl}/{batch}/{'f64' if suffix == 'D' else 'f32'}/{m.lower()} {v[1]:.0f} B/op")
print(f"- 0 B/op for lossAndGradient and the training step: {'NOT MEASURED' if not measured else 'MET' if not allocs else 'MISSED'}{' (' + ', '.join(allocs) + ')' if allocs else ''}")
if cheap:
    for bld in sorted({k[0] for k in cheap}):
        bad = [f"d{d} w{wd} {c['lossAndGradient'] / c['loss']:.2f}"
               for (b, d, wd), c in sorted(cheap.items()) if b == bld and c.get("loss") and c.get("lossAndGradient")
               and c["lossAndGradient"] / c["loss"] > 3]
        print(f"- lossAndGradient / loss <= 3 for every chain, build {bld}: {'MET' if not bad else 'MISSED (' + ', '.join(bad) + ')'}")
p = os.path.join(out, "cheap-interleaved.txt")
if os.path.exists(p):
    inter = {}
    for m in re.finditer(r"^(dv?)\s+(\d+)\s+(\d+)\s.*?\s(\d+\.\d+) \((\d+\.\d+) - (\d+\.\d+)\)$", open(p).read(), re.M):
        inter.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3)), float(m.group(4))))
    for bld in sorted(inter):
        bad = [f"d{d} w{wd} {r:.2f}" for d, wd, r in inter[bld] if r > 3]
        print(f"- lossAndGradient / loss <= 3 for every chain, build {bld}, interleaved medians: "
              f"{'MET' if not bad else 'MISSED (' + ', '.join(bad) + ')'}")
p = os.path.join(out, "compile.txt")
if os.path.exists(p):
    times = [float(m.group(1)) for m in re.finditer(r": (\d+) ms", open(p).read())]
    if times:
        print(f"- compile a 1,000-layer chain in under 1 s cold (issue 23): {'MET' if times[0] < 1000 else 'MISSED'}"
              f" (cold {times[0] / 1000:.2f} s, warm best {min(times[1:] or times) / 1000:.2f} s)")

# issue 21's transformer
trans = {}   # method -> ns
for r in load_json("transformer.json"):
    trans[r["benchmark"].rsplit(".", 1)[1]] = r["primaryMetric"]["score"] * 1e3
if trans:
    print()
    print("One-block causal transformer (issue 21), batch 32, one thread: plain Java build and Vector API build")
    print("| prec | op | netc plain | netc vector | torch 1T | best/torch1T | best GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for prec in "fd":
        for op in ("loss", "grad"):
            a, b = trans.get(op + prec.upper()), trans.get(op + prec.upper() + "V")
            n = min(x for x in (a, b) if x) if (a or b) else None
            t = torch.get(("transformer", 32, prec, 1, op))
            print(f"| {'f32' if prec == 'f' else 'f64'} | {op} | {fmt_ns(a)} | {fmt_ns(b)} | {fmt_ns(t)} | {ratio(n, t)} | {fmt_gf(gflops('transformer', 32, prec, op, n))} |")

# issue 21's GRU
gru = {}
for r in load_json("gru.json"):
    gru[r["benchmark"].rsplit(".", 1)[1]] = r["primaryMetric"]["score"] * {"us/op": 1e3, "ms/op": 1e6, "ns/op": 1}[r["primaryMetric"]["scoreUnit"]]
if gru:
    print()
    print("GRU (issue 21): embedding 32, hidden 128, T 16, vocabulary 30, batch 32, one thread")
    print("| prec | op | netc | torch 1T | netc/torch1T | netc GFLOP/s |")
    print("|---|---|---|---|---|---|")
    for prec in "fd":
        for op in ("loss", "grad"):
            n, t = gru.get(op + prec.upper()), torch.get(("gru", 32, prec, 1, op))
            print(f"| {'f32' if prec == 'f' else 'f64'} | {op} | {fmt_ns(n)} | {fmt_ns(t)} | {ratio(n, t)} | {fmt_gf(gflops('gru', 32, prec, op, n))} |")

# machine bounds and issue 23's goals
facts = {}
for r in load_json("facts.json"):
    facts[r["benchmark"].rsplit(".", 1)[1]] = r["primaryMetric"]["score"]
peak = {"f": facts.get("fmaPeakF"), "d": facts.get("fmaPeakD")}   # throughput, FLOPs per ns
stream = {"f": facts.get("streamW1F"), "d": facts.get("streamW1D")}
print()
print("Machine bounds (FactsBench, this run): one core's FMA peak "
      f"{fmt_gf(peak['f'])} GFLOP/s in float, {fmt_gf(peak['d'])} in double; one pass over W1 "
      f"{fmt_ns(stream['f'])} in float (401 KB), {fmt_ns(stream['d'])} in double (802 KB)")
print("Goals (issue 23), for the build users get (the default class; with the Vector API module, its vector side):")
parts, ok = [], True
for op, m in (("loss", "Loss"), ("grad", "Grad")):
    v = jmh.get(("MlpBench", "vec" + m + "F", 64))
    g = gflops("mlp", 64, "f", op, v[0] if v else None)
    if g and peak["f"]:
        parts.append(f"{op} {g:.1f} GFLOP/s = {g / peak['f'] * 100:.0f}% of the peak")
        ok = ok and g >= 0.75 * peak["f"]
print(f"- MLP batch 64 float32 loss and grad at >= 75% of one core's FMA peak: {('MET' if ok else 'MISSED') if parts else 'NOT MEASURED'} ({', '.join(parts)})")
parts, ok = [], True
for op, m in OPS:
    v, t = jmh.get(("MlpBench", "vec" + m + "F", 64)), torch.get(("mlp", 64, "f", 1, op))
    if v and t:
        parts.append(f"{op} {v[0] / t:.2f}")
        ok = ok and v[0] <= t
print(f"- MLP batch 64 float32 never slower than PyTorch 1T (netc/torch): {('MET' if ok else 'MISSED') if parts else 'NOT MEASURED'} ({', '.join(parts)})")
parts, ok = [], True
for prec, suffix in (("f", "F"), ("d", "D")):
    v = jmh.get(("MlpBench", "vecLoss" + suffix, 1))
    if v and stream[prec]:
        parts.append(f"{'f32' if prec == 'f' else 'f64'} {fmt_ns(v[0])} = {v[0] / stream[prec]:.2f}x one pass over W1")
        ok = ok and v[0] <= 1.3 * stream[prec]
print(f"- MLP batch 1 loss <= 1.3x the time to stream W1 once: {('MET' if ok else 'MISSED') if parts else 'NOT MEASURED'} ({', '.join(parts)})")
parts, ok = [], True
for op, m in (("grad", "Grad"), ("train", "Train")):
    v, t = jmh.get(("MlpBench", "vec" + m + "F", 1)), torch.get(("mlp", 1, "f", 1, op))
    if v and t:
        parts.append(f"{op} {t / v[0]:.1f}x")
        ok = ok and t / v[0] >= 10
print(f"- MLP batch 1 float32 grad and train >= 10x PyTorch 1T: {('MET' if ok else 'MISSED') if parts else 'NOT MEASURED'} ({', '.join(parts)})")
for name, key, b in (("LeNet step (issue 20)", "lenet", 64), ("transformer step (issue 21)", "transformer", 32),
                     ("GRU step (issue 21)", "gru", 32)):
    n = (min([x for x in (lenet.get(("gradF", 64)), lenet.get(("gradFV", 64))) if x] or [0]) or None
         if key == "lenet" else gru.get("gradF") if key == "gru"
         else min([x for x in (trans.get("gradF"), trans.get("gradFV")) if x] or [0]) or None)
    t = torch.get((key, b, "f", 1, "grad"))
    g = gflops(key, b, "f", "grad", n)
    if n and t and peak["f"]:
        bar = max(0.5 * t, cost_flops(key, b, "f", "grad") / (0.75 * peak["f"]))
        print(f"- {name} float32 at most 0.5x PyTorch 1T (or 75% of the peak, where 0.5x would need more): "
              f"{'MET' if n <= bar else 'MISSED'} ({n / t:.2f}x PyTorch, {g:.1f} GFLOP/s = {g / peak['f'] * 100:.0f}% of the peak)")
