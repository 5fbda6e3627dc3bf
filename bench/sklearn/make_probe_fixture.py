#!/usr/bin/env python3
"""Writes tests/ConVirt.Tests/TestData/sklearn_probe.json: synthetic features and labels, and scikit-learn's lbfgs
logistic regression fitted to them, which LogisticRegressionProbeTests must reproduce (issue 27).

Features: 5 classes of 360 rows in 24 dimensions (random class means, noise, a random mixing that correlates the dimensions; overlapping: not separable), rounded
to 2 decimals (float32 holds them to 1e-6 relative). Standardised with StandardScaler (population sd, as the probe does),
then LogisticRegression(multinomial, C = 1 / (lambda * n)) for lambda = 1e-3, once with scikit-learn's defaults (lbfgs,
tol 1e-4 on its summed objective) and once fitted to the optimum (newton-cg, tol 1e-8): the probabilities of 60 held-out
rows of each are stored.

Run from the repository root:  /usr/bin/python3 bench/sklearn/make_probe_fixture.py
Needs numpy and scikit-learn (Debian: apt-get install python3-sklearn). Deterministic for a seed.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(27)
classes, d, n, n_test = 5, 24, 360, 60
means = rng.normal(0, 0.35, (classes, d))
y = np.arange(n + n_test) % classes
rng.shuffle(y)
mixing = np.eye(d) + 0.6 * rng.normal(0, 1, (d, d)) / np.sqrt(d)   # correlated dimensions: a harder problem for L-BFGS
x = np.round((means[y] + rng.normal(0, 1, (n + n_test, d))) @ mixing, 2)
x_train, y_train, x_test, y_test = x[:n], y[:n], x[n:], y[n:]
scaler = StandardScaler().fit(x_train)
lam = 1e-3
out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "classes": classes, "l2": lam,
       "train_features": x_train.tolist(), "train_labels": y_train.tolist(), "test_features": x_test.tolist(),
       "test_labels": y_test.tolist()}
# lbfgs with scikit-learn's defaults, and newton-cg to 1e-8 (lbfgs itself stops at scipy's relative loss decrease 2.2e-9)
for name, solver, tol in (("default", "lbfgs", 1e-4), ("tight", "newton-cg", 1e-8)):
    model = LogisticRegression(C=1.0 / (lam * n), solver=solver, tol=tol, max_iter=10000).fit(scaler.transform(x_train), y_train)
    out[name] = {"solver": solver, "tol": tol, "iterations": int(model.n_iter_[0]),
                 "test_probabilities": model.predict_proba(scaler.transform(x_test)).tolist()}
path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "ConVirt.Tests" / "TestData" / "sklearn_probe.json"
path.write_text(json.dumps(out) + "\n")
print(f"wrote {path}: default fit {out['default']['iterations']} iterations, tight {out['tight']['iterations']}")
