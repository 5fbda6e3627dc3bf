#!/usr/bin/env python3
"""Loads encoders exported by ConVirt's WeightExport in plain PyTorch (torchvision's ResNet class, a minimal BERT
written here; no transformers, no safetensors package) and compares their outputs with the TorchSharp outputs
saved by the C# bench program (Program.cs) in reference.safetensors.

    dotnet run --project bench/pytorch-roundtrip -- /tmp/rt-out   # writes the files
    /usr/bin/python3 bench/pytorch-roundtrip/roundtrip.py /tmp/rt-out
"""
import json, math, struct, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import ResNet, BasicBlock, Bottleneck

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32, "U8": np.uint8, "BOOL": np.bool_}

def read_safetensors(path):
    """Returns ({name: tensor}, metadata), parsing the format by hand: u64 header length, JSON, raw data."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arr = np.frombuffer(data[b:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta

def load_state(path):
    if path.endswith(".safetensors"):
        return read_safetensors(path)[0]
    return torch.load(path, map_location="cpu")

def cntk_padding(model):
    """The packaged ImageNet ResNet-18's padding: stride-2 convolutions and the max-pool pad top/left only."""
    def pre_pad(pad, value=0.0):
        return lambda module, inputs: (F.pad(inputs[0], pad, value=value),)
    model.conv1.padding = (0, 0)
    model.conv1.register_forward_pre_hook(pre_pad((3, 2, 3, 2)))
    model.maxpool.padding = 0
    model.maxpool.register_forward_pre_hook(pre_pad((1, 0, 1, 0), float("-inf")))
    for layer in (model.layer2, model.layer3, model.layer4):
        layer[0].conv1.padding = (0, 0)
        layer[0].conv1.register_forward_pre_hook(pre_pad((1, 0, 1, 0)))

def image_encoder(weights, block, layers, in_channels, top_left, preprocess_file=None):
    model = ResNet(block, layers)
    if in_channels == 1:
        model.conv1 = nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    if top_left:
        cntk_padding(model)
    result = model.load_state_dict(load_state(weights), strict=False)
    assert sorted(result.missing_keys) == ["fc.bias", "fc.weight"], result.missing_keys
    assert not result.unexpected_keys, result.unexpected_keys
    model.fc = nn.Identity()
    extra = read_safetensors(preprocess_file)[0] if preprocess_file else {}
    if "stem_offset" in extra:
        offset = extra["stem_offset"].unsqueeze(0)
        model.conv1.register_forward_hook(lambda m, i, out: out - offset)
    return model.eval(), extra.get("mean_image")

def normalise(x, mean, std, mean_image=None):
    x = (x - torch.tensor(mean).view(1, -1, 1, 1)) / torch.tensor(std).view(1, -1, 1, 1)
    return x if mean_image is None else x - mean_image.unsqueeze(0)

class Bert(nn.Module):
    """HuggingFace BertModel's encoder (no pooler), written out: post-LayerNorm layers, exact GELU."""
    def __init__(self, c):
        super().__init__()
        self.c = c
    def forward(self, sd, ids, mask):
        c, h = self.c, self.c["hidden_size"]
        heads, eps = c["num_attention_heads"], c["layer_norm_eps"]
        ln = lambda x, p: F.layer_norm(x, (h,), sd[p + ".weight"], sd[p + ".bias"], eps)
        lin = lambda x, p: F.linear(x, sd[p + ".weight"], sd[p + ".bias"])
        L = ids.shape[1]
        x = sd["embeddings.word_embeddings.weight"][ids] + sd["embeddings.position_embeddings.weight"][:L] \
            + sd["embeddings.token_type_embeddings.weight"][0]
        x = ln(x, "embeddings.LayerNorm")
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for i in range(c["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            split = lambda t: t.view(t.shape[0], L, heads, h // heads).transpose(1, 2)
            q, k, v = (split(lin(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h // heads) + additive, dim=-1)
            ctx = (att @ v).transpose(1, 2).reshape(x.shape[0], L, h)
            x = ln(lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            inter = F.gelu(lin(x, p + "intermediate.dense"))
            x = ln(lin(inter, p + "output.dense") + x, p + "output.LayerNorm")
        return x

def report(name, ours, theirs):
    diff = (ours - theirs).abs().max().item()
    scale = theirs.abs().max().item()
    print(f"{name:34s} max|diff| = {diff:.3e}   max|value| = {scale:.3f}   relative = {diff / scale:.3e}")
    return diff / scale

def main(folder):
    torch.set_grad_enabled(False)
    ref, _ = read_safetensors(f"{folder}/reference.safetensors")
    worst = 0.0

    meta = read_safetensors(f"{folder}/resnet18_cntk_rgb.safetensors")[1]
    mean, std = [float(v) for v in meta["convirt.input_mean"].split(",")], [float(v) for v in meta["convirt.input_std"].split(",")]
    assert meta["convirt.layers"] == "2,2,2,3" and meta["convirt.padding"] == "top-left"
    model, mean_image = image_encoder(f"{folder}/resnet18_cntk_rgb.safetensors", BasicBlock, [2, 2, 2, 3], 3, True,
                                      f"{folder}/{meta['convirt.preprocess_file']}")
    worst = max(worst, report("resnet18-cntk rgb (.safetensors)", model(normalise(ref["images_rgb"], mean, std, mean_image)), ref["features_cntk_rgb"]))

    model, mean_image = image_encoder(f"{folder}/resnet18_cntk_gray.pt", BasicBlock, [2, 2, 2, 3], 1, True,
                                      f"{folder}/resnet18_cntk_gray.preprocess.safetensors")
    worst = max(worst, report("resnet18-cntk gray (.pt)", model(normalise(ref["images_gray"], [0.0], [1 / 255], mean_image)), ref["features_cntk_gray"]))

    model, _ = image_encoder(f"{folder}/resnet50.pt", Bottleneck, [3, 4, 6, 3], 3, False)
    worst = max(worst, report("resnet50 torchvision (.pt)", model(normalise(ref["images_rgb"], [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])), ref["features_resnet50"]))

    config = json.load(open(f"{folder}/minilm/config.json"))
    sd, _ = read_safetensors(f"{folder}/minilm/model.safetensors")
    tokens = Bert(config)(sd, ref["token_ids"], ref["token_mask"])
    keep = ref["token_mask"].bool()
    worst = max(worst, report("minilm tokens (HF folder)", tokens[keep], ref["tokens_minilm"][keep]))
    print(f"worst relative difference: {worst:.3e}  (torch {torch.__version__})")
    return 0 if worst < 1e-4 else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "out"))
