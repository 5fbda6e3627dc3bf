using System.Text;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Data.Dicom;
using ConVirt.Data.Prepared;
using ConVirt.Interop;
using SkiaSharp;
using TorchSharp;

namespace ConVirt.Fuzz;

/// <summary>
/// Starting corpora, made at campaign start (nothing of the shared data is copied into the repository): the
/// smallest real DICOM files and their frames (per codec), small real PNG/JPEG images, the first rows of the real
/// manifests and report texts, and files the project itself writes (16-bit PNG, safetensors, .pt, tar shard, a
/// small ONNX model).
/// </summary>
internal static class Seeds
{
    private const int MaxSeedBytes = 64 << 10;

    public static void Write(string root, string shared)
    {
        foreach (var t in FuzzTargets.All) Directory.CreateDirectory(Path.Combine(root, t.Name));
        void Put(string target, string name, byte[] bytes)
        {
            if (bytes.Length is > 0 and <= MaxSeedBytes) File.WriteAllBytes(Path.Combine(root, target, name), bytes);
        }

        // DICOM files and, per codec, frames with the four-byte format head
        var dicom = Directory.Exists(Path.Combine(shared, "dicom", "files"))
            ? new DirectoryInfo(Path.Combine(shared, "dicom", "files")).GetFiles().Where(f => f.Length <= MaxSeedBytes).OrderBy(f => f.Length).ToList()
            : [];
        foreach (var f in dicom.Take(12)) Put("dicom", f.Name, File.ReadAllBytes(f.FullName));
        foreach (var f in dicom.Concat(new DirectoryInfo(Path.Combine(shared, "dicom", "files")).GetFiles().Where(f => f.Length > MaxSeedBytes)))
        {
            try
            {
                var file = DicomFile.Open(f.FullName);
                var codec = DicomCodecRegistry.Find(file.Header.TransferSyntax);
                var format = file.Header.PixelFormat;
                if (codec is null) continue;
                var small = format with { Rows = Math.Min(format.Rows, 64), Columns = Math.Min(format.Columns, 64) };
                var head = DicomCodecTarget.HeadOf(small);
                if (head is null) continue;
                var frame = file.GetFrameData(0).ToArray();
                string target = FuzzTargets.All.OfType<DicomCodecTarget>().First(t => t.Codec == codec).Name;
                if (frame.Length + 4 <= MaxSeedBytes) Put(target, f.Name + ".frame", [.. head, .. frame]);
            }
            catch (Exception e) when (e is DicomFileException or DicomCodecException) { }
        }
        // codecs without a real seed: an empty frame of each format family
        foreach (var t in FuzzTargets.All.OfType<DicomCodecTarget>())
            Put(t.Name, "zeros.frame", [7, 7, 2, 11, .. new byte[8 * 8 * 2]]);

        // images: the smallest real PNG and JPEG files, our PNG writers, an EXIF-rotated JPEG
        foreach (var (set, ext) in new[] { ("covid-cxr", ".png"), ("medpix", ".jpg"), ("pneumonia", ".jpeg"), ("nih-cxr", ".png") })
        {
            var folder = Path.Combine(shared, set, "images");
            if (!Directory.Exists(folder)) continue;
            foreach (var f in new DirectoryInfo(folder).EnumerateFiles().Take(400).OrderBy(f => f.Length).Take(2))
                Put("image", set + "-" + f.Name, File.ReadAllBytes(f.FullName));
        }
        var gradient = new GrayImage(12, 9, Enumerable.Range(0, 108).Select(i => i / 107f).ToArray());
        Put("image", "gray8.png", ConVirt.Data.Synthetic.GrayPngWriter.Encode(gradient));
        Put("image", "gray16.png", Png16GrayEncoder.Encode(gradient));
        Put("png16", "gray16.png", Png16GrayEncoder.Encode(gradient));
        Put("png16", "gray16-1x1.png", Png16GrayEncoder.Encode(new GrayImage(1, 1, [0.5f])));
        var jpeg = EncodeJpeg(gradient);
        Put("image", "gray.jpg", jpeg);
        Put("image", "exif-6.jpg", WithExifOrientation(jpeg, 6));
        Put("tar-shard", "dummy", []);

        // manifests and report text: the first rows of the real manifests
        var rows = new List<string>();
        foreach (var set in new[] { "covid-cxr", "medpix", "nih-cxr", "dicom" })
        {
            var manifest = Path.Combine(shared, set, "manifest.jsonl");
            if (!File.Exists(manifest)) continue;
            var lines = File.ReadLines(manifest).Take(3).ToList();
            rows.AddRange(lines);
            Put("manifest-jsonl", set + ".jsonl", Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
            Put("manifest-csv", set + ".csv", Encoding.UTF8.GetBytes(ToCsv(lines)));
            int n = 0;
            foreach (var line in File.ReadLines(manifest).Take(200))
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String && n < 4)
                    Put("report-text", $"{set}-{n++}.txt", Encoding.UTF8.GetBytes(text.GetString()!));
            }
        }
        Put("report-text", "invalid-utf8.txt", [0x4e, 0x6f, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x2e, 0x20, 0x45, 0x66, 0x66, 0x75, 0x73, 0x69, 0x6f, 0x6e, 0x2e]);

        // files the project writes: safetensors, .pt, a shard, an ONNX model
        var scratch = Scratch.Subfolder("seeds");
        using (torch.NewDisposeScope())
        {
            var st = Path.Combine(scratch, "w.safetensors");
            SafeTensors.Write(st, [new("a", torch.arange(6, torch.float32).reshape(2, 3)), new("b", torch.tensor(new long[] { 1, -2 })),
                new("c", torch.ones(2, torch.bfloat16)), new("d", torch.zeros(1, 1, 2, torch.float16))], new Dictionary<string, string> { ["format"] = "pt" });
            Put("safetensors", "project.safetensors", File.ReadAllBytes(st));
            var head = torch.nn.Sequential(("0", torch.nn.Linear(3, 2)), ("1", torch.nn.ReLU()), ("2", torch.nn.Linear(2, 2)));
            var pt = Path.Combine(scratch, "g.pt");
            WeightExport.SaveProjection(head, pt);
            var ptBytes = File.ReadAllBytes(pt);
            Put("torch-zip", "projection.pt", ptBytes);
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(ptBytes));
            using var pkl = zip.Entries.First(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal)).Open();
            using var pklBytes = new MemoryStream();
            pkl.CopyTo(pklBytes);
            Put("torch-pickle", "data.pkl", pklBytes.ToArray());
        }
        var shard = Path.Combine(scratch, "shard.tar");
        using (var writer = new ShardWriter(shard))
        {
            var png = ShardImageCodec.Encode(new GrayImage(4, 3, new float[12]), 8);
            writer.Add("000000000", png, "No effusion. Heart size normal.", Encoding.UTF8.GetBytes("{\"id\":\"a\",\"width\":4,\"height\":3}"));
            writer.Add("000000001", ShardImageCodec.Encode(gradient, 16), null, Encoding.UTF8.GetBytes("{\"id\":\"b\"}"));
            writer.Finish();
        }
        Put("tar-shard", "shard.tar", File.ReadAllBytes(shard));
        File.Delete(Path.Combine(root, "tar-shard", "dummy"));
        Put("onnx", "tiny.onnx", TinyOnnx());
    }

    private static byte[] EncodeJpeg(GrayImage image)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(image[x, y] * 255), (byte)(image[x, y] * 255), (byte)(image[x, y] * 255)));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>Inserts an APP1 Exif segment (little-endian TIFF, one IFD entry: Orientation) after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff = [(byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0];
        byte[] exif = [.. "Exif\0\0"u8, .. tiff];
        int length = exif.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif, .. jpeg.AsSpan(2)];
    }

    private static string ToCsv(List<string> jsonLines)
    {
        var text = new StringBuilder("id,image,text,split,patient_id,label\n");
        foreach (var line in jsonLines)
        {
            using var doc = JsonDocument.Parse(line);
            string Field(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";
            text.Append($"{Quote(Field("id"))},{Quote(Field("image"))},{Quote(Field("text"))},{Field("split")},{Field("patient_id")},1\n");
        }
        return text.ToString();
    }

    /// <summary>A two-node ONNX model (Gemm then Relu) with one float initializer, written field by field.</summary>
    private static byte[] TinyOnnx()
    {
        static byte[] Varint(ulong v) { var b = new List<byte>(); do { byte x = (byte)(v & 0x7F); v >>= 7; b.Add(v != 0 ? (byte)(x | 0x80) : x); } while (v != 0); return [.. b]; }
        static byte[] Field(int number, byte[] payload) => [.. Varint((ulong)(number << 3 | 2)), .. Varint((ulong)payload.Length), .. payload];
        static byte[] Int(int number, long value) => [.. Varint((ulong)(number << 3)), .. Varint((ulong)value)];
        static byte[] Str(int number, string s) => Field(number, Encoding.UTF8.GetBytes(s));
        byte[] floats = [.. new[] { 0.5f, -1f, 2f, 0.25f, 1f, 3f }.SelectMany(BitConverter.GetBytes)];
        byte[] weight = [.. Int(1, 2), .. Int(1, 3), .. Int(2, 1), .. Str(8, "W"), .. Field(9, floats)];
        byte[] attr = [.. Str(1, "transB"), .. Int(3, 1), .. Int(20, 2)];
        byte[] gemm = [.. Str(1, "x"), .. Str(1, "W"), .. Str(2, "y"), .. Str(3, "gemm"), .. Str(4, "Gemm"), .. Field(5, attr)];
        byte[] relu = [.. Str(1, "y"), .. Str(2, "z"), .. Str(4, "Relu")];
        byte[] input = [.. Str(1, "x")];
        byte[] output = [.. Str(1, "z")];
        byte[] graph = [.. Field(1, gemm), .. Field(1, relu), .. Str(2, "tiny"), .. Field(5, weight), .. Field(11, input), .. Field(12, output)];
        return [.. Int(1, 8), .. Field(8, Int(2, 17)), .. Field(7, graph)];
    }
}
