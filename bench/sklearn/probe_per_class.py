#!/usr/bin/env python3
"""Per-class one-vs-rest AUC of the probe bench's test probabilities: this project's current probe against scikit-learn's.

Reads a task folder kept by `ConVirt.Bench probe --probe-files DIR` (DIR/probe-LABEL: task.json, test_labels.json,
current_proba.f32, sklearn_proba-MAX_ITER.f32) and prints, for each max_iter, the macro AUC over the classes present in
the test rows, the same over those with training rows, and each class's AUC (marked where the two differ by > 1e-3).
Found the modality gap of issue 27 item 2 (docs/benchmarks.md section 11).

    /usr/bin/python3 bench/sklearn/probe_per_class.py DIR/probe-modality
"""
import json, sys, pathlib
import numpy as np
from sklearn.metrics import roc_auc_score
folder = pathlib.Path(sys.argv[1])
task = json.loads((folder/"task.json").read_text())
k = task["classes"]
y = np.array(json.loads((folder/"test_labels.json").read_text()))
ytr = np.array(task["train_labels"])
ours = np.fromfile(folder/"current_proba.f32", dtype="<f4").reshape(-1, k)
for it in (100, 1000):
    f = folder/f"sklearn_proba-{it}.f32"
    if not f.exists(): continue
    sk = np.fromfile(f, dtype="<f4").reshape(-1, k)
    rows = []
    for c in range(k):
        pos = (y == c).sum()
        if pos == 0: continue
        a, b = roc_auc_score(y == c, ours[:, c]), roc_auc_score(y == c, sk[:, c])
        rows.append((c, pos, (ytr == c).sum(), a, b))
    print(f"max_iter {it}: macro ours {np.mean([r[3] for r in rows]):.4f} sklearn {np.mean([r[4] for r in rows]):.4f}; over classes with training rows: ours {np.mean([r[3] for r in rows if r[2]>0]):.4f} sklearn {np.mean([r[4] for r in rows if r[2]>0]):.4f}")
    for r in rows:
        flag = " <--" if abs(r[3]-r[4]) > 1e-3 else ""
        print(f"  class {r[0]:2d}: test {r[1]:3d} train {r[2]:4d}  AUC ours {r[3]:.4f} sklearn {r[4]:.4f}{flag}")
    print("  max |dp|", np.abs(ours-sk).max(), "accuracy ours", (ours.argmax(1)==y).mean(), "sklearn", (sk.argmax(1)==y).mean())
