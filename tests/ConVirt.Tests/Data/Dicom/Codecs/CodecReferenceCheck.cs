using ConVirt.Data.Dicom;

namespace ConVirt.Tests.Data.Dicom.Codecs;

/// <summary>Decodes real files with a codec and compares them with reference.jsonl.</summary>
internal static class CodecReferenceCheck
{
    /// <summary>
    /// Decodes every frame of every file of the codec's syntaxes (frames past <paramref name="maxFrames"/>
    /// skipped) and returns one line per mismatch; <paramref name="checkedFiles"/> lists the files compared.
    /// </summary>
    public static List<string> Exact(IDicomCodec codec, out List<string> checkedFiles, int maxFrames = 16)
    {
        var problems = new List<string>();
        checkedFiles = [];
        foreach (var entry in CodecTestFiles.WithSyntax([.. codec.TransferSyntaxes]))
        {
            var reference = CodecTestFiles.ReferenceOf(entry.File);
            if (reference.Stored is not { } stored)
                continue; // genFile-like files without any reference are tested on their own
            string dtype = stored.GetProperty("dtype").GetString()!;
            var hashes = reference.FrameHashes;
            var frames = CodecTestFiles.Frames(entry);
            for (int i = 0; i < Math.Min(frames.Count, maxFrames); i++)
            {
                var frame = codec.Decode(frames[i], entry.Format);
                if (frame.Samples.Length != entry.Format.PixelCount * entry.Format.SamplesPerPixel)
                {
                    problems.Add($"{entry.File} frame {i}: {frame.Samples.Length} samples");
                    continue;
                }
                var values = CodecTestFiles.AsStored(frame.Samples, entry.Format);
                string sha = CodecTestFiles.Sha256(values, dtype);
                if (sha != hashes[i])
                    problems.Add($"{entry.File} frame {i}: sha256 {sha[..12]} != reference {hashes[i][..12]} (min {values.Min()} max {values.Max()} mean {values.Average():F4}; reference {stored.GetProperty("min")} {stored.GetProperty("max")} {stored.GetProperty("mean")})");
                string expectedPhotometric = reference.Json.TryGetProperty("decoded_photometric", out var dp) ? dp.GetString()! : entry.Format.Photometric;
                if (frame.Photometric != expectedPhotometric)
                    problems.Add($"{entry.File}: photometric {frame.Photometric}, reference {expectedPhotometric}");
            }
            checkedFiles.Add(entry.File);
        }
        return problems;
    }
}
