using ConVirt.Data;
using ConVirt.Tests.Data;
using ConVirt.Training;

namespace ConVirt.Tests.Training;

/// <summary>Several training manifests (`--train a.jsonl,b.jsonl`) and `--paired-only` in <see cref="PretrainingJob.LoadRows"/>.</summary>
public sealed class PretrainingInputsTests
{
    static string Row(string id, string split, string? text) =>
        $$"""{"id": "{{id}}", "image": "images/x.png", "split": "{{split}}", "text": {{(text is null ? "null" : $"\"{text}\"")}}}""";

    [Fact]
    public void ManifestsAreConcatenatedInOrderWithTheirOwnFoldersAndSplits()
    {
        using var a = new ManifestTestFolder();
        using var b = new ManifestTestFolder();
        a.Image("images/x.png");
        b.Image("images/x.png");
        var first = a.Manifest("m.jsonl", Row("a1", "train", "Clear lungs."), Row("a2", "train", null), Row("a3", "val", "Small effusion."));
        var second = b.Manifest("m.jsonl", Row("b1", "train", "Axial CT."), Row("b2", "test", "Sagittal MR."), Row("b3", "val", "Coronal CT."));

        var (train, validation, notes) = PretrainingJob.LoadRows(new PretrainingInputs($"{first}, {second}"), requireText: false);
        Assert.Equal(["a1", "a2", "b1"], train.Select(r => r.Id));
        Assert.Equal(["a3", "b3"], validation.Select(r => r.Id));
        Assert.Equal(Path.Combine(b.Root, "images", "x.png"), train[2].ImagePath); // relative to its own manifest
        Assert.Contains("training rows: 3, validation rows: 2", notes);

        // Paired-only (what SimCLR/MoCo get with --paired-only, and ConVIRT always): the image-only row is skipped.
        var (paired, _, _) = PretrainingJob.LoadRows(new PretrainingInputs($"{first},{second}", PairedOnly: true), requireText: true);
        Assert.Equal(["a1", "b1"], paired.Select(r => r.Id));
    }

    [Fact]
    public void AnIdInTwoManifestsIsRefusedByName()
    {
        using var a = new ManifestTestFolder();
        using var b = new ManifestTestFolder();
        a.Image("images/x.png");
        b.Image("images/x.png");
        var first = a.Manifest("m.jsonl", Row("same", "train", "One."), Row("a2", "train", "Two."));
        var second = b.Manifest("m.jsonl", Row("same", "train", "Three."));
        var e = Assert.Throws<ManifestException>(() => PretrainingJob.LoadRows(new PretrainingInputs($"{first},{second}"), requireText: true));
        Assert.Contains("row id 'same' appears in more than one of the training manifests", e.Message);
    }

    [Fact]
    public void AMissingManifestInTheListIsNamed()
    {
        using var a = new ManifestTestFolder();
        a.Image("images/x.png");
        var first = a.Manifest("m.jsonl", Row("a1", "train", "One."), Row("a2", "train", "Two."));
        var missing = Path.Combine(a.Root, "nope.jsonl");
        var e = Assert.ThrowsAny<Exception>(() => PretrainingJob.LoadRows(new PretrainingInputs($"{first},{missing}"), requireText: true));
        Assert.Contains("nope.jsonl", e.Message);
    }
}
