using System.Collections.Concurrent;

namespace ConVirt.Training;

/// <summary>
/// The registry that maps <c>--method</c> (and a run's config.json "method") to its strategy: the one place that knows
/// method names. A new method is one <see cref="IPretrainingMethod"/> class plus one line here (or a
/// <see cref="Register"/> call from an application).
/// </summary>
internal static class PretrainingMethods
{
    private static readonly ConcurrentDictionary<string, IPretrainingMethod> methods = new(StringComparer.OrdinalIgnoreCase);

    static PretrainingMethods()
    {
        Register(new ConVirtMethod());
        Register(new SimClrMethod());
        Register(new MoCoV2Method());
    }

    /// <summary>The default method: ConVIRT.</summary>
    public static IPretrainingMethod Default => Get("convirt");

    /// <summary>Registered names, built-in ones first.</summary>
    public static IReadOnlyList<string> Names => [.. methods.Keys.OrderBy(Rank).ThenBy(n => n, StringComparer.Ordinal)];

    /// <summary>The method registered as <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such method; the message lists the registered ones.</exception>
    public static IPretrainingMethod Get(string name) =>
        methods.TryGetValue(name, out var method) ? method
            : throw new ArgumentException($"unknown method '{name}': expected one of {string.Join(", ", Names)}");

    /// <summary>Adds a method (its <see cref="IPretrainingMethod.Name"/> must be new).</summary>
    public static void Register(IPretrainingMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (string.IsNullOrWhiteSpace(method.Name) || method.Name != method.Name.Trim().ToLowerInvariant())
            throw new ArgumentException($"a method name is lower case without spaces, got '{method.Name}'", nameof(method));
        if (!methods.TryAdd(method.Name, method)) throw new ArgumentException($"a method named '{method.Name}' is already registered", nameof(method));
    }

    private static int Rank(string name) => name switch { "convirt" => 0, "simclr" => 1, "mocov2" => 2, _ => 3 };
}
