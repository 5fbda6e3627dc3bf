"""How far PyTorch's own autocast moves a ResNet image tower's parameter gradient (issue 14's quality check, peer side).

The image tower of bench/pytorch/train_step.py (torchvision ResNet, 1-channel conv1, ImageNet normalisation of grey
inputs, the 2-layer projection head g_v) in train mode (batch-statistics batch norm), on real grey images, with the
image-to-text and text-to-image contrastive loss (tau 0.1) against fixed unit text vectors u (seeded; the text tower is
not the point here). Three gradients of the image tower's parameters (tower and head, concatenated):
  fp32            everything float32
  autocast bf16   the tower and head under torch.autocast("cpu", dtype=torch.bfloat16), loss in float32
  input rounding  float32, but the input images rounded to bfloat16 first
and prints the cosine of each against fp32 (JSON on the last line). --weights loads a state dict with torchvision's names
(e.g. `convirt export --encoder imagenet --out resnet18.pt`).

    python3 grad_cosine.py --images DIR [--size 64] [--batch 16] [--arch resnet18] [--weights FILE.pt]
"""
import argparse
import glob
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from PIL import Image


class Normalise(nn.Module):
    def forward(self, x):   # grey [0, 1] -> ImageNet's mean/std of the channel average, as the project's tower does
        return (x - 0.449) / 0.226


def load_images(folder, n, size):
    files = sorted(glob.glob(os.path.join(folder, "*.png")))[:n]
    if len(files) < n:
        raise SystemExit(f"grad_cosine: {folder} has {len(files)} PNG files, need {n}")
    arrays = []
    for f in files:
        im = Image.open(f).convert("F" if Image.open(f).mode in ("I", "I;16") else "L").resize((size, size), Image.BILINEAR)
        a = np.asarray(im, dtype=np.float32)
        arrays.append(a / (65535.0 if a.max() > 255 else 255.0))
    return torch.from_numpy(np.stack(arrays))[:, None]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--arch", default="resnet18", choices=["resnet18", "resnet50"])
    ap.add_argument("--layers", help="blocks per stage, e.g. 2,2,2,3 for the packaged ImageNet ResNet-18 variant (default: the arch's)")
    ap.add_argument("--weights")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.layers:
        block = torchvision.models.resnet.BasicBlock if a.arch == "resnet18" else torchvision.models.resnet.Bottleneck
        resnet = torchvision.models.resnet.ResNet(block, [int(n) for n in a.layers.split(",")])
    else:
        resnet = getattr(torchvision.models, a.arch)()
    resnet.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    resnet.fc = nn.Identity()
    if a.weights:
        state = torch.load(a.weights, map_location="cpu", weights_only=True)
        missing, unexpected = resnet.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")}, strict=False)
        if missing or unexpected:
            raise SystemExit(f"grad_cosine: {a.weights} does not fit: missing {missing[:3]}, unexpected {unexpected[:3]}")
    feat = 512 if a.arch == "resnet18" else 2048
    tower = nn.Sequential(Normalise(), resnet, nn.Linear(feat, 512), nn.ReLU(), nn.Linear(512, 512)).train()
    images = load_images(a.images, a.batch, a.size)
    g = torch.Generator().manual_seed(1)
    u = F.normalize(torch.randn(a.batch, 512, generator=g), dim=1)
    labels = torch.arange(a.batch)
    state0 = {k: v.clone() for k, v in tower.state_dict().items()}   # batch-norm running statistics move each pass

    def gradient(x, autocast):
        tower.load_state_dict(state0)
        tower.zero_grad(set_to_none=True)
        if autocast:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                v = tower(x)
        else:
            v = tower(x)
        logits = F.normalize(v.float(), dim=1) @ u.t() / 0.1
        loss = 0.75 * F.cross_entropy(logits, labels) + 0.25 * F.cross_entropy(logits.t(), labels)
        loss.backward()
        return float(loss), torch.cat([p.grad.detach().double().flatten() for p in tower.parameters()])

    def cos(x, y):
        return float(F.cosine_similarity(x, y, dim=0))

    l32, g32 = gradient(images, False)
    l16, g16 = gradient(images, True)
    _, gin = gradient(images.to(torch.bfloat16).float(), False)
    _, g32b = gradient(images, False)   # float32 again: run-to-run (summation order) spread
    print(json.dumps({"torch": torch.__version__, "arch": a.arch, "weights": os.path.basename(a.weights) if a.weights else "random", "layers": a.layers,
                      "size": a.size, "batch": a.batch, "loss_fp32": l32, "loss_bf16": l16,
                      "cosine_autocast_bf16": cos(g32, g16), "cosine_input_rounding": cos(g32, gin), "cosine_fp32_repeat": cos(g32, g32b)}))


if __name__ == "__main__":
    main()
