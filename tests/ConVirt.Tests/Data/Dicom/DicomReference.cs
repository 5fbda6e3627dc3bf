using System.Security.Cryptography;
using System.Text.Json;
using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom;

/// <summary>Reads ../shared/data/dicom/reference.jsonl and manifest.jsonl, and the statistics the reference uses.</summary>
internal static class DicomReference
{
    public static string? Folder => TestPaths.SharedData is { } root && File.Exists(Path.Combine(root, "dicom", "reference.jsonl")) ? Path.Combine(root, "dicom") : null;

    static readonly Lazy<Dictionary<string, JsonElement>> References = new(() => Load("reference.jsonl"));
    static readonly Lazy<Dictionary<string, JsonElement>> Manifest = new(() => Load("manifest.jsonl"));

    static Dictionary<string, JsonElement> Load(string name)
    {
        var result = new Dictionary<string, JsonElement>();
        if (Folder is not { } folder) return result;
        foreach (var line in File.ReadLines(Path.Combine(folder, name)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var e = JsonDocument.Parse(line).RootElement;
            result[Path.GetFileName(e.GetProperty("file").GetString()!)] = e;
        }
        return result;
    }

    /// <summary>The file names, or one placeholder when the data are absent (the test then returns early).</summary>
    public static IEnumerable<object[]> Files() =>
        References.Value.Count == 0 ? [["(shared data missing)"]] : References.Value.Keys.Order().Select(k => new object[] { k });

    public static JsonElement Reference(string file) => References.Value[file];
    public static JsonElement ManifestRow(string file) => Manifest.Value[file];
    public static string PathOf(string file) => Path.Combine(Folder!, "files", file);

    /// <summary>sha256 of the values as C-contiguous little-endian bytes of <paramref name="dtype"/>.</summary>
    public static string Sha256(ReadOnlySpan<int> values, string dtype)
    {
        int size = dtype switch { "uint8" or "int8" => 1, "uint16" or "int16" => 2, "uint32" or "int32" => 4, _ => throw new ArgumentException(dtype) };
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            int v = values[i];
            for (int b = 0; b < size; b++) bytes[i * size + b] = (byte)(v >> (8 * b));
        }
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The reference's 16x16 block means of the first sample (README's block rule).</summary>
    public static double[] Thumb(ReadOnlySpan<int> samples, int rows, int columns, int samplesPerPixel)
    {
        var thumb = new double[256];
        for (int i = 0; i < 16; i++)
        {
            int r0 = i * rows / 16, r1 = Math.Max(r0 + 1, (i + 1) * rows / 16);
            for (int j = 0; j < 16; j++)
            {
                int c0 = j * columns / 16, c1 = Math.Max(c0 + 1, (j + 1) * columns / 16);
                double sum = 0;
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) sum += samples[(r * columns + c) * samplesPerPixel];
                thumb[i * 16 + j] = sum / ((r1 - r0) * (c1 - c0));
            }
        }
        return thumb;
    }

    public static (double Min, double Max, double Mean) Stats(ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); sum += v; }
        return (min, max, sum / values.Length);
    }

    public static (double Min, double Max, double Mean) Stats(ReadOnlySpan<float> values)
    {
        var d = new double[values.Length];
        for (int i = 0; i < d.Length; i++) d[i] = values[i];
        return Stats(d);
    }

    /// <summary>Channel <paramref name="channel"/> of interleaved samples as doubles.</summary>
    public static double[] Channel(ReadOnlySpan<int> samples, int samplesPerPixel, int channel)
    {
        var c = new double[samples.Length / samplesPerPixel];
        for (int i = 0; i < c.Length; i++) c[i] = samples[i * samplesPerPixel + channel];
        return c;
    }

    public static bool HasCodec(string uid) => DicomCodecRegistry.Find(DicomTransferSyntax.FromUid(uid)) is not null;
}
