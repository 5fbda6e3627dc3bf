using System.Runtime.CompilerServices;
using JpegLibrary;

namespace ConVirt.Data.Dicom;

/// <summary>
/// JPEG Extended, processes 2 and 4 (1.2.840.10008.1.2.4.51): 8- or 12-bit Huffman-coded DCT, decoded with
/// JpegLibrary (pure C#, MIT). Returns the samples as coded: YCbCr colour comes back as "YBR_FULL"; subsampled
/// chroma is replicated to full size.
/// </summary>
/// <remarks>Lossy: JpegLibrary's inverse DCT rounds differently from the IJG integer DCT used by GDCM and
/// DCMTK, so samples can differ from theirs by a few levels (see docs/benchmarks.md and the tests).</remarks>
internal sealed class JpegExtendedCodec : IDicomCodec
{
    /// <inheritdoc />
    public IReadOnlyList<string> TransferSyntaxes { get; } = ["1.2.840.10008.1.2.4.51"];

    /// <inheritdoc />
    public string Name => "JPEG extended 12-bit (JpegLibrary)";

    /// <inheritdoc />
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        long count = StoredSamples.CheckFormat(format, Name);
        if (frame.Length < 2 || frame[0] != 0xFF || frame[1] != 0xD8)
            throw new DicomCodecException($"{Name}: the data does not start with an SOI marker (FFD8)");
        var decoder = new JpegDecoder();
        decoder.SetInput(frame.ToArray());
        try
        {
            decoder.Identify();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomCodecException($"{Name}: unreadable JPEG header: {e.Message}", e);
        }
        int width = decoder.Width, height = decoder.Height, components = decoder.NumberOfComponents, precision = decoder.Precision;
        if (width != format.Columns || height != format.Rows || components != format.SamplesPerPixel)
            throw new DicomCodecException($"{Name}: the JPEG frame is {width} x {height} with {components} components, " +
                $"the header says {format.Columns} x {format.Rows} with {format.SamplesPerPixel}");
        if (precision is not (8 or 12))
            throw new DicomCodecException($"{Name}: JPEG precision {precision} (a DCT process codes 8 or 12 bits)");
        int maxH = decoder.GetMaximumHorizontalSampling(), maxV = decoder.GetMaximumVerticalSampling();
        var scale = new (int H, int V)[components];
        for (int c = 0; c < components; c++)
        {
            int h = decoder.GetHorizontalSampling(c), v = decoder.GetVerticalSampling(c);
            if (h <= 0 || v <= 0 || maxH % h != 0 || maxV % v != 0)
                throw new DicomCodecException($"{Name}: unsupported sampling factors {h}x{v} (maximum {maxH}x{maxV})");
            scale[c] = (maxH / h, maxV / v);
        }
        var samples = new int[count];
        decoder.SetOutputWriter(new Writer(samples, width, height, components, (1 << precision) - 1, scale));
        try
        {
            decoder.Decode();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DicomCodecException($"{Name}: corrupt JPEG data: {e.Message}", e);
        }
        string photometric = components == 3 && format.Photometric.StartsWith("YBR", StringComparison.Ordinal) ? "YBR_FULL" : format.Photometric;
        return new DicomFrame(samples, photometric);
    }

    /// <summary>Copies JpegLibrary's 8x8 spatial blocks (level-shifted, not clamped) into the interleaved frame.</summary>
    sealed class Writer(int[] samples, int width, int height, int components, int max, (int H, int V)[] scale) : JpegBlockOutputWriter
    {
        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            if ((uint)componentIndex >= (uint)components)
                throw new InvalidDataException("block for an unknown component");
            var (sh, sv) = scale[componentIndex];
            for (int j = 0; j < 8; j++)
            {
                int y0 = (y + j) * sv;
                if (y0 >= height) break;
                for (int i = 0; i < 8; i++)
                {
                    int x0 = (x + i) * sh;
                    if (x0 >= width) break;
                    int v = Math.Clamp((int)Unsafe.Add(ref blockRef, j * 8 + i), 0, max);
                    for (int dy = 0; dy < sv && y0 + dy < height; dy++)
                        for (int dx = 0; dx < sh && x0 + dx < width; dx++)
                            samples[((y0 + dy) * width + x0 + dx) * components + componentIndex] = v;
                }
            }
        }
    }
}
