using System.Text;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Prepared;
using ConVirt.Evaluation;
using ConVirt.Interop;
using CsCheck;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Tests.Fuzz;

/// <summary>
/// Invariants checked on random inputs (CsCheck, bounded iteration counts, shrinking on failure): write-then-read
/// identities of the formats the project writes, the augmentation's source bounds, and the metrics against slow
/// references.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PropertyTests
{
    static string NewFolder(string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"convirt-prop-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    static readonly ScalarType[] SafeTensorTypes =
    [
        ScalarType.Float64, ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Int64,
        ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    [Fact]
    public void SafeTensorsWriteThenReadIsTheIdentityForRandomShapesAndDtypes()
    {
        var folder = NewFolder("st");
        var tensorGen = Gen.Select(Gen.Int[0, SafeTensorTypes.Length - 1], Gen.Int[0, 4].Array[0, 3], Gen.Int);
        Gen.Select(tensorGen.Array[1, 4], Gen.Bool).Sample((specs, withMetadata) =>
        {
            using var scope = NewDisposeScope();
            var written = new List<KeyValuePair<string, Tensor>>();
            for (int i = 0; i < specs.Length; i++)
            {
                var (type, shape, seed) = specs[i];
                var dims = shape.Select(d => (long)d).ToArray();
                var values = randint(-100, 100, dims, generator: new Generator((ulong)(uint)seed)).to(float64) / 4;
                var t = SafeTensorTypes[type] == ScalarType.Bool ? values.gt(0) : values.to(SafeTensorTypes[type]);
                written.Add(new($"t{i}.weight", t));
            }
            var metadata = withMetadata ? new Dictionary<string, string> { ["format"] = "pt", ["note"] = "é,\"x\"" } : null;
            var path = Path.Combine(folder, "w.safetensors");
            SafeTensors.Write(path, written, metadata);
            var read = SafeTensors.Read(path, out var readMetadata);
            Assert.Equal(written.Select(p => p.Key).Order(), read.Keys.Order());
            foreach (var (key, t) in written)
            {
                Assert.Equal(t.dtype, read[key].dtype);
                Assert.Equal(t.shape, read[key].shape);
                Assert.True(t.eq(read[key]).all().item<bool>(), $"{key}: values differ after the round trip");
            }
            if (metadata is not null) Assert.Equal(metadata["note"], readMetadata["note"]);
            foreach (var t in read.Values) t.Dispose();
        }, iter: 60, threads: 1);
    }

    // text characters a manifest must carry through CSV quoting unchanged (comma, quote, line break, non-ASCII)
    static readonly Gen<string> CsvText = Gen.Char["ab Z,\"\n.;éü肺0"].Array[1, 20].Select(c => new string(c))
        .Where(s => s.Trim().Length > 0 && s == s.Trim());

    [Fact]
    public void ManifestCsvRoundTripKeepsEveryField()
    {
        var folder = NewFolder("csv");
        var rowGen = Gen.Select(CsvText, Gen.Int[0, 2], Gen.Char["abcxyz"].Array[1, 6].Select(c => new string(c)), CsvText, Gen.Bool);
        rowGen.Array[1, 12].Sample(rows =>
        {
            string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
            string[] splits = ["train", "val", "test"];
            var csv = new StringBuilder("id,image,text,split,patient_id,labels.finding\n");
            for (int i = 0; i < rows.Length; i++)
            {
                var (text, split, patient, finding, quoteAll) = rows[i];
                string Field(string s) => quoteAll || s.IndexOfAny([',', '"', '\n']) >= 0 ? Quote(s) : s;
                csv.Append($"{Field("r" + i)},{Field($"images/{i}.png")},{Field(text)},{Field(splits[split])},{Field(patient)},{Field(finding)}\n");
            }
            var path = Path.Combine(folder, "m.csv");
            File.WriteAllText(path, csv.ToString(), new UTF8Encoding(false));
            var result = Manifest.Load(path, new ManifestOptions(CheckImageFiles: false));
            Assert.Empty(result.Issues);
            Assert.Equal(rows.Length, result.Rows.Count);
            for (int i = 0; i < rows.Length; i++)
            {
                var (text, split, patient, finding, _) = rows[i];
                var row = result.Rows[i];
                Assert.Equal(("r" + i, Path.Combine(folder, "images", $"{i}.png"), text, splits[split], patient, finding),
                    (row.Id, row.ImagePath, row.Text, row.Split, row.PatientId, row.Labels["finding"]));
            }
        }, iter: 80, threads: 1);
    }

    [Fact]
    public void TarShardWriteThenReadGivesBackEverySample()
    {
        var folder = NewFolder("tar");
        var sampleGen = Gen.Select(Gen.Byte.Array[1, 1500], Gen.Char["ab ,.\né肺"].Array[0, 700].Select(c => new string(c)), Gen.Bool, Gen.Byte.Array[0, 600]);
        sampleGen.Array[1, 5].Sample(samples =>
        {
            var path = Path.Combine(folder, "s.tar");
            using (var writer = new ShardWriter(path))
            {
                for (int i = 0; i < samples.Length; i++)
                    writer.Add(PrepareJob.Key(i), samples[i].Item1, samples[i].Item3 ? samples[i].Item2 : null, samples[i].Item4);
                writer.Finish();
            }
            using var reader = new ShardReader(path, readImages: true);
            for (int i = 0; i < samples.Length; i++)
            {
                var (png, text, hasText, json) = samples[i];
                var read = reader.Next();
                Assert.NotNull(read);
                Assert.Equal(PrepareJob.Key(i), read.Key);
                Assert.Equal(png, read.Png);
                Assert.Equal(hasText ? text : null, read.Text);
                Assert.Equal(json.Length == 0 ? null : json, read.Json is { Length: 0 } ? null : read.Json);
            }
            Assert.Null(reader.Next());
            Assert.Equal(ShardWriter.HashFile(path), reader.FileSha256());
        }, iter: 60, threads: 1);
    }

    [Fact]
    public void TheAugmentationNeverReadsOutsideTheSourceImageNorFarOutsideTheCrop()
    {
        // the crop holds values in [0, 1] and everything else is a marker (1000): the geometric view is black or a
        // blend of crop pixels; when one output pixel spans k >= 2 source pixels the box filter may reach k - 1
        // pixels past the crop, so the marker then starts k pixels away
        var gen = Gen.Select(Gen.Int[1, 90], Gen.Int[1, 90], Gen.Int[4, 40], Gen.Int, Gen.Double[0.05, 1.0], Gen.Double[0, 45], Gen.Bool);
        gen.Sample((width, height, outputSize, seed, cropMin, rotation, independent) =>
        {
            var options = new AugmentationOptions(CropRatioMin: cropMin, CropSidesIndependent: independent, RotationDegrees: rotation,
                Translate: 0.3, ScaleMin: 0.5, ScaleMax: 2.0, OutputSize: outputSize);
            var rng = new Random(seed);
            var p = new ImageAugmenter(options).Sample(width, height, rng);
            var map = ImageAugmenter.InverseMap(p, outputSize);
            int k = Math.Max(1, (int)Math.Floor(map.MinStride + 1e-9));
            int reach = k >= 2 ? k - 1 : 0;
            var pixels = new float[width * height];
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    bool near = x >= p.CropLeft - reach && x < p.CropLeft + p.CropWidth + reach && y >= p.CropTop - reach && y < p.CropTop + p.CropHeight + reach;
                    pixels[y * width + x] = near ? (float)rng.NextDouble() : 1000f;
                }
            var view = new float[outputSize * outputSize];
            ImageAugmenter.SampleGeometry(new GrayImage(width, height, pixels), p, outputSize, view);
            Assert.All(view, v => Assert.InRange(v, 0f, 1f + 1e-5f));
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void PrecisionAtKEqualsASlowReference()
    {
        var gen = Gen.Select(Gen.Int[1, 12], Gen.Int[2, 30], Gen.Int[1, 6], Gen.Int[1, 4], Gen.Int, Gen.Bool);
        gen.Sample((nq, nc, d, classes, seed, excludeSelf) =>
        {
            var rng = new Random(seed);
            float[,] Random2D(int rows) { var a = new float[rows, d]; for (int i = 0; i < rows; i++) for (int j = 0; j < d; j++) a[i, j] = (float)(rng.NextDouble() * 2 - 1); return a; }
            var candidates = Random2D(nc);
            int[] candidateLabels = Enumerable.Range(0, nc).Select(_ => rng.Next(classes)).ToArray();
            bool self = excludeSelf && nq <= nc;
            float[,] queries = self ? Slice(candidates, nq, d) : Random2D(nq);
            int[] queryLabels = self ? candidateLabels[..nq] : Enumerable.Range(0, nq).Select(_ => rng.Next(classes)).ToArray();
            int[]? selfCandidate = self ? Enumerable.Range(0, nq).ToArray() : null;
            int available = nc - (self ? 1 : 0);
            int[] ks = new[] { 1, 2, 5, available }.Where(k => k <= available).Distinct().ToArray();

            // reference: every cosine in double, sorted (best first, ties by index), counted per k
            var sims = new double[nq][];
            for (int q = 0; q < nq; q++)
                sims[q] = Enumerable.Range(0, nc).Select(c => Cosine(queries, q, candidates, c, d)).ToArray();
            if (sims.Any(row => row.Order().Zip(row.Order().Skip(1)).Any(pair => pair.Second - pair.First < 1e-5)))
                return;   // a near-tie: float32 and double may order it differently
            var expected = ks.Select(k => Enumerable.Range(0, nq).Average(q =>
                Enumerable.Range(0, nc).Where(c => selfCandidate is null || c != selfCandidate[q])
                    .OrderByDescending(c => sims[q][c]).ThenBy(c => c).Take(k)
                    .Count(c => candidateLabels[c] == queryLabels[q]) / (double)k)).ToArray();
            var actual = RetrievalMetrics.PrecisionAtK(queries, candidates, queryLabels, candidateLabels, ks, selfCandidate);
            for (int j = 0; j < ks.Length; j++) Assert.Equal(expected[j], actual[j], 12);
        }, iter: 150, threads: 1);
    }

    [Fact]
    public void RocAucEqualsThePairwiseReferenceWithTies()
    {
        // scores from a handful of values, so that ties are common and exact
        var gen = Gen.Select(Gen.Int[0, 5].Array[1, 40], Gen.Int[0, 1].Array[1, 40]);
        gen.Sample((levels, labelDraw) =>
        {
            int n = Math.Min(levels.Length, labelDraw.Length);
            double[] scores = levels[..n].Select(l => l * 0.25).ToArray();
            int[] labels = labelDraw[..n];
            double actual = ClassificationMetrics.RocAuc(scores, labels);
            int positives = labels.Count(l => l == 1), negatives = n - positives;
            if (positives == 0 || negatives == 0) { Assert.True(double.IsNaN(actual)); return; }
            double wins = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    if (labels[i] == 1 && labels[j] == 0)
                        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
            Assert.Equal(wins / ((double)positives * negatives), actual, 12);
            // the float overload agrees on the same values
            Assert.Equal(actual, ClassificationMetrics.RocAuc(scores.Select(s => (float)s).ToArray(), labels), 12);
        }, iter: 300, threads: 1);
    }

    static float[,] Slice(float[,] a, int rows, int d)
    {
        var s = new float[rows, d];
        for (int i = 0; i < rows; i++) for (int j = 0; j < d; j++) s[i, j] = a[i, j];
        return s;
    }

    static double Cosine(float[,] a, int i, float[,] b, int j, int d)
    {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < d; k++) { dot += a[i, k] * (double)b[j, k]; na += a[i, k] * (double)a[i, k]; nb += b[j, k] * (double)b[j, k]; }
        return dot / Math.Sqrt(na * nb);
    }
}
