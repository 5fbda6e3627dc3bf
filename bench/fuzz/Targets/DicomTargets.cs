using System.Text;
using ConVirt.Data.Dicom;

namespace ConVirt.Fuzz;

/// <summary>
/// A whole DICOM Part 10 file: <see cref="DicomFile.Open"/> (parser, fragments, geometry checks), then the pixel
/// pipeline on frame 0 through whichever codec the transfer syntax names. Documented errors:
/// <see cref="DicomFileException"/> and <see cref="DicomCodecException"/>.
/// </summary>
internal sealed class DicomFileTarget : FuzzTarget
{
    /// <summary>The limits the target reads under (stated in docs/reliability.md).</summary>
    public static readonly DicomReadOptions Options = new(MaxHeaderBytes: 1L << 20, MaxPixels: MaxPixels, MaxInflatedBytes: 64L << 20);

    /// <inheritdoc />
    public override string Name => "dicom";

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        var file = DicomFile.Open(Scratch.Write(data, ".dcm"), Options);
        var (image, _) = DicomPixelPipeline.Decode(file);
        RequireImage(image);
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is DicomFileException or DicomCodecException;
}

/// <summary>
/// One pixel codec alone on a frame. The first four bytes choose the pixel format (rows and columns 1-64, samples
/// 1 or 3, bits allocated 8 or 16, bits stored, signedness, planar configuration, photometric interpretation); the
/// rest is the frame. Documented error: <see cref="DicomCodecException"/>.
/// </summary>
internal sealed class DicomCodecTarget(IDicomCodec codec) : FuzzTarget
{
    private static readonly string[] Grey = ["MONOCHROME2", "MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"];
    private static readonly string[] Colour = ["RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT"];

    /// <summary>The codec under test.</summary>
    public IDicomCodec Codec { get; } = codec;

    /// <inheritdoc />
    public override string Name { get; } = "codec-" + Slug(codec.GetType().Name);

    /// <summary>The pixel format the first four bytes of an input choose.</summary>
    public static DicomPixelFormat FormatOf(ReadOnlySpan<byte> head)
    {
        int rows = (head[0] & 63) + 1, columns = (head[1] & 63) + 1;
        int flags = head[2];
        int samples = (flags & 1) != 0 ? 3 : 1;
        int allocated = (flags & 2) != 0 ? 16 : 8;
        int stored = 1 + head[3] % allocated;
        string photometric = samples == 3 ? Colour[(flags >> 4) & 3] : Grey[(flags >> 4) & 3];
        return new DicomPixelFormat(rows, columns, samples, allocated, stored, (flags >> 2) & 1, photometric, (flags >> 3) & 1);
    }

    /// <summary>The four bytes that choose <paramref name="format"/> (for seeds), or null when it is outside the target's range.</summary>
    public static byte[]? HeadOf(DicomPixelFormat format)
    {
        if (format.Rows is < 1 or > 64 || format.Columns is < 1 or > 64 || format.SamplesPerPixel is not (1 or 3)
            || format.BitsAllocated is not (8 or 16) || format.BitsStored < 1 || format.BitsStored > format.BitsAllocated) return null;
        int p = Array.IndexOf(format.SamplesPerPixel == 3 ? Colour : Grey, format.Photometric);
        if (p < 0) return null;
        int flags = (format.SamplesPerPixel == 3 ? 1 : 0) | (format.BitsAllocated == 16 ? 2 : 0) | (format.PixelRepresentation & 1) << 2
                    | (format.PlanarConfiguration & 1) << 3 | p << 4;
        return [(byte)(format.Rows - 1), (byte)(format.Columns - 1), (byte)flags, (byte)(format.BitsStored - 1)];
    }

    /// <inheritdoc />
    protected override void Parse(byte[] data)
    {
        if (data.Length < 4) return;
        var format = FormatOf(data);
        var frame = Codec.Decode(data.AsSpan(4), format);
        Require(frame.Samples.Length == format.PixelCount * format.SamplesPerPixel,
            $"{frame.Samples.Length} samples for {format.Rows}x{format.Columns}x{format.SamplesPerPixel}");
    }

    /// <inheritdoc />
    protected override bool IsDocumented(Exception e) => e is DicomCodecException;

    private static string Slug(string typeName)
    {
        string name = typeName.EndsWith("Codec", StringComparison.Ordinal) ? typeName[..^5] : typeName;
        var s = new StringBuilder();
        foreach (char c in name)
        {
            if (char.IsUpper(c) && s.Length > 0) s.Append('-');
            s.Append(char.ToLowerInvariant(c));
        }
        return s.ToString();
    }
}
