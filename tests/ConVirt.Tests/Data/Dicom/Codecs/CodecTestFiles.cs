using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

/// <summary>
/// The real DICOM files of shared/data/dicom for the codec tests: header facts from manifest.jsonl, expected
/// values from reference.jsonl, and each frame's compressed bytes.
/// </summary>
/// <remarks>The header facts come from manifest.jsonl; CodecRegistrationTests checks that the reader gives
/// the same for every file a codec here decodes.</remarks>
internal static class CodecTestFiles
{
    public sealed record Entry(string File, string TransferSyntax, DicomPixelFormat Format, int Frames, bool Broken, JsonElement Manifest);

    public sealed record Reference(JsonElement Json)
    {
        public JsonElement? Stored => Json.TryGetProperty("stored", out var s) ? s
            : Json.TryGetProperty("repaired", out var r) ? r.GetProperty("stored") : null;

        public string[] FrameHashes => (Json.TryGetProperty("frame_sha256", out var f) ? f
            : Json.TryGetProperty("repaired", out var r) ? r.GetProperty("frame_sha256") : default)
            .EnumerateArray().Select(e => e.GetString()!).ToArray();

        public double[] Thumb => (Json.TryGetProperty("thumb", out var t) ? t : Json.GetProperty("repaired").GetProperty("thumb"))
            .EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    static readonly Lazy<(Dictionary<string, Entry> Entries, Dictionary<string, Reference> References)?> Loaded = new(Load);

    /// <summary>The dicom folder of the shared data, or null when absent.</summary>
    public static string? Folder => TestPaths.SharedData is { } d && Directory.Exists(Path.Combine(d, "dicom")) ? Path.Combine(d, "dicom") : null;

    public static IEnumerable<Entry> WithSyntax(params string[] syntaxes) =>
        Loaded.Value is { } l ? l.Entries.Values.Where(e => syntaxes.Contains(e.TransferSyntax)).OrderBy(e => e.File, StringComparer.Ordinal) : [];

    public static Entry Get(string file) => Loaded.Value!.Value.Entries[file];

    public static Reference ReferenceOf(string file) => Loaded.Value!.Value.References[file];

    static (Dictionary<string, Entry>, Dictionary<string, Reference>)? Load()
    {
        if (Folder is not { } folder) return null;
        var entries = new Dictionary<string, Entry>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "manifest.jsonl")))
        {
            var m = JsonDocument.Parse(line).RootElement;
            string name = Path.GetFileName(m.GetProperty("file").GetString()!);
            var format = new DicomPixelFormat(
                m.GetProperty("rows").GetInt32(), m.GetProperty("columns").GetInt32(), m.GetProperty("samples_per_pixel").GetInt32(),
                m.GetProperty("bits_allocated").GetInt32(), m.GetProperty("bits_stored").GetInt32(), m.GetProperty("pixel_representation").GetInt32(),
                m.GetProperty("photometric").GetString()!,
                m.TryGetProperty("planar_configuration", out var pc) && pc.ValueKind == JsonValueKind.Number ? pc.GetInt32() : 0);
            entries[name] = new Entry(name, m.GetProperty("transfer_syntax_uid").GetString()!, format, m.GetProperty("frames").GetInt32(),
                m.GetProperty("broken").GetBoolean(), m);
        }
        var references = new Dictionary<string, Reference>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "reference.jsonl")))
        {
            var r = JsonDocument.Parse(line).RootElement;
            references[Path.GetFileName(r.GetProperty("file").GetString()!)] = new Reference(r);
        }
        return (entries, references);
    }

    /// <summary>The compressed bytes of each frame, read by the DICOM reader (<see cref="DicomFile"/>).</summary>
    public static List<byte[]> Frames(Entry entry) => Frames(DicomFile.Open(Path.Combine(Folder!, "files", entry.File)));

    static List<byte[]> Frames(DicomFile file) => Enumerable.Range(0, file.FrameCount).Select(i => file.GetFrameData(i).ToArray()).ToList();

    /// <summary>
    /// The reference's stored values: masked to Bits Stored and sign-extended per Pixel Representation, in the
    /// reference dtype (uint8, int16 or uint16), little-endian, C order (rows, columns, samples).
    /// </summary>
    public static int[] AsStored(int[] samples, DicomPixelFormat format)
    {
        var result = new int[samples.Length];
        int mask = format.BitsStored >= 32 ? -1 : (1 << format.BitsStored) - 1, shift = 32 - format.BitsStored;
        for (int i = 0; i < samples.Length; i++)
            result[i] = format.Signed ? (samples[i] << shift) >> shift : samples[i] & mask;
        return result;
    }

    public static string Sha256(int[] stored, string dtype)
    {
        byte[] bytes;
        switch (dtype)
        {
            case "uint8":
                bytes = stored.Select(v => (byte)v).ToArray();
                break;
            case "int16" or "uint16":
                bytes = new byte[stored.Length * 2];
                for (int i = 0; i < stored.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), (ushort)stored[i]);
                break;
            default: throw new NotSupportedException(dtype);
        }
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>The README's 16x16 block average of the first sample.</summary>
    public static double[] Thumb(int[] stored, DicomPixelFormat format)
    {
        int rows = format.Rows, cols = format.Columns, spp = format.SamplesPerPixel;
        var thumb = new double[256];
        for (int i = 0; i < 16; i++)
        {
            int r0 = i * rows / 16, r1 = Math.Max(r0 + 1, (i + 1) * rows / 16);
            for (int j = 0; j < 16; j++)
            {
                int c0 = j * cols / 16, c1 = Math.Max(c0 + 1, (j + 1) * cols / 16);
                double sum = 0;
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++)
                        sum += stored[(r * cols + c) * spp];
                thumb[i * 16 + j] = sum / ((r1 - r0) * (c1 - c0));
            }
        }
        return thumb;
    }

    /// <summary>
    /// Whether a native codec library is installed. When it is not: under CI=true the test fails naming the
    /// Debian package; otherwise it returns false and the test returns early with a message.
    /// </summary>
    public static bool NativeAvailable(string library, string package)
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryLoad(library, out var h))
        {
            System.Runtime.InteropServices.NativeLibrary.Free(h);
            return true;
        }
        string message = $"{library} is not installed (Debian package {package}: apt-get install {package})";
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail(message + "; CI must run every codec test");
        Console.WriteLine("SKIPPED: " + message);
        return false;
    }
}
