using ConVirt.Data.Images;
using System.Diagnostics;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Dicom;
using ConVirt.Data.Synthetic;

namespace ConVirt.Bench;

/// <summary>
/// DICOM decode + window + evaluation transform, ms per image on one thread: every real file of
/// shared/data/dicom whose codec is registered, and a 2,000 x 2,000 16-bit image as uncompressed DICOM against
/// the same image as a 16-bit PNG (and as an 8-bit PNG).
/// </summary>
internal static class DicomBench
{
    public sealed record Row(string Name, string TransferSyntax, int Columns, int Rows, Stats Milliseconds);

    public static List<Row> Run(string? dicomFolder, string scratch, int reps, Action<string> log)
    {
        var rows = new List<Row>();
        var transform = new EvalTransform(224);
        Directory.CreateDirectory(scratch);
        // the same 2000 x 2000 image three ways
        var image = SyntheticChestXray.Generate(0, 2000, seed: 1).Image;
        var stored = image.Pixels.Select(v => (ushort)Math.Round(Math.Clamp(v, 0f, 1f) * 65535)).ToArray();
        string dcm = Path.Combine(scratch, "cxr2000.dcm"), png16 = Path.Combine(scratch, "cxr2000-16.png"), png8 = Path.Combine(scratch, "cxr2000-8.png");
        File.WriteAllBytes(dcm, DicomWriter.EncodeGray(image, 16));
        File.WriteAllBytes(png16, GrayPng(2000, 2000, stored, 16));
        File.WriteAllBytes(png8, GrayPng(2000, 2000, stored.Select(v => (ushort)(v >> 8)).ToArray(), 8));
        foreach (var (name, path) in new[] { ("2000x2000 uncompressed DICOM 16-bit", dcm), ("2000x2000 PNG 16-bit", png16), ("2000x2000 PNG 8-bit", png8) })
            rows.Add(Measure(name, path, "-", transform, reps, log));
        if (dicomFolder is not null && Directory.Exists(dicomFolder))
        {
            foreach (var path in Directory.GetFiles(dicomFolder).Order())
            {
                DicomHeader header;
                try { header = DicomFile.ReadHeader(path); } catch (DicomFileException) { continue; }
                if (DicomCodecRegistry.Find(header.TransferSyntax) is null || !ImageDecoder.TryLoad(path, out _, out _)) continue;
                rows.Add(Measure(Path.GetFileName(path), header.TransferSyntax.Name, header.Columns, header.Rows, path, transform, reps, log));
            }
        }
        return rows;
    }

    static Row Measure(string name, string path, string syntax, EvalTransform transform, int reps, Action<string> log)
    {
        var first = ImageDecoder.Load(path);
        return Measure(name, syntax, first.Width, first.Height, path, transform, reps, log);
    }

    static Row Measure(string name, string syntax, int columns, int rows, string path, EvalTransform transform, int reps, Action<string> log)
    {
        var times = new List<double>();
        for (int i = 0; i < reps + 1; i++)
        {
            var w = Stopwatch.StartNew();
            transform.Apply(ImageDecoder.Load(path));
            if (i > 0) times.Add(w.Elapsed.TotalMilliseconds);
        }
        var row = new Row(name, syntax, columns, rows, Stats.Of(times));
        log($"  {name} ({syntax}, {columns}x{rows}): {row.Milliseconds.Show("F1", " ms")}");
        return row;
    }

    /// <summary>An 8- or 16-bit grayscale PNG (filter 0, zlib) for the comparison.</summary>
    static byte[] GrayPng(int width, int height, ushort[] samples, int bits)
    {
        int bytes = bits / 8, stride = 1 + bytes * width;
        var raw = new byte[height * stride];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                ushort v = samples[y * width + x];
                if (bytes == 2) { raw[y * stride + 1 + 2 * x] = (byte)(v >> 8); raw[y * stride + 2 + 2 * x] = (byte)v; }
                else raw[y * stride + 1 + x] = (byte)v;
            }
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bits; ihdr[9] = 0;
        Chunk(output, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var zs = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) zs.Write(raw);
            Chunk(output, "IDAT", z.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        output.Write(len);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typed);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(len, Crc(typed));
        output.Write(len);
    }

    static uint Crc(byte[] data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFF;
    }
}
