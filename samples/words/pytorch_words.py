#!/usr/bin/env python3
"""The networks of samples/words, trained with PyTorch on the same data, for comparison.

Same words (the lines of words.txt.gz that are lowercase a-z only, as `--text-match '[a-z]+'`),
same vocabulary (0 padding, 1 boundary, then the characters in code point order), same
train/validation split (a port of netc's TextData.split and its SplitMix64 generator), same
layouts (TextData.windows / TextData.sequences), same sizes, same initialization rule (netc's
defaults: xavier uniform for rank >= 2, zeros for vectors), Adam with netc's defaults, batch 32,
the same epochs and cosine schedule per epoch. The per-example loss is netc's: the mean over the
example's non-padding positions; the batch loss is the mean over its examples.

Prints the validation loss in nats per character (the sum over every predicted character of the
validation words, divided by their count), as `netc train --text` does.

    python3 samples/words/pytorch_words.py mlp|gru|transformer [--epochs E] [--lr LR] [--threads N]
"""
import argparse
import gzip
import math
import os
import re
import sys
import time

import torch

M64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class Rng:
    """netc's dev.netc.runtime.Rng (SplitMix64), for the split."""

    def __init__(self, seed):
        self.state = seed & M64

    @staticmethod
    def derive(seed, index):
        return mix64((mix64(seed & M64) + GAMMA * (index + 1)) & M64)

    def next_long(self):
        self.state = (self.state + GAMMA) & M64
        return mix64(self.state)

    def next_int(self, bound):
        while True:
            bits = self.next_long() >> 33
            val = bits % bound
            s = (bits - val + (bound - 1)) & 0xFFFFFFFF
            if s < 0x80000000:  # no int overflow in Java
                return val

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.next_int(i + 1)
            a[i], a[j] = a[j], a[i]


def read_words(path, match):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = [l.rstrip("\n").rstrip("\r") for l in f]
    lines = [l for l in lines if l]
    return [l for l in lines if re.fullmatch(match, l)]


def split(lines, fraction, seed):
    n = len(lines)
    held = int(math.floor(n * fraction + 0.5))
    if fraction > 0 and held == 0 and n >= 2:
        held = 1
    order = list(range(n))
    Rng(Rng.derive(seed, 0x7E47)).shuffle(order)
    valid = set(order[:held])
    return [l for i, l in enumerate(lines) if i not in valid], [l for i, l in enumerate(lines) if i in valid]


def vocabulary(lines):
    chars = sorted(set("".join(lines)))
    return {c: i + 2 for i, c in enumerate(chars)}


def windows(lines, vocab, k):
    xs, ys = [], []
    for l in lines:
        full = [1] * k + [vocab[c] for c in l] + [1]
        for i in range(len(full) - k):
            xs.append(full[i:i + k])
            ys.append([full[i + k]])
    return torch.tensor(xs), torch.tensor(ys)


def sequences(lines, vocab, t_len):
    xs, ys = [], []
    for l in lines:
        full = [1] + [vocab[c] for c in l] + [1]
        for s in range(0, len(full) - 1, t_len):
            x = full[s:s + t_len]
            y = full[s + 1:s + t_len + 1]
            xs.append(x + [0] * (t_len - len(x)))
            ys.append(y + [0] * (t_len - len(y)))
    return torch.tensor(xs), torch.tensor(ys)


def netc_init(shape, gen):
    """netc's default initializer: xavier uniform for rank >= 2 (fans as PyTorch computes them), else zeros."""
    if len(shape) < 2:
        return torch.zeros(shape)
    rest = 1
    for d in shape[2:]:
        rest *= d
    fan_in, fan_out = shape[1] * rest, shape[0] * rest
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=gen) * 2 - 1) * limit


class Net(torch.nn.Module):
    def __init__(self, shapes, seed):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        for name, shape in shapes.items():
            setattr(self, name, torch.nn.Parameter(netc_init(shape, gen)))


def layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def mlp_model(V, K=3, D=16, H=128):
    net = Net({"E": [V, D], "W1": [H, K * D], "b1": [H], "W2": [V, H], "b2": [V]}, 1)

    def logits(x):  # x[B, K] -> z[B, 1, V]
        e = net.E[x].reshape(x.shape[0], K * D)
        h = torch.tanh(e @ net.W1.T + net.b1)
        return (h @ net.W2.T + net.b2).unsqueeze(1)

    return net, logits


def gru_model(V, D=32, H=128):
    shapes = {"E": [V, D], "h0": [H], "Wo": [V, H], "bo": [V]}
    for g in "rzn":
        shapes["W" + g] = [H, D]
        shapes["U" + g] = [H, H]
        shapes["b" + g] = [H]
    shapes["bu"] = [H]
    net = Net(shapes, 1)

    def logits(x):  # x[B, T] -> z[B, T, V]
        B, T = x.shape
        h = net.h0.expand(B, -1)
        e = net.E[x]
        zs = []
        for t in range(T):
            et = e[:, t]
            r = torch.sigmoid(et @ net.Wr.T + h @ net.Ur.T + net.br)
            z = torch.sigmoid(et @ net.Wz.T + h @ net.Uz.T + net.bz)
            n = torch.tanh(et @ net.Wn.T + net.bn + r * (h @ net.Un.T + net.bu))
            h = (1 - z) * n + z * h
            zs.append(h @ net.Wo.T + net.bo)
        return torch.stack(zs, 1)

    return net, logits


def transformer_model(V, T=16, D=64, NH=4, F=256, SHIFT=0):
    DH = D // NH
    shapes = {"E": [V, D], "P": [T, D],
              "g1": [D], "e1": [D], "Wq": [NH, DH, D], "Wk": [NH, DH, D], "Wv": [NH, DH, D], "Wo": [D, NH, DH],
              "bo": [D], "g2": [D], "e2": [D], "W1": [F, D], "b1": [F], "W2": [D, F], "b2": [D],
              "g3": [D], "e3": [D], "Wz": [V, D], "bz": [V]}
    for k in range(1, SHIFT + 1):  # S1, S2, ...: the character k places back, embedded
        shapes["S%d" % k] = [V, D]
    net = Net(shapes, 1)
    with torch.no_grad():  # layer-norm gains start at 1, as in the .net file
        for g in ("g1", "g2", "g3"):
            getattr(net, g).fill_(1.0)
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def logits(x):  # x[B, T] -> z[B, T, V]
        h = net.E[x] + net.P
        for k in range(1, SHIFT + 1):  # pad(e, [k, 0]) read at t: row t - k of e, zeros before the start
            h = h + torch.nn.functional.pad(getattr(net, "S%d" % k)[x], (0, 0, k, 0))[:, :T]
        a = layer_norm(h) * net.g1 + net.e1
        q = torch.einsum("btd,hed->bhte", a, net.Wq)
        k = torch.einsum("btd,hed->bhte", a, net.Wk)
        v = torch.einsum("btd,hed->bhte", a, net.Wv)
        s = torch.einsum("bhte,bhue->bhtu", q, k) / math.sqrt(DH)
        s = torch.where(mask, s, torch.tensor(-1e9, dtype=s.dtype))
        p = torch.softmax(s, -1)
        o = torch.einsum("bhtu,bhue->bhte", p, v)
        h = h + torch.einsum("bhte,dhe->btd", o, net.Wo) + net.bo
        m = layer_norm(h) * net.g2 + net.e2
        h = h + gelu(m @ net.W1.T + net.b1) @ net.W2.T + net.b2
        f = layer_norm(h) * net.g3 + net.e3
        return f @ net.Wz.T + net.bz

    return net, logits


def example_losses(z, y):
    """Per example: the mean over its non-padding positions of -log_softmax(z)[y]; and the counts."""
    nll = torch.nn.functional.cross_entropy(z.transpose(1, 2), y, ignore_index=0, reduction="none")
    count = (y != 0).sum(1)
    return nll.sum(1) / count.clamp(min=1), nll.sum(1), count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mlp", "gru", "transformer"])
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "words.txt.gz"))
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--width", type=int, default=128, help="transformer: d (transformer.net: 128)")
    ap.add_argument("--mlp", type=int, default=512, help="transformer: the MLP's width (transformer.net: 512)")
    ap.add_argument("--heads", type=int, default=8, help="transformer: heads of d / heads (transformer.net: 8)")
    ap.add_argument("--shift", type=int, default=3,
                    help="transformer: embeddings of the characters 1..N places back (transformer.net: 3)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    defaults = {"mlp": (4, 0.002), "gru": (4, 0.002), "transformer": (4, 0.002)}
    epochs = a.epochs if a.epochs is not None else defaults[a.model][0]
    lr = a.lr if a.lr is not None else defaults[a.model][1]

    lines = read_words(a.data, "[a-z]+")
    vocab = vocabulary(lines)
    V = len(vocab) + 2
    train, valid = split(lines, 0.1, a.seed)
    if a.model == "mlp":
        net, logits = mlp_model(V)
        xt, yt = windows(train, vocab, 3)
        xv, yv = windows(valid, vocab, 3)
    else:
        net, logits = gru_model(V) if a.model == "gru" else transformer_model(V, D=a.width, NH=a.heads, F=a.mlp, SHIFT=a.shift)
        xt, yt = sequences(train, vocab, 16)
        xv, yv = sequences(valid, vocab, 16)
    print(f"{len(lines)} words, {len(train)} train / {len(valid)} validation, vocabulary {V}, "
          f"{xt.shape[0]} training examples, {sum(p.numel() for p in net.parameters())} params", flush=True)
    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=(0.9, 0.999), eps=1e-8)
    start = time.time()
    for epoch in range(1, epochs + 1):
        for g in opt.param_groups:  # netc's cosine schedule: per epoch, to 0 over all epochs
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))
        perm = torch.randperm(xt.shape[0])
        total = 0.0
        for i in range(0, xt.shape[0], a.batch):
            idx = perm[i:i + a.batch]
            loss = example_losses(logits(xt[idx]), yt[idx])[0].mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        with torch.no_grad():
            s, n = 0.0, 0
            for i in range(0, xv.shape[0], 1024):
                _, sums, counts = example_losses(logits(xv[i:i + 1024]), yv[i:i + 1024])
                s += sums.sum().item()
                n += counts.sum().item()
        print(f"epoch {epoch}: train loss {total / xt.shape[0]:.4f}, validation {s / n:.4f} nats per character"
              f" ({n} characters), {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
