using System.Text.Json;

namespace ConVirt.Data.Synthetic;

/// <summary>
/// Writes a synthetic paired data set in the project's manifest format: images/*.png (8-bit grayscale),
/// manifest.jsonl (id, image, text, split, patient_id, labels, view, modality, license) and queries.jsonl
/// (five radiologist-style descriptions per primary class, {"text", "label"}, for text-to-image retrieval).
/// </summary>
internal static class SyntheticDataset
{
    /// <summary>Name of the manifest file in the output folder.</summary>
    public const string ManifestFileName = "manifest.jsonl";

    /// <summary>Name of the class-description queries file in the output folder.</summary>
    public const string QueriesFileName = "queries.jsonl";

    /// <summary>Five class descriptions per primary finding label.</summary>
    public static IReadOnlyList<ClassQuery> Queries { get; } =
    [
        new("No acute cardiopulmonary process.", "normal"),
        new("The lungs are clear with no focal consolidation, effusion or pneumothorax.", "normal"),
        new("Normal chest radiograph.", "normal"),
        new("Heart size is normal and the lungs are clear.", "normal"),
        new("No acute cardiopulmonary abnormality.", "normal"),
        new("Focal airspace opacity concerning for pneumonia.", "opacity"),
        new("Lobar consolidation in the lung.", "opacity"),
        new("Patchy airspace opacity in the lower lobe.", "opacity"),
        new("There is a focal consolidation consistent with pneumonia.", "opacity"),
        new("Opacity in the right upper lobe.", "opacity"),
        new("Pleural effusion with blunting of the costophrenic angle.", "effusion"),
        new("Layering pleural effusion at the lung base.", "effusion"),
        new("Moderate right pleural effusion.", "effusion"),
        new("Small left pleural effusion.", "effusion"),
        new("Fluid in the pleural space obscuring the hemidiaphragm.", "effusion"),
        new("The heart is enlarged.", "cardiomegaly"),
        new("Cardiomegaly.", "cardiomegaly"),
        new("Enlarged cardiac silhouette.", "cardiomegaly"),
        new("Moderate cardiomegaly without pulmonary edema.", "cardiomegaly"),
        new("The cardiothoracic ratio is increased.", "cardiomegaly"),
        new("Pneumothorax with a visible visceral pleural line.", "pneumothorax"),
        new("Right apical pneumothorax.", "pneumothorax"),
        new("Left pneumothorax with absent lung markings laterally.", "pneumothorax"),
        new("Large pneumothorax.", "pneumothorax"),
        new("There is a small pneumothorax.", "pneumothorax"),
    ];

    /// <summary>The split of case <paramref name="index"/>: index mod 10 = 8 -> "val", 9 -> "test", otherwise "train" (80/10/10).</summary>
    public static string SplitOf(int index) => (index % 10) switch { 8 => "val", 9 => "test", _ => "train" };

    /// <summary>The id of case <paramref name="index"/>, also its image file's name without extension.</summary>
    public static string IdOf(int index) => $"synth-{index:D6}";

    /// <summary>
    /// Generates cases 0..count-1 of data set <paramref name="seed"/> at size x size pixels into
    /// <paramref name="folder"/> (created if missing; existing files of the same names are replaced).
    /// Cases are generated in parallel; the output does not depend on the thread count.
    /// </summary>
    /// <param name="folder">Output folder.</param>
    /// <param name="count">Number of cases.</param>
    /// <param name="size">Image side in pixels.</param>
    /// <param name="seed">Data set seed.</param>
    /// <param name="progress">Receives the number of cases written so far.</param>
    /// <param name="cancellationToken">Stops generation between cases.</param>
    /// <param name="conciseReports">Leave the examination, indication, comparison and bone sentences out of the reports.</param>
    /// <returns>The manifest's path.</returns>
    public static string Write(string folder, int count, int size, int seed, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default, bool conciseReports = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"Synthetic case count must be positive; got {count}.");
        if (size < SyntheticChestXray.MinSize || size > 4096)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"Synthetic image size must be in [{SyntheticChestXray.MinSize}, 4096]; got {size}.");
        string images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);

        var rows = new string[count];
        int done = 0;
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, count, options, index =>
        {
            var c = SyntheticChestXray.Generate(index, size, seed, conciseReports);
            string id = IdOf(index);
            File.WriteAllBytes(Path.Combine(images, id + ".png"), GrayPngWriter.Encode(c.Image));
            rows[index] = ManifestRow(c, id);
            progress?.Report(Interlocked.Increment(ref done));
        });

        string manifest = Path.Combine(folder, ManifestFileName);
        WriteLines(manifest, rows);
        WriteLines(Path.Combine(folder, QueriesFileName), Queries.Select(q => Json(w =>
        {
            w.WriteString("text", q.Text);
            w.WriteString("label", q.Label);
        })));
        return manifest;
    }

    private static string ManifestRow(SyntheticCase c, string id) => Json(w =>
    {
        w.WriteString("id", id);
        w.WriteString("image", "images/" + id + ".png");
        w.WriteString("text", c.Report);
        w.WriteString("split", SplitOf(c.Index));
        w.WriteString("patient_id", $"synth-p{c.Index:D6}");
        w.WriteStartObject("labels");
        foreach (var (key, value) in c.Findings.Labels()) w.WriteString(key, value);
        w.WriteEndObject();
        w.WriteString("view", "PA");
        w.WriteString("modality", "X-ray");
        w.WriteString("license", "synthetic (generated by ConVirt)");
    });

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes to a temporary file first, so that a reader never sees half a file.</summary>
    private static void WriteLines(string path, IEnumerable<string> lines)
    {
        string temp = path + ".tmp";
        File.WriteAllLines(temp, lines);
        File.Move(temp, path, overwrite: true);
    }
}
