using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ConVirt.Data.Dicom;

/// <summary>
/// JPEG 2000 (1.2.840.10008.1.2.4.90 lossless, .91) and High-Throughput JPEG 2000 (.201, .202, .203) through
/// OpenJPEG 2.5 (Debian libopenjp2-7, libopenjp2.so.7), by P/Invoke, loaded on the first <see cref="Decode"/>.
/// Reads a raw J2K codestream or a JP2 file (by magic bytes) from memory; OpenJPEG reverses the YBR_ICT/YBR_RCT
/// component transform, so such frames come back as "RGB".
/// </summary>
/// <remarks>
/// A codestream coding unsigned samples in a file whose Pixel Representation is 1 (J2K_pixelrep_mismatch.dcm)
/// is read as two's complement in Bits Stored, as pydicom and GDCM do. Each call uses its own OpenJPEG codec,
/// stream and image, freed before it returns; the library's messages go to the exception, never to a console.
/// </remarks>
internal sealed unsafe class Jpeg2000Codec : IDicomCodec
{
    const string Package = "libopenjp2-7";
    const string CodecName = "JPEG 2000 (OpenJPEG)";
    const string Described = "JPEG 2000 (OpenJPEG; transfer syntaxes 1.2.840.10008.1.2.4.90, .91, .201, .202, .203)";
    static readonly NativeCodecLibrary SharedLibrary = new(Described, Package, "libopenjp2.so.7", "libopenjp2.so", "openjp2");
    readonly Lazy<Api> api;

    /// <summary>The codec over the system's libopenjp2.so.7.</summary>
    public Jpeg2000Codec() : this(SharedLibrary) { }

    /// <summary>A codec loading a given library name (tests use a name that does not exist).</summary>
    internal Jpeg2000Codec(string libraryName) : this(new NativeCodecLibrary(Described, Package, libraryName)) { }

    Jpeg2000Codec(NativeCodecLibrary library) => api = new Lazy<Api>(() => new Api(library), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <inheritdoc />
    public IReadOnlyList<string> TransferSyntaxes { get; } =
        ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"];

    /// <inheritdoc />
    public string Name => CodecName;

    /// <summary>opj_image_t of OpenJPEG 2.5 (openjpeg.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Image
    {
        public uint X0, Y0, X1, Y1;
        public uint NumComps;
        public int ColorSpace;
        public Component* Comps;
        public byte* IccProfile;
        public uint IccProfileLength;
    }

    /// <summary>opj_image_comp_t of OpenJPEG 2.5 (bpp is deprecated but still present).</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct Component
    {
        public uint Dx, Dy, W, H, X0, Y0, Prec, Bpp, Sgnd, ResnoDecoded, Factor;
        public int* Data;
        public ushort Alpha;
    }

    /// <summary>The memory stream's state, handed to the callbacks as user data.</summary>
    struct Source
    {
        public byte* Data;
        public long Length;
        public long Position;
    }

    /// <summary>OpenJPEG's C entry points; OPJ_BOOL is int, OPJ_SIZE_T size_t, OPJ_OFF_T int64.</summary>
    sealed class Api(NativeCodecLibrary lib)
    {
        public readonly delegate* unmanaged<int, IntPtr> CreateDecompress = (delegate* unmanaged<int, IntPtr>)lib.Export("opj_create_decompress");
        public readonly delegate* unmanaged<IntPtr, void> DestroyCodec = (delegate* unmanaged<IntPtr, void>)lib.Export("opj_destroy_codec");
        public readonly delegate* unmanaged<byte*, void> SetDefaultParameters = (delegate* unmanaged<byte*, void>)lib.Export("opj_set_default_decoder_parameters");
        public readonly delegate* unmanaged<IntPtr, byte*, int> SetupDecoder = (delegate* unmanaged<IntPtr, byte*, int>)lib.Export("opj_setup_decoder");
        public readonly delegate* unmanaged<IntPtr, delegate* unmanaged<byte*, void*, void>, void*, int> SetErrorHandler =
            (delegate* unmanaged<IntPtr, delegate* unmanaged<byte*, void*, void>, void*, int>)lib.Export("opj_set_error_handler");
        public readonly delegate* unmanaged<nuint, int, IntPtr> StreamCreate = (delegate* unmanaged<nuint, int, IntPtr>)lib.Export("opj_stream_create");
        public readonly delegate* unmanaged<IntPtr, void> StreamDestroy = (delegate* unmanaged<IntPtr, void>)lib.Export("opj_stream_destroy");
        public readonly delegate* unmanaged<IntPtr, delegate* unmanaged<byte*, nuint, Source*, nuint>, void> SetRead =
            (delegate* unmanaged<IntPtr, delegate* unmanaged<byte*, nuint, Source*, nuint>, void>)lib.Export("opj_stream_set_read_function");
        public readonly delegate* unmanaged<IntPtr, delegate* unmanaged<long, Source*, long>, void> SetSkip =
            (delegate* unmanaged<IntPtr, delegate* unmanaged<long, Source*, long>, void>)lib.Export("opj_stream_set_skip_function");
        public readonly delegate* unmanaged<IntPtr, delegate* unmanaged<long, Source*, int>, void> SetSeek =
            (delegate* unmanaged<IntPtr, delegate* unmanaged<long, Source*, int>, void>)lib.Export("opj_stream_set_seek_function");
        public readonly delegate* unmanaged<IntPtr, void*, IntPtr, void> SetUserData = (delegate* unmanaged<IntPtr, void*, IntPtr, void>)lib.Export("opj_stream_set_user_data");
        public readonly delegate* unmanaged<IntPtr, ulong, void> SetUserDataLength = (delegate* unmanaged<IntPtr, ulong, void>)lib.Export("opj_stream_set_user_data_length");
        public readonly delegate* unmanaged<IntPtr, IntPtr, Image**, int> ReadHeader = (delegate* unmanaged<IntPtr, IntPtr, Image**, int>)lib.Export("opj_read_header");
        public readonly delegate* unmanaged<IntPtr, IntPtr, Image*, int> DecodeImage = (delegate* unmanaged<IntPtr, IntPtr, Image*, int>)lib.Export("opj_decode");
        public readonly delegate* unmanaged<IntPtr, IntPtr, int> EndDecompress = (delegate* unmanaged<IntPtr, IntPtr, int>)lib.Export("opj_end_decompress");
        public readonly delegate* unmanaged<Image*, void> ImageDestroy = (delegate* unmanaged<Image*, void>)lib.Export("opj_image_destroy");
    }

    const int CodecJ2k = 0, CodecJp2 = 2;
    const int ParametersBytes = 16384; // opj_dparameters_t is 8256 bytes in 2.5; the rest is slack

    static ReadOnlySpan<byte> J2kMagic => [0xFF, 0x4F, 0xFF, 0x51];
    static ReadOnlySpan<byte> Jp2Magic => [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A];

    /// <inheritdoc />
    public DicomFrame Decode(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        long count = StoredSamples.CheckFormat(format, Name);
        int kind = frame.StartsWith(J2kMagic) ? CodecJ2k : frame.StartsWith(Jp2Magic) ? CodecJp2
            : throw new DicomCodecException($"{Name}: the data is neither a J2K codestream (FF4F FF51) nor a JP2 file");
        CheckSiz(frame, format);
        var f = api.Value;
        var errors = new List<string>();
        var errorsHandle = GCHandle.Alloc(errors);
        IntPtr codec = IntPtr.Zero, stream = IntPtr.Zero;
        Image* image = null;
        try
        {
            fixed (byte* data = frame)
            {
                var source = new Source { Data = data, Length = frame.Length, Position = 0 };
                codec = f.CreateDecompress(kind);
                if (codec == IntPtr.Zero)
                    throw new DicomCodecException($"{Name}: OpenJPEG could not create a decoder");
                f.SetErrorHandler(codec, &OnError, (void*)GCHandle.ToIntPtr(errorsHandle));
                byte* parameters = stackalloc byte[ParametersBytes];
                new Span<byte>(parameters, ParametersBytes).Clear();
                f.SetDefaultParameters(parameters);
                Check(f.SetupDecoder(codec, parameters), "setting up the decoder", errors);

                stream = f.StreamCreate((nuint)Math.Clamp(frame.Length, 4096, 1 << 20), 1);
                if (stream == IntPtr.Zero)
                    throw new DicomCodecException($"{Name}: OpenJPEG could not create a stream");
                f.SetRead(stream, &Read);
                f.SetSkip(stream, &Skip);
                f.SetSeek(stream, &Seek);
                f.SetUserData(stream, &source, IntPtr.Zero);
                f.SetUserDataLength(stream, (ulong)frame.Length);

                Check(f.ReadHeader(stream, codec, &image), "reading the header", errors);
                if (image == null)
                    throw new DicomCodecException($"{Name}: OpenJPEG returned no image header");
                CheckImage(image, format, decoded: false);
                Check(f.DecodeImage(codec, stream, image), "decoding", errors);
                Check(f.EndDecompress(codec, stream), "finishing the decode", errors);
                CheckImage(image, format, decoded: true);
                var samples = Interleave(image, count, format.SamplesPerPixel);
                if (image->Comps[0].Sgnd == 0)
                    StoredSamples.SignExtendIfSigned(samples, format);
                string photometric = format.Photometric is "YBR_ICT" or "YBR_RCT" ? "RGB" : format.Photometric;
                return new DicomFrame(samples, photometric);
            }
        }
        finally
        {
            if (image != null) f.ImageDestroy(image);
            if (stream != IntPtr.Zero) f.StreamDestroy(stream);
            if (codec != IntPtr.Zero) f.DestroyCodec(codec);
            errorsHandle.Free();
        }
    }

    /// <summary>Compares the codestream's image with the DICOM header before OpenJPEG allocates, and its buffers after.</summary>
    /// <summary>
    /// The codestream's SIZ marker against the header, before OpenJPEG sees it: the image size must be the
    /// header's and the tiles at most the standard's 65,535. Found by fuzzing: a 108-byte codestream claiming
    /// 640 x 16,777,696 pixels in 480-row tiles kept OpenJPEG's header reader busy for 1.5-2.2 s before the size
    /// check after it could refuse it.
    /// </summary>
    void CheckSiz(ReadOnlySpan<byte> frame, DicomPixelFormat format)
    {
        int at = frame.IndexOf(J2kMagic);            // 0 for a raw codestream; inside the jp2c box of a JP2 file
        if (at < 0 || frame.Length < at + 4 + 38) return;   // too short to hold a SIZ: OpenJPEG reports it
        var siz = frame[(at + 4)..];
        long xsiz = U32(siz, 4), ysiz = U32(siz, 8), xo = U32(siz, 12), yo = U32(siz, 16), xt = U32(siz, 20), yt = U32(siz, 24), xto = U32(siz, 28), yto = U32(siz, 32);
        long width = xsiz - xo, height = ysiz - yo;
        if (width != format.Columns || height != format.Rows)
            throw new DicomCodecException($"{Name}: the codestream is {width} x {height}, the header says {format.Columns} x {format.Rows}");
        if (xt == 0 || yt == 0 || xto > xo || yto > yo || xsiz <= xto || ysiz <= yto)
            throw new DicomCodecException($"{Name}: the codestream's tile grid is invalid (tile {xt} x {yt} at {xto}, {yto})");
        long tiles = ((xsiz - xto + xt - 1) / xt) * ((ysiz - yto + yt - 1) / yt);
        if (tiles > 65535)
            throw new DicomCodecException($"{Name}: the codestream has {tiles:N0} tiles, more than the 65,535 JPEG 2000 allows");
    }

    static long U32(ReadOnlySpan<byte> data, int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);

    void CheckImage(Image* image, DicomPixelFormat format, bool decoded)
    {
        long width = (long)image->X1 - image->X0, height = (long)image->Y1 - image->Y0;
        if (width != format.Columns || height != format.Rows || image->NumComps != format.SamplesPerPixel || image->Comps == null)
            throw new DicomCodecException($"{Name}: the codestream is {width} x {height} with {image->NumComps} components, " +
                $"the header says {format.Columns} x {format.Rows} with {format.SamplesPerPixel}");
        for (int c = 0; c < format.SamplesPerPixel; c++)
        {
            ref Component comp = ref image->Comps[c];
            if (comp.Dx != 1 || comp.Dy != 1 || comp.W != format.Columns || comp.H != format.Rows)
                throw new DicomCodecException($"{Name}: component {c} is {comp.W} x {comp.H} with sub-sampling {comp.Dx} x {comp.Dy}; " +
                    $"the header needs {format.Columns} x {format.Rows} at full resolution");
            if (comp.Prec is < 1 or > 16)
                throw new DicomCodecException($"{Name}: component {c} has {comp.Prec}-bit precision (1..16 supported)");
            if (comp.Sgnd != image->Comps[0].Sgnd)
                throw new DicomCodecException($"{Name}: components differ in signedness");
            if (decoded && comp.Data == null)
                throw new DicomCodecException($"{Name}: OpenJPEG decoded no data for component {c}");
        }
    }

    static int[] Interleave(Image* image, long count, int spp)
    {
        var samples = new int[count];
        long pixels = count / spp;
        if (spp == 1)
        {
            new ReadOnlySpan<int>(image->Comps[0].Data, (int)pixels).CopyTo(samples);
            return samples;
        }
        for (int c = 0; c < spp; c++)
        {
            var plane = new ReadOnlySpan<int>(image->Comps[c].Data, (int)pixels);
            for (int p = 0, o = c; p < plane.Length; p++, o += spp)
                samples[o] = plane[p];
        }
        return samples;
    }

    void Check(int ok, string step, List<string> errors)
    {
        if (ok != 0)
            return;
        string detail = errors.Count > 0 ? string.Join("; ", errors.Select(e => e.Trim())) : "no message";
        throw new DicomCodecException($"{Name}: OpenJPEG failed {step}: {detail}");
    }

    [UnmanagedCallersOnly]
    static void OnError(byte* message, void* client)
    {
        try
        {
            if (GCHandle.FromIntPtr((IntPtr)client).Target is List<string> errors && errors.Count < 8 && message != null)
                errors.Add(Marshal.PtrToStringUTF8((IntPtr)message) ?? "");
        }
        catch (Exception) { /* never unwind into native code */ }
    }

    [UnmanagedCallersOnly]
    static nuint Read(byte* buffer, nuint bytes, Source* source)
    {
        long left = source->Length - source->Position;
        if (left <= 0)
            return unchecked((nuint)(-1));
        long n = bytes < (nuint)left ? (long)bytes : left;
        Buffer.MemoryCopy(source->Data + source->Position, buffer, (long)bytes, n);
        source->Position += n;
        return (nuint)n;
    }

    [UnmanagedCallersOnly]
    static long Skip(long bytes, Source* source)
    {
        long target = Math.Clamp(source->Position + bytes, 0, source->Length);
        if (bytes > 0 && target == source->Position)
            return -1;
        long moved = target - source->Position;
        source->Position = target;
        return moved;
    }

    [UnmanagedCallersOnly]
    static int Seek(long offset, Source* source)
    {
        if (offset < 0 || offset > source->Length)
            return 0;
        source->Position = offset;
        return 1;
    }
}
