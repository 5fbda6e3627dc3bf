namespace ConVirt;

/// <summary>How <see cref="ConVirtEncoder.Load"/> prepares an encoder.</summary>
public sealed record EncoderOptions
{
    /// <summary>Where the encoder computes (default: the CPU).</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;

    /// <summary>What it computes in (default: fp32).</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;

    /// <summary>Side of the evaluation view in pixels: images are resized on their short side and centre-cropped to
    /// this square, as <c>convirt embed --image-size</c> does (default 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>What computes the forward passes (default <see cref="InferenceBackend.Auto"/>).</summary>
    public InferenceBackend Backend { get; init; }

    /// <summary>libtorch's intra-op threads for the whole process; 0 (default) leaves libtorch's choice (all cores).</summary>
    public int Threads { get; init; }

    /// <summary>Seed of the weights of the <c>random</c> baseline (ignored for other sources).</summary>
    public int Seed { get; init; }

    /// <summary>Images embedded per forward pass (default 32): more is faster on a GPU and needs more memory.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Device)) throw new ArgumentException($"EncoderOptions.Device: unknown value {(int)Device}", nameof(Device));
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"EncoderOptions.Precision: unknown value {(int)Precision}", nameof(Precision));
        if (!Enum.IsDefined(Backend)) throw new ArgumentException($"EncoderOptions.Backend: unknown value {(int)Backend}", nameof(Backend));
        if (ImageSize is < 32 or > 4096) throw new ArgumentException($"EncoderOptions.ImageSize: {ImageSize} px is outside 32..4096", nameof(ImageSize));
        if (Threads < 0) throw new ArgumentException($"EncoderOptions.Threads: {Threads} is negative (0 = libtorch's choice)", nameof(Threads));
        if (BatchSize < 1) throw new ArgumentException($"EncoderOptions.BatchSize: {BatchSize} must be at least 1", nameof(BatchSize));
    }
}
