using System.Runtime.InteropServices;

namespace ConVirt.Data.Dicom;

/// <summary>
/// JPEG-LS lossless (1.2.840.10008.1.2.4.80) and near-lossless (1.2.840.10008.1.2.4.81) through CharLS 2
/// (Debian libcharls2, libcharls.so.2), by P/Invoke over its C API, loaded on the first <see cref="Decode"/>.
/// </summary>
internal sealed unsafe class JpegLsCodec : IDicomCodec
{
    const string Package = "libcharls2";
    const string Described = "JPEG-LS (CharLS; transfer syntaxes 1.2.840.10008.1.2.4.80, .81)";
    static readonly NativeCodecLibrary SharedLibrary = new(Described, Package, "libcharls.so.2", "libcharls.so", "charls");
    readonly NativeCodecLibrary library;
    readonly Lazy<Api> api;

    /// <summary>The codec over the system's libcharls.so.2.</summary>
    public JpegLsCodec() : this(SharedLibrary) { }

    /// <summary>A codec loading a given library name (tests use a name that does not exist).</summary>
    internal JpegLsCodec(string libraryName) : this(new NativeCodecLibrary(Described, Package, libraryName)) { }

    JpegLsCodec(NativeCodecLibrary library)
    {
        this.library = library;
        api = new Lazy<Api>(() => new Api(library), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> TransferSyntaxes { get; } = ["1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"];

    /// <inheritdoc />
    public string Name => "JPEG-LS (CharLS)";

    /// <summary>charls_frame_info of charls/public_types.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct FrameInfo
    {
        public uint Width;
        public uint Height;
        public int BitsPerSample;
        public int ComponentCount;
    }

    /// <summary>The C entry points (CharLS 2.x, charls_jpegls_decoder.h); they return charls_jpegls_errc, 0 on success.</summary>
    sealed class Api(NativeCodecLibrary lib)
    {
        public readonly delegate* unmanaged<IntPtr> Create = (delegate* unmanaged<IntPtr>)lib.Export("charls_jpegls_decoder_create");
        public readonly delegate* unmanaged<IntPtr, void> Destroy = (delegate* unmanaged<IntPtr, void>)lib.Export("charls_jpegls_decoder_destroy");
        public readonly delegate* unmanaged<IntPtr, byte*, nuint, int> SetSource = (delegate* unmanaged<IntPtr, byte*, nuint, int>)lib.Export("charls_jpegls_decoder_set_source_buffer");
        public readonly delegate* unmanaged<IntPtr, int> ReadHeader = (delegate* unmanaged<IntPtr, int>)lib.Export("charls_jpegls_decoder_read_header");
        public readonly delegate* unmanaged<IntPtr, FrameInfo*, int> GetFrameInfo = (delegate* unmanaged<IntPtr, FrameInfo*, int>)lib.Export("charls_jpegls_decoder_get_frame_info");
        public readonly delegate* unmanaged<IntPtr, int*, int> GetInterleaveMode = (delegate* unmanaged<IntPtr, int*, int>)lib.Export("charls_jpegls_decoder_get_interleave_mode");
        public readonly delegate* unmanaged<IntPtr, uint, nuint*, int> GetDestinationSize = (delegate* unmanaged<IntPtr, uint, nuint*, int>)lib.Export("charls_jpegls_decoder_get_destination_size");
        public readonly delegate* unmanaged<IntPtr, byte*, nuint, uint, int> DecodeToBuffer = (delegate* unmanaged<IntPtr, byte*, nuint, uint, int>)lib.Export("charls_jpegls_decoder_decode_to_buffer");
        public readonly delegate* unmanaged<int, IntPtr> ErrorMessage = (delegate* unmanaged<int, IntPtr>)lib.Export("charls_get_error_message");
    }

    /// <inheritdoc />
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        long count = StoredSamples.CheckFormat(format, Name);
        if (frame.Length < 4 || frame[0] != 0xFF || frame[1] != 0xD8)
            throw new DicomCodecException($"{Name}: the data does not start with an SOI marker (FFD8)");
        var f = api.Value;
        frame = Terminated(frame);
        IntPtr decoder = f.Create();
        if (decoder == IntPtr.Zero)
            throw new DicomCodecException($"{Name}: {library.LibraryName} could not create a decoder");
        try
        {
            fixed (byte* source = frame)
            {
                Check(f, f.SetSource(decoder, source, (nuint)frame.Length), "reading the stream");
                Check(f, f.ReadHeader(decoder), "reading the header");
                FrameInfo info;
                Check(f, f.GetFrameInfo(decoder, &info), "reading the frame info");
                int mode;
                Check(f, f.GetInterleaveMode(decoder, &mode), "reading the interleave mode");
                if (info.Width != format.Columns || info.Height != format.Rows || info.ComponentCount != format.SamplesPerPixel)
                    throw new DicomCodecException($"{Name}: the JPEG-LS frame is {info.Width} x {info.Height} with {info.ComponentCount} components, " +
                        $"the header says {format.Columns} x {format.Rows} with {format.SamplesPerPixel}");
                if (info.BitsPerSample is < 2 or > 16)
                    throw new DicomCodecException($"{Name}: {info.BitsPerSample} bits per sample (2..16 expected)");
                int bytesPerSample = info.BitsPerSample <= 8 ? 1 : 2;
                nuint expected = (nuint)(count * bytesPerSample), size;
                Check(f, f.GetDestinationSize(decoder, 0, &size), "sizing the output");
                if (size != expected)
                    throw new DicomCodecException($"{Name}: CharLS reports {size} output bytes, the header implies {expected}");
                var raw = GC.AllocateUninitializedArray<byte>(checked((int)expected));
                fixed (byte* destination = raw)
                    Check(f, f.DecodeToBuffer(decoder, destination, expected, 0), "decoding");
                var samples = Unpack(raw, bytesPerSample, count, format.SamplesPerPixel, planar: mode == 0 && format.SamplesPerPixel > 1);
                StoredSamples.SignExtendIfSigned(samples, format);
                return new DicomFrame(samples, format.Photometric);
            }
        }
        finally
        {
            f.Destroy(decoder);
        }
    }

    /// <summary>
    /// The stream up to its EOI marker (FFD9), with fragment padding (trailing zero bytes) removed; a stream
    /// without EOI gets one appended in a copy. CharLS 2.4.1 can spin for tens of seconds on a stream that
    /// simply stops (a 16 KB cut of JLSL_16_15_1_1F.dcm took 16-26 s); with the marker it fails in a millisecond,
    /// and a stream missing only its EOI still decodes.
    /// </summary>
    static ReadOnlySpan<byte> Terminated(ReadOnlySpan<byte> frame)
    {
        int end = frame.Length;
        while (end > 0 && frame[end - 1] == 0) end--;
        frame = frame[..end];
        if (frame.EndsWith((ReadOnlySpan<byte>)[0xFF, 0xD9]))
            return frame;
        var copy = new byte[frame.Length + 2];
        frame.CopyTo(copy);
        copy[^2] = 0xFF;
        copy[^1] = 0xD9;
        return copy;
    }

    /// <summary>CharLS writes 8-bit samples as bytes and deeper ones as native-endian 16-bit words; interleave mode none gives planes.</summary>
    static int[] Unpack(byte[] raw, int bytesPerSample, long count, int spp, bool planar)
    {
        var samples = new int[count];
        if (bytesPerSample == 1)
            for (int i = 0; i < samples.Length; i++) samples[i] = raw[i];
        else
        {
            var words = MemoryMarshal.Cast<byte, ushort>(raw);
            for (int i = 0; i < samples.Length; i++) samples[i] = words[i];
        }
        if (!planar)
            return samples;
        long pixels = count / spp;
        var interleaved = new int[count];
        for (int c = 0; c < spp; c++)
            for (long p = 0; p < pixels; p++)
                interleaved[p * spp + c] = samples[c * pixels + p];
        return interleaved;
    }

    void Check(Api f, int error, string step)
    {
        if (error == 0)
            return;
        string? message = null;
        IntPtr text = f.ErrorMessage(error);
        if (text != IntPtr.Zero) message = Marshal.PtrToStringUTF8(text);
        throw new DicomCodecException($"{Name}: CharLS error {error} {step}: {message ?? "unknown error"}");
    }
}
