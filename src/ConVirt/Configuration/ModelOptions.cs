namespace ConVirt.Configuration;

/// <summary>Both towers and their projection heads.</summary>
internal sealed record ModelOptions
{
    /// <summary>Image tower.</summary>
    public ImageEncoderOptions Image { get; init; } = new();
    /// <summary>Text tower.</summary>
    public TextEncoderOptions Text { get; init; } = new();
    /// <summary>Output width d of g_v and g_u (512).</summary>
    public int ProjectionDim { get; init; } = 512;
    /// <summary>Hidden width of g_v and g_u (= d in the re-implementations).</summary>
    public int ProjectionHidden { get; init; } = 512;
}
