"""PyTorch's 1x1 convolutions against float64 (forward, input and weight gradients): ResNet-50's shapes at 224 px (default) or
ResNet-18's downsample shapes (r18). Usage: python3 conv1x1_check.py [BATCH] [r50|r18] [channels_last,nchw]. Checks whether
oneDNN's 1x1 kernels are right on this CPU (docs/testing.md; docs/benchmarks.md section 14)."""
import torch, sys
torch.set_num_threads(2)
torch.manual_seed(0)
B = int(sys.argv[1]) if len(sys.argv) > 1 else 8
LAYOUTS = sys.argv[3].split(",") if len(sys.argv) > 3 else ["channels_last", "nchw"]
# (in, out, stride, spatial in) for ResNet-50's 1x1 convolutions at 224 px input
shapes18 = [(64, 128, 2, 56), (128, 256, 2, 28), (256, 512, 2, 14)]
shapes = [(64, 64, 1, 56), (64, 256, 1, 56), (256, 64, 1, 56), (256, 128, 1, 56), (256, 512, 2, 56), (128, 512, 1, 28),
          (512, 128, 1, 28), (512, 256, 1, 28), (512, 1024, 2, 28), (256, 1024, 1, 14), (1024, 256, 1, 14), (1024, 512, 1, 14),
          (1024, 2048, 2, 14), (512, 2048, 1, 7), (2048, 512, 1, 7)]
print("torch", torch.__version__, "mkldnn", torch.backends.mkldnn.is_available())
worst = 0.0
for layout in LAYOUTS:
    for cin, cout, s, hw in (shapes18 if len(sys.argv) > 2 and sys.argv[2] == "r18" else shapes):
        x = torch.randn(B, cin, hw, hw)
        w = torch.randn(cout, cin, 1, 1) / cin ** 0.5
        if layout == "channels_last":
            x = x.contiguous(memory_format=torch.channels_last); w = w.contiguous(memory_format=torch.channels_last)
        x.requires_grad_(); w.requires_grad_()
        y = torch.nn.functional.conv2d(x, w, stride=s)
        g = torch.randn_like(y)
        y.backward(g)
        xd = x.detach().double().requires_grad_(); wd = w.detach().double().requires_grad_()
        yd = torch.nn.functional.conv2d(xd, wd, stride=s)
        yd.backward(g.double())
        def rel(a, b): return ((a.double() - b).abs().max() / b.abs().max()).item()
        r = (rel(y, yd), rel(x.grad, xd.grad), rel(w.grad, wd.grad))
        worst = max(worst, *r)
        print(f"{layout:13s} {cin:4d}->{cout:4d} s{s} {hw:3d}px: rel err fwd {r[0]:.2e} dx {r[1]:.2e} dw {r[2]:.2e}", flush=True)
print("worst relative error", worst)
