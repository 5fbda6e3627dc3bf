#!/usr/bin/env python3
"""Writes the result tables of bench/reproduce/run.sh as markdown (stdout) from the JSON files a run wrote.

Usage: python3 bench/reproduce/tables.py OUT   (OUT = the run.sh output folder)
Every number printed is read from OUT; the paper's numbers (../shared/docs/method.md) are constants below and are
labelled as the paper's.
"""
import json
import os
import statistics
import sys

OUT = sys.argv[1]
EV = os.path.join(OUT, "eval")
ORDER = ["random", "imagenet", "simclr-cxr", "mocov2-cxr", "convirt-cxr", "simclr-mix", "mocov2-mix", "convirt-mix"]
NAMES = {
    "random": "Random init", "imagenet": "ImageNet init",
    "simclr-cxr": "SimCLR, X-ray", "mocov2-cxr": "MoCo v2, X-ray", "convirt-cxr": "ConVIRT, X-ray",
    "simclr-mix": "SimCLR, X-ray + MedPix", "mocov2-mix": "MoCo v2, X-ray + MedPix", "convirt-mix": "ConVIRT, X-ray + MedPix",
}
# The paper's numbers (Zhang et al., from ../shared/docs/method.md): RSNA pneumonia linear AUC at 1% labels and
# CheXpert 8x200 image-image precision@10, by initialisation. Other data, other scale: for orientation only.
PAPER_RSNA_1 = {"imagenet": 82.8, "simclr": 86.3, "mocov2": 86.6, "convirt": 90.7}
PAPER_P10 = {"imagenet": 14.4, "simclr": 17.6, "mocov2": 20.6, "convirt": 42.9}


def load(name, sub, file):
    path = os.path.join(EV, name, sub, file)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def method(name):
    return name.split("-")[0]


def pct(x):
    return f"{100 * x:.1f}"


def interval(m):
    return f"{pct(m['mean'])} [{pct(m['low'])}, {pct(m['high'])}]"


def by_fraction(result):
    return {round(f["fraction"], 4): f for f in result["fractions"]} if result else {}


def label_table(sub, file, metric, fractions, title, paper=None):
    lines = [f"### {title}", ""]
    head = "| encoder | " + " | ".join(f"{int(round(100 * f))}% labels" for f in fractions) + " |"
    sep = "|---|" + "---|" * len(fractions)
    if paper:
        head += f" {paper[0]} |"
        sep += "---:|"
    lines += [head, sep]
    counts = None
    for name in ORDER:
        r = load(name, sub, file)
        if r is None:
            continue
        fr = by_fraction(r)
        cells = [interval(fr[round(f, 4)][metric]) if round(f, 4) in fr else "—" for f in fractions]
        counts = [fr[round(f, 4)]["train_count"] if round(f, 4) in fr else None for f in fractions]
        row = f"| {NAMES[name]} | " + " | ".join(cells) + " |"
        if paper:
            v = paper[1].get(method(name)) if name.endswith("-cxr") or name == "imagenet" else None
            row += f" {v if v is not None else ''} |"
        lines.append(row)
    if counts:
        lines += ["", "Mean over runs, in percent, [95% bootstrap interval of the mean]; labelled training images per fraction: "
                  + ", ".join(f"{int(round(100 * f))}% = {c:g}" for f, c in zip(fractions, counts) if c is not None) + "."]
    return lines + [""]


def retrieval_tables():
    lines = ["### Image-to-image retrieval by subtype (pneumonia val, 554 queries and candidates)", "",
             "| encoder | features | P@5 | P@10 | P@50 | P@10 normal | P@10 bacterial | P@10 viral | paper P@10 (CheXpert 8x200) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    text_lines = ["### Text-to-image retrieval by subtype (18 written descriptions, 6 per class)", "",
                  "| encoder | P@5 | P@10 | P@50 | P@10 normal | P@10 bacterial | P@10 viral |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
    chance = None
    for name in ORDER:
        r = load(name, "retrieval-subtype", "retrieval.json")
        if r is None:
            continue
        by = r["image_to_image_by_label"]
        macro = [statistics.mean(by[c]["precision"][i] for c in by) for i in range(3)]
        counts = {c: by[c]["queries"] for c in by}
        total = sum(counts.values())
        chance = {c: (n - 1) / (total - 1) for c, n in counts.items()}
        paper = PAPER_P10.get(method(name)) if name.endswith("-cxr") or name == "imagenet" else None
        lines.append(f"| {NAMES[name]} | {r.get('features', '')} | " + " | ".join(pct(x) for x in macro) + " | "
                     + " | ".join(pct(by[c]["precision"][1]) for c in ("normal", "bacterial", "viral"))
                     + f" | {paper if paper is not None else ''} |")
        t = r.get("text_to_image")
        tb = r.get("text_to_image_by_label")
        if t is not None and tb is not None:
            tmacro = [statistics.mean(tb[c]["precision"][i] for c in tb) for i in range(3)]
            text_lines.append(f"| {NAMES[name]} | " + " | ".join(pct(x) for x in tmacro) + " | "
                              + " | ".join(pct(tb[c]["precision"][1]) for c in ("normal", "bacterial", "viral")) + " |")
    note = ""
    if chance:
        note = ("Precision in percent, averaged over the three classes (the paper's 8x200 set has equal classes); a random "
                "ranking scores each class's share of the other candidates: " + ", ".join(f"{c} {pct(v)}" for c, v in chance.items())
                + f" (mean {pct(statistics.mean(chance.values()))}).")
    text_lines += ["", "The paper: ConVIRT text-to-image P@5 / P@10 = 60.0 / 57.5 on CheXpert 8x200 (8 classes; chance 12.5)."]
    return lines + ["", note, ""] + text_lines + [""]


def tsne_table():
    lines = ["### t-SNE of h_v (pneumonia val, coloured by subtype)", "", "| encoder | points | KL divergence | trustworthiness (k = 10) |", "|---|---:|---:|---:|"]
    for name in ORDER:
        r = load(name, "tsne-subtype", "tsne.json")
        if r is None:
            continue
        lines.append(f"| {NAMES[name]} | {r['points']} | {r['kl_divergence']:.3f} | {r['trustworthiness']:.3f} |")
    return lines + [""]


def pretraining_table():
    timings = {}
    path = os.path.join(OUT, "timings.tsv")
    if os.path.exists(path):
        for line in open(path):
            k, v = line.rstrip("\n").split("\t")
            timings[k] = float(v)
    lines = ["### Pretraining runs", "", "| run | steps | images seen | pairs/s (median) | data wait | first logged loss | last logged loss | wall s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ORDER[2:]:
        mpath = os.path.join(OUT, "pretrain", name, "metrics.jsonl")
        if not os.path.exists(mpath):
            continue
        rows = [json.loads(l) for l in open(mpath) if l.strip()]
        train = [r for r in rows if "pairs_per_s" in r]
        if not train:
            continue
        cfg = json.load(open(os.path.join(OUT, "pretrain", name, "config.json")))
        batch = cfg["optimizer"]["batchSize"]
        last = train[-1]
        lines.append(f"| {NAMES[name]} | {last['step']} | {last['step'] * batch} | {statistics.median(r['pairs_per_s'] for r in train):.1f} | "
                     f"{100 * statistics.median(r['data_wait_fraction'] for r in train):.2f}% | {train[0]['loss']:.3f} | {last['loss']:.3f} | "
                     f"{timings.get('pretrain ' + name, float('nan')):.0f} |")
    return lines + [""]


def main():
    out = ["# Results tables (generated by bench/reproduce/tables.py from " + os.path.abspath(OUT) + ")", ""]
    out += pretraining_table()
    out += label_table("linear-pneumonia", "linear.json", "auc", [0.01, 0.1, 1], "Linear probe, pneumonia vs normal (AUC, pneumonia val)",
                       ("paper RSNA 1% AUC", PAPER_RSNA_1))
    out += label_table("linear-subtype", "linear.json", "balanced_accuracy", [0.01, 0.1, 1],
                       "Linear probe, normal / bacterial / viral (balanced accuracy, pneumonia val)")
    out += label_table("linear-subtype", "linear.json", "auc", [0.01, 0.1, 1], "Linear probe, normal / bacterial / viral (macro one-vs-rest AUC)")
    out += label_table("finetune-pneumonia", "finetune.json", "auc", [0.01, 0.1], "Fine-tuning, pneumonia vs normal (AUC, pneumonia val)")
    out += retrieval_tables()
    out += label_table("linear-covid", "linear.json", "auc", [0.1, 1], "Second probe: covid-cxr COVID-19 vs other findings (AUC, covid-cxr test)")
    out += label_table("linear-medpix", "linear.json", "balanced_accuracy", [0.1, 1], "Second probe: medpix location, 5 classes (balanced accuracy, medpix test)")
    out += tsne_table()
    print("\n".join(out))


if __name__ == "__main__":
    main()
