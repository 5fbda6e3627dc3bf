using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;
using ConVirt.Models;
using ConVirt.Models.Vision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>Embeds images and texts with a frozen model (eval mode, no gradients), batch by batch.</summary>
internal static class EmbeddingExtractor
{
    /// <summary>
    /// Image features for every example of an evaluation source (deterministic transform, manifest order):
    /// h_v from <paramref name="encoder"/>, or v = g_v(h_v) when <paramref name="projection"/> is given. [N, d] on the CPU.
    /// <paramref name="imagesDone"/>, when given, receives the number of images embedded so far after each batch.
    /// </summary>
    public static Tensor Images(ResNetEncoder encoder, TorchSharp.Modules.Sequential? projection, IBatchSource source, Device device, IProgress<int>? imagesDone = null)
    {
        bool wasTraining = encoder.training;
        encoder.eval();
        projection?.eval();
        try
        {
            using var _ = torch.no_grad();
            var parts = new List<Tensor>();
            int done = 0;
            for (int i = 0; i < source.BatchCount(0); i++)
            {
                using var scope = torch.NewDisposeScope();
                var batch = source.Build(0, i);
                var x = BatchTensors.Images(batch.Images, batch.Count, batch.Size, device);
                var h = encoder.call(x);
                if (projection is not null) h = ProjectionHead.Forward(projection, h);
                parts.Add(h.cpu().MoveToOuterDisposeScope());
                done += batch.Count;
                imagesDone?.Report(done);
            }
            using var scope2 = torch.NewDisposeScope();
            var all = torch.cat(parts, 0);
            foreach (var p in parts) p.Dispose();
            return all.MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) { encoder.train(); projection?.train(); }
        }
    }

    /// <summary>Projected text vectors u [N, d] on the CPU, each text tokenised as one sentence.</summary>
    public static Tensor Texts(ConVirtModel model, WordPieceTokenizer tokenizer, IReadOnlyList<string> texts, int maxTokens, Device device, int batchSize = 64)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var parts = new List<Tensor>();
            for (int start = 0; start < texts.Count; start += batchSize)
            {
                var chunk = texts.Skip(start).Take(batchSize).Select(t => tokenizer.EncodeSentence(ReportText.Clean(t), maxTokens)).ToList();
                var tokens = tokenizer.Pad(chunk);
                var ids = torch.tensor(tokens.InputIds, [tokens.BatchSize, tokens.Length], device: device);
                var mask = torch.tensor(tokens.AttentionMask, [tokens.BatchSize, tokens.Length], device: device);
                parts.Add(model.EncodeText(ids, mask).cpu());
            }
            return torch.cat(parts, 0).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }
}
