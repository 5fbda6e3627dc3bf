using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

/// <summary>Truncated and bit-flipped versions of a valid codestream: a codec must throw DicomCodecException or return a full-size frame, within a time limit.</summary>
internal static class CorruptStreams
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static void AssertCleanFailures(IDicomCodec codec, byte[] stream, DicomPixelFormat format, bool mustFailWhenTruncated)
    {
        long samples = format.PixelCount * format.SamplesPerPixel;
        // cut inside the header, then inside the compressed data
        // (and at 40 evenly spaced points, which found CharLS's slow path on unterminated streams)
        var lengths = new[] { 1, 3, 12, 40, stream.Length / 4, stream.Length / 2, stream.Length * 3 / 4 }
            .Concat(Enumerable.Range(1, 40).Select(i => (int)((long)stream.Length * i / 42)));
        foreach (int length in lengths.Distinct())
        {
            var cut = stream.AsSpan(0, length).ToArray();
            var outcome = Run(codec, cut, format);
            if (outcome is DicomFrame f)
            {
                Assert.False(mustFailWhenTruncated, $"{codec.Name}: a stream cut to {length} of {stream.Length} bytes decoded without error");
                Assert.Equal(samples, f.Samples.Length);
            }
        }
        // flipped bytes spread over the stream (header included)
        var rng = new Random(12);
        int failures = 0;
        for (int trial = 0; trial < 24; trial++)
        {
            var bad = (byte[])stream.Clone();
            int at = trial < 8 ? rng.Next(2, Math.Min(bad.Length, 200)) : rng.Next(2, bad.Length);
            bad[at] ^= (byte)(1 << rng.Next(8)) ;
            if (trial % 3 == 0 && at + 1 < bad.Length) bad[at + 1] = 0xFF;
            if (Run(codec, bad, format) is DicomFrame f) Assert.Equal(samples, f.Samples.Length);
            else failures++;
        }
        Console.WriteLine($"{codec.Name}: {failures} of 24 flipped streams refused with DicomCodecException, the rest decoded to full-size frames");
    }

    /// <summary>The frame, or null after a DicomCodecException; any other exception or a hang fails the test.</summary>
    static DicomFrame? Run(IDicomCodec codec, byte[] data, DicomPixelFormat format)
    {
        var task = Task.Run(() =>
        {
            try { return codec.Decode(data, format); }
            catch (DicomCodecUnavailableException) { throw; }
            catch (DicomCodecException) { return null; }
        });
        Assert.True(task.Wait(Limit), $"{codec.Name}: decoding a corrupt stream of {data.Length} bytes ran past {Limit.TotalSeconds} s");
        return task.Result;
    }
}
