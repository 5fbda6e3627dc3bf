using ConVirt.Evaluation;
using TorchSharp;

namespace ConVirt.Tests.EvaluationJobs;

/// <summary>`convirt embed --modality text` reads rows with no image, or with images it cannot reach, since it never reads them.</summary>
[Collection(TorchCollection.Name)]
public sealed class EmbedTextOnlyTests
{
    [Fact]
    public void TextEmbeddingNeedsNoImages()
    {
        var dir = Pipeline.TinyRuns.TempFolder("embed-text-only");
        var (run, model, tokenizer) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var manifest = Path.Combine(dir, "reports.jsonl");
        File.WriteAllLines(manifest, [
            """{"id": "r1", "text": "small left pleural effusion"}""",
            """{"id": "r2", "image": "/archive/not/mounted/x.dcm", "text": "no acute cardiopulmonary process"}""",
            """{"id": "r3", "image": "../elsewhere/y.png", "text": "enlarged cardiac silhouette"}""",
            """{"id": "r4", "image": "/archive/z.dcm"}""",
        ]);
        var output = Path.Combine(dir, "u.csv");

        var (rows, dimension, skipped) = EmbedJob.Run(new EmbedOptions(run, manifest, output, Modality: "text", ImageSize: 32));

        Assert.Equal((3, 1), (rows, skipped));   // r4 has no text
        var (ids, embeddings) = EmbedJob.Read(output);
        Assert.Equal(["r1", "r2", "r3"], ids);
        using var u = EmbeddingExtractor.Texts(model, tokenizer, ["small left pleural effusion", "no acute cardiopulmonary process", "enlarged cardiac silhouette"],
            Pipeline.TinyRuns.Config().Model.Text.MaxLength, torch.CPU);
        var expected = TensorMatrix.Float(u);
        Assert.Equal(expected.GetLength(1), dimension);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < dimension; j++)   // the job may run ONNX Runtime (--backend auto): equal within 1e-5, not bit for bit
                Assert.True(Math.Abs(expected[i, j] - embeddings[i, j]) <= 1e-5, $"row {i}, feature {j}: {embeddings[i, j]} against {expected[i, j]}");

        // images are still required, with the same rows, for image embeddings: r1 has none, the others cannot be found
        var e = Assert.Throws<ConVirt.Data.ManifestException>(() => EmbedJob.Run(new EmbedOptions(run, manifest, Path.Combine(dir, "v.csv"), ImageSize: 32)));
        Assert.StartsWith(manifest + ": ", e.Message);   // names the manifest
        Assert.DoesNotContain("pleural", e.Message);   // no report text in the message
    }
}
