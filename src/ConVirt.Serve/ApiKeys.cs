using System.Security.Cryptography;
using System.Text;

namespace ConVirt.Serve;

/// <summary>Where the service's API key comes from, and its constant-time check.</summary>
internal static class ApiKeys
{
    /// <summary>The environment variable read when no key file is given.</summary>
    public const string EnvironmentVariable = "CONVIRT_SERVE_API_KEY";

    /// <summary>Shortest key accepted.</summary>
    public const int MinLength = 16;

    /// <summary>
    /// The key from <paramref name="file"/> (its content, surrounding white space trimmed), else from
    /// <see cref="EnvironmentVariable"/> through <paramref name="environment"/>, else null.
    /// </summary>
    /// <exception cref="ArgumentException">The file is missing or empty (the message names the file, never the key).</exception>
    public static string? Resolve(string? file, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (file is not null)
        {
            if (!File.Exists(file)) throw new ArgumentException($"--api-key-file {file}: file not found");
            var key = File.ReadAllText(file).Trim();
            return key.Length > 0 ? key : throw new ArgumentException($"--api-key-file {file}: the file is empty");
        }
        var fromEnvironment = environment(EnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }

    /// <summary>
    /// Whether <paramref name="presented"/> equals <paramref name="expected"/>, in time independent of where they differ
    /// and of their lengths (both are hashed with SHA-256 first, then compared with <see cref="CryptographicOperations.FixedTimeEquals"/>).
    /// </summary>
    public static bool Matches(string? presented, string expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Span<byte> a = stackalloc byte[32], b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b) && presented is not null;
    }
}
