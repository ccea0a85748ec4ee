#!/usr/bin/env python3
"""PyTorch float64 references for recurrences (docs/language.md, "Recurrence: for blocks"):
an RNN (tanh, a learned initial state, padding ids), a GRU (torch.nn.GRUCell's equations, PyTorch's
gate order r, z, n, with its two biases per gate), an LSTM (two states) and a reversed RNN,
T <= 16, each written once as a `.net` network and once as a Python loop over
torch.nn.functional / torch.nn.GRUCell, the gradients by PyTorch's autograd (backpropagation
through time). RecurrenceReferenceTest runs each network through `netc eval` (which runs the
generated class) and compares. Regenerate with:

    /usr/bin/python3 recurrence_reference.py > recurrence_reference.json

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
    for k, v in ints.items():
        if k not in targets:
            grads[k] = [0.0] * len(v)
    all_values = {k: v.flatten().tolist() for k, v in values.items()}
    all_values.update({k: [float(x) for x in v] for k, v in ints.items()})
    CASES.append({"name": name, "net": net, "values": all_values, "loss": loss.item(), "gradients": grads})


# an Elman RNN: h = tanh(Wx E[tok] + Wh h + b), a learned h0, padding id 0, repeated tokens
def rnn(E, Wx, Wh, b, Wo, bo, h0, tok, y):
    h = h0
    rows = []
    for t in range(tok.shape[0]):
        h = torch.tanh(Wx @ E[tok[t]] + Wh @ h + b)
        rows.append(Wo @ h + bo)
    return F.cross_entropy(torch.stack(rows), y, ignore_index=0)


case("RNN, learned initial state, ignore=0", """network Rnn {
    const T = 12
    input tok[T] int
    target next[T] int ignore=0
    param E[7, 4]
    param Wx[5, 4]
    param Wh[5, 5]
    param b[5]
    param Wo[7, 5]
    param bo[7]
    param h0[5]
    state h[5] = h0
    for t in 0 .. T {
        h = tanh(Wx * E[tok[t]] + Wh * h + b)
        z[t] = Wo * h + bo
    }
    loss = softmax_cross_entropy(z, next)
}""", {"E": (7, 4), "Wx": (5, 4), "Wh": (5, 5), "b": (5,), "Wo": (7, 5), "bo": (7,), "h0": (5,)},
     {"tok": [3, 1, 3, 0, 6, 2, 2, 5, 3, 1, 4, 3], "next": [1, 3, 0, 6, 2, 2, 5, 3, 1, 4, 3, 0]},
     lambda E, Wx, Wh, b, Wo, bo, h0, tok, next: rnn(E, Wx, Wh, b, Wo, bo, h0, tok, next), 1, targets={"next"})


# a GRU by torch.nn.GRUCell: its weights [3H, D] and [3H, H] stacked r, z, n; biases b_ih, b_hh
def gru(E, Wih, Whh, bih, bhh, Wo, bo, tok, y):
    H = Whh.shape[1]
    h = torch.zeros(1, H)
    rows = []
    for t in range(tok.shape[0]):
        x = E[tok[t]].unsqueeze(0)
        h = torch._VF.gru_cell(x, h, Wih, Whh, bih, bhh)
        rows.append(Wo @ h[0] + bo)
    return F.cross_entropy(torch.stack(rows), y, ignore_index=0)


H, D, V = 4, 3, 6
case("GRU as torch.nn.GRUCell, ignore=0", """network Gru {
    const T = 16
    input tok[T] int
    target next[T] int ignore=0
    param E[6, 3]
    param Wih[12, 3]
    param Whh[12, 4]
    param bih[12]
    param bhh[12]
    param Wo[6, 4]
    param bo[6]
    // PyTorch's layout: rows 0-3 the reset gate, 4-7 the update gate, 8-11 the candidate
    Wr[i, d] = Wih[i, d] where i < 4
    Wz[i, d] = Wih[i + 4, d] where i < 4
    Wn[i, d] = Wih[i + 8, d] where i < 4
    Ur[i, k] = Whh[i, k] where i < 4
    Uz[i, k] = Whh[i + 4, k] where i < 4
    Un[i, k] = Whh[i + 8, k] where i < 4
    br[i] = bih[i] + bhh[i] where i < 4
    bz[i] = bih[i + 4] + bhh[i + 4] where i < 4
    bin[i] = bih[i + 8] where i < 4
    bhn[i] = bhh[i + 8] where i < 4
    state h[4] = 0
    for t in 0 .. T {
        x = E[tok[t]]
        r = sigmoid(Wr * x + Ur * h + br)
        u = sigmoid(Wz * x + Uz * h + bz)
        n = tanh(Wn * x + bin + r .* (Un * h + bhn))
        h = (1 - u) .* n + u .* h
        z[t] = Wo * h + bo
    }
    loss = softmax_cross_entropy(z, next)
}""", {"E": (V, D), "Wih": (3 * H, D), "Whh": (3 * H, H), "bih": (3 * H,), "bhh": (3 * H,), "Wo": (V, H), "bo": (V,)},
     {"tok": [1, 2, 3, 1, 0, 5, 5, 4, 2, 1, 3, 3, 0, 2, 4, 1], "next": [2, 3, 1, 0, 5, 5, 4, 2, 1, 3, 3, 0, 2, 4, 1, 0]},
     lambda E, Wih, Whh, bih, bhh, Wo, bo, tok, next: gru(E, Wih, Whh, bih, bhh, Wo, bo, tok, next), 2, targets={"next"})


# an LSTM by torch.nn.LSTMCell's equations (gates i, f, g, o), a real input sequence, mse
def lstm(x, Wih, Whh, b, w, c0, y):
    H = Whh.shape[1]
    h = torch.zeros(1, H)
    c = c0.unsqueeze(0)
    outs = []
    for t in range(x.shape[0]):
        h, c = torch._VF.lstm_cell(x[t].unsqueeze(0), (h, c), Wih, Whh, b, torch.zeros(4 * H))
        outs.append(w @ h[0])
    p = torch.stack(outs)
    return 0.5 * ((p - y) ** 2).sum()


case("LSTM as torch.nn.LSTMCell, two states, a learned c0", """network Lstm {
    const T = 10
    input x[T, 2]
    target y[T]
    param Wih[12, 2]
    param Whh[12, 3]
    param b[12]
    param w[3]
    param c0[3]
    Wi[i, d] = Wih[i, d] where i < 3
    Wf[i, d] = Wih[i + 3, d] where i < 3
    Wg[i, d] = Wih[i + 6, d] where i < 3
    Wo[i, d] = Wih[i + 9, d] where i < 3
    Ui[i, k] = Whh[i, k] where i < 3
    Uf[i, k] = Whh[i + 3, k] where i < 3
    Ug[i, k] = Whh[i + 6, k] where i < 3
    Uo[i, k] = Whh[i + 9, k] where i < 3
    bi[i] = b[i] where i < 3
    bf[i] = b[i + 3] where i < 3
    bg[i] = b[i + 6] where i < 3
    bo[i] = b[i + 9] where i < 3
    state h[3] = 0
    state c[3] = c0
    for t in 0 .. T {
        i = sigmoid(Wi * x[t] + Ui * h + bi)
        f = sigmoid(Wf * x[t] + Uf * h + bf)
        g = tanh(Wg * x[t] + Ug * h + bg)
        o = sigmoid(Wo * x[t] + Uo * h + bo)
        c = f .* c + i .* g
        h = o .* tanh(c)
        p[t] = dot(w, h)
    }
    loss = mse(p, y)
}""", {"x": (10, 2), "y": (10,), "Wih": (12, 2), "Whh": (12, 3), "b": (12,), "w": (3,), "c0": (3,)}, {},
     lambda x, y, Wih, Whh, b, w, c0: lstm(x, Wih, Whh, b, w, c0, y), 3, targets={"y"})


# a reversed RNN: the block reads x[T - 1 - t]
def reversed_rnn(x, W, U, h0, w, y):
    h = h0
    outs = []
    T = x.shape[0]
    for t in range(T):
        h = torch.tanh(W @ x[T - 1 - t] + U @ h)
        outs.append(w @ h)
    p = torch.stack(outs)
    return 0.5 * ((p - y) ** 2).sum()


case("RNN over the reversed sequence", """network Reversed {
    const T = 7
    input x[T, 3]
    target y[T]
    param W[4, 3]
    param U[4, 4]
    param h0[4]
    param w[4]
    state h[4] = h0
    for t in 0 .. T {
        h = tanh(W * x[T - 1 - t] + U * h)
        p[t] = dot(w, h)
    }
    loss = mse(p, y)
}""", {"x": (7, 3), "y": (7,), "W": (4, 3), "U": (4, 4), "h0": (4,), "w": (4,)}, {},
     lambda x, y, W, U, h0, w: reversed_rnn(x, W, U, h0, w, y), 4, targets={"y"})

print(json.dumps(CASES, indent=1))
