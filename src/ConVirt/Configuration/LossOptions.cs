namespace ConVirt.Configuration;

/// <summary>The contrastive objective.</summary>
internal sealed record LossOptions
{
    /// <summary>Temperature τ (ConVIRT 0.1; SimCLR 0.1-0.5; MoCo v2 0.2).</summary>
    public double Temperature { get; init; } = 0.1;
    /// <summary>Weight λ of the image-to-text direction (1-λ for text-to-image).</summary>
    public double Lambda { get; init; } = 0.75;
    /// <summary>MoCo v2: negative keys kept in the queue.</summary>
    public int QueueSize { get; init; } = 4096;
    /// <summary>MoCo v2: momentum m of the key encoder.</summary>
    public double Momentum { get; init; } = 0.999;
}
