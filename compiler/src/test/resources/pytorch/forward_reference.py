#!/usr/bin/env python3
"""PyTorch float64 references for forward mode (jvp) and Hessian-vector products (hvp).

For each case: a .net network, the values of its inputs, targets and params, a tangent of the
inputs and params, and a vector in the params' layout (all seeded, uniform in [-1, 1]); then
PyTorch's directional derivative of the loss and of every output along the tangent
(torch.autograd.functional.jvp) and the Hessian of the loss times the vector
(torch.autograd.functional.hvp, the inputs held fixed), in float64. ForwardReferenceTest runs
each network through `netc eval` with "tangent" and "hvp" in its values and compares.
Regenerate with:

    /usr/bin/python3 forward_reference.py > forward_reference.json

(PyTorch 1.13 from Debian's python3-torch was used for the committed file.)
"""
import json
import torch
import torch.nn.functional as F
from torch.autograd.functional import jvp, hvp

torch.set_default_dtype(torch.float64)
CASES = []


def case(name, net, inputs, targets, params, fn, seed):
    """fn(**values) -> (loss, {output name: tensor}); inputs, targets, params: name -> shape."""
    g = torch.Generator().manual_seed(seed)
    rand = lambda s: torch.rand(s, generator=g) * 2 - 1
    values = {k: rand(s) for k, s in {**inputs, **targets, **params}.items()}
    tangent = {k: rand(s) for k, s in {**inputs, **params}.items()}
    vector = {k: rand(s) for k, s in params.items()}
    leaves = list(inputs) + list(params)
    fixed = {k: values[k] for k in targets}

    def everything(*xs):
        loss, outs = fn(**fixed, **dict(zip(leaves, xs)))
        return (loss,) + tuple(outs.values())

    loss, outs = fn(**values)
    _, tangents = jvp(everything, tuple(values[k] for k in leaves), tuple(tangent[k] for k in leaves))
    pnames = list(params)

    def loss_of_params(*ps):
        return fn(**{k: values[k] for k in list(inputs) + list(targets)}, **dict(zip(pnames, ps)))[0]

    _, products = hvp(loss_of_params, tuple(values[k] for k in pnames), tuple(vector[k] for k in pnames))
    CASES.append({
        "name": name,
        "net": net,
        "values": {k: v.flatten().tolist() for k, v in values.items()},
        "tangent": {k: v.flatten().tolist() for k, v in tangent.items()},
        "hvp": {k: v.flatten().tolist() for k, v in vector.items()},
        "loss": loss.item(),
        "jvp": {"loss": tangents[0].item(),
                "outputs": {k: t.flatten().tolist() for k, t in zip(outs, tangents[1:])}},
        "products": {k: p.flatten().tolist() for k, p in zip(pnames, products)},
    })


def sce(z, y):
    return -(y * F.log_softmax(z, dim=0)).sum()


case("mlp tanh softmax cross-entropy l2", """network Mlp {
    input x[4]
    target y[3]
    param W1[5, 4]
    param b1[5]
    param W2[3, 5]
    param b2[3]
    h = tanh(W1 * x + b1)
    z = W2 * h + b2
    output z
    loss = softmax_cross_entropy(z, y) + 0.01 * l2(W1)
}""", {"x": (4,)}, {"y": (3,)}, {"W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,)},
     lambda x, y, W1, b1, W2, b2: (lambda z: (sce(z, y) + 0.01 * 0.5 * (W1 ** 2).sum(), {"z": z}))(
         W2 @ torch.tanh(W1 @ x + b1) + b2), 1)

case("sigmoid mse binary cross-entropy", """network Reg {
    input x[3]
    target y[2], p[2]
    param W[2, 3]
    param b[2]
    a = sigmoid(W * x + b)
    output a
    loss = mse(a, y) + binary_cross_entropy(a, 0.5 * p + 0.5)
}""", {"x": (3,)}, {"y": (2,), "p": (2,)}, {"W": (2, 3), "b": (2,)},
     lambda x, y, p, W, b: (lambda a: (0.5 * ((a - y) ** 2).sum()
         + F.binary_cross_entropy(a, 0.5 * p + 0.5, reduction="sum"), {"a": a}))(torch.sigmoid(W @ x + b)), 2)

case("smooth functions", """network Smooth {
    input x[4]
    param u[4]
    param s
    e = exp(tanh(u .* x)) + softplus(s * x)
    r = sqrt(square(e) + 0.5)
    output r
    loss = logsumexp(r) + sum(log_softmax(u - x)) + norm(e) + sum(sin(x .* u) .* cos(u)) + s ^ 3
}""", {"x": (4,)}, {}, {"u": (4,), "s": ()},
     lambda x, u, s: (lambda e: (lambda r: (torch.logsumexp(r, 0) + F.log_softmax(u - x, dim=0).sum() + e.norm()
         + (torch.sin(x * u) * torch.cos(u)).sum() + s ** 3, {"r": r}))(torch.sqrt(e ** 2 + 0.5)))(
         torch.exp(torch.tanh(u * x)) + F.softplus(s * x)), 3)

case("conv max-pool dense", """network Lenet {
    input x[1, 8, 8]
    target y[3]
    param K[2, 1, 3, 3]
    param c[2, 1, 1]
    param W[3, 18]
    param b[3]
    h = tanh(conv2d(x, K) + c)
    m = max_pool2d(h, 2)
    z = W * flatten(m) + b
    output z
    loss = softmax_cross_entropy(z, y)
}""", {"x": (1, 8, 8)}, {"y": (3,)}, {"K": (2, 1, 3, 3), "c": (2, 1, 1), "W": (3, 18), "b": (3,)},
     lambda x, y, K, c, W, b: (lambda z: (sce(z, y), {"z": z}))(
         W @ F.max_pool2d(torch.tanh(F.conv2d(x.unsqueeze(0), K).squeeze(0) + c), 2).flatten() + b), 4)

case("strided padded conv", """network Strided {
    input x[2, 5, 6]
    param K[2, 2, 3, 3]
    target t[2, 3, 3]
    y = conv2d(x, K, stride=2, pad=1)
    output y
    loss = sum(softplus(y) .* t) + sum(square(K)) * sum(square(y))
}""", {"x": (2, 5, 6)}, {"t": (2, 3, 3)}, {"K": (2, 2, 3, 3)},
     lambda x, t, K: (lambda y: ((F.softplus(y) * t).sum() + (K ** 2).sum() * (y ** 2).sum(), {"y": y}))(
         F.conv2d(x.unsqueeze(0), K, stride=2, padding=1).squeeze(0)), 5)

case("user index definitions", """network Ix {
    input x[6]
    param w[3]
    param A[4, 4]
    y[i] = sum(p) x[i + p] * w[p] where i < 4
    z[i] = sum(j) tanh(A[i, j] * y[j])
    output z
    loss = sum(square(z)) + logsumexp(y)
}""", {"x": (6,)}, {}, {"w": (3,), "A": (4, 4)},
     lambda x, w, A: (lambda y: (lambda z: ((z ** 2).sum() + torch.logsumexp(y, 0), {"z": z}))(
         torch.tanh(A * y.unsqueeze(0)).sum(1)))(torch.stack([(x[i:i + 3] * w).sum() for i in range(4)])), 6)

print(json.dumps(CASES, indent=1))
