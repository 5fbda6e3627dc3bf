using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Precision;

/// <summary>
/// Low-precision copies of parameters, made once per <see cref="AutocastRegion"/> (a training step, an embedding
/// pass) and reused by every call in it: the micro-batches of gradient caching, the two passes, MoCo's key encoder.
/// Like PyTorch's autocast weight cache, it is only valid while the parameters do not change: regions end before the
/// optimiser steps. A copy made with gradients enabled stays in the autograd graph (its gradient reaches the float32
/// parameter); one made under no_grad is kept apart, so a graph-free pass never hands a graph-building pass a copy
/// without history.
/// </summary>
internal sealed class WeightCastCache : IDisposable
{
    readonly Dictionary<(IntPtr Data, long Elements, bool ChannelsLast, bool Grad), Tensor> copies = [];

    /// <summary>Copies made since the region began.</summary>
    public int Casts { get; private set; }

    /// <summary>Reuses of an existing copy.</summary>
    public int Hits { get; private set; }

    /// <summary>Bytes held by the copies.</summary>
    public long Bytes { get; private set; }

    /// <summary>The copy of <paramref name="weight"/> in the <paramref name="channelsLast"/> layout, made by <paramref name="make"/> the first
    /// time; a tensor that is not a parameter gets a fresh copy each time (owned by the caller's dispose scope).</summary>
    public Tensor GetOrAdd(Tensor weight, bool channelsLast, Func<Tensor, Tensor> make)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(make);
        // only parameters are cached: they live through the region, so their handles cannot be reused by another tensor
        if (weight is not TorchSharp.Modules.Parameter) return make(weight);
        var key = (weight.Handle, weight.numel(), channelsLast, torch.is_grad_enabled());
        if (copies.TryGetValue(key, out var copy)) { Hits++; return copy; }
        copy = make(weight).DetachFromDisposeScope();   // owned here: inner dispose scopes of a forward must not free it
        copies[key] = copy;
        Casts++;
        Bytes += copy.numel() * copy.ElementSize;
        return copy;
    }

    /// <summary>Frees every copy (the autograd graph keeps what it still needs).</summary>
    public void Clear()
    {
        foreach (var copy in copies.Values) copy.Dispose();
        copies.Clear();
    }

    /// <inheritdoc />
    public void Dispose() => Clear();
}
