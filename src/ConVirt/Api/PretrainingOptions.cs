namespace ConVirt;

/// <summary>What <see cref="ConVirtPretraining.Run"/> trains: data, run folder, method and the values people change
/// most; every other value is the preset's (docs/model.md; <c>convirt pretrain --help</c> for the rest).</summary>
public sealed record PretrainingOptions
{
    /// <summary>Training manifest (JSON Lines or CSV, docs/pretraining.md) or a folder made by <c>convirt prepare</c>; several separated by commas.</summary>
    public required string TrainManifest { get; init; }

    /// <summary>Validation manifest(s); null: the training manifests' <c>val</c> rows, if any (early stopping and <c>best/</c> need validation).</summary>
    public string? ValidationManifest { get; init; }

    /// <summary>Folder that relative image paths resolve against; null: each manifest's own folder. Absolute paths are used as they are.</summary>
    public string? ImageRoot { get; init; }

    /// <summary>The run folder: checkpoints, <c>config.json</c>, metrics and <c>best/</c> are written there.</summary>
    public required string RunFolder { get; init; }

    /// <summary>The base configuration (default <see cref="PretrainingPreset.CpuSmall"/>).</summary>
    public PretrainingPreset Preset { get; init; } = PretrainingPreset.CpuSmall;

    /// <summary>The method (default ConVIRT).</summary>
    public PretrainingMethod Method { get; init; } = PretrainingMethod.ConVirt;

    /// <summary>Epochs; null: the preset's.</summary>
    public int? Epochs { get; init; }

    /// <summary>Pairs per optimiser step; null: the preset's.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Learning rate; null: the preset's.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Side of the training and evaluation views in pixels; null: the preset's.</summary>
    public int? ImageSize { get; init; }

    /// <summary>Seed of initialisation, sampling and augmentation; null: the preset's.</summary>
    public int? Seed { get; init; }

    /// <summary>Stop after this many optimiser steps (null: run the planned epochs).</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Continue from the run folder's latest checkpoint.</summary>
    public bool Resume { get; init; }

    /// <summary>Where training computes.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;

    /// <summary>What training computes in (weights stay float32).</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;

    /// <summary>libtorch's intra-op threads; 0: libtorch's choice.</summary>
    public int Threads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value (the resolved configuration is checked again when the run starts).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TrainManifest)) throw new ArgumentException("PretrainingOptions.TrainManifest is empty", nameof(TrainManifest));
        if (string.IsNullOrWhiteSpace(RunFolder)) throw new ArgumentException("PretrainingOptions.RunFolder is empty", nameof(RunFolder));
        if (!Enum.IsDefined(Preset)) throw new ArgumentException($"PretrainingOptions.Preset: unknown value {(int)Preset}", nameof(Preset));
        if (!Enum.IsDefined(Method)) throw new ArgumentException($"PretrainingOptions.Method: unknown value {(int)Method}", nameof(Method));
        if (!Enum.IsDefined(Device)) throw new ArgumentException($"PretrainingOptions.Device: unknown value {(int)Device}", nameof(Device));
        if (!Enum.IsDefined(Precision)) throw new ArgumentException($"PretrainingOptions.Precision: unknown value {(int)Precision}", nameof(Precision));
        if (Epochs is < 1) throw new ArgumentException($"PretrainingOptions.Epochs: {Epochs} must be at least 1", nameof(Epochs));
        if (BatchSize is < 2) throw new ArgumentException($"PretrainingOptions.BatchSize: {BatchSize} must be at least 2 (contrastive pairs)", nameof(BatchSize));
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr))) throw new ArgumentException($"PretrainingOptions.LearningRate: {lr} must be positive and finite", nameof(LearningRate));
        if (ImageSize is < 32 or > 4096) throw new ArgumentException($"PretrainingOptions.ImageSize: {ImageSize} px is outside 32..4096", nameof(ImageSize));
        if (MaxSteps is < 1) throw new ArgumentException($"PretrainingOptions.MaxSteps: {MaxSteps} must be at least 1", nameof(MaxSteps));
        if (Threads < 0) throw new ArgumentException($"PretrainingOptions.Threads: {Threads} is negative", nameof(Threads));
    }
}
