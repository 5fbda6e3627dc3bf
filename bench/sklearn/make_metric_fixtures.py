#!/usr/bin/env python3
"""Writes tests/ConVirt.Tests/TestData/sklearn_metrics.json: fixed random inputs and scikit-learn's
values for them, which the C# evaluation tests must reproduce (ClassificationMetrics, Tsne.Trustworthiness).

Run from the repository root:  /usr/bin/python3 bench/sklearn/make_metric_fixtures.py
Needs numpy and scikit-learn (Debian: apt-get install python3-sklearn). Deterministic for a seed.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.manifold import trustworthiness
from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

rng = np.random.default_rng(20240531)
out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__}

# Binary AUC with many ties: 200 scores rounded to one decimal, labels correlated with the score.
scores = np.round(rng.uniform(0, 1, 200), 1)
labels = (rng.uniform(0, 1, 200) < 0.25 + 0.5 * scores).astype(int)
out["binary"] = {"scores": scores.tolist(), "labels": labels.tolist(),
                 "roc_auc": roc_auc_score(labels, scores)}

# Balanced accuracy / accuracy: 4 classes in y_true, predictions also use a class (4) never true.
actual = rng.integers(0, 4, 200)
predicted = np.where(rng.uniform(0, 1, 200) < 0.6, actual, rng.integers(0, 5, 200))
out["classification"] = {"actual": actual.tolist(), "predicted": predicted.tolist(),
                         "accuracy": accuracy_score(actual, predicted),
                         "balanced_accuracy": balanced_accuracy_score(actual, predicted)}

# One-vs-rest macro AUC, 3 classes: softmax of noisy logits, stored as float32 (the C# API takes float[,]).
y3 = rng.integers(0, 3, 150)
logits = rng.normal(0, 1, (150, 3)) + 1.2 * np.eye(3)[y3]
logits = np.round(logits, 1)  # ties within columns
prob = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
prob = prob.astype(np.float32).astype(np.float64)
out["multiclass"] = {"probabilities": prob.tolist(), "labels": y3.tolist(), "class_count": 3,
                     "macro_auc_ovr": roc_auc_score(y3, prob, multi_class="ovr", average="macro")}

# Multi-label macro AUC: 120 examples x 4 labels, scores rounded to one decimal (float32-exact not needed: x.x).
targets = (rng.uniform(0, 1, (120, 4)) < [0.2, 0.4, 0.5, 0.1]).astype(int)
ml_scores = np.round(np.clip(0.3 * targets + rng.uniform(0, 0.8, (120, 4)), 0, 1), 1)
ml_scores = ml_scores.astype(np.float32).astype(np.float64)
out["multilabel"] = {"scores": ml_scores.tolist(), "targets": targets.tolist(),
                     "macro_auc": roc_auc_score(targets, ml_scores, average="macro")}

# Trustworthiness: 40 points in 5-D and a noisy 2-D projection, stored as float32.
high = rng.normal(0, 1, (40, 5)).astype(np.float32)
low = (high[:, :2] + 0.7 * rng.normal(0, 1, (40, 2))).astype(np.float32)
out["trustworthiness"] = {"high": high.astype(np.float64).tolist(), "low": low.astype(np.float64).tolist(),
                          "k": 5, "value": trustworthiness(high.astype(np.float64), low.astype(np.float64), n_neighbors=5)}

path = pathlib.Path("tests/ConVirt.Tests/TestData/sklearn_metrics.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: binary AUC {out['binary']['roc_auc']:.6f}, balanced acc {out['classification']['balanced_accuracy']:.6f}, "
      f"ovr AUC {out['multiclass']['macro_auc_ovr']:.6f}, multilabel AUC {out['multilabel']['macro_auc']:.6f}, "
      f"trustworthiness {out['trustworthiness']['value']:.6f}")
