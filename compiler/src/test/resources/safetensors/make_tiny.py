#!/usr/bin/env python3
"""Writes the PyTorch-made fixtures of SafeTensorsPyTorchTest (run from this folder).

A tiny classifier, 4 inputs -> 3 relu units -> 3 classes, as tiny.net declares it:
  fc1 = nn.Linear(4, 3) (weight [3, 4] = W1, bias [3] = b1), fc2 = nn.Linear(3, 3) (W2, b2),
plus an int64 buffer 'steps' that is not a param (the name map leaves it out, as one would
BatchNorm's num_batches_tracked).

Writes, without the safetensors package (the format is a u64 little-endian header length, a
JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian bytes):
  tiny.safetensors       the weights in F32 (and 'steps' in I64), PyTorch's names
  tiny-bf16.safetensors  the weights rounded to BF16
  inputs.csv             6 examples: x_0..x_3 (multiples of 1/4, exact in any precision), y (class)
  expected-f32.csv       PyTorch's float32 softmax outputs p_0..p_2 and argmax, per example
  expected-bf16.csv      the same for the BF16 weights, computed in float64
Needs PyTorch (tested with 1.13); deterministic for the seed.
"""
import json
import struct

import torch

torch.manual_seed(11)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(4, 3)
        self.fc2 = torch.nn.Linear(3, 3)
        self.register_buffer("steps", torch.tensor([7], dtype=torch.int64))

    def forward(self, x):
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=-1)


DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16", torch.int64: "I64"}


def raw_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: the same 16 bits as int16
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {"format": "pt", "made_by": "make_tiny.py"}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for r in rows:
            f.write(",".join(r) + "\n")


model = Tiny()
with torch.no_grad():  # larger weights than the default init, so the classes vary
    for w in model.parameters():
        w.mul_(4)
xs = torch.randint(-8, 9, (6, 4)).to(torch.float32) / 4
ys = torch.randint(0, 3, (6,))
save(model.state_dict(), "tiny.safetensors")
write_csv("inputs.csv", ["x_0", "x_1", "x_2", "x_3", "y"],
          [[repr(float(v)) for v in x] + [str(int(y))] for x, y in zip(xs, ys)])

with torch.no_grad():
    p32 = model(xs)
write_csv("expected-f32.csv", ["p_0", "p_1", "p_2", "predicted"],
          [[repr(float(v)) for v in p] + [str(int(p.argmax()))] for p in p32])

bf16 = {k: (v.to(torch.bfloat16) if v.is_floating_point() else v) for k, v in model.state_dict().items()}
save(bf16, "tiny-bf16.safetensors")
model64 = Tiny().double()
model64.load_state_dict({k: v.to(torch.float64) if v.is_floating_point() else v for k, v in bf16.items()})
with torch.no_grad():
    p64 = model64(xs.double())
write_csv("expected-bf16.csv", ["p_0", "p_1", "p_2", "predicted"],
          [[repr(float(v)) for v in p] + [str(int(p.argmax()))] for p in p64])
print("accuracy (f32)", float((p32.argmax(1) == ys).double().mean()))
