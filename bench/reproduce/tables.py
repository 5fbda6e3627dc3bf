#!/usr/bin/env python3
"""Writes the result tables of bench/reproduce/run.sh as markdown (stdout), and OUT/scaling.svg, from the JSON files
a run wrote.

Usage: python3 bench/reproduce/tables.py OUT        (OUT = the run.sh output folder)
       python3 bench/reproduce/tables.py --best-chest OUT   (prints the chest ConVIRT run to keep)
Every number printed is read from OUT; the paper's numbers (../shared/docs/method.md) are constants below and are
labelled as the paper's.
"""
import json
import os
import statistics
import sys

CORPORA = {"cxr": "X-ray", "mix": "X-ray + MedPix", "medpix": "MedPix"}
METHODS = {"simclr": "SimCLR", "mocov2": "MoCo v2", "convirt": "ConVIRT"}
ORDER = ["random", "imagenet"] + [f"{m}-{c}" for c in CORPORA for m in METHODS]
SCALING = {"medpix25": 0.25, "medpix50": 0.5, "medpix": 1.0}
NAMES = {"random": "Random init", "imagenet": "ImageNet init"}
NAMES.update({f"{m}-{c}": f"{METHODS[m]}, {CORPORA[c]}" for c in CORPORA for m in METHODS})
NAMES.update({f"{m}-{c}": f"{METHODS[m]}, MedPix {round(100 * f)} %" for c, f in SCALING.items() if c != "medpix" for m in METHODS})
# The paper's numbers (Zhang et al., from ../shared/docs/method.md): RSNA pneumonia linear AUC at 1% labels, CheXpert
# 8x200 image-image and text-image precision. Other data, other scale: for orientation only.
PAPER_RSNA_1 = {"imagenet": 82.8, "simclr": 86.3, "mocov2": 86.6, "convirt": 90.7}
PAPER_P10 = {"imagenet": 14.4, "simclr": 17.6, "mocov2": 20.6, "convirt": 42.9}
PAPER_TEXT = {5: 60.0, 10: 57.5}


def ev(out, name, sub, file):
    path = os.path.join(out, "eval", name, sub, file)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def method(name):
    return name.split("-")[0]


def paper_row(name):
    """The paper's row for an encoder: ImageNet, and each method's chest X-ray run (the paper's setting)."""
    return name == "imagenet" or name.endswith("-cxr")


def pct(x):
    return f"{100 * x:.1f}"


def interval(m):
    return f"{pct(m['mean'])} [{pct(m['low'])}, {pct(m['high'])}]"


def by_fraction(result):
    return {round(f["fraction"], 4): f for f in result["fractions"]} if result else {}


class Tables:
    def __init__(self, out):
        self.out = out
        self.timings = {}
        path = os.path.join(out, "timings.tsv")
        if os.path.exists(path):
            for line in open(path):
                k, v = line.rstrip("\n").split("\t")
                self.timings[k] = float(v)  # a stage run again keeps its last time

    def load(self, name, sub, file):
        return ev(self.out, name, sub, file)

    # ---- label-efficiency tables ----------------------------------------------------------------------------
    def label_table(self, sub, file, metric, fractions, title, paper=None, names=ORDER):
        head = "| encoder | " + " | ".join(f"{round(100 * f)} % labels" for f in fractions) + " |"
        sep = "|---|" + "---|" * len(fractions)
        if paper:
            head += f" {paper[0]} |"
            sep += "---:|"
        lines = [f"### {title}", "", head, sep]
        counts, last = None, None
        for name in names:
            r = self.load(name, sub, file)
            if r is None:
                continue
            last = r
            fr = by_fraction(r)
            cells = [interval(fr[round(f, 4)][metric]) if round(f, 4) in fr else "—" for f in fractions]
            counts = [fr[round(f, 4)]["train_count"] if round(f, 4) in fr else None for f in fractions]
            row = f"| {NAMES[name]} | " + " | ".join(cells) + " |"
            if paper:
                v = paper[1].get(method(name)) if paper_row(name) else None
                row += f" {v if v is not None else ''} |"
            lines.append(row)
        if counts is None:
            return []
        r = last
        runs = {len(f.get("runs", [])) for f in r["fractions"]}
        lines += ["", f"Mean over {'/'.join(str(x) for x in sorted(runs))} runs (different label subsets), in percent, [95 % bootstrap "
                  "interval of the mean over runs; at 100 % every run has the same labels, so the interval is narrow or collapses]; labelled "
                  "training images per fraction: " + ", ".join(f"{round(100 * f)} % = {c:.0f}" for f, c in zip(fractions, counts) if c is not None)
                  + f"; test images: {r['test']['rows']} ({r['test'].get('split') or 'all'} split)."]
        return lines + [""]

    # ---- retrieval ------------------------------------------------------------------------------------------
    def retrieval_table(self, sub, title, classes, paper_image=False, paper_text=False, names=ORDER):
        lines = [f"### {title}: image to image", "",
                 "| encoder | features | P@5 | P@10 | P@50 | " + " | ".join(f"P@10 {c}" for c in classes) + " |"
                 + (" paper P@10 (CheXpert 8x200) |" if paper_image else ""),
                 "|---|---|---|---|---|" + "---:|" * len(classes) + ("---:|" if paper_image else "")]
        text = [f"### {title}: text to image", "",
                "| encoder | text queries | P@5 | P@10 | P@50 | " + " | ".join(f"P@10 {c}" for c in classes) + " |",
                "|---|---:|---|---|---|" + "---:|" * len(classes)]
        chance = None
        any_text = False
        for name in names:
            r = self.load(name, sub, "retrieval.json")
            if r is None:
                continue
            by = r["image_to_image_by_label"]
            counts = {c: by[c]["queries"] for c in by}
            total = sum(counts.values())
            chance = {c: (n - 1) / (total - 1) for c, n in counts.items()}
            paper = PAPER_P10.get(method(name)) if paper_image and paper_row(name) else None
            lines.append(f"| {NAMES[name]} | {r['features']} | " + " | ".join(interval(m) for m in r["image_to_image_class_mean"])
                         + " | " + " | ".join(pct(by[c]["precision"][1]) if c in by else "—" for c in classes) + " |"
                         + (f" {paper if paper is not None else ''} |" if paper_image else ""))
            tb = r.get("text_to_image_by_label")
            if tb is not None:
                any_text = True
                n = sum(v["queries"] for v in tb.values())
                text.append(f"| {NAMES[name]} | {n} | " + " | ".join(interval(m) for m in r["text_to_image_class_mean"]) + " | "
                            + " | ".join(pct(tb[c]["precision"][1]) if c in tb else "—" for c in classes) + " |")
        if chance is None:
            return []
        note = ("Precision in percent, the class-balanced mean (every class weighs the same, as in the paper's 8x200 set) "
                "[95 % bootstrap interval over queries, patients resampled]; a random ranking scores each class's share of the "
                "other candidates: " + ", ".join(f"{c} {pct(v)}" for c, v in sorted(chance.items()))
                + f" (mean {pct(statistics.mean(chance.values()))}).")
        out = lines + ["", note, ""]
        if any_text:
            out += text + [""]
            if paper_text:
                out += [f"The paper: ConVIRT text-to-image P@5 / P@10 = {PAPER_TEXT[5]} / {PAPER_TEXT[10]} on CheXpert 8x200 "
                        "(8 classes; chance 12.5).", ""]
        return out

    # ---- zero-shot ------------------------------------------------------------------------------------------
    def zeroshot_table(self):
        lines = ["### Zero-shot classification (ConVIRT encoders, committed prompts in `prompts/`)", "",
                 "| encoder | pneumonia subtype: accuracy | balanced accuracy | macro AUC | nih-cxr pneumonia vs no finding: AUC "
                 "| medpix location: accuracy | balanced accuracy | macro AUC |",
                 "|---|---|---|---|---|---|---|---|"]
        found = False
        for name in ORDER:
            s = self.load(name, "zeroshot-subtype", "zeroshot.json")
            n = self.load(name, "zeroshot-nih", "zeroshot.json")
            m = self.load(name, "zeroshot-location", "zeroshot.json")
            if s is None and n is None and m is None:
                continue
            found = True
            cells = []
            for r in (s,):
                cells += [interval(r[k]) if r else "—" for k in ("accuracy", "balanced_accuracy", "macro_auc")]
            cells.append(interval(n["mean_auc"]) if n else "—")
            cells += [interval(m[k]) if m else "—" for k in ("accuracy", "balanced_accuracy", "macro_auc")]
            lines.append(f"| {NAMES[name]} | " + " | ".join(cells) + " |")
        if not found:
            return []
        any_r = next(r for name in ORDER for r in [self.load(name, "zeroshot-subtype", "zeroshot.json")] if r) if any(
            self.load(name, "zeroshot-subtype", "zeroshot.json") for name in ORDER) else None
        chance = ""
        if any_r:
            k = len(any_r["classes"])
            chance = f" Chance: balanced accuracy {pct(1 / k)} for the {k} pneumonia subtypes, 20.0 for the 5 medpix locations; AUC 50.0."
        lines += ["", "In percent [95 % bootstrap interval over images, patients resampled]. Images: pneumonia val (554), all of "
                  "nih-cxr (596; none was used in pretraining), medpix test (200)." + chance, ""]
        return lines

    # ---- pretraining, t-SNE, timings ------------------------------------------------------------------------
    def pretraining_table(self):
        lines = ["### Pretraining runs", "", "| run | rows (train) | steps | images seen | pairs/s (median) | data wait | first logged loss "
                 "| last logged loss | wall s |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        names = [n for n in ORDER[2:]] + [f"{m}-{c}" for c in ("medpix25", "medpix50") for m in ("convirt", "simclr")]
        for name in names:
            mpath = os.path.join(self.out, "pretrain", name, "metrics.jsonl")
            if not os.path.exists(mpath):
                continue
            rows = [json.loads(line) for line in open(mpath) if line.strip()]
            train = [r for r in rows if "pairs_per_s" in r]
            if not train:
                continue
            cfg = json.load(open(os.path.join(self.out, "pretrain", name, "config.json")))
            batch = cfg["optimizer"]["batchSize"]
            last = train[-1]
            count = self.train_rows(name)
            lines.append(f"| {NAMES[name]} | {count if count is not None else ''} | {last['step']} | {last['step'] * batch} | "
                         f"{statistics.median(r['pairs_per_s'] for r in train):.1f} | "
                         f"{100 * statistics.median(r['data_wait_fraction'] for r in train):.2f} % | {train[0]['loss']:.3f} | "
                         f"{last['loss']:.3f} | {self.timings.get('pretrain ' + name, float('nan')):.0f} |")
        return lines + [""]

    def train_rows(self, name):
        """Training rows the run's log line reports ("training rows: N")."""
        log = os.path.join(self.out, "log.txt")
        if not os.path.exists(log):
            return None
        marker, count = f"== pretrain {name}:", None
        inside = False
        for line in open(log, errors="replace"):
            if line.startswith("== "):
                inside = line.startswith(marker)
            elif inside and line.startswith("training rows:"):
                count = int(line.split(":")[1].split(",")[0])
        return count

    def tsne_table(self, sub, title):
        lines = [f"### {title}", "", "| encoder | points | KL divergence | trustworthiness (k = 10) |", "|---|---:|---:|---:|"]
        found = False
        for name in ORDER:
            r = self.load(name, sub, "tsne.json")
            if r is None:
                continue
            found = True
            lines.append(f"| {NAMES[name]} | {r['points']} | {r['kl_divergence']:.3f} | {r['trustworthiness']:.3f} |")
        return lines + [""] if found else []

    def stage_minutes(self):
        kinds = {}
        for k, v in self.timings.items():
            kind = k.split(" ")[0].split("-")[0]
            kinds[kind] = kinds.get(kind, 0) + v
        lines = ["### Time per stage kind", "", "| stage kind | stages | minutes |", "|---|---:|---:|"]
        for kind, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
            n = sum(1 for k in self.timings if k.split(" ")[0].split("-")[0] == kind)
            lines.append(f"| {kind} | {n} | {v / 60:.1f} |")
        lines.append(f"| **all** | {len(self.timings)} | {sum(self.timings.values()) / 60:.1f} |")
        return lines + [""]

    # ---- scaling --------------------------------------------------------------------------------------------
    def scaling_points(self):
        """(method, fraction, train rows, location balanced accuracy at 10 %, retrieval P@10 class mean, text P@10)."""
        points = []
        for m in ("convirt", "simclr"):
            for corpus, f in SCALING.items():
                name = f"{m}-{corpus}"
                lin = by_fraction(self.load(name, "linear-location", "linear.json")).get(0.1)
                ret = self.load(name, "retrieval-location", "retrieval.json")
                if lin is None and ret is None:
                    continue
                points.append({
                    "method": m, "fraction": f, "rows": self.train_rows(name),
                    "probe": lin["balanced_accuracy"] if lin else None,
                    "image": ret["image_to_image_class_mean"][1] if ret else None,
                    "text": ret["text_to_image_class_mean"][1] if ret and ret.get("text_to_image_class_mean") else None})
        return points

    def scaling_table(self):
        points = self.scaling_points()
        if not points:
            return []
        lines = ["### Scaling: MedPix pairs seen in pretraining (same steps)", "",
                 "| method | MedPix training share | training rows | location probe, 10 % labels (balanced accuracy) | "
                 "image-image P@10 by location | text-image P@10 by location |", "|---|---:|---:|---|---|---|"]
        for p in points:
            lines.append(f"| {METHODS[p['method']]} | {round(100 * p['fraction'])} % | {p['rows'] or ''} | "
                         + " | ".join(interval(p[k]) if p[k] else "—" for k in ("probe", "image", "text")) + " |")
        ref = by_fraction(self.load("imagenet", "linear-location", "linear.json")).get(0.1)
        ret = self.load("imagenet", "retrieval-location", "retrieval.json")
        if ref or ret:
            lines.append("| ImageNet init (reference) | 0 % | 0 | " + (interval(ref["balanced_accuracy"]) if ref else "—") + " | "
                         + (interval(ret["image_to_image_class_mean"][1]) if ret else "—") + " | — |")
        lines += ["", "In percent [95 % intervals: over probe runs, and over queries for retrieval]; medpix test split (200 images, "
                  "15 text queries). Plot: `scaling.svg`.", ""]
        return lines

    def scaling_svg(self):
        points = self.scaling_points()
        if not points:
            return
        ref = by_fraction(self.load("imagenet", "linear-location", "linear.json")).get(0.1)
        ref_ret = self.load("imagenet", "retrieval-location", "retrieval.json")
        panels = [("probe", "Location probe, 10 % labels: balanced accuracy", ref["balanced_accuracy"] if ref else None),
                  ("retrieval", "Retrieval by location: P@10 (class-balanced)", ref_ret["image_to_image_class_mean"][1] if ref_ret else None)]
        series = {("probe", "convirt"): ("#1f77b4", "ConVIRT"), ("probe", "simclr"): ("#d62728", "SimCLR"),
                  ("retrieval", "convirt-text"): ("#2ca02c", "ConVIRT text→image"),
                  ("retrieval", "convirt"): ("#1f77b4", "ConVIRT image→image"), ("retrieval", "simclr"): ("#d62728", "SimCLR image→image")}
        w, h, pad_l, pad_r, pad_t, pad_b = 380, 300, 50, 15, 40, 70
        svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * w}" height="{h}" font-family="sans-serif" font-size="11">',
               f'<rect width="{2 * w}" height="{h}" fill="white"/>']
        xs = [0.25, 0.5, 1.0]

        def px(f, i):
            return i * w + pad_l + (xs.index(f) / (len(xs) - 1)) * (w - pad_l - pad_r)

        def py(v):
            return pad_t + (1 - v) * (h - pad_t - pad_b)

        for i, (panel, title, refv) in enumerate(panels):
            x0, x1 = i * w + pad_l, (i + 1) * w - pad_r
            svg.append(f'<text x="{i * w + w / 2}" y="18" text-anchor="middle" font-size="12">{title}</text>')
            svg.append(f'<line x1="{x0}" y1="{py(0)}" x2="{x1}" y2="{py(0)}" stroke="black"/>')
            svg.append(f'<line x1="{x0}" y1="{py(0)}" x2="{x0}" y2="{py(1)}" stroke="black"/>')
            for t in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
                svg.append(f'<line x1="{x0}" y1="{py(t)}" x2="{x1}" y2="{py(t)}" stroke="#ddd"/>')
                svg.append(f'<text x="{x0 - 4}" y="{py(t) + 4}" text-anchor="end">{round(100 * t)}</text>')
            for f in xs:
                rows = next((p["rows"] for p in points if p["fraction"] == f and p["rows"]), None)
                svg.append(f'<text x="{px(f, i)}" y="{py(0) + 15}" text-anchor="middle">{round(100 * f)} %</text>')
                if rows:
                    svg.append(f'<text x="{px(f, i)}" y="{py(0) + 28}" text-anchor="middle" fill="#555">{rows} pairs</text>')
            svg.append(f'<text x="{i * w + w / 2}" y="{h - 22}" text-anchor="middle">share of the MedPix training cases (same steps)</text>')
            if refv:
                svg.append(f'<line x1="{x0}" y1="{py(refv["mean"])}" x2="{x1}" y2="{py(refv["mean"])}" stroke="#888" stroke-dasharray="4,3"/>')
                svg.append(f'<text x="{x1}" y="{py(refv["mean"]) - 4}" text-anchor="end" fill="#555">ImageNet init</text>')
            legend_y = py(0) + 45
            keys = [k for k in series if k[0] == panel]
            for j, key in enumerate(keys):
                m = key[1]
                field = "probe" if panel == "probe" else ("text" if m.endswith("-text") else "image")
                pts = [(p["fraction"], p[field]) for p in points if p["method"] == m.split("-")[0] and p[field]]
                if not pts:
                    continue
                colour, label = series[key]
                svg.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
                    colour, " ".join(f"{px(f, i):.1f},{py(v['mean']):.1f}" for f, v in pts)))
                for f, v in pts:
                    svg.append(f'<line x1="{px(f, i):.1f}" y1="{py(v["low"]):.1f}" x2="{px(f, i):.1f}" y2="{py(v["high"]):.1f}" stroke="{colour}"/>')
                    svg.append(f'<circle cx="{px(f, i):.1f}" cy="{py(v["mean"]):.1f}" r="3" fill="{colour}"/>')
                lx = x0 + j * 110
                svg.append(f'<rect x="{lx}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>')
                svg.append(f'<text x="{lx + 14}" y="{legend_y + 1}">{label}</text>')
        svg.append("</svg>")
        tmp = os.path.join(self.out, "scaling.svg.tmp")
        with open(tmp, "w") as f:
            f.write("\n".join(svg) + "\n")
        os.replace(tmp, os.path.join(self.out, "scaling.svg"))

    # ---- headline -------------------------------------------------------------------------------------------
    def headline(self):
        cols = ["imagenet", "simclr-cxr", "mocov2-cxr", "convirt-cxr", "convirt-mix", "simclr-medpix", "mocov2-medpix", "convirt-medpix"]
        cols = [c for c in cols if os.path.isdir(os.path.join(self.out, "eval", c))]
        if not cols:
            return []

        def lin(sub, frac, metric):
            return lambda n: (by_fraction(self.load(n, sub, "linear.json")).get(frac) or {}).get(metric)

        def ft(frac):
            return lambda n: (by_fraction(self.load(n, "finetune-pneumonia", "finetune.json")).get(frac) or {}).get("auc")

        def ret(sub, field, k=1):
            return lambda n: ((self.load(n, sub, "retrieval.json") or {}).get(field) or [None, None, None])[k]

        def zs(sub, field):
            return lambda n: (self.load(n, sub, "zeroshot.json") or {}).get(field)

        paper = lambda d: " / ".join(str(d[m]) for m in ("imagenet", "simclr", "mocov2", "convirt"))
        rows = [
            ("pediatric pneumonia, linear AUC, 1 % labels", lin("linear-pneumonia", 0.01, "auc"), "RSNA 1 %: " + paper(PAPER_RSNA_1)),
            ("pediatric subtype, linear balanced accuracy, 1 %", lin("linear-subtype", 0.01, "balanced_accuracy"), ""),
            ("pediatric pneumonia, fine-tuning AUC, 1 %", ft(0.01), ""),
            ("adult (nih-cxr) pneumonia, linear AUC, 10 % (~49 labels)", lin("linear-nih", 0.1, "auc"), ""),
            ("subtype image-image P@10 (class mean)", ret("retrieval-subtype", "image_to_image_class_mean"), "CheXpert 8x200: " + paper(PAPER_P10)),
            ("subtype text-image P@10 (class mean)", ret("retrieval-subtype", "text_to_image_class_mean"), f"CheXpert 8x200, ConVIRT: {PAPER_TEXT[10]}"),
            ("adult pneumonia zero-shot AUC", zs("zeroshot-nih", "mean_auc"), "—"),
            ("medpix location, linear balanced accuracy, 10 %", lin("linear-location", 0.1, "balanced_accuracy"), "—"),
            ("medpix location image-image P@10 (class mean)", ret("retrieval-location", "image_to_image_class_mean"), "—"),
            ("medpix location text-image P@10 (class mean)", ret("retrieval-location", "text_to_image_class_mean"), "—"),
            ("medpix location zero-shot balanced accuracy", zs("zeroshot-location", "balanced_accuracy"), "—"),
        ]
        lines = ["### Headline", "", "| task | " + " | ".join(NAMES[c] for c in cols) + " | paper (ImageNet / SimCLR / MoCo v2 / ConVIRT) |",
                 "|---|" + "---|" * len(cols) + "---|"]
        for title, get, p in rows:
            cells = []
            for c in cols:
                try:
                    v = get(c)
                except (KeyError, TypeError):
                    v = None
                cells.append(interval(v) if v else "—")
            lines.append(f"| {title} | " + " | ".join(cells) + f" | {p} |")
        lines += ["", "In percent [95 % interval]. ImageNet and the image-only methods have no text tower: no text-image or "
                  "zero-shot figures. Chance: subtype P@10 33.2 (class mean), medpix location P@10 and balanced accuracy 20, AUC 50.", ""]
        return lines

    # ---- the whole page -------------------------------------------------------------------------------------
    def markdown(self):
        t = self
        out = [f"# Results tables (generated by bench/reproduce/tables.py from {os.path.abspath(self.out)})", ""]
        out += t.headline()
        out += t.pretraining_table()
        out += t.stage_minutes()
        out += t.label_table("linear-pneumonia", "linear.json", "auc", [0.01, 0.1, 1],
                             "Linear probe, pediatric pneumonia vs normal (AUC, pneumonia val)", ("paper RSNA 1 % AUC", PAPER_RSNA_1))
        out += t.label_table("linear-subtype", "linear.json", "balanced_accuracy", [0.01, 0.1, 1],
                             "Linear probe, normal / bacterial / viral (balanced accuracy, pneumonia val)")
        out += t.label_table("linear-subtype", "linear.json", "auc", [0.01, 0.1, 1], "Linear probe, normal / bacterial / viral (macro one-vs-rest AUC)")
        out += t.label_table("finetune-pneumonia", "finetune.json", "auc", [0.01, 0.1], "Fine-tuning, pediatric pneumonia vs normal (AUC, pneumonia val)")
        out += t.label_table("linear-nih", "linear.json", "auc", [0.1, 1],
                             "Linear probe, adult chest X-rays: nih-cxr pneumonia vs no finding (AUC, nih-cxr val)", ("paper RSNA 1 % AUC", PAPER_RSNA_1))
        out += t.zeroshot_table()
        out += t.retrieval_table("retrieval-subtype", "Retrieval by subtype (pneumonia val, 554 images)", ["normal", "bacterial", "viral"],
                                 paper_image=True, paper_text=True)
        out += t.retrieval_table("retrieval-nih", "Retrieval by pneumonia (nih-cxr, all 596 images)", ["0", "1"])
        out += t.retrieval_table("retrieval-location", "Retrieval by location (medpix test, 200 images)",
                                 ["Head", "Thorax", "Abdomen", "Spine and Muscles", "Reproductive and Urinary System"])
        out += t.label_table("linear-location", "linear.json", "balanced_accuracy", [0.1, 1], "MedPix in-domain probe: location, 5 classes (balanced accuracy, medpix test)")
        out += t.label_table("linear-modality", "linear.json", "balanced_accuracy", [0.1, 1], "MedPix in-domain probe: modality (balanced accuracy, medpix test)")
        out += t.label_table("linear-plane", "linear.json", "balanced_accuracy", [0.1, 1], "MedPix in-domain probe: plane (balanced accuracy, medpix test)")
        out += t.label_table("linear-covid", "linear.json", "auc", [0.1, 1], "covid-cxr: COVID-19 vs other findings (AUC, covid-cxr test)")
        out += t.scaling_table()
        out += t.tsne_table("tsne-subtype", "t-SNE of h_v (pneumonia val, coloured by subtype)")
        out += t.tsne_table("tsne-location", "t-SNE of h_v (medpix test, coloured by location)")
        return "\n".join(out)


def best_chest(out):
    def score(n):
        a = by_fraction(ev(out, n, "linear-pneumonia", "linear.json"))[0.01]["auc"]["mean"]
        b = by_fraction(ev(out, n, "linear-subtype", "linear.json"))[0.01]["balanced_accuracy"]["mean"]
        c = by_fraction(ev(out, n, "linear-nih", "linear.json"))[0.1]["auc"]["mean"]
        return (a + b + c) / 3
    return max(["convirt-cxr", "convirt-mix"], key=score)


def main():
    if sys.argv[1] == "--best-chest":
        print(best_chest(sys.argv[2]))
        return
    t = Tables(sys.argv[1])
    t.scaling_svg()
    print(t.markdown())


if __name__ == "__main__":
    main()
