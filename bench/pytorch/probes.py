"""PyTorch counterparts of ConVirt.Bench's probes (profiling aids, not figures).

  python3 probes.py tower   # image tower forward / backward, NCHW and channels_last (ConVirt.Bench towerprobe)
  python3 probes.py ops     # single channels-last operations, forward / backward (ConVirt.Bench opprobe)
  python3 probes.py stages  # ResNet-18 forward stage by stage, channels_last (ConVirt.Bench stageprobe)

Run with the same thread and allocator settings as the benchmark: OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0
MALLOC_TRIM_THRESHOLD_=2147483647.
"""
import sys
import time

import torch
import torchvision

torch.set_num_threads(2)
CL = torch.channels_last


def median_ms(fn, reps=6, warmup=2):
    times = []
    for i in range(reps + warmup):
        start = time.perf_counter()
        fn()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def resnet(arch):
    model = getattr(torchvision.models, arch)()
    model.conv1 = torch.nn.Conv2d(1, 64, 7, 2, 3, bias=False)
    model.fc = torch.nn.Identity()
    return model.train()


def tower():
    x = torch.rand(32, 1, 224, 224)
    for arch in ["resnet18", "resnet50"]:
        for fmt in ["nchw", "channels_last"]:
            model = resnet(arch)
            if fmt == "channels_last":
                model = model.to(memory_format=CL)
            fwd, bwd = [], []
            for i in range(6):
                model.zero_grad(set_to_none=True)
                t0 = time.perf_counter()
                s = model(x).sum()
                t1 = time.perf_counter()
                s.backward()
                t2 = time.perf_counter()
                if i >= 2:
                    fwd.append(t1 - t0)
                    bwd.append(t2 - t1)
            fwd.sort()
            bwd.sort()
            print(f"  {arch} {fmt}: forward {fwd[len(fwd) // 2]:.3f} s, backward {bwd[len(bwd) // 2]:.3f} s", flush=True)


def ops():
    for cin, cout, k, hw, stride in [(64, 64, 3, 56, 1), (128, 128, 3, 28, 1), (256, 256, 3, 14, 1), (512, 512, 3, 7, 1),
                                     (1, 64, 7, 224, 2), (64, 256, 1, 56, 1), (256, 64, 1, 56, 1), (1024, 256, 1, 14, 1)]:
        x = torch.randn(32, cin, hw, hw).contiguous(memory_format=CL).requires_grad_()
        w = torch.randn(cout, cin, k, k).contiguous(memory_format=CL).requires_grad_()
        conv = lambda: torch.nn.functional.conv2d(x, w, None, stride, k // 2)
        g = torch.randn_like(conv())
        fw = median_ms(conv)
        fb = median_ms(lambda: conv().backward(g))
        print(f"  conv ({cin}, {cout}, {k}, {hw}, {stride}) fwd {fw:.1f} bwd {fb - fw:.1f} ms", flush=True)
    x = torch.randn(32, 64, 112, 112).contiguous(memory_format=CL).requires_grad_()
    bn = torch.nn.BatchNorm2d(64).train()
    g = torch.randn_like(x)
    fw = median_ms(lambda: bn(x))
    print(f"  bn [32,64,112,112] fwd {fw:.1f} bwd {median_ms(lambda: bn(x).backward(g)) - fw:.1f}")
    pool = lambda: torch.nn.functional.max_pool2d(x, 3, 2, 1)
    gp = torch.randn_like(pool())
    fw = median_ms(pool)
    print(f"  maxpool fwd {fw:.1f} bwd {median_ms(lambda: pool().backward(gp)) - fw:.1f}")
    fw = median_ms(lambda: torch.relu(x))
    print(f"  relu fwd {fw:.1f} bwd {median_ms(lambda: torch.relu(x).backward(g)) - fw:.1f}")


def stages():
    model = resnet("resnet18").to(memory_format=CL)
    x = torch.rand(32, 1, 224, 224)
    for _ in range(5):
        times = []
        start = time.perf_counter()

        def tick():
            nonlocal start
            now = time.perf_counter()
            times.append((now - start) * 1e3)
            start = now

        h = model.conv1(x); tick()
        h = model.relu(model.bn1(h)); tick()
        h = model.maxpool(h); tick()
        for layer in [model.layer1, model.layer2, model.layer3, model.layer4]:
            h = layer(h); tick()
        h.mean([2, 3]); tick()
        print("  conv1 %.1f bn-relu %.1f pool %.1f l1 %.1f l2 %.1f l3 %.1f l4 %.1f mean %.1f; total %.1f ms" % tuple(times + [sum(times)]))


if __name__ == "__main__":
    {"tower": tower, "ops": ops, "stages": stages}[sys.argv[1] if len(sys.argv) > 1 else "tower"]()
