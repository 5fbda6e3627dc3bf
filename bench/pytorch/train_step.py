#!/usr/bin/env python3
"""PyTorch reference of one ConVIRT training step (the same model, loss and optimiser as ConVirt.Bench).

ResNet-18/50 from torchvision (conv1 for 1 channel, fc = Identity, input normalised (x-0.449)/0.226 as the
C# encoder does), a minimal BERT written here (HuggingFace layout: embeddings + LayerNorm, post-LN layers,
exact GELU, dropout 0.1), masked max-pooling, projection heads Linear-ReLU-Linear 512, the bidirectional
InfoNCE loss (tau 0.1, lambda 0.75) and Adam with decay / no-decay groups. Frozen: the text embeddings
and the first K text layers (no gradient, no optimiser state).

--precision bf16 runs the model under torch.autocast("cpu", dtype=torch.bfloat16) (convolutions, linear layers and
attention in bfloat16; batch/layer norm statistics, parameters and Adam in float32) and the loss in float32, as
ConVirt's BFloat16Policy does. With --channels-last and PyTorch 2.x (scaled_dot_product_attention) this is the
configuration users of PyTorch 2.6 get.

Prints one JSON object: per-step seconds and per-phase seconds (image forward, text forward, loss,
backward, optimiser step), the thread settings and the versions.
"""
import argparse
import contextlib
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

CONFIGS = {
    # image arch, hidden, layers, heads, intermediate, frozen layers
    "cpu-small": ("resnet18", 384, 6, 12, 1536, 3),
    "paper": ("resnet50", 768, 12, 12, 3072, 6),
}


class BertLayer(nn.Module):
    def __init__(self, h, heads, inter, p=0.1):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.attn_out, self.ln1 = nn.Linear(h, h), nn.LayerNorm(h, eps=1e-12)
        self.inter, self.out, self.ln2 = nn.Linear(h, inter), nn.Linear(inter, h), nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.p = p

    def forward(self, x, additive_mask):
        b, l, h = x.shape
        d = h // self.heads
        q = self.q(x).view(b, l, self.heads, d).transpose(1, 2)
        k = self.k(x).view(b, l, self.heads, d).transpose(1, 2)
        v = self.v(x).view(b, l, self.heads, d).transpose(1, 2)
        if hasattr(F, "scaled_dot_product_attention"):
            ctx = F.scaled_dot_product_attention(q, k, v, additive_mask, self.p if self.training else 0.0)
        else:  # torch < 2.0
            scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive_mask
            ctx = F.dropout(scores.softmax(-1), self.p, self.training) @ v
        ctx = ctx.transpose(1, 2).reshape(b, l, h)
        a = self.ln1(self.drop(self.attn_out(ctx)) + x)
        return self.ln2(self.drop(self.out(F.gelu(self.inter(a)))) + a)


class Bert(nn.Module):
    def __init__(self, h, layers, heads, inter, vocab=30522, positions=512):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, h), nn.Embedding(positions, h), nn.Embedding(2, h)
        self.ln, self.drop = nn.LayerNorm(h, eps=1e-12), nn.Dropout(0.1)
        self.layers = nn.ModuleList([BertLayer(h, heads, inter) for _ in range(layers)])

    def forward(self, ids, mask):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.drop(self.ln(self.word(ids) + self.pos(positions) + self.token_type.weight[0]))
        additive = ((1 - mask.to(x.dtype)) * -1e9).view(ids.shape[0], 1, 1, ids.shape[1])
        for layer in self.layers:
            x = layer(x, additive)
        return x.masked_fill(mask.unsqueeze(-1) == 0, float("-inf")).amax(1)  # masked max-pool


class Normalise(nn.Module):
    def forward(self, x):
        return (x - 0.449) / 0.226


def head(i):
    return nn.Sequential(nn.Linear(i, 512), nn.ReLU(), nn.Linear(512, 512))


def loss_fn(v, u, tau=0.1, lam=0.75):
    logits = F.normalize(v, dim=1) @ F.normalize(u, dim=1).t() / tau
    targets = torch.arange(v.shape[0])
    return lam * F.cross_entropy(logits, targets) + (1 - lam) * F.cross_entropy(logits.t(), targets)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="cpu-small", choices=sorted(CONFIGS))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--tokens", type=int, default=24)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--compile", action="store_true", help="torch.compile both towers (inductor; PyTorch 2.x; needs g++ and python3-dev)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    arch, h, layers, heads, inter, frozen = CONFIGS[a.config]
    resnet = getattr(torchvision.models, arch)()
    resnet.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    resnet.fc = nn.Identity()
    image = nn.Sequential(Normalise(), resnet)
    feat = 512 if arch == "resnet18" else 2048
    bert = Bert(h, layers, heads, inter)
    for p in list(bert.word.parameters()) + list(bert.pos.parameters()) + list(bert.token_type.parameters()) + list(bert.ln.parameters()):
        p.requires_grad = False
    for layer in bert.layers[:frozen]:
        for p in layer.parameters():
            p.requires_grad = False
    gv, gu = head(feat), head(h)
    model = nn.ModuleList([image, bert, gv, gu]).train()
    if a.channels_last:
        image.to(memory_format=torch.channels_last)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if a.compile:   # after collecting the parameters: the compiled wrappers share them; the first (warm-up) step compiles
        image, bert = torch.compile(image), torch.compile(bert)
    opt = torch.optim.Adam([
        {"params": [p for p in trainable if p.dim() > 1], "weight_decay": 1e-6},
        {"params": [p for p in trainable if p.dim() <= 1], "weight_decay": 0.0}], lr=1e-4)

    images = torch.rand(a.batch, 1, a.size, a.size)
    if a.channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    ids = torch.randint(1000, 30000, (a.batch, a.tokens))
    ids[:, 0], ids[:, -1] = 101, 102
    mask = torch.ones(a.batch, a.tokens, dtype=torch.long)

    def autocast():
        if a.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    steps, phases = [], []
    for i in range(a.warmup + a.reps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with autocast():
            v = gv(image(images))
            t1 = time.perf_counter()
            u = gu(bert(ids, mask))
            t2 = time.perf_counter()
        loss = loss_fn(v.float(), u.float())  # float32 loss and logits, outside autocast
        t3 = time.perf_counter()
        loss.backward()
        t4 = time.perf_counter()
        opt.step()
        t5 = time.perf_counter()
        if i >= a.warmup:
            steps.append(t5 - t0)
            phases.append({"image_forward": t1 - t0, "text_forward": t2 - t1, "loss": t3 - t2, "backward": t4 - t3, "optimizer": t5 - t4})
    print(json.dumps({
        "implementation": "pytorch", "config": a.config, "torch": torch.__version__, "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(), "channels_last": a.channels_last,
        "compile": a.compile, "precision": a.precision, "attention": "sdpa" if hasattr(F, "scaled_dot_product_attention") else "matmul-softmax",
        "blas": torch.__config__.show().split("BLAS_INFO=")[1].split(",")[0] if "BLAS_INFO=" in torch.__config__.show() else "?",
        "batch": a.batch, "size": a.size, "tokens": a.tokens, "step_seconds": steps, "phases": phases,
        "trainable_tensors": len(trainable), "loss": float(loss)}))


if __name__ == "__main__":
    main()
