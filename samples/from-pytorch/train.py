#!/usr/bin/env python3
"""Trains the digits MLP in PyTorch and saves it for netc (see README.md).

  python3 samples/from-pytorch/train.py

Reads ../digits/digits.csv.gz, holds out a seeded 20% (360 rows), trains
  Linear(64, 32) -> relu -> Linear(32, 10), on pixels / 16, with nn.CrossEntropyLoss and Adam,
and writes, next to this script:
  weights.safetensors        the trained weights, F32, PyTorch's names (fc1.weight, ...)
  test.csv.gz                the held-out rows, in digits.csv's layout (64 pixels, label)
  torch-predictions.csv.gz   PyTorch's softmax outputs p_0..p_9 and predicted class per test row
and prints the test loss and accuracy. Needs PyTorch (tested with 1.13, CPU); the safetensors
file is written by hand (the format is a u64 little-endian header length, a JSON header, then
raw little-endian bytes), so the safetensors package is not needed.
"""
import gzip
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(1)
torch.set_num_threads(1)


class Mlp(torch.nn.Module):
    """What mlp.net declares: W1 = fc1.weight [32, 64], b1 = fc1.bias, W2 = fc2.weight [10, 32], b2."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(64, 32)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):  # the logits z; the network's output p is softmax(z)
        return self.fc2(torch.relu(self.fc1(x / 16)))


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt", "made_by": "samples/from-pytorch/train.py"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


with gzip.open(os.path.join(HERE, "../digits/digits.csv.gz"), "rt") as f:
    lines = f.read().splitlines()
header, rows = lines[0], [l for l in lines[1:] if l.strip()]
data = torch.tensor([[float(v) for v in r.split(",")] for r in rows])
x_all, y_all = data[:, :64], data[:, 64].long()
perm = torch.randperm(len(rows))
test_idx, train_idx = perm[:360], perm[360:]
x_train, y_train, x_test, y_test = x_all[train_idx], y_all[train_idx], x_all[test_idx], y_all[test_idx]

model = Mlp()
opt = torch.optim.Adam(model.parameters(), lr=0.003)
loss_fn = torch.nn.CrossEntropyLoss()
for epoch in range(30):
    order = torch.randperm(len(x_train))
    for i in range(0, len(order), 32):
        b = order[i:i + 32]
        opt.zero_grad()
        loss_fn(model(x_train[b]), y_train[b]).backward()
        opt.step()

with torch.no_grad():
    z = model(x_test)
    p = torch.softmax(z, dim=1)
    loss = float(loss_fn(z, y_test))
    accuracy = float((p.argmax(1) == y_test).double().mean())

save_safetensors(model.state_dict(), os.path.join(HERE, "weights.safetensors"))
with gzip.GzipFile(os.path.join(HERE, "test.csv.gz"), "wb", mtime=0) as f:
    f.write(("\n".join([header] + [rows[i] for i in test_idx.tolist()]) + "\n").encode())
with gzip.GzipFile(os.path.join(HERE, "torch-predictions.csv.gz"), "wb", mtime=0) as f:
    out = [",".join([f"p_{j}" for j in range(10)] + ["predicted"])]
    out += [",".join([repr(float(v)) for v in row] + [str(int(row.argmax()))]) for row in p]
    f.write(("\n".join(out) + "\n").encode())
print(f"PyTorch {torch.__version__}: test loss {loss:.6g}, test accuracy {100 * accuracy:.2f}% "
      f"({int((p.argmax(1) == y_test).sum())} of {len(y_test)})")
