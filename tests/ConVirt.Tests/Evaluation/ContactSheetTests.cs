using ConVirt.Training;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using SkiaSharp;
using TorchSharp;

namespace ConVirt.Tests.Evaluation;

/// <summary>Retrieval contact sheets: one PNG per text query, the top hits framed by relevance.</summary>
[Collection(TorchCollection.Name)]
public sealed class ContactSheetTests
{
    [Fact]
    public void EachTextQueryGetsASheetWhoseFirstFrameSaysWhetherTheTopHitIsRelevant()
    {
        var dir = Pipeline.TinyRuns.TempFolder("sheets");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 30, 32, seed: 9);
        var (run, model, tokenizer) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var queries = Path.Combine(dir, "data", SyntheticDataset.QueriesFileName);
        var sheets = Path.Combine(dir, "sheets");
        RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = run, Queries = manifest, Candidates = manifest, Label = "finding", Ks = [5], TextQueries = queries, Sheets = sheets, ImageSize = 32,
        });
        var texts = TextQuery.Load(queries);
        var files = Directory.GetFiles(sheets, "*.png").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(texts.Count, files.Length);

        // independently: the candidate with the largest cosine to each query's u
        var rows = ConVirt.Data.Manifest.Load(manifest).Rows;
        var v = ImageFeatures.Extract(new LoadedEncoder(run, model.ImageEncoder, model, tokenizer, Pipeline.TinyRuns.Config()), rows, 32, projected: true, torch.CPU);
        using var u = EmbeddingExtractor.Texts(model, tokenizer, texts.Select(t => t.Text).ToList(), 32, torch.CPU);
        var uu = TensorMatrix.Float(u);
        for (int q = 0; q < texts.Count; q++)
        {
            int best = Enumerable.Range(0, v.Rows.Count).MaxBy(i => Cosine(uu, q, v.Features, i));
            bool relevant = v.Rows[best].Labels["finding"] == texts[q].Label;
            using var bitmap = SKBitmap.Decode(files[q]);
            Assert.Equal(5 * (160 + 8) + 8, bitmap.Width);
            var frame = bitmap.GetPixel(8, 44 + 80);   // left edge of the first tile
            Assert.True(relevant ? frame.Green > 100 && frame.Red < 50 : frame.Red > 150 && frame.Green < 50, $"query {q}: frame {frame} but top hit relevant = {relevant}");
        }
    }

    static double Cosine(float[,] a, int i, float[,] b, int j)
    {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < a.GetLength(1); k++) { dot += a[i, k] * b[j, k]; na += a[i, k] * a[i, k]; nb += b[j, k] * b[j, k]; }
        return dot / Math.Sqrt(na * nb);
    }
}
