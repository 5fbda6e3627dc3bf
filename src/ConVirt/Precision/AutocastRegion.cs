namespace ConVirt.Precision;

/// <summary>
/// A stretch of code that computes under one <see cref="PrecisionPolicy"/> (<see cref="Autocast.Enter"/>), like a
/// <c>with torch.autocast(...)</c> block; disposing it frees its weight copies and restores the enclosing region.
/// </summary>
internal sealed class AutocastRegion : IDisposable
{
    readonly AutocastRegion? previous;
    bool disposed;

    internal AutocastRegion(PrecisionPolicy policy, AutocastRegion? previous)
    {
        Policy = policy;
        this.previous = previous;
    }

    /// <summary>The policy in force.</summary>
    public PrecisionPolicy Policy { get; }

    /// <summary>The region's weight copies.</summary>
    public WeightCastCache Cache { get; } = new();

    /// <inheritdoc />
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Cache.Dispose();
        Autocast.Restore(this, previous);
    }
}
