namespace ConVirt.Data.Synthetic;

/// <summary>Independent, reproducible random streams per (data set seed, case index, purpose).</summary>
internal static class CaseSeed
{
    public const int Findings = 1, Anatomy = 2, Noise = 3, Report = 4, FindingGeometry = 100;

    /// <summary>A 32-bit seed mixed from the three inputs with SplitMix64 steps.</summary>
    public static int Mix(int seed, int index, int stream)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL;
        z = Step(z ^ (uint)index);
        z = Step(z ^ ((ulong)(uint)stream << 32));
        return (int)(z ^ (z >> 32));
    }

    public static Random Create(int seed, int index, int stream) => new(Mix(seed, index, stream));

    private static ulong Step(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
