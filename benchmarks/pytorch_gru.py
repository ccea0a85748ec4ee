#!/usr/bin/env python3
"""PyTorch's time for GruBench's step (issue 21): embedding 32, GRU hidden 128 (torch.nn.GRU, one
layer), T 16, vocabulary 30, softmax cross-entropy over the 16 rows (ignore_index 0), batch 32,
one thread. Prints `torch gru 32 <d|f> 1 <loss|grad> <ns per call>` (the median of repeated
timings, as pytorch_bench.py does). Usage: /usr/bin/python3 benchmarks/pytorch_gru.py [seconds]
"""
import sys
import time
import torch
import torch.nn.functional as F

import torch_threads

torch_threads.set_threads(1)


class Gru(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.E = torch.nn.Embedding(30, 32)
        self.gru = torch.nn.GRU(32, 128, batch_first=True)
        self.out = torch.nn.Linear(128, 30)

    def forward(self, tok, nxt):
        h, _ = self.gru(self.E(tok))
        z = self.out(h)
        return F.cross_entropy(z.reshape(-1, 30), nxt.reshape(-1), ignore_index=0)


def median_ns(fn, target_s):
    for _ in range(5):
        fn()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < target_s or len(times) < 5:
        t0 = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t0)
    times.sort()
    return times[len(times) // 2]


def main():
    target_s = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    g = torch.Generator().manual_seed(7)
    tok = torch.randint(1, 30, (32, 16), generator=g)
    nxt = torch.randint(0, 30, (32, 16), generator=g)
    for prec, dtype in (("f", torch.float32), ("d", torch.float64)):
        torch.manual_seed(42)
        model = Gru().to(dtype)

        def loss_only():
            with torch.no_grad():
                return model(tok, nxt).item()

        def grad():
            model.zero_grad(set_to_none=False)
            loss = model(tok, nxt)
            loss.backward()
            return loss.item()

        for op, fn in (("loss", loss_only), ("grad", grad)):
            print(f"torch gru 32 {prec} 1 {op} {median_ns(fn, target_s):.1f}", flush=True)


if __name__ == "__main__":
    main()
