using System.Diagnostics;
using System.Text.Json;
using ConVirt.Data.Dicom;
using JpegLibrary;

namespace ConVirt.Bench;

/// <summary>
/// Decode throughput of the compressed-image codecs (JPEG extended, JPEG lossless, JPEG-LS, JPEG 2000/HTJ2K) on
/// the real files of shared/data/dicom: one thread, codec only (no windowing or resizing), median of repeated
/// decodes of frame 0, as ms per image, megapixels/s and ms normalised to a 2,000 x 2,000 image. JPEG lossless
/// streams are also decoded with JpegLibrary 0.4.32, alternating with our decoder, where it decodes them correctly.
/// </summary>
/// <remarks>Frames and header facts come from the DICOM reader (<see cref="DicomFile"/>); the codecs are the
/// registry's (<see cref="DicomCodecRegistry"/>).</remarks>
internal static class DicomCodecBench
{
    public sealed record Row(string File, string Codec, string TransferSyntax, int Rows, int Columns, int Samples, int CompressedBytes,
        Stats Ms, double MegapixelsPerS, double MsAt2000x2000, Stats? JpegLibraryMs, bool? JpegLibraryCorrect);

    static readonly Type[] Benched = [typeof(JpegExtendedCodec), typeof(JpegLosslessCodec), typeof(JpegLsCodec), typeof(Jpeg2000Codec)];

    public static List<Row> Run(string folder, double secondsPerFile, int minReps, Action<string> log)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "manifest.jsonl")))
        {
            var m = JsonDocument.Parse(line).RootElement;
            if (m.GetProperty("broken").GetBoolean()) continue;
            string file = Path.GetFileName(m.GetProperty("file").GetString()!);
            var dicom = DicomFile.Open(Path.Combine(folder, m.GetProperty("file").GetString()!));
            var codec = DicomCodecRegistry.Find(dicom.Header.TransferSyntax);
            if (codec is null || !Benched.Contains(codec.GetType())) continue;
            string syntax = dicom.Header.TransferSyntax.Uid;
            var format = dicom.Header.PixelFormat;
            var frame = dicom.GetFrameData(0).ToArray();
            int[] ours;
            try { ours = codec.Decode(frame, format).Samples; }
            catch (DicomCodecUnavailableException e) { log($"  {file}: {e.Message}"); continue; }

            bool lossless = codec is JpegLosslessCodec;
            bool? jlCorrect = null;
            if (lossless)
            {
                try { jlCorrect = DecodeWithJpegLibrary(frame, format).AsSpan().SequenceEqual(ours); }
                catch (Exception) { jlCorrect = false; }
            }
            var times = new List<double>();
            var jlTimes = new List<double>();
            var total = Stopwatch.StartNew();
            while (times.Count < minReps || total.Elapsed.TotalSeconds < secondsPerFile && times.Count < 200)
            {
                var w = Stopwatch.StartNew();
                codec.Decode(frame, format);
                times.Add(w.Elapsed.TotalMilliseconds);
                if (jlCorrect == true)
                {
                    w.Restart();
                    DecodeWithJpegLibrary(frame, format);
                    jlTimes.Add(w.Elapsed.TotalMilliseconds);
                }
            }
            var ms = Stats.Of(times);
            double pixels = format.PixelCount;
            var row = new Row(file, codec.Name, syntax, format.Rows, format.Columns, format.SamplesPerPixel, frame.Length, ms,
                pixels / 1e6 / (ms.Median / 1000), ms.Median * 4e6 / pixels, jlTimes.Count > 0 ? Stats.Of(jlTimes) : null, jlCorrect);
            rows.Add(row);
            string jl = jlCorrect switch
            {
                true => $"; JpegLibrary {row.JpegLibraryMs!.Show("F1", " ms")} = {row.JpegLibraryMs.Median / ms.Median:F2}x ours",
                false => "; JpegLibrary: wrong values or failed",
                null => "",
            };
            log($"  {file,-34} {syntax[20..],-6} {format.Columns}x{format.Rows}x{format.SamplesPerPixel} {frame.Length / 1024.0,8:F0} KiB: {ms.Show("F2", " ms")}, " +
                $"{row.MegapixelsPerS:F1} MP/s, {row.MsAt2000x2000:F0} ms at 2000x2000{jl}");
        }
        return rows;
    }

    /// <summary>JpegLibrary's decode of a stream into interleaved samples (the comparison for JPEG lossless).</summary>
    static int[] DecodeWithJpegLibrary(byte[] frame, DicomPixelFormat format)
    {
        var decoder = new JpegDecoder();
        decoder.SetInput(frame);
        decoder.Identify();
        var samples = new int[format.PixelCount * format.SamplesPerPixel];
        decoder.SetOutputWriter(new Writer(samples, decoder.Width, decoder.Height, decoder.NumberOfComponents));
        decoder.Decode();
        if (format.Signed)
            for (int i = 0; i < samples.Length; i++) samples[i] = (samples[i] << (32 - format.BitsStored)) >> (32 - format.BitsStored);
        return samples;
    }

    sealed class Writer(int[] samples, int width, int height, int components) : JpegBlockOutputWriter
    {
        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            for (int j = 0; j < 8 && y + j < height; j++)
                for (int i = 0; i < 8 && x + i < width; i++)
                    samples[((y + j) * width + x + i) * components + componentIndex] = (ushort)System.Runtime.CompilerServices.Unsafe.Add(ref blockRef, j * 8 + i);
        }
    }
}
