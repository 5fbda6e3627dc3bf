#!/usr/bin/env python3
"""Small manifests for bench/reproduce/run.sh; their images are reached through links to the sets' folders (nothing
is copied).

  subsets.py MANIFEST OUTDIR F1 F2 ...   nested subsets of the training cases (by patient_id, seed 0): F1 of the
                                         train cases, F2 (a superset), ...; every non-train row (val, test) is kept,
                                         so validation is the same for every subset. Writes OUTDIR/medpix-25.jsonl ...
  subsets.py --grounding NIH MEDPIX OUTDIR   three pneumonia-positive nih-cxr val images and three medpix test
                                         images of different locations, for the grounding maps.
  subsets.py --rare MANIFEST KEY MIN     the values of labels.KEY with fewer than MIN training rows, joined by |
                                         (for --ignore-values: a probe over the classes with enough examples).
"""
import json
import os
import random
import sys


def rows(path, out=None):
    """The manifest's rows; with OUT, image paths go through a link OUT/<set folder name> to the set's folder, since
    a manifest's images must lie under the manifest's own folder."""
    folder = os.path.dirname(os.path.abspath(path))
    link = os.path.basename(folder)
    if out is not None and not os.path.islink(os.path.join(out, link)):
        os.symlink(folder, os.path.join(out, link))
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                row["image"] = os.path.join(link, row["image"]) if out is not None else os.path.join(folder, row["image"])
                yield row


def write(path, selected):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for row in selected:
            f.write(json.dumps(row) + "\n")
    os.replace(tmp, path)


def subsets(manifest, out, fractions):
    all_rows = list(rows(manifest, out))
    cases = sorted({r["patient_id"] for r in all_rows if r.get("split") == "train"})
    random.Random(0).shuffle(cases)
    for fraction in fractions:
        keep = set(cases[: round(fraction * len(cases))])
        selected = [r for r in all_rows if r.get("split") != "train" or r["patient_id"] in keep]
        name = os.path.splitext(os.path.basename(os.path.dirname(os.path.abspath(manifest))))[0]
        write(os.path.join(out, f"{name}-{round(100 * fraction)}.jsonl"), selected)
        train = sum(1 for r in selected if r.get("split") == "train")
        print(f"{name}-{round(100 * fraction)}: {len(keep)} of {len(cases)} training cases, {train} training rows")


def grounding(nih, medpix, out):
    chest = [r for r in rows(nih, out) if r.get("split") == "val" and r["labels"].get("pneumonia") == 1][:3]
    write(os.path.join(out, "grounding-nih.jsonl"), chest)
    seen, picked = set(), []
    for r in rows(medpix, out):
        loc = r["labels"].get("location")
        if r.get("split") == "test" and loc in ("Head", "Thorax", "Abdomen") and loc not in seen:
            seen.add(loc)
            picked.append(r)
    write(os.path.join(out, "grounding-medpix.jsonl"), picked)


def rare(manifest, key, minimum):
    counts = {}
    for r in rows(manifest):
        v = r["labels"].get(key)
        if v is not None:
            counts.setdefault(v, 0)
            if r.get("split") == "train":
                counts[v] += 1
    print("|".join(sorted(v for v, n in counts.items() if n < minimum)))


if __name__ == "__main__":
    if sys.argv[1] == "--rare":
        rare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "--grounding":
        grounding(*sys.argv[2:5])
    else:
        subsets(sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3:]])
