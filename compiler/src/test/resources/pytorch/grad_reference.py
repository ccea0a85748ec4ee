#!/usr/bin/env python3
"""PyTorch float64 references for grad(f, v) inside a network (reverse-over-reverse).

For each case: a .net network whose loss (and some outputs) use grad, the values of its inputs,
targets and params (seeded, uniform in [-1, 1]); then what PyTorch computes for the same
function in float64, with torch.autograd.grad(f, v, create_graph=True) where the network says
grad(f, v): the loss, every output, and the gradient of the loss with respect to every param and
every input (torch.autograd.grad of the loss, which differentiates the inner gradients again).
GradReferenceTest runs each network through `netc eval` and compares. Regenerate with:

    /usr/bin/python3 grad_reference.py > grad_reference.json

(PyTorch 1.13 from Debian's python3-torch was used for the committed file.)
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
CASES = []


def grad(f, v):
    return torch.autograd.grad(f, v, create_graph=True)[0]


def case(name, net, inputs, targets, params, fn, seed):
    """fn(**values) -> (loss, {output name: tensor}); inputs, targets, params: name -> shape."""
    g = torch.Generator().manual_seed(seed)
    rand = lambda s: torch.rand(s, generator=g) * 2 - 1
    values = {k: rand(s) for k, s in {**inputs, **targets, **params}.items()}
    leaves = {k: values[k].clone().requires_grad_(True) for k in list(inputs) + list(params)}
    loss, outs = fn(**{k: values[k] for k in targets}, **leaves)
    names = list(leaves)
    grads = torch.autograd.grad(loss, [leaves[k] for k in names], allow_unused=True)
    grads = [torch.zeros_like(leaves[k]) if d is None else d for k, d in zip(names, grads)]
    CASES.append({
        "name": name,
        "net": net,
        "values": {k: v.flatten().tolist() for k, v in values.items()},
        "loss": loss.item(),
        "outputs": {k: t.detach().flatten().tolist() for k, t in outs.items()},
        "gradients": {k: d.flatten().tolist() for k, d in zip(names, grads)},
    })


def sce(z, y):
    return -(y * F.log_softmax(z, dim=0)).sum()


def mse(a, y):
    return 0.5 * ((a - y) ** 2).sum()


def gp(x, y, W1, b1, W2, b2):
    a = W2 @ torch.tanh(W1 @ x + b1) + b2
    g = grad(a.sum(), x)
    return mse(a, y) + 10 * (g.norm() - 1) ** 2, {"a": a, "g": g}


case("input-gradient penalty (WGAN-GP)", """network Gp {
    input x[4]
    target y[3]
    param W1[5, 4]
    param b1[5]
    param W2[3, 5]
    param b2[3]
    h = tanh(W1 * x + b1)
    a = W2 * h + b2
    g = grad(sum(a), x)
    output a, g
    loss = mse(a, y) + 10 * square(norm(g) - 1)
}""", {"x": (4,)}, {"y": (3,)}, {"W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,)}, gp, 11)


def param_norm(x, y, W1, b1, W2, b2):
    z = W2 @ torch.sigmoid(W1 @ x + b1) + b2
    fit = sce(z, y)
    return fit + 0.1 * (grad(fit, W1) ** 2).sum() + (grad(fit, b2) * b2).sum(), {"z": z}


case("parameter-gradient norm (softmax cross-entropy)", """network Pn {
    input x[4]
    target y[3]
    param W1[5, 4]
    param b1[5]
    param W2[3, 5]
    param b2[3]
    z = W2 * sigmoid(W1 * x + b1) + b2
    fit = softmax_cross_entropy(z, y)
    output z
    loss = fit + 0.1 * sum(square(grad(fit, W1))) + sum(grad(fit, b2) .* b2)
}""", {"x": (4,)}, {"y": (3,)}, {"W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,)}, param_norm, 12)


def hidden(x, t, W1, b1, W2):
    h = torch.tanh(W1 @ x + b1)
    z = W2 @ h
    g = grad(torch.logsumexp(z, 0) + (h ** 2).sum(), h)
    return (g ** 2).sum() + (z * t).sum(), {"g": g}


case("a named value (every path)", """network Hidden {
    input x[3]
    target t[2]
    param W1[4, 3]
    param b1[4]
    param W2[2, 4]
    h = tanh(W1 * x + b1)
    z = W2 * h
    g = grad(logsumexp(z) + sum(square(h)), h)
    output g
    loss = sum(square(g)) + sum(z .* t)
}""", {"x": (3,)}, {"t": (2,)}, {"W1": (4, 3), "b1": (4,), "W2": (2, 4)}, hidden, 13)


def nested(x, w, s):
    e = (torch.exp(w * x) * torch.sin(x)).sum() + s * (x ** 3).sum()
    g1 = grad(e, x)
    g2 = grad((g1 ** 2).sum(), x)
    return (g2 * w).sum() + F.softplus(g1).sum(), {"g1": g1, "g2": g2}


case("grad nested in grad", """network Nested {
    input x[3]
    param w[3]
    param s
    e = sum(exp(w .* x) .* sin(x)) + s * sum(x .* x .* x)
    g1 = grad(e, x)
    g2 = grad(sum(square(g1)), x)
    output g1, g2
    loss = sum(g2 .* w) + sum(softplus(g1))
}""", {"x": (3,)}, {}, {"w": (3,), "s": ()}, nested, 14)


def lenet(x, y, K, c, W, b):
    m = F.max_pool2d(torch.tanh(F.conv2d(x.unsqueeze(0), K).squeeze(0) + c), 2)
    z = W @ m.flatten() + b
    g = grad(torch.logsumexp(z, 0), x)
    return sce(z, y) + (g ** 2).sum(), {"z": z, "g": g}


case("conv max-pool dense, input-gradient penalty", """network Lenet {
    input x[1, 8, 8]
    target y[3]
    param K[2, 1, 3, 3]
    param c[2, 1, 1]
    param W[3, 18]
    param b[3]
    h = tanh(conv2d(x, K) + c)
    m = max_pool2d(h, 2)
    z = W * flatten(m) + b
    g = grad(logsumexp(z), x)
    output z, g
    loss = softmax_cross_entropy(z, y) + sum(square(g))
}""", {"x": (1, 8, 8)}, {"y": (3,)}, {"K": (2, 1, 3, 3), "c": (2, 1, 1), "W": (3, 18), "b": (3,)}, lenet, 15)


def strided(x, t, K):
    h = torch.tanh(F.conv2d(x.unsqueeze(0), K, stride=2, padding=1).squeeze(0))
    gx = grad(h.sum(), x)
    gk = grad((h * h * t).sum(), K)
    return (h * t).sum() + (gx ** 2).sum() + (gk ** 2).sum(), {"gx": gx}


case("strided padded conv (scatters differentiated again)", """network Strided {
    input x[2, 5, 6]
    param K[2, 2, 3, 3]
    target t[2, 3, 3]
    h = tanh(conv2d(x, K, stride=2, pad=1))
    gx = grad(sum(h), x)
    output gx
    loss = sum(h .* t) + sum(square(gx)) + sum(square(grad(sum(h .* h .* t), K)))
}""", {"x": (2, 5, 6)}, {"t": (2, 3, 3)}, {"K": (2, 2, 3, 3)}, strided, 16)


def index(x, w, A):
    y = torch.stack([(x[i:i + 3] * w).sum() for i in range(4)])
    z = torch.tanh(A * y.unsqueeze(0)).sum(1)
    m = torch.stack([torch.max(z[i] * x[i:i + 3]) for i in range(4)])
    return (z ** 2).sum() + (grad((m ** 2).sum() + (z * z).sum(), w) ** 2).sum(), {"z": z, "m": m}


case("user index definitions with a max", """network Ix {
    input x[6]
    param w[3]
    param A[4, 4]
    y[i] = sum(p) x[i + p] * w[p] where i < 4
    z[i] = sum(j) tanh(A[i, j] * y[j])
    m[i] = max(j) z[i] * x[i + j] where j < 3
    output z, m
    loss = sum(square(z)) + sum(square(grad(sum(square(m)) + sum(z .* z), w)))
}""", {"x": (6,)}, {}, {"w": (3,), "A": (4, 4)}, index, 17)

print(json.dumps(CASES, indent=1))
