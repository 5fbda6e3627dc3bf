using System.Text.Json.Nodes;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using ConVirt.Evaluation.ZeroShot;
using Xunit.Abstractions;

namespace ConVirt.Tests.Api;

/// <summary>The public evaluation calls against the internal jobs they wrap, on the same small inputs (every number
/// must be the same), and their option checks.</summary>
[Collection(TorchCollection.Name)]
public sealed class ConVirtEvaluationTests(ITestOutputHelper output)
{
    [Fact]
    public void LinearProbeReturnsTheJobsScoresOnMedPixRows()
    {
        if (TestPaths.SharedData is not { } shared) { output.WriteLine(TestPaths.SharedDataMissing); return; }
        var dir = Pipeline.TinyRuns.TempFolder("api-linear");
        var manifest = MedPixSubset(shared, dir);
        var expected = LinearEvaluationJob.Run(new LabelEfficiencyOptions
        {
            Encoder = "imagenet", Train = manifest, Test = manifest, Label = "location", Fractions = [0.5, 1], Runs = 2, ImageSize = 32, Seed = 3,
        });
        var lines = new List<string>();
        var actual = ConVirtEvaluation.LinearProbe(new LinearProbeOptions
        {
            Encoder = "imagenet", TrainManifest = manifest, TestManifest = manifest, Label = "location", Fractions = [0.5, 1], Runs = 2, ImageSize = 32, Seed = 3,
            OutputFolder = Path.Combine(dir, "out"),
        }, new Lines(lines));

        Assert.Equal("imagenet", actual.Encoder.Source);
        Assert.Null(actual.Encoder.Method);
        Assert.Equal("resnet18", actual.Encoder.Architecture);
        Assert.Equal(LabelTaskKind.Binary, actual.TaskKind);
        Assert.Equal(["Head", "Thorax"], actual.Classes);
        Assert.Equal(expected.Classes, actual.Classes);
        AssertData(expected.Train, actual.Train);
        AssertData(expected.Test, actual.Test);
        Assert.Equal((16, "train", 8, "test"), (actual.Train.Rows, actual.Train.Split, actual.Test.Rows, actual.Test.Split));
        Assert.Equal(expected.Settings, actual.Settings);
        Assert.Equal(2, actual.Fractions.Count);
        for (int f = 0; f < 2; f++)
        {
            var (e, a) = (expected.Fractions[f], actual.Fractions[f]);
            Assert.Equal((e.Fraction, e.TrainCount), (a.Fraction, a.TrainCount));
            AssertInterval(e.Auc, a.Auc);
            AssertInterval(e.Accuracy, a.Accuracy);
            AssertInterval(e.BalancedAccuracy, a.BalancedAccuracy);
            Assert.Equal(e.Runs.Count, a.Runs.Count);
            for (int r = 0; r < e.Runs.Count; r++)
            {
                var (er, ar) = (e.Runs[r], a.Runs[r]);
                Assert.Equal((er.Run, er.Seed, er.TrainCount, er.Auc, er.Accuracy, er.BalancedAccuracy, er.L2!.Value),
                    (ar.Run, ar.Seed, ar.TrainCount, ar.Auc, ar.Accuracy, ar.BalancedAccuracy, ar.L2));
            }
        }
        Assert.Equal(ScoreIntervalSource.Runs, actual.Fractions[0].IntervalSource);
        Assert.Equal(ScoreIntervalSource.TestSet, actual.Fractions[1].IntervalSource);   // 100 % labels: the test set is resampled
        Assert.Equal(16, actual.Fractions[1].Runs[0].TrainCount);
        Assert.InRange(actual.Fractions[1].Accuracy.Mean, 0, 1);
        Assert.Equal(expected.ToMarkdown(), actual.Markdown);
        Assert.Equal(actual.Markdown, File.ReadAllText(Path.Combine(dir, "out", LinearEvaluationJob.MarkdownFileName)));
        Assert.Contains(lines, l => l.StartsWith("fraction 0.5 run 2/2: ", StringComparison.Ordinal));
    }

    [Fact]
    public void RetrievalReturnsTheJobsPrecisionForImageAndTextQueries()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-retrieval");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 20, 32, seed: 6);
        var queries = Path.Combine(dir, "data", "queries.jsonl");
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var expected = RetrievalJob.Run(new RetrievalOptions
        {
            Encoder = run, Queries = manifest, Candidates = manifest, Label = "finding", Ks = [1, 5], TextQueries = queries, ImageSize = 32,
        });
        var actual = ConVirtEvaluation.Retrieval(new RetrievalEvaluationOptions
        {
            Encoder = run, QueryManifest = manifest, CandidateManifest = manifest, Label = "finding", Ks = [1, 5], TextQueriesFile = queries, ImageSize = 32,
        });

        Assert.Equal(PretrainingMethod.ConVirt, actual.Encoder.Method);
        Assert.True(actual.Projected);
        Assert.Equal("finding", actual.Label);
        Assert.Equal([1, 5], actual.Ks);
        Assert.Equal(20, actual.SelfExcluded);   // same rows as queries and candidates: each query left out of its own ranking
        Assert.Equal(expected.SelfExcluded, actual.SelfExcluded);
        AssertData(expected.Queries, actual.Queries);
        AssertData(expected.Candidates, actual.Candidates);
        Assert.Equal(20, actual.Queries.Rows);
        AssertPrecision(expected.ImageToImage, expected.ImageToImageInterval, expected.ImageToImageClassMean, expected.ImageToImageByLabel, actual.ImageToImage);
        Assert.NotNull(actual.TextToImage);
        Assert.Equal(queries, actual.TextQueriesFile);
        AssertPrecision(expected.TextToImage!, expected.TextToImageInterval!, expected.TextToImageClassMean!, expected.TextToImageByLabel!, actual.TextToImage);
        Assert.Equal(20, actual.ImageToImage.ByLabel.Values.Sum(l => l.Queries));
        Assert.Equal(expected.ToMarkdown(), actual.Markdown);

        // image-to-image only: no text direction
        var imagesOnly = ConVirtEvaluation.Retrieval(new RetrievalEvaluationOptions
        {
            Encoder = run, QueryManifest = manifest, CandidateManifest = manifest, Label = "finding", Ks = [1, 5], ImageSize = 32,
        });
        Assert.Null(imagesOnly.TextToImage);
        Assert.Equal(actual.ImageToImage.PrecisionAtK, imagesOnly.ImageToImage.PrecisionAtK);
    }

    [Fact]
    public void ZeroShotReturnsTheJobsScoresInBothModes()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-zeroshot");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 24, 32, seed: 21);
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var pairs = Path.Combine(dir, "pairs.jsonl");
        File.WriteAllLines(pairs, [
            "{\"label\": \"effusion:positive\", \"text\": \"small left pleural effusion\"}",
            "{\"label\": \"effusion:positive\", \"text\": \"blunting of the costophrenic angle\"}",
            "{\"label\": \"effusion:negative\", \"text\": \"no pleural effusion\"}",
        ]);
        var expected = ZeroShotJob.Run(new ZeroShotOptions { Encoder = run, Data = manifest, Prompts = pairs, Mode = ZeroShotMode.Pairs, ImageSize = 32, Resamples = 50 });
        var actual = ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = run, DataManifest = manifest, PromptsFile = pairs, Mode = ZeroShotEvaluationMode.Pairs, ImageSize = 32, Resamples = 50,
        });
        Assert.Equal(ZeroShotEvaluationMode.Pairs, actual.Mode);
        Assert.Equal("effusion", actual.Label);
        Assert.Equal(new Dictionary<string, int> { ["effusion:positive"] = 2, ["effusion:negative"] = 1 }, actual.PromptCounts);
        Assert.Null(actual.Classes);
        Assert.Null(actual.Accuracy);
        Assert.Null(actual.Confusion);
        var (ef, af) = (expected.Findings!["effusion"], actual.Findings!["effusion"]);
        Assert.Equal((ef.Positives, ef.Negatives), (af.Positives, af.Negatives));
        Assert.Equal(24, af.Positives + af.Negatives);
        AssertInterval(ef.Auc, af.Auc);
        AssertInterval(expected.MeanAuc!.Value, actual.MeanAuc!.Value);
        Assert.Equal(expected.Temperature, actual.Temperature);
        Assert.Equal(expected.SkippedRows, actual.SkippedRows);
        AssertData(expected.Data, actual.Data);
        Assert.Equal(expected.ToMarkdown(), actual.Markdown);

        var rows = ConVirt.Data.Manifest.Load(manifest).Rows;
        var findings = rows.Select(r => r.Labels["finding"]!).Distinct().Order(StringComparer.Ordinal).ToList();
        var classPrompts = Path.Combine(dir, "classes.jsonl");
        File.WriteAllLines(classPrompts, findings.Select(f => $"{{\"label\": \"{f}\", \"text\": \"chest x-ray showing {f}\"}}"));
        var expectedClasses = ZeroShotJob.Run(new ZeroShotOptions { Encoder = run, Data = manifest, Prompts = classPrompts, Label = "finding", ImageSize = 32, Resamples = 50 });
        var classes = ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = run, DataManifest = manifest, PromptsFile = classPrompts, Label = "finding", ImageSize = 32, Resamples = 50,
        });
        Assert.Equal(ZeroShotEvaluationMode.Classes, classes.Mode);
        Assert.Null(classes.Findings);
        Assert.Null(classes.MeanAuc);
        Assert.Equal(findings, classes.Classes);
        AssertInterval(expectedClasses.Accuracy!.Value, classes.Accuracy!.Value);
        AssertInterval(expectedClasses.BalancedAccuracy!.Value, classes.BalancedAccuracy!.Value);
        AssertInterval(expectedClasses.MacroAuc!.Value, classes.MacroAuc!.Value);
        Assert.Equal(expectedClasses.Confusion!.Select(r => r.ToList()), classes.Confusion!.Select(r => r.ToList()));
        Assert.Equal(rows.Count, classes.Confusion!.Sum(r => r.Sum()));
        Assert.Equal(classes.Confusion!.Select((r, i) => r[i]).Sum() / (double)rows.Count, classes.Accuracy!.Value.Mean, 12);
        Assert.Equal(expectedClasses.ToMarkdown(), classes.Markdown);
    }

    [Fact]
    public void TheEvaluateCommandsPrintTheJobsMarkdownThroughTheSamePath()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-cli");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 40, 32, seed: 8);
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));

        // linear with the label value filter: the command's "a|b" lists must reach the job as LabelValueFilter.Parse makes them
        var linear = LinearEvaluationJob.Run(new LabelEfficiencyOptions
        {
            Encoder = run, Train = manifest, Test = manifest, Label = "finding", TestSplit = "val", Fractions = [0.5, 1], Runs = 2, ImageSize = 32, Seed = 1,
            LabelValues = LabelValueFilter.Parse(" pneumothorax | ", "normal"),
        });
        Assert.Equal(["0", "1"], linear.Classes);   // binary: normal against the rest
        var (code, text) = Cli.CliRunner.Run("evaluate", "linear", "--encoder", run, "--train", manifest, "--test", manifest, "--label", "finding",
            "--test-split", "val", "--fractions", "0.5,1", "--runs", "2", "--image-size", "32", "--seed", "1", "--ignore-values", " pneumothorax | ", "--positive", "normal");
        Assert.True(code == 0, text);
        Assert.Contains(linear.ToMarkdown(), text);

        var retrieval = RetrievalJob.Run(new RetrievalOptions { Encoder = run, Queries = manifest, Candidates = manifest, Label = "finding", QuerySplit = "val", Ks = [2, 4], ImageSize = 32 });
        (code, text) = Cli.CliRunner.Run("evaluate", "retrieval", "--encoder", run, "--queries", manifest, "--candidates", manifest, "--label", "finding",
            "--query-split", "val", "--ks", "2,4", "--image-size", "32");
        Assert.True(code == 0, text);
        Assert.Contains(retrieval.ToMarkdown(), text);

        var zeroShot = ZeroShotJob.Run(new ZeroShotOptions { Encoder = run, Data = manifest, Prompts = PairsPrompts(dir), Mode = ZeroShotMode.Pairs, Split = "train", ImageSize = 32, Resamples = 20 });
        (code, text) = Cli.CliRunner.Run("evaluate", "zeroshot", "--encoder", run, "--data", manifest, "--prompts", PairsPrompts(dir), "--mode", "pairs",
            "--split", "train", "--image-size", "32", "--resamples", "20");
        Assert.True(code == 0, text);
        Assert.Contains(zeroShot.ToMarkdown(), text);
    }

    [Fact]
    public void ImageRootResolvesAManifestKeptAwayFromItsImagesInTheCallsAndEveryManifestVerb()
    {
        var dir = Pipeline.TinyRuns.TempFolder("api-image-root");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 20, 32, seed: 12);
        var (run, _, _) = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run"));
        var moved = Path.Combine(dir, "elsewhere", "manifest.jsonl");   // relative image paths "images/..." no longer beside it
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Copy(manifest, moved);
        var root = Path.Combine(dir, "data");

        var beside = ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = run, DataManifest = manifest, PromptsFile = PairsPrompts(dir), Mode = ZeroShotEvaluationMode.Pairs, ImageSize = 32, Resamples = 20,
        });
        var rooted = ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = run, DataManifest = moved, ImageRoot = root, PromptsFile = PairsPrompts(dir), Mode = ZeroShotEvaluationMode.Pairs, ImageSize = 32, Resamples = 20,
        });
        Assert.Equal(20, rooted.Data.Rows);
        Assert.Equal(beside.Findings!["effusion"], rooted.Findings!["effusion"]);
        Assert.ThrowsAny<Exception>(() => ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = run, DataManifest = moved, PromptsFile = PairsPrompts(dir), Mode = ZeroShotEvaluationMode.Pairs, ImageSize = 32, Resamples = 20,
        }));
        var retrieval = ConVirtEvaluation.Retrieval(new RetrievalEvaluationOptions
        {
            Encoder = run, QueryManifest = moved, CandidateManifest = moved, ImageRoot = root, Label = "finding", Ks = [3], ImageSize = 32,
        });
        Assert.Equal(20, retrieval.Candidates.Rows);

        // the command line: --image-root is an option of every verb that runs an encoder over a manifest, and reaches the job
        foreach (var verb in new[] { new[] { "embed" }, ["evaluate", "linear"], ["evaluate", "finetune"], ["evaluate", "retrieval"], ["evaluate", "zeroshot"], ["tsne"], ["ground"] })
        {
            var (helpCode, help) = Cli.CliRunner.Run([.. verb, "--help"]);
            Assert.True(helpCode == 0, help);
            Assert.Contains("--image-root", help);
        }
        var (code, text) = Cli.CliRunner.Run("evaluate", "retrieval", "--encoder", run, "--queries", moved, "--candidates", moved, "--label", "finding",
            "--ks", "3", "--image-size", "32", "--image-root", root);
        Assert.True(code == 0, text);
        Assert.Contains(retrieval.Markdown, text);
        (code, text) = Cli.CliRunner.Run("embed", "--encoder", run, "--data", moved, "--image-root", root, "--image-size", "32", "--out", Path.Combine(dir, "e.csv"));
        Assert.True(code == 0, text);
        Assert.Equal(20, File.ReadLines(Path.Combine(dir, "e.csv")).Count(l => l.Length > 0) - 1);   // a header line, then one line per image
    }

    static string PairsPrompts(string dir)
    {
        var path = Path.Combine(dir, "pairs.jsonl");
        File.WriteAllLines(path, [
            "{\"label\": \"effusion:positive\", \"text\": \"small left pleural effusion\"}",
            "{\"label\": \"effusion:negative\", \"text\": \"no pleural effusion\"}",
        ]);
        return path;
    }

    [Fact]
    public void BadOptionsAreRefusedNamingTheField()
    {
        var linear = new LinearProbeOptions { Encoder = "imagenet", TrainManifest = "absent.jsonl", TestManifest = "absent.jsonl", Label = "finding" };
        linear.Validate();
        AssertRefused(() => (linear with { Fractions = [0.5, 1.5] }).Validate(), "Fractions", "LinearProbeOptions.Fractions holds 1.5; fractions must be in (0, 1]");
        AssertRefused(() => (linear with { Fractions = [] }).Validate(), "Fractions", "LinearProbeOptions.Fractions is empty");
        AssertRefused(() => (linear with { Runs = 0 }).Validate(), "Runs", "LinearProbeOptions.Runs: 0 must be at least 1");
        AssertRefused(() => (linear with { Encoder = " " }).Validate(), "Encoder", "LinearProbeOptions.Encoder is empty");
        AssertRefused(() => (linear with { Label = "a,b", IgnoreValues = ["todo"] }).Validate(), "Label",
            "LinearProbeOptions.IgnoreValues and PositiveValues apply to a single label key; Label is 'a,b'");
        AssertRefused(() => (linear with { ImageSize = 8 }).Validate(), "ImageSize", "LinearProbeOptions.ImageSize: 8 px is outside 32..4096");
        AssertRefused(() => (linear with { Precision = (ComputePrecision)9 }).Validate(), "Precision", "LinearProbeOptions.Precision: unknown value 9");
        AssertRefused(() => (linear with { Threads = -1 }).Validate(), "Threads", "LinearProbeOptions.Threads: -1 is negative (0 = libtorch's choice)");
        // the call checks before it reads anything (the manifest does not exist)
        AssertRefused(() => ConVirtEvaluation.LinearProbe(linear with { Runs = -2 }), "Runs", "LinearProbeOptions.Runs: -2 must be at least 1");

        var retrieval = new RetrievalEvaluationOptions { Encoder = "imagenet", QueryManifest = "absent.jsonl", CandidateManifest = "absent.jsonl", Label = "finding" };
        retrieval.Validate();
        AssertRefused(() => (retrieval with { Ks = [5, 0] }).Validate(), "Ks", "RetrievalEvaluationOptions.Ks holds 0; cut-offs must be at least 1");
        AssertRefused(() => (retrieval with { Ks = [] }).Validate(), "Ks", "RetrievalEvaluationOptions.Ks is empty");
        AssertRefused(() => (retrieval with { Label = "a,b" }).Validate(), "Label", "RetrievalEvaluationOptions.Label 'a,b': retrieval takes one label key");
        AssertRefused(() => (retrieval with { ContactSheetFolder = "sheets" }).Validate(), "ContactSheetFolder",
            "RetrievalEvaluationOptions.ContactSheetFolder needs TextQueriesFile (one sheet per text query)");
        AssertRefused(() => (retrieval with { Device = (ComputeDevice)5 }).Validate(), "Device", "RetrievalEvaluationOptions.Device: unknown value 5");
        AssertRefused(() => ConVirtEvaluation.Retrieval(retrieval with { QueryManifest = "" }), "QueryManifest", "RetrievalEvaluationOptions.QueryManifest is empty");

        var zeroShot = new ZeroShotEvaluationOptions { Encoder = "run", DataManifest = "absent.jsonl", PromptsFile = "absent.jsonl", Label = "finding" };
        zeroShot.Validate();
        (zeroShot with { Label = null, Mode = ZeroShotEvaluationMode.Pairs }).Validate();   // pairs: every finding of the prompts
        AssertRefused(() => (zeroShot with { Label = null }).Validate(), "Label", "ZeroShotEvaluationOptions.Label is required in Classes mode (the label key)");
        AssertRefused(() => (zeroShot with { Resamples = 0 }).Validate(), "Resamples", "ZeroShotEvaluationOptions.Resamples: 0 must be at least 1");
        AssertRefused(() => (zeroShot with { Mode = (ZeroShotEvaluationMode)7 }).Validate(), "Mode", "ZeroShotEvaluationOptions.Mode: unknown value 7");
        AssertRefused(() => ConVirtEvaluation.ZeroShot(zeroShot with { PromptsFile = "" }), "PromptsFile", "ZeroShotEvaluationOptions.PromptsFile is empty");
        Assert.Throws<ArgumentNullException>(() => ConVirtEvaluation.ZeroShot(null!));
    }

    [Fact]
    public void ACancelledTokenStopsEachCallBeforeItReadsAnything()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        // valid options whose files do not exist: without the token's check the calls would fail on the files instead
        Assert.Throws<OperationCanceledException>(() => ConVirtEvaluation.LinearProbe(new LinearProbeOptions
        {
            Encoder = "imagenet", TrainManifest = "absent.jsonl", TestManifest = "absent.jsonl", Label = "finding",
        }, cancellationToken: cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => ConVirtEvaluation.Retrieval(new RetrievalEvaluationOptions
        {
            Encoder = "imagenet", QueryManifest = "absent.jsonl", CandidateManifest = "absent.jsonl", Label = "finding",
        }, cancellationToken: cancelled.Token));
        Assert.Throws<OperationCanceledException>(() => ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = "imagenet", DataManifest = "absent.jsonl", PromptsFile = "absent.jsonl", Label = "finding",
        }, cancellationToken: cancelled.Token));
        // and without the token the same options fail on the missing file, so the checks above were the token's
        Assert.ThrowsAny<Exception>(() => ConVirtEvaluation.ZeroShot(new ZeroShotEvaluationOptions
        {
            Encoder = "imagenet", DataManifest = "absent.jsonl", PromptsFile = "absent.jsonl", Label = "finding",
        }));
    }

    [Fact]
    public void TheApiDocsExampleIsTheCompiledSamplesCode()
    {
        var docs = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "api.md"));
        var sample = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "samples", "Evaluate", "Program.cs"));
        string Between(string text, string begin, string end)
        {
            int from = text.IndexOf(begin, StringComparison.Ordinal), to = text.IndexOf(end, StringComparison.Ordinal);
            Assert.True(from >= 0 && to > from, $"markers {begin} / {end} not found");
            return text[(from + begin.Length)..to];
        }
        var example = Between(docs, "<!-- evaluate-sample:begin -->\n```csharp\n", "```\n<!-- evaluate-sample:end -->");
        var code = Between(sample, "// evaluate:begin\n", "// evaluate:end");
        Assert.Equal(code, example);
        foreach (var call in new[] { "ConVirtEvaluation.LinearProbe(", "ConVirtEvaluation.Retrieval(", "ConVirtEvaluation.ZeroShot(" }) Assert.Contains(call, example);
    }

    /// <summary>24 MedPix rows, Head or Thorax, as a manifest of absolute image paths: 16 train and 8 test rows, both classes in each.</summary>
    static string MedPixSubset(string shared, string dir)
    {
        var source = Path.Combine(shared, "medpix", "manifest.jsonl");
        var rows = File.ReadLines(source).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(r => r["labels"]!["location"]!.GetValue<string>() is "Head" or "Thorax").ToList();
        var head = rows.Where(r => r["labels"]!["location"]!.GetValue<string>() == "Head").Take(12).ToList();
        var thorax = rows.Where(r => r["labels"]!["location"]!.GetValue<string>() == "Thorax").Take(12).ToList();
        var lines = new List<string>();
        for (int i = 0; i < 12; i++)
            foreach (var row in new[] { head[i], thorax[i] })
            {
                row["image"] = Path.Combine(shared, "medpix", row["image"]!.GetValue<string>());
                row["split"] = i < 8 ? "train" : "test";
                lines.Add(row.ToJsonString());
            }
        var path = Path.Combine(dir, "medpix-24.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    static void AssertRefused(Action call, string field, string message)
    {
        var e = Assert.Throws<ArgumentException>(call);
        Assert.Equal(field, e.ParamName);
        Assert.Equal($"{message} (Parameter '{field}')", e.Message);
    }

    static void AssertInterval(MeanInterval expected, ScoreInterval actual) =>
        Assert.Equal((expected.Mean, expected.Low, expected.High), (actual.Mean, actual.Low, actual.High));

    static void AssertData(DataSetInfo expected, EvaluationDataSet actual) =>
        Assert.Equal((expected.Manifest, expected.Split, expected.Rows, expected.NullLabelRows, expected.UnreadableImages),
            (actual.Manifest, actual.Split, actual.Rows, actual.NullLabelRows, actual.UnreadableImages));

    static void AssertPrecision(IReadOnlyList<double> overall, IReadOnlyList<MeanInterval> interval, IReadOnlyList<MeanInterval> classMean,
        IReadOnlyDictionary<string, LabelPrecision> byLabel, RetrievalPrecision actual)
    {
        Assert.Equal(overall, actual.PrecisionAtK);
        Assert.Equal(interval.Count, actual.Intervals.Count);
        for (int j = 0; j < interval.Count; j++)
        {
            AssertInterval(interval[j], actual.Intervals[j]);
            AssertInterval(classMean[j], actual.ClassBalanced[j]);
            Assert.Equal(overall[j], actual.Intervals[j].Mean, 12);
        }
        Assert.Equal(byLabel.Keys.Order(StringComparer.Ordinal), actual.ByLabel.Keys.Order(StringComparer.Ordinal));
        foreach (var (label, p) in byLabel)
        {
            Assert.Equal(p.Queries, actual.ByLabel[label].Queries);
            Assert.Equal(p.Precision, actual.ByLabel[label].PrecisionAtK);
        }
    }

    /// <summary>Collects progress lines on the reporting thread.</summary>
    sealed class Lines(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
