using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Interop;

/// <summary>Strict, all-or-nothing copy of a name -> tensor dictionary into a module's state dict.</summary>
internal static class StateDictLoader
{
    /// <summary>
    /// Checks every key and shape first and throws <see cref="WeightLoadException"/> listing all problems;
    /// only if everything fits, copies the values (converted to the target's dtype) under no_grad.
    /// Target keys for which <paramref name="mayBeMissing"/> is true keep their current values when absent.
    /// </summary>
    public static void Load(nn.Module target, IReadOnlyDictionary<string, Tensor> source, string sourceName, Func<string, bool>? mayBeMissing = null)
    {
        var targetState = target.state_dict();
        var missing = targetState.Keys.Where(k => !source.ContainsKey(k) && !(mayBeMissing?.Invoke(k) ?? false)).ToList();
        var unexpected = source.Keys.Where(k => !targetState.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var misShaped = new List<string>();
        foreach (var (key, tensor) in source)
        {
            if (targetState.TryGetValue(key, out var t) && !t.shape.SequenceEqual(tensor.shape))
                misShaped.Add($"{key}: model [{string.Join(", ", t.shape)}], file [{string.Join(", ", tensor.shape)}]");
        }
        if (missing.Count + unexpected.Count + misShaped.Count > 0)
            throw new WeightLoadException(sourceName, missing, unexpected, misShaped);
        using var _ = torch.no_grad();
        foreach (var (key, t) in targetState)
        {
            if (source.TryGetValue(key, out var value)) t.copy_(value);
        }
    }

    /// <summary>Disposes every tensor of a dictionary built while loading.</summary>
    public static void DisposeAll(IEnumerable<Tensor> tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }
}
