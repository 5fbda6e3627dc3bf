#!/usr/bin/env python3
"""Compare ConVirt's exact t-SNE (ConVirt.Evaluation.TsneComparison.Run) with scikit-learn's.

  /usr/bin/python3 bench/tsne/compare_sklearn.py make FEATURES.csv [--n 600 --dim 50 --seed 0]
      writes Gaussian-blob features (5 blobs) to FEATURES.csv and their labels to FEATURES.labels.csv
  ./convirt tsne --features FEATURES.csv --out OURS.csv [--perplexity 30 --iterations 1000 --seed 0]
      (TsneComparison.Run: ConVirt's exact t-SNE of the same features, one x,y line per point)
  /usr/bin/python3 bench/tsne/compare_sklearn.py compare FEATURES.csv OURS.csv [--perplexity 30 --iterations 1000]
      runs sklearn.manifold.TSNE(method='exact', init='random', the same schedule) on FEATURES.csv and prints,
      for both embeddings: KL(P||Q) under scikit-learn's P, trustworthiness(k=5, 10), and 5-NN label accuracy
      when the labels file exists. The embeddings differ point by point (different random starts); these
      summary numbers should agree closely.
"""
import argparse
import pathlib

import numpy as np
from sklearn.manifold import TSNE, trustworthiness
from scipy.spatial.distance import pdist
from sklearn.manifold._t_sne import _joint_probabilities  # condensed P exactly as TSNE(method='exact') builds it
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import KNeighborsClassifier
from sklearn.model_selection import cross_val_score


def make(args):
    rng = np.random.default_rng(args.seed)
    centres = rng.normal(0, 4, (5, args.dim))
    labels = rng.integers(0, 5, args.n)
    x = centres[labels] + rng.normal(0, 1, (args.n, args.dim))
    np.savetxt(args.features, x.astype(np.float32), delimiter=",", fmt="%.7g")
    np.savetxt(labels_path(args.features), labels, fmt="%d")
    print(f"wrote {args.features} ({args.n} x {args.dim}) and labels")


def labels_path(features):
    p = pathlib.Path(features)
    return p.with_name(p.stem + ".labels.csv")


def summary(name, x, y, p, labels):
    # KL(P || Q) over pairs i < j, doubled (P and Q are symmetric), Q floored at machine epsilon as scikit-learn does.
    eps = np.finfo(np.float64).eps
    kernel = 1.0 / (1.0 + pdist(y.astype(np.float64), "sqeuclidean"))
    q = np.maximum(kernel / (2.0 * kernel.sum()), eps)
    kl = 2.0 * np.dot(p, np.log(np.maximum(p, eps) / q))
    line = f"{name:>8}: KL {kl:.4f}  trust@5 {trustworthiness(x, y, n_neighbors=5):.4f}  trust@10 {trustworthiness(x, y, n_neighbors=10):.4f}"
    if labels is not None:
        acc = cross_val_score(KNeighborsClassifier(5), y, labels, cv=5).mean()
        line += f"  5-NN acc {acc:.4f}"
    print(line)


def compare(args):
    x = np.loadtxt(args.features, delimiter=",", dtype=np.float64)
    ours = np.loadtxt(args.ours, delimiter=",", dtype=np.float64)
    lp = labels_path(args.features)
    labels = np.loadtxt(lp, dtype=int) if lp.exists() else None
    n = x.shape[0]
    lr = max(n / 12 / 4, 50)
    kwargs = dict(n_components=2, perplexity=args.perplexity, early_exaggeration=12.0, learning_rate=lr,
                  init="random", method="exact", random_state=args.seed)
    try:
        tsne = TSNE(max_iter=args.iterations, **kwargs)
    except TypeError:  # scikit-learn < 1.5 calls it n_iter
        tsne = TSNE(n_iter=args.iterations, **kwargs)
    theirs = tsne.fit_transform(x)
    distances = pairwise_distances(x, metric="euclidean", squared=True)
    p = _joint_probabilities(distances, args.perplexity, 0)
    summary("sklearn", x, theirs, p, labels)
    summary("convirt", x, ours, p, labels)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
sub = parser.add_subparsers(dest="command", required=True)
m = sub.add_parser("make")
m.add_argument("features")
m.add_argument("--n", type=int, default=600)
m.add_argument("--dim", type=int, default=50)
m.add_argument("--seed", type=int, default=0)
c = sub.add_parser("compare")
c.add_argument("features")
c.add_argument("ours")
c.add_argument("--perplexity", type=float, default=30.0)
c.add_argument("--iterations", type=int, default=1000)
c.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
make(args) if args.command == "make" else compare(args)
