namespace ConVirt.Data.Dicom;

/// <summary>
/// The first pipeline stage: keeps the low Bits Stored bits of every sample and, for Pixel Representation 1,
/// sign-extends them (two's complement), so that e.g. a 14-bit signed CT value 0x3FFF becomes -1.
/// </summary>
internal static class StoredValueMask
{
    /// <summary>Masks (and sign-extends) <paramref name="samples"/> in place.</summary>
    public static void Apply(Span<int> samples, int bitsStored, bool signed)
    {
        if (bitsStored is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(bitsStored), bitsStored, "Bits Stored must be in 1..32.");
        if (bitsStored == 32) return;
        int shift = 32 - bitsStored;
        if (signed)
            for (int i = 0; i < samples.Length; i++) samples[i] = (samples[i] << shift) >> shift;
        else
        {
            int mask = (int)((1u << bitsStored) - 1);
            for (int i = 0; i < samples.Length; i++) samples[i] &= mask;
        }
    }
}
