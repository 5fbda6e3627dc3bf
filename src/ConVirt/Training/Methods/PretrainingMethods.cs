namespace ConVirt.Training;

/// <summary>
/// The registry that maps <c>--method</c> (and a run's config.json "method") to its strategy: the one place that knows
/// method names. A new method is one <see cref="IPretrainingMethod"/> class plus one line here (or a
/// <see cref="Register"/> call from an application).
/// </summary>
internal static class PretrainingMethods
{
    private static readonly List<IPretrainingMethod> methods = [];   // in registration order; guarded by itself

    static PretrainingMethods()
    {
        Register(new ConVirtMethod());
        Register(new SimClrMethod());
        Register(new MoCoV2Method());
    }

    /// <summary>The default method: ConVIRT.</summary>
    public static IPretrainingMethod Default => Get("convirt");

    /// <summary>Registered names, in registration order (built-in ones first).</summary>
    public static IReadOnlyList<string> Names { get { lock (methods) return [.. methods.Select(m => m.Name)]; } }

    /// <summary>The method registered as <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such method; the message lists the registered ones.</exception>
    public static IPretrainingMethod Get(string name)
    {
        lock (methods)
            return methods.Find(m => m.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown method '{name}': expected one of {string.Join(", ", methods.Select(m => m.Name))}");
    }

    /// <summary>Adds a method (its <see cref="IPretrainingMethod.Name"/> must be new).</summary>
    public static void Register(IPretrainingMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (string.IsNullOrWhiteSpace(method.Name) || method.Name != method.Name.Trim().ToLowerInvariant())
            throw new ArgumentException($"a method name is lower case without spaces, got '{method.Name}'", nameof(method));
        lock (methods)
        {
            if (methods.Exists(m => m.Name == method.Name)) throw new ArgumentException($"a method named '{method.Name}' is already registered", nameof(method));
            methods.Add(method);
        }
    }
}
