namespace ConVirt;

/// <summary>The configuration's spelling of <see cref="PretrainingMethod"/> (<c>convirt</c>, <c>simclr</c>, <c>mocov2</c>).</summary>
internal static class PretrainingMethodNames
{
    internal static string Name(PretrainingMethod method) => method switch
    {
        PretrainingMethod.ConVirt => "convirt",
        PretrainingMethod.SimClr => "simclr",
        PretrainingMethod.MoCoV2 => "mocov2",
        _ => throw new ArgumentException($"unknown pretraining method {(int)method}", nameof(method)),
    };

    /// <summary>The method of a configuration's name; null for a method the facade does not list (the core accepts registered ones).</summary>
    internal static PretrainingMethod? TryParse(string name) => name.ToLowerInvariant() switch
    {
        "convirt" => PretrainingMethod.ConVirt,
        "simclr" => PretrainingMethod.SimClr,
        "mocov2" => PretrainingMethod.MoCoV2,
        _ => null,
    };
}
