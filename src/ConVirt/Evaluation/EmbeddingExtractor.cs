using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;
using ConVirt.Inference;
using ConVirt.Models;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>Embeds images and texts with a frozen model (eval mode, no gradients), batch by batch.</summary>
internal static class EmbeddingExtractor
{
    /// <summary>
    /// Image features for every example of an evaluation source (deterministic transform, manifest order):
    /// h_v, or v = g_v(h_v) when <paramref name="projected"/>, computed by <paramref name="towers"/>. [N, d] on the CPU.
    /// <paramref name="imagesDone"/>, when given, receives the number of images embedded so far after each batch.
    /// </summary>
    public static Tensor Images(IEncoderTowers towers, bool projected, IBatchSource source, Device device, IProgress<int>? imagesDone = null)
    {
        var parts = new List<Tensor>();
        try
        {
            int done = 0;
            for (int i = 0; i < source.BatchCount(0); i++)
            {
                using var scope = torch.NewDisposeScope();
                var batch = source.Build(0, i);
                var x = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
                parts.Add(towers.Images(x, projected).cpu().MoveToOuterDisposeScope());
                done += batch.Count;
                imagesDone?.Report(done);
            }
            return torch.cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>Projected text vectors u (or pooled h_u when not <paramref name="projected"/>) [N, d] on the CPU,
    /// computed by <paramref name="towers"/>, each text cleaned and tokenised as one sentence.</summary>
    public static Tensor Texts(IEncoderTowers towers, WordPieceTokenizer tokenizer, IReadOnlyList<string> texts, int maxTokens, Device device,
        int batchSize = 64, bool projected = true)
    {
        using var scope = torch.NewDisposeScope();
        var parts = new List<Tensor>();
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            var chunk = texts.Skip(start).Take(batchSize).Select(t => tokenizer.EncodeSentence(ReportText.Clean(t), maxTokens)).ToList();
            var tokens = tokenizer.Pad(chunk);
            var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device);
            var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device);
            parts.Add(towers.Texts(ids, mask, projected).cpu());
        }
        return torch.cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Projected text vectors u [N, d] of <paramref name="model"/>'s modules (<see cref="LibTorchTowers"/>).</summary>
    public static Tensor Texts(ConVirtModel model, WordPieceTokenizer tokenizer, IReadOnlyList<string> texts, int maxTokens, Device device, int batchSize = 64) =>
        Texts(new LibTorchTowers(model.ImageEncoder, model), tokenizer, texts, maxTokens, device, batchSize);
}
