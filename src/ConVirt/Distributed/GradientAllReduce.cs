using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// Sums the trainable parameters' gradients over ranks: all gradients copied into one flat host buffer (allocated
/// once; device gradients are staged there), all-reduced in buckets of about <see cref="BucketBytes"/> (split at
/// parameter boundaries, so one call moves many small tensors), copied back. The losses are shares of the global
/// loss (divided by the global batch), so the sum is the gradient of the global loss; this equals DDP's average of
/// per-rank means.
/// </summary>
internal sealed class GradientAllReduce : IDisposable
{
    /// <summary>Default bucket size: 25 MB, as PyTorch DDP's.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    private readonly ICollectives world;
    private readonly Parameter[] parameters;
    private readonly long[] offsets;
    private readonly Tensor flat;
    private readonly List<(long Start, long Length)> buckets = [];

    /// <summary>Prepares the buffer for <paramref name="trainable"/> (the same list, in the same order, on every rank).</summary>
    public GradientAllReduce(ICollectives world, IEnumerable<Parameter> trainable, long bucketBytes = DefaultBucketBytes)
    {
        this.world = world;
        parameters = trainable.ToArray();
        if (parameters.Length == 0) throw new ArgumentException("no trainable parameter", nameof(trainable));
        var dtype = parameters[0].dtype;
        if (parameters.Any(p => p.dtype != dtype)) throw new ArgumentException("trainable parameters of several dtypes", nameof(trainable));
        BucketBytes = bucketBytes;
        offsets = new long[parameters.Length + 1];
        for (int i = 0; i < parameters.Length; i++) offsets[i + 1] = offsets[i] + parameters[i].numel();
        flat = torch.zeros(offsets[^1], dtype: dtype);
        long width = flat.ElementSize, start = 0;
        for (int i = 0; i < parameters.Length; i++)
        {
            if ((offsets[i + 1] - start) * width > bucketBytes && offsets[i] > start)
            {
                buckets.Add((start, offsets[i] - start));
                start = offsets[i];
            }
        }
        buckets.Add((start, offsets[^1] - start));
    }

    /// <summary>Bucket size limit in bytes.</summary>
    public long BucketBytes { get; }

    /// <summary>Gradient elements moved per step.</summary>
    public long Elements => offsets[^1];

    /// <summary>Number of all-reduce calls per step.</summary>
    public int Buckets => buckets.Count;

    /// <summary>Replaces every trainable parameter's gradient by its sum over ranks (a missing gradient counts as zero).</summary>
    public void Run()
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        for (int i = 0; i < parameters.Length; i++)
        {
            var view = flat.narrow(0, offsets[i], offsets[i + 1] - offsets[i]).view(parameters[i].shape);
            if (parameters[i].grad is { } g) view.copy_(g);
            else view.zero_();
        }
        foreach (var (start, length) in buckets) world.AllReduceSum(flat.narrow(0, start, length));
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].grad is not { } g) continue;
            g.copy_(flat.narrow(0, offsets[i], offsets[i + 1] - offsets[i]).view(parameters[i].shape));
        }
    }

    /// <inheritdoc />
    public void Dispose() => flat.Dispose();
}
