#!/usr/bin/env python3
"""Times the benchmark networks of netc (issue #7) in PyTorch, the way a user would write them.

Workloads (as benchmarks/src/main/net): XOR 2-4-1 sigmoid + mse (batch 4); MLP 784-128-10 tanh +
softmax cross-entropy (batch 1, 64); chain of 40 tanh layers of width 24 + mse (batch 1, 32); the
MLP at batch 256 for the two-threads check; issue 20's LeNet-like CNN (batch 64); and issue 21's
one-block causal transformer on characters (src/main/net/transformer.net: T 16, vocabulary 28, d 64,
4 heads, gelu MLP 256, layer norms; batch 32; the mean cross-entropy over every position). Losses are netc's: mse = 1/2 sum (a - y)^2 per
example, softmax CE = -sum y log softmax(z); both means over the batch. For each: float32 and
float64, 1 and 2 threads (torch.set_num_threads and OpenBLAS's, torch_threads.py), the operations loss (forward, no_grad), grad
(forward + backward, grads zeroed with set_to_none) and train (grad + Adam(lr=1e-3).step()).
Warm-up, then the median of many repetitions, each repetition timing a block of calls.

Prints one line per measurement: `torch <workload> <batch> <d|f> <threads> <op> <ns per call>`.
"""
import math
import statistics
import sys
import time

import torch

import torch_threads

torch.manual_seed(0)


class Transformer(torch.nn.Module):
    """src/main/net/transformer.net (samples/words/pytorch_words.py --width 64 --mlp 256 --heads 4 --shift 0)."""

    def __init__(self, V=28, T=16, D=64, NH=4, F=256):
        super().__init__()
        DH = D // NH
        shapes = {"E": [V, D], "P": [T, D], "g1": [D], "e1": [D], "Wq": [NH, DH, D], "Wk": [NH, DH, D],
                  "Wv": [NH, DH, D], "Wo": [D, NH, DH], "bo": [D], "g2": [D], "e2": [D], "W1": [F, D],
                  "b1": [F], "W2": [D, F], "b2": [D], "g3": [D], "e3": [D], "Wz": [V, D], "bz": [V]}
        for name, shape in shapes.items():
            init = torch.ones(shape) if name[0] == "g" else torch.randn(shape) * 0.1
            setattr(self, name, torch.nn.Parameter(init))
        self.register_buffer("mask", torch.tril(torch.ones(T, T, dtype=torch.bool)))
        self.scale = 1 / math.sqrt(DH)

    @staticmethod
    def norm(x):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + 1e-5)

    def forward(self, tok):  # tok[B, T] -> z[B, T, V]
        h = self.E[tok] + self.P
        a = self.norm(h) * self.g1 + self.e1
        q = torch.einsum("btd,hed->bhte", a, self.Wq)
        k = torch.einsum("btd,hed->bhte", a, self.Wk)
        v = torch.einsum("btd,hed->bhte", a, self.Wv)
        s = torch.einsum("bhte,bhue->bhtu", q, k) * self.scale
        s = torch.where(self.mask, s, torch.tensor(-1e9, dtype=s.dtype))
        o = torch.einsum("bhtu,bhue->bhte", torch.softmax(s, -1), v)
        h = h + torch.einsum("bhte,dhe->btd", o, self.Wo) + self.bo
        m = self.norm(h) * self.g2 + self.e2
        f = m @ self.W1.T + self.b1
        f = 0.5 * f * (1 + torch.tanh(math.sqrt(2 / math.pi) * (f + 0.044715 * f ** 3)))
        h = h + f @ self.W2.T + self.b2
        return (self.norm(h) * self.g3 + self.e3) @ self.Wz.T + self.bz


def build(workload, dtype):
    if workload == "transformer":
        return Transformer().to(dtype), [16, 28], "seq"
    if workload == "lenet":
        # issue 20's LeNet-like CNN, as benchmarks/src/main/net/lenet.net
        nn = torch.nn
        model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84),
                              nn.ReLU(), nn.Linear(84, 10)).to(dtype)
        return model, [784, 10], "ce"
    if workload == "xor":
        dims, acts, loss = [2, 4, 1], ["sigmoid", "sigmoid"], "mse"
    elif workload == "mlp":
        dims, acts, loss = [784, 128, 10], ["tanh", None], "ce"
    else:
        dims, acts, loss = [24] * 41, ["tanh"] * 40, "mse"
    layers = []
    for i in range(len(dims) - 1):
        layers.append(torch.nn.Linear(dims[i], dims[i + 1]).to(dtype))
        if acts[i] == "tanh":
            layers.append(torch.nn.Tanh())
        elif acts[i] == "sigmoid":
            layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers), dims, loss


def data(workload, batch, dims, dtype):
    if workload == "xor":
        x = torch.tensor([[0, 0], [1, 0], [0, 1], [1, 1]] * (batch // 4 or 1), dtype=dtype)[:batch]
        y = torch.tensor([[0], [1], [1], [0]] * (batch // 4 or 1), dtype=dtype)[:batch]
    elif workload == "transformer":
        x = torch.randint(1, 28, (batch, 16))
        y = torch.randint(1, 28, (batch, 16))
    elif workload == "lenet":
        x = torch.rand(batch, 1, 28, 28, dtype=dtype)
        y = torch.nn.functional.one_hot(torch.randint(0, 10, (batch,)), 10).to(dtype)
    elif workload == "mlp":
        x = torch.rand(batch, 784, dtype=dtype)
        y = torch.nn.functional.one_hot(torch.randint(0, 10, (batch,)), 10).to(dtype)
    else:
        x = torch.rand(batch, 24, dtype=dtype) * 2 - 1
        y = torch.rand(batch, 24, dtype=dtype) - 0.5
    return x, y


def loss_fn(kind):
    if kind == "seq":
        return lambda z, y: torch.nn.functional.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1))
    if kind == "mse":
        return lambda out, y: 0.5 * ((out - y) ** 2).sum(dim=1).mean()
    return lambda z, y: -(y * torch.log_softmax(z, dim=1)).sum(dim=1).mean()


def median_ns(fn, target_s):
    # calibrate a block that lasts about 2 ms, warm up, then take the median of the blocks
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > 0.002:
            break
        n *= 2
    t_end = time.perf_counter() + target_s / 3
    while time.perf_counter() < t_end:  # warm-up
        fn()
    samples = []
    t_end = time.perf_counter() + target_s
    while time.perf_counter() < t_end or len(samples) < 15:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(samples)


def main():
    target_s = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    cases = [("xor", 4), ("mlp", 1), ("mlp", 64), ("chain", 1), ("chain", 32), ("mlp", 256), ("lenet", 64),
             ("transformer", 32)]
    if len(sys.argv) > 2:
        # only some cases, e.g. "mlp:1,mlp:64"
        wanted = {tuple(c.split(":")) for c in sys.argv[2].split(",")}
        cases = [c for c in cases if (c[0], str(c[1])) in wanted]
    for threads in (1, 2):
        torch_threads.set_threads(threads)
        print("#", torch_threads.blas(), flush=True)
        for workload, batch in cases:
            for prec, dtype in (("d", torch.float64), ("f", torch.float32)):
                model, dims, kind = build(workload, dtype)
                x, y = data(workload, batch, dims, dtype)
                lf = loss_fn(kind)
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)

                def loss_only():
                    with torch.no_grad():
                        return lf(model(x), y).item()

                def grad():
                    model.zero_grad(set_to_none=True)
                    loss = lf(model(x), y)
                    loss.backward()
                    return loss.item()

                def train():
                    opt.zero_grad(set_to_none=True)
                    loss = lf(model(x), y)
                    loss.backward()
                    opt.step()
                    return loss.item()

                for op, fn in (("loss", loss_only), ("grad", grad), ("train", train)):
                    ns = median_ns(fn, target_s)
                    print(f"torch {workload} {batch} {prec} {threads} {op} {ns:.1f}", flush=True)


if __name__ == "__main__":
    main()
