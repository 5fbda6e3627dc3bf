using ConVirt.Configuration;
using TorchSharp;

namespace ConVirt.Distributed;

/// <summary>
/// Where a rank computes: with several ranks, <c>--device cuda</c> means the GPU of this rank's local rank
/// (<c>cuda:{local rank}</c>), and unset <c>--threads</c> shares this machine's cores between its ranks.
/// </summary>
internal static class RankPlacement
{
    /// <summary>The configuration for this rank (unchanged for a single process).</summary>
    public static ConVirtConfig Apply(ConVirtConfig config, ICollectives collectives, Action<string>? report = null)
    {
        if (collectives.Size == 1) return config;
        if (config.Device == "cuda" || config.Device.StartsWith("cuda:", StringComparison.Ordinal))
            config = config with { Device = $"cuda:{collectives.LocalRank}" };
        int threads = config.Threads > 0 ? config.Threads : Math.Max(1, Environment.ProcessorCount / Math.Max(1, collectives.LocalSize));
        if (config.Threads <= 0) torch.set_num_threads(threads);   // not written to config.json: a resumed run places itself again
        report?.Invoke($"data-parallel: {collectives.Size} ranks ({collectives.LocalSize} on this machine), global batch {config.Optimizer.BatchSize} " +
                       $"= {collectives.Size} slices of about {config.Optimizer.BatchSize / collectives.Size}; {threads} threads per rank; device {config.Device} on rank 0");
        return config;
    }
}
