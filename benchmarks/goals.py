#!/usr/bin/env python3
"""The speed goals of issues 20 and 21, netc and PyTorch measured in alternation.

Each goal is one float32 training step (forward + backward) on one thread: LeNet (batch 64,
LenetBench.gradFV), the GRU (batch 32, GruBench.gradF) and the one-block transformer (batch 32,
TransformerBench.gradFV); the goal is netc at most 0.5x PyTorch's time in the same run (or 75% of
one core's FMA peak, where that is the lower bar). On a shared host the load drifts by 1.5x and
more within minutes, so a netc run and a PyTorch run minutes apart may see different machines:
here every round times each workload in netc (a JMH fork, sample mode) and right after in PyTorch
(this process, the models of pytorch_bench.py and pytorch_gru.py), and the ratios are taken
within a round. Each JMH fork warms up for 6 s before its 5 s of samples: on a 2-core host the
JIT's queue took up to 6 s to reach all of LeNet's methods, and a fork timed before that measures
the warm-up, not the step (docs/performance.md, "Warm-up, the JVM's modes, ..."). Both sides report their fastest sample and their median: netc's JMH p0 and p50,
PyTorch's fastest and median block of calls. One thread means one for OpenBLAS too
(torch_threads.py: torch.set_num_threads alone leaves OpenBLAS's pool on every core).

Usage (from the repository root, after `mvn -pl benchmarks -am package -DskipTests`):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/goals.py [rounds] [seconds]
rounds: 3 by default; seconds: PyTorch's measuring time per workload and round (2 by default).
Prints one line per measurement, then the ratios per round and their medians over the rounds.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

import torch_threads

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.join(HERE, "target", "benchmarks.jar")
JMH_OPTS = ["-bm", "sample", "-f", "1", "-wi", "6", "-i", "5", "-w", "1", "-r", "1"]

# workload, batch, JMH benchmark, .net file (for the FLOPs of netc check --cost)
GOALS = [
    ("lenet", 64, "dev.netc.bench.LenetBench.gradFV", "src/main/net/lenet.net"),
    ("gru", 32, "dev.netc.bench.GruBench.gradF", "src/main/resources/dev/netc/bench/gru.net"),
    ("transformer", 32, "dev.netc.bench.TransformerBench.gradFV", "src/main/net/transformer.net"),
]


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_step(workload, batch):
    """PyTorch's float32 step for the workload, as the comparison scripts time it."""
    torch.manual_seed(0)
    if workload == "gru":
        gru = load("pytorch_gru")
        g = torch.Generator().manual_seed(7)
        tok = torch.randint(1, 30, (batch, 16), generator=g)
        nxt = torch.randint(0, 30, (batch, 16), generator=g)
        model = gru.Gru().to(torch.float32)

        def step():
            model.zero_grad(set_to_none=False)
            loss = model(tok, nxt)
            loss.backward()
            return loss.item()

        return step
    bench = load("pytorch_bench")
    model, dims, kind = bench.build(workload, torch.float32)
    x, y = bench.data(workload, batch, dims, torch.float32)
    lf = bench.loss_fn(kind)

    def step():
        model.zero_grad(set_to_none=True)
        loss = lf(model(x), y)
        loss.backward()
        return loss.item()

    return step


def torch_times(step, seconds):
    """The fastest and the median of single calls (ns), after a warm-up of a third of the time."""
    end = time.perf_counter() + seconds / 3
    while time.perf_counter() < end:
        step()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 15:
        t0 = time.perf_counter_ns()
        step()
        times.append(time.perf_counter_ns() - t0)
    return min(times), statistics.median(times)


def netc_times(benchmark):
    """JMH's p0 and p50 (ns) for one benchmark, in a fork of its own."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        run = subprocess.run(["java", "-jar", JAR, benchmark + "$"] + JMH_OPTS + ["-rf", "json", "-rff", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"goals.py: JMH failed on {benchmark} (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        with open(out) as f:
            results = json.load(f)
        if not results:
            sys.exit(f"goals.py: JMH measured nothing for {benchmark}; is it in {JAR}?")
        result = results[0]["primaryMetric"]
    finally:
        os.unlink(out)
    scale = {"us/op": 1e3, "ms/op": 1e6, "ns/op": 1.0}[result["scoreUnit"]]
    return result["scorePercentiles"]["0.0"] * scale, result["scorePercentiles"]["50.0"] * scale


def flops(net, batch):
    """lossAndGradient's FLOPs for the batch, from netc check --cost."""
    run = subprocess.run(["java", "-cp", JAR, "dev.netc.compiler.cli.Main", "check", "--cost", "--json", "--batch",
                          str(batch), "--precision", "float", os.path.join(HERE, net)], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"goals.py: netc check --cost failed on {net}: {run.stderr.strip()[-500:]}")
    return json.loads(run.stdout)["methods"]["lossAndGradient"]["batchFlops"]


def main():
    try:
        rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
        seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
    except ValueError:
        sys.exit("usage: goals.py [rounds] [seconds]: rounds a whole number, seconds a number, not "
                 + " ".join(sys.argv[1:]))
    if rounds < 1 or not seconds > 0:
        sys.exit("goals.py: rounds must be at least 1 and seconds above 0")
    if not os.path.exists(JAR):
        sys.exit(f"goals.py: {JAR} is missing; build it with: mvn -pl benchmarks -am package -DskipTests")
    torch_threads.set_threads(1)
    print(torch_threads.blas(), flush=True)
    steps = {w: torch_step(w, b) for w, b, _, _ in GOALS}
    work = {w: flops(net, b) for w, b, _, net in GOALS}
    ratios = {w: [] for w, _, _, _ in GOALS}
    for r in range(1, rounds + 1):
        for w, b, bench, _ in GOALS:
            p0, p50 = netc_times(bench)
            tmin, tmed = torch_times(steps[w], seconds)
            ratios[w].append((p0 / tmin, p50 / tmed))
            print(f"round {r} {w:11s} netc p0 {p0 / 1e6:6.2f} ms p50 {p50 / 1e6:6.2f} ms ({work[w] / p0:5.1f} GFLOP/s)"
                  f" | torch min {tmin / 1e6:6.2f} ms median {tmed / 1e6:6.2f} ms"
                  f" | netc/torch {p0 / tmin:.2f}x (fastest) {p50 / tmed:.2f}x (medians)", flush=True)
    print("medians over the rounds of netc/torch (goal: at most 0.5x):")
    for w, _, _, _ in GOALS:
        fastest = statistics.median(x for x, _ in ratios[w])
        medians = statistics.median(y for _, y in ratios[w])
        print(f"  {w:11s} {fastest:.2f}x (fastest)  {medians:.2f}x (medians)")


if __name__ == "__main__":
    main()
