using ConVirt.Data.Images;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Text;
using ConVirt.Models.Vision;
using TorchSharp;

namespace ConVirt.Tests.Export;

/// <summary>Real inputs for the ONNX export checks: pneumonia X-rays through the evaluation transform, covid-cxr report sentences.</summary>
internal static class ExportFixtures
{
    /// <summary>The first <paramref name="count"/> pneumonia images (by name) as [count * size * size] gray in [0, 1]; null without shared data.</summary>
    public static float[]? Images(int count, int size)
    {
        if (TestPaths.SharedData is not { } root) return null;
        var folder = Path.Combine(root, "pneumonia", "images");
        if (!Directory.Exists(folder)) return null;
        var transform = new EvalTransform(size);
        return Directory.GetFiles(folder, "*.jpeg").OrderBy(p => p, StringComparer.Ordinal).Take(count)
            .SelectMany(p => transform.Apply(ImageDecoder.Load(p))).ToArray();
    }

    /// <summary>
    /// Five report texts of covid-cxr as the text tower gets them in training: four sentences (SentenceSplitter)
    /// and one whole note, longer than any max length; null without shared data.
    /// </summary>
    public static string[]? Sentences()
    {
        if (TestPaths.SharedData is not { } root) return null;
        var manifest = Path.Combine(root, "covid-cxr", "manifest.jsonl");
        if (!File.Exists(manifest)) return null;
        var notes = File.ReadLines(manifest).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            .Select(r => r.GetProperty("text").GetString()!).Distinct().Take(3).ToArray();
        var sentences = notes.SelectMany(SentenceSplitter.Split).Where(s => s.Length > 0).Take(4).ToList();
        sentences.Add(notes[^1]);
        return [.. sentences];
    }

    /// <summary>Replicates gray images [B * plane] to [B, channels, plane].</summary>
    public static float[] Replicate(float[] gray, int batch, int channels)
    {
        if (channels == 1) return gray;
        int plane = gray.Length / batch;
        var result = new float[gray.Length * channels];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++) Array.Copy(gray, b * plane, result, (b * channels + c) * plane, plane);
        return result;
    }

    /// <summary>Gives every batch norm of an image encoder the statistics of a real batch (momentum 1 in one training-mode pass), so
    /// that eval-mode activations keep a realistic scale through 16 blocks of random weights.</summary>
    public static void CalibrateBatchNorm(torch.nn.Module<torch.Tensor, torch.Tensor> encoder, float[] gray, int batch, int size, int channels)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (_, m) in encoder.named_modules())
            if (m is TorchSharp.Modules.BatchNorm2d bn) bn.momentum = 1.0;
        encoder.train();
        using (torch.no_grad()) encoder.call(torch.tensor(Replicate(gray, batch, channels), [batch, channels, size, size]));
        foreach (var (_, m) in encoder.named_modules())
            if (m is TorchSharp.Modules.BatchNorm2d bn) bn.momentum = 0.1;
        encoder.eval();
    }

    /// <summary>Rows of a [B, W] tensor.</summary>
    public static float[][] Rows(torch.Tensor t)
    {
        var flat = t.contiguous().data<float>().ToArray();
        int b = (int)t.shape[0], w = (int)t.shape[1];
        return Enumerable.Range(0, b).Select(i => flat.AsSpan(i * w, w).ToArray()).ToArray();
    }

    /// <summary>max |a - b| over two row sets of equal shape.</summary>
    public static double MaxAbsDiff(float[][] a, float[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].Length, b[i].Length);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }

    /// <summary>max |a| over a row set.</summary>
    public static double MaxAbs(float[][] a) => a.SelectMany(r => r).Max(v => Math.Abs((double)v));
}
