#!/usr/bin/env python3
"""scikit-learn's side of `ConVirt.Bench probe`: the same linear-probe protocol on the same features.

Reads DIR/task.json (written by the C# bench: shapes, class count, train / test labels, the hold-out split's
row indices, the L2 grid) and DIR/train.f32, DIR/test.f32 (row-major little-endian float32 features); then
REPEATS times: StandardScaler on all training rows; for each lambda (strongest first), LogisticRegression(lbfgs,
C = 1 / (lambda * n_fit)) on the hold-out's training rows, validation log-loss on its validation rows; the best
lambda refitted on all training rows; test probabilities. Writes DIR/sklearn.json (seconds per repetition,
chosen lambda, L-BFGS iterations) and DIR/sklearn_proba-MAX_ITER.f32 ([n_test, classes] float32; the C# side scores it
with the same metric code as its own probe).

MAX_ITER: LogisticRegression's max_iter (100, its default, stops some fits before its tolerance; 1000 lets them converge).

Run by the bench:  /usr/bin/python3 bench/sklearn/probe_sklearn.py DIR REPEATS MAX_ITER
Needs numpy and scikit-learn (Debian: apt-get install python3-sklearn). Benchmark only, never in CI.
"""
import json
import pathlib
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler


def log_loss(probabilities, labels):
    p = np.clip(probabilities[np.arange(len(labels)), labels], 1e-15, 1.0)
    return float(-np.log(p).mean())


def full_proba(model, x, classes):
    """Probabilities over all classes (a class missing from the fit's rows gets probability 0)."""
    out = np.zeros((x.shape[0], classes))
    out[:, model.classes_] = model.predict_proba(x)
    return out


def protocol(x_train, y_train, x_test, fit_rows, val_rows, grid, classes, max_iter):
    scaler = StandardScaler().fit(x_train)
    xs, xt = scaler.transform(x_train), scaler.transform(x_test)
    losses, iterations = {}, []
    chosen = grid[0]
    if len(grid) > 1:
        best = np.inf
        for lam in sorted(grid, reverse=True):
            model = LogisticRegression(C=1.0 / (lam * len(fit_rows)), max_iter=max_iter)
            model.fit(xs[fit_rows], y_train[fit_rows])
            iterations.append(int(model.n_iter_[0]))
            losses[lam] = log_loss(full_proba(model, xs[val_rows], classes), y_train[val_rows])
            if losses[lam] < best:
                best, chosen = losses[lam], lam
    model = LogisticRegression(C=1.0 / (chosen * len(y_train)), max_iter=max_iter)
    model.fit(xs, y_train)
    iterations.append(int(model.n_iter_[0]))
    return full_proba(model, xt, classes), chosen, losses, iterations


def main():
    folder = pathlib.Path(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    max_iter = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    task = json.loads((folder / "task.json").read_text())
    d, classes = task["dimension"], task["classes"]
    x_train = np.fromfile(folder / "train.f32", dtype="<f4").reshape(-1, d).astype(np.float64)
    x_test = np.fromfile(folder / "test.f32", dtype="<f4").reshape(-1, d).astype(np.float64)
    y_train = np.asarray(task["train_labels"])
    fit_rows, val_rows = np.asarray(task["fit_rows"]), np.asarray(task["validation_rows"])
    seconds = []
    warnings.simplefilter("ignore", ConvergenceWarning)
    for _ in range(repeats):
        start = time.perf_counter()
        proba, chosen, losses, iterations = protocol(x_train, y_train, x_test, fit_rows, val_rows, task["grid"], classes, max_iter)
        seconds.append(time.perf_counter() - start)
    proba.astype("<f4").tofile(folder / f"sklearn_proba-{max_iter}.f32")
    (folder / f"sklearn-{max_iter}.json").write_text(json.dumps({
        "seconds": seconds, "l2": chosen, "validation_losses": {str(k): v for k, v in losses.items()},
        "iterations": iterations, "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
        "max_iter": max_iter,
    }))


if __name__ == "__main__":
    main()
