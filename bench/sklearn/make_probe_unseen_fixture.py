#!/usr/bin/env python3
"""Writes tests/ConVirt.Tests/TestData/sklearn_probe_unseen.json: scikit-learn's logistic regression when some of the
task's classes have no training row (issue 27, item 2: MedPix modality has a class seen only in the test split).

Features as in make_probe_fixture.py (random class means, noise, a random mixing; overlapping classes), rounded to 2
decimals. Two cases, each fitted to the optimum (newton-cg, tol 1e-8) with C = 1 / (lambda * n) on StandardScaler
features (population sd, as the probe does):
- "unseen": a 6-class task whose training rows hold classes 0-4 only; class 5 occurs in the test rows. scikit-learn
  learns the 5 classes it saw (a multinomial head); the test probabilities over all 6 columns have 0 in column 5.
- "two_of_three": a 3-class task whose training rows hold classes 0 and 2 only; scikit-learn fits its binary
  (one sigmoid) head; column 1 of the test probabilities is 0.
For each, the one-vs-rest AUC of every class present in the test rows (sklearn.metrics.roc_auc_score of that column;
a constant column scores 0.5), their mean, and the accuracy of the arg-max are stored: values computed here,
independently of the C# metric code.

Run from the repository root:  /usr/bin/python3 bench/sklearn/make_probe_unseen_fixture.py
Needs numpy and scikit-learn (Debian: apt-get install python3-sklearn). Deterministic for a seed.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(2702)
d, lam = 16, 1e-3


def sample(classes, n, means, mixing):
    y = np.arange(n) % classes
    rng.shuffle(y)
    return np.round((means[y] + rng.normal(0, 1, (n, d))) @ mixing, 2), y


def case(task_classes, trained, n_train, n_test):
    means = rng.normal(0, 0.5, (task_classes, d))
    mixing = np.eye(d) + 0.6 * rng.normal(0, 1, (d, d)) / np.sqrt(d)
    x, y = sample(task_classes, 4 * n_train, means, mixing)
    keep = np.isin(y, trained)
    x_train, y_train = x[keep][:n_train], y[keep][:n_train]
    x_test, y_test = sample(task_classes, n_test, means, mixing)
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(C=1.0 / (lam * len(y_train)), solver="newton-cg", tol=1e-8, max_iter=10000)
    model.fit(scaler.transform(x_train), y_train)
    proba = np.zeros((n_test, task_classes))
    proba[:, model.classes_] = model.predict_proba(scaler.transform(x_test))
    per_class = {int(c): float(roc_auc_score(y_test == c, proba[:, c])) for c in range(task_classes) if 0 < (y_test == c).sum() < n_test}
    return {"classes": task_classes, "trained_classes": [int(c) for c in model.classes_], "l2": lam,
            "train_features": x_train.tolist(), "train_labels": y_train.tolist(),
            "test_features": x_test.tolist(), "test_labels": y_test.tolist(),
            "iterations": int(model.n_iter_[0]), "coefficient_rows": int(model.coef_.shape[0]),
            "test_probabilities": proba.tolist(), "per_class_auc": per_class,
            "macro_auc": float(np.mean(list(per_class.values()))), "accuracy": float((proba.argmax(1) == y_test).mean())}


out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
       "unseen": case(6, [0, 1, 2, 3, 4], 300, 90), "two_of_three": case(3, [0, 2], 200, 60)}
path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "ConVirt.Tests" / "TestData" / "sklearn_probe_unseen.json"
path.write_text(json.dumps(out) + "\n")
for name in ("unseen", "two_of_three"):
    c = out[name]
    print(f"{name}: trained {c['trained_classes']} ({c['coefficient_rows']} coefficient rows), macro AUC {c['macro_auc']:.4f}, "
          f"per class {c['per_class_auc']}, accuracy {c['accuracy']:.3f}")
print(f"wrote {path}")
