namespace ConVirt.Data.Pipeline;

/// <summary>
/// Seeds derived from (seed, epoch, row, ...) by SplitMix64, identical in every process (unlike
/// <see cref="HashCode"/>), so batches and augmentations are a pure function of their coordinates.
/// </summary>
internal static class DeterministicRandom
{
    /// <summary>Mixes the parts into one 32-bit seed.</summary>
    public static int Seed(params long[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var p in parts) h = Mix(h ^ unchecked((ulong)p) + 0x9E3779B97F4A7C15UL);
        return unchecked((int)(h ^ (h >> 32)));
    }

    /// <summary>A System.Random seeded from the parts.</summary>
    public static Random Create(params long[] parts) => new(Seed(parts));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
