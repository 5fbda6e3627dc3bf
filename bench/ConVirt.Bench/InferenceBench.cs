using ConVirt.Interop;
using System.Diagnostics;
using ConVirt.Data;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;
using ConVirt.Evaluation;
using ConVirt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// Figure 4: EmbeddingExtractor.Images / Texts (the `convirt embed` paths: batches built from a manifest,
/// eval transform, tokenisation) against a bare no-grad forward of the same shapes on tensors in memory.
/// </summary>
internal static class InferenceBench
{
    public sealed record Result(int Images, int ImageBatch, Stats ExtractorImagesPerS, Stats ExtractorWithDecodeImagesPerS, Stats BareImagesPerS,
        int Texts, int TextBatch, Stats ExtractorTextsPerS, Stats BareTextsPerS, double MeanTextTokens);

    public static Result Run(StepConfig sc, string manifest, int images, int reps)
    {
        torch.manual_seed(0);
        var model = ModelFactory.CreateRandom(sc.Config.Model);
        model.eval();
        var tokenizer = Interop.ModelFactory.OpenVocabulary(sc.Config.Model.Text.Vocab, sc.Config.Model.Text.LowerCase);
        var rows = Manifest.Load(manifest, new ManifestOptions(RequireText: false)).Rows.Take(images).ToList();
        var options = new PairedSourceOptions { BatchSize = 32, ImageSize = 224, WithText = false, Shuffle = false, Augmentation = null };
        var source = PairedBatchSource.Create(rows, null, options);
        int n = source.Examples.Count;
        var withDecode = new List<double>();

        var extractor = new List<double>();
        var bare = new List<double>();
        using var x = torch.rand(32, 1, 224, 224);
        int batches = source.BatchCount(0);
        for (int r = 0; r < reps + 1; r++)
        {
            var w = Stopwatch.StartNew();
            source = PairedBatchSource.Create(rows, null, options);   // decodes (and caches) every image, as `convirt embed` does
            double decode = w.Elapsed.TotalSeconds;
            double Bare()
            {
                var wb = Stopwatch.StartNew();
                using (torch.no_grad())
                    for (int b = 0; b < batches; b++)
                    {
                        using var scope = torch.NewDisposeScope();
                        int count = Math.Min(32, n - b * 32);
                        var v = model.ImageProjection.call(model.ImageEncoder.call(count == 32 ? x : x.narrow(0, 0, count)));
                    }
                return wb.Elapsed.TotalSeconds;
            }
            // alternate which path runs first, so that neither always runs on a machine the other has just warmed
            double sb = r % 2 == 1 ? Bare() : 0;
            w.Restart();
            using (var all = EmbeddingExtractor.Images(new ConVirt.Inference.LibTorchTowers(model.ImageEncoder, model), projected: true, source, CPU)) { }
            double s = w.Elapsed.TotalSeconds;
            if (r % 2 == 0) sb = Bare();
            if (r > 0) { extractor.Add(n / s); bare.Add(n / sb); withDecode.Add(n / (s + decode)); }
        }

        var texts = Manifest.Load(manifest, new ManifestOptions(RequireText: true)).Rows.Select(row => row.Text!).ToList();
        int maxTokens = sc.Config.Model.Text.MaxLength;
        var padded = new List<(Tensor Ids, Tensor Mask)>();
        long tokenSum = 0;
        for (int start = 0; start < texts.Count; start += 64)
        {
            var tokens = tokenizer.Pad(texts.Skip(start).Take(64).Select(t => tokenizer.EncodeSentence(ReportText.Clean(t), maxTokens)).ToList());
            padded.Add((torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length]), torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length])));
            tokenSum += (long)tokens.BatchSize * tokens.Length;
        }
        var extractorText = new List<double>();
        var bareText = new List<double>();
        for (int r = 0; r < reps + 1; r++)
        {
            var w = Stopwatch.StartNew();
            using (var all = EmbeddingExtractor.Texts(model, tokenizer, texts, maxTokens, CPU)) { }
            double s = w.Elapsed.TotalSeconds;
            w.Restart();
            using (torch.no_grad())
                foreach (var (ids, mask) in padded)
                {
                    using var u = model.EncodeText(ids, mask);
                }
            double sb = w.Elapsed.TotalSeconds;
            if (r > 0) { extractorText.Add(texts.Count / s); bareText.Add(texts.Count / sb); }
        }
        foreach (var (ids, mask) in padded) { ids.Dispose(); mask.Dispose(); }
        model.Dispose();
        return new Result(n, 32, Stats.Of(extractor), Stats.Of(withDecode), Stats.Of(bare), texts.Count, 64, Stats.Of(extractorText), Stats.Of(bareText), (double)tokenSum / texts.Count);
    }
}
