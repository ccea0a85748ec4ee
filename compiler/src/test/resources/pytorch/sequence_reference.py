#!/usr/bin/env python3
"""PyTorch float64 references for sequences (docs/language.md, "Integer inputs and targets"):
gathers from int inputs with repeated ids (an embedding), and softmax_cross_entropy over rows
with int class indices, with and without a padding id (PyTorch's ignore_index).

For each case: a .net network, the values of its inputs, targets and params (seeded; ids drawn
from a small vocabulary so that they repeat), and PyTorch's loss and gradients of the same
computation in float64. SequenceReferenceTest runs each network through `netc eval` and
compares. Regenerate with:

    /usr/bin/python3 sequence_reference.py > sequence_reference.json

(PyTorch 1.13 from Debian's python3-torch was used for the committed file.)
"""
import json
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
CASES = []


def case(name, net, reals, ints, fn, seed, targets=()):
    """reals: name -> shape (uniform in [-1, 1]); ints: name -> (values as a list)."""
    g = torch.Generator().manual_seed(seed)
    values = {k: torch.rand(s, generator=g) * 2 - 1 for k, s in reals.items()}
    leaves = {k: v.clone().requires_grad_(True) for k, v in values.items()}
    ids = {k: torch.tensor(v, dtype=torch.long) for k, v in ints.items()}
    loss = fn(**leaves, **ids)
    loss.backward()
    grads = {k: v.grad.flatten().tolist() for k, v in leaves.items() if k not in targets}
    # netc eval prints the gradient of every input, an int one's all zeros; none of targets
    for k, v in ints.items():
        if k not in targets:
            grads[k] = [0.0] * len(v)
    all_values = {k: v.flatten().tolist() for k, v in values.items()}
    all_values.update({k: [float(x) for x in v] for k, v in ints.items()})
    CASES.append({"name": name, "net": net, "values": all_values, "loss": loss.item(), "gradients": grads})


# an embedding and a linear read-out, a repeated token (3 appears three times)
case("embedding, cross-entropy over rows", """network Emb {
    input tok[6] int
    target y[6] int
    param E[5, 3]
    param W[4, 3]
    param b[4]
    rows[t, d] = E[tok[t], d]
    z[t, k] = b[k] + sum(d) tanh(rows[t, d]) * W[k, d]
    loss = softmax_cross_entropy(z, y)
}""", {"E": (5, 3), "W": (4, 3), "b": (4,)}, {"tok": [3, 1, 3, 0, 3, 4], "y": [0, 3, 2, 2, 1, 0]},
     lambda E, W, b, tok, y: F.cross_entropy(torch.tanh(F.embedding(tok, E)) @ W.T + b, y), 1, targets={"y"})

# padding id 0 inside the class range
case("cross-entropy with ignore=0", """network Pad {
    input tok[5] int
    input x[5, 2]
    target y[5] int ignore=0
    param E[4, 2]
    param W[3, 2]
    z[t, k] = sum(d) E[tok[t], d] * x[t, d] * W[k, d]
    loss = softmax_cross_entropy(z, y)
}""", {"x": (5, 2), "E": (4, 2), "W": (3, 2)}, {"tok": [2, 2, 1, 0, 2], "y": [1, 0, 2, 0, 1]},
     lambda x, E, W, tok, y: F.cross_entropy((F.embedding(tok, E) * x) @ W.T, y, ignore_index=0), 2, targets={"y"})

# padding id outside the class range, as PyTorch's default -100
case("cross-entropy with ignore=-100", """network Pad100 {
    input tok[4] int
    target y[4] int ignore=-100
    param E[3, 3]
    z[t, k] = E[tok[t], k] * 2
    loss = softmax_cross_entropy(z, y)
}""",
     {"E": (3, 3)}, {"tok": [0, 2, 0, 1], "y": [2, -100, 0, -100]},
     lambda E, tok, y: F.cross_entropy(F.embedding(tok, E) * 2, y, ignore_index=-100), 3, targets={"y"})

# one row: z[V] and a scalar class index
case("cross-entropy of one row", """network One {
    input x[3]
    target y int
    param W[5, 3]
    z = W * x
    loss = softmax_cross_entropy(z, y)
}""", {"x": (3,), "W": (5, 3)}, {"y": [4]},
     lambda x, W, y: F.cross_entropy((W @ x).unsqueeze(0), y), 4, targets={"y"})

print(json.dumps(CASES, indent=1))
