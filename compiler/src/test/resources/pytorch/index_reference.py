#!/usr/bin/env python3
"""PyTorch float64 references for the index-notation library (docs/language.md).

For each case: a .net network, the values of its inputs, targets and params (seeded), and
PyTorch's loss and gradients of the same computation in float64. IndexReferenceTest runs each
network through `netc eval` and compares. Regenerate with:

    /usr/bin/python3 index_reference.py > index_reference.json

(PyTorch 1.13 from Debian's python3-torch was used for the committed file.)
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
CASES = []
TARGETS = {"t", "u", "v", "w", "s"}


def case(name, net, shapes, fn, seed):
    g = torch.Generator().manual_seed(seed)
    values = {k: torch.rand(s, generator=g) * 2 - 1 for k, s in shapes.items()}
    leaves = {k: v.clone().requires_grad_(True) for k, v in values.items()}
    loss = fn(**leaves)
    loss.backward()
    CASES.append({
        "name": name,
        "net": net,
        "values": {k: v.flatten().tolist() for k, v in values.items()},
        "loss": loss.item(),
        # netc eval prints the gradients of inputs and params, not of targets (one letter from t on)
        "gradients": {k: v.grad.flatten().tolist() for k, v in leaves.items() if k not in TARGETS},
    })


def conv(stride, pad):
    net = f"""network Conv {{
    input x[2, 6, 5]
    target t[3, {(6 + 2 * pad - 3) // stride + 1}, {(5 + 2 * pad - 2) // stride + 1}]
    param K[3, 2, 3, 2]
    loss = sum(conv2d(x, K, stride={stride}, pad={pad}) .* t)
}}"""
    out = ((6 + 2 * pad - 3) // stride + 1, (5 + 2 * pad - 2) // stride + 1)
    case(f"conv2d stride {stride} pad {pad}", net, {"x": (2, 6, 5), "K": (3, 2, 3, 2), "t": (3,) + out},
         lambda x, K, t: (F.conv2d(x.unsqueeze(0), K, stride=stride, padding=pad).squeeze(0) * t).sum(), 10 * stride + pad)


for s in (1, 2):
    for p in (0, 1):
        conv(s, p)

case("pooling", """network Pool {
    input x[2, 6, 7]
    target t[2, 3, 3], u[2, 2, 2]
    loss = sum(max_pool2d(x, 2) .* t) + sum(avg_pool2d(x, 3) .* u)
}""", {"x": (2, 6, 7), "t": (2, 3, 3), "u": (2, 2, 2)},
     lambda x, t, u: (F.max_pool2d(x, 2) * t).sum() + (F.avg_pool2d(x, 3) * u).sum(), 7)

case("axis ops and reshape", """network Axes {
    input x[3, 4]
    target t[4], u[3], v[3, 4], w[4, 3], s[3]
    loss = sum(sum(x, axis=0) .* t) + sum(mean(x, axis=1) .* u) + sum(max(x, axis=-1) .* s) + sum(softmax(x, axis=1) .* v) + sum(log_softmax(x, axis=0) .* v) + sum(logsumexp(x, axis=1) .* u) + sum(reshape(x, [4, 3]) .* w) + sum(square(flatten(x)))
}""", {"x": (3, 4), "t": (4,), "u": (3,), "v": (3, 4), "w": (4, 3), "s": (3,)},
     lambda x, t, u, v, w, s: (x.sum(0) * t).sum() + (x.mean(1) * u).sum() + (x.max(-1).values * s).sum()
     + (torch.softmax(x, 1) * v).sum() + (torch.log_softmax(x, 0) * v).sum() + (torch.logsumexp(x, 1) * u).sum()
     + (x.reshape(4, 3) * w).sum() + (x.flatten() ** 2).sum(), 8)

case("layer_norm", """network Norm {
    input x[3, 5]
    target t[3, 5]
    loss = sum(layer_norm(x) .* t) + sum(layer_norm(x, eps=0.1) .* t .* t)
}""", {"x": (3, 5), "t": (3, 5)},
     lambda x, t: (F.layer_norm(x, (5,)) * t).sum() + (F.layer_norm(x, (5,), eps=0.1) * t * t).sum(), 9)

case("user-written index definitions", """network Written {
    input A[3, 4], B[4, 2]
    target t[3, 2], u[4, 4]
    y[i, j] = sum(k) tanh(A[i, k]) * B[k, j]
    m[i, j] = select(j <= i, exp(B[i, 0] * B[j, 1]), 0)
    loss = sum(y .* t) + sum(m .* u)
}""", {"A": (3, 4), "B": (4, 2), "t": (3, 2), "u": (4, 4)},
     lambda A, B, t, u: ((torch.tanh(A) @ B) * t).sum()
     + (torch.tril(torch.exp(B[:, 0:1] * B[:, 1].unsqueeze(0))) * u).sum(), 11)

print(json.dumps(CASES, indent=1))
