#!/usr/bin/env python3
"""Compares netc's predictions with PyTorch's (no PyTorch needed).

  python3 samples/from-pytorch/compare.py preds.csv

preds.csv: what ./netc predict --out wrote for test.csv.gz; torch-predictions.csv.gz: what
train.py wrote. Prints the largest difference of an output and how many classes agree.
"""
import gzip
import os
import sys


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    return [l.split(",") for l in lines[1:] if l]


ours = rows(sys.argv[1] if len(sys.argv) > 1 else "preds.csv")
theirs = rows(os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch-predictions.csv.gz"))
assert len(ours) == len(theirs), f"{len(ours)} rows against PyTorch's {len(theirs)}"
diff = max(abs(float(a) - float(b)) for o, t in zip(ours, theirs) for a, b in zip(o[:10], t[:10]))
same = sum(o[10] == t[10] for o, t in zip(ours, theirs))
print(f"{len(ours)} rows: largest output difference {diff:.3g}, same predicted class in {same} of {len(ours)}")
