// Exports encoders with WeightExport and the features our TorchSharp encoders compute on the same inputs, so that
// roundtrip.py can load the files in plain PyTorch and compare. Usage: dotnet run -- <output folder> [shared data folder]
using ConVirt.Interop;
using ConVirt.Models.Vision;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

var outDir = Path.GetFullPath(args.Length > 0 ? args[0] : "out");
var shared = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("CONVIRT_SHARED_DATA") ?? Path.Combine("..", "shared", "data");
Directory.CreateDirectory(outDir);
using var _ = torch.no_grad();
const int Size = 224;

// Inputs: real X-rays (4 pneumonia images, gray, 224x224, in [0, 1]) or, without shared data, seeded noise.
var imageFolder = Path.Combine(shared, "pneumonia", "images");
Tensor gray;
if (Directory.Exists(imageFolder))
{
    var files = Directory.GetFiles(imageFolder, "*.jpeg").OrderBy(f => f, StringComparer.Ordinal).Take(4).ToArray();
    gray = torch.stack(files.Select(f => torch.tensor(LoadGray(f), [1L, Size, Size])).ToArray());
    Console.WriteLine($"inputs: {files.Length} images from {imageFolder}");
}
else
{
    torch.manual_seed(0);
    gray = torch.rand(4, 1, Size, Size);
    Console.WriteLine("inputs: seeded noise (shared data not found)");
}
var rgb = gray.expand(-1, 3, -1, -1).contiguous();

var outputs = new Dictionary<string, Tensor> { ["images_gray"] = gray, ["images_rgb"] = rgb };

// Packaged ImageNet ResNet-18 (CNTK variant), RGB and gray (exact preprocessing fold).
using (var encoder = PackagedWeights.LoadImageNetResNet18(3))
{
    WeightExport.SaveImageEncoder(encoder, Path.Combine(outDir, "resnet18_cntk_rgb.safetensors"));
    outputs["features_cntk_rgb"] = encoder.call(rgb);
}
using (var encoder = PackagedWeights.LoadImageNetResNet18(1))
{
    WeightExport.SaveImageEncoder(encoder, Path.Combine(outDir, "resnet18_cntk_gray.pt"));
    outputs["features_cntk_gray"] = encoder.call(gray);
}
// A torchvision-shaped ResNet-50 with seeded random weights and non-trivial BN statistics, as .pt.
using (var encoder = new ResNetEncoder(ResNetSpec.ResNet50 with { InChannels = 3 }))
{
    torch.manual_seed(1);
    foreach (var (name, t) in encoder.state_dict())
    {
        if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(torch.randn(t.shape) * 0.1f);
        else if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(torch.rand(t.shape) + 0.5f);
    }
    encoder.eval();
    WeightExport.SaveImageEncoder(encoder, Path.Combine(outDir, "resnet50.pt"));
    outputs["features_resnet50"] = encoder.call(rgb);
}
// Packaged MiniLM as a HuggingFace folder; token outputs for fixed ids.
var (text, vocab, lowerCase) = PackagedWeights.LoadText("minilm");
using (text)
{
    WeightExport.SaveTextEncoder(text, vocab, Path.Combine(outDir, "minilm"), lowerCase);
    // Two rows of fixed ids between [CLS] (101) and [SEP] (102), the second one padded with [PAD] (0).
    long[] ids = [101, 2053, 11325, 4003, 3695, 11452, 2832, 1012, 102, 101, 2540, 2946, 2003, 3671, 1012, 102, 0, 0];
    long[] mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    var idTensor = torch.tensor(ids, [2L, 9]);
    var maskTensor = torch.tensor(mask, [2L, 9]);
    outputs["token_ids"] = idTensor;
    outputs["token_mask"] = maskTensor;
    outputs["tokens_minilm"] = text.EncodeTokens(idTensor, maskTensor);
}
SafeTensors.Write(Path.Combine(outDir, "reference.safetensors"), outputs);
Console.WriteLine($"wrote {outDir}");

static float[] LoadGray(string path)
{
    using var decoded = SKBitmap.Decode(path) ?? throw new InvalidDataException("cannot decode " + path);
    using var rgba = new SKBitmap(new SKImageInfo(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
    using (var canvas = new SKCanvas(rgba)) canvas.DrawBitmap(decoded, 0, 0);
    using var resized = rgba.Resize(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear));
    var pixels = resized.GetPixelSpan();
    var result = new float[Size * Size];
    for (int i = 0; i < result.Length; i++)
        result[i] = (byte)Math.Round(0.299 * pixels[4 * i] + 0.587 * pixels[4 * i + 1] + 0.114 * pixels[4 * i + 2]) / 255f;
    return result;
}
