namespace ConVirt.Fuzz;

/// <summary>
/// Shrinks a finding while it still fails the same way (same exception type, message up to its numbers, and
/// throwing method; or still over 1 s for a hang): removes ever smaller chunks, then zeroes bytes. Runs in-process, without the fuzzer.
/// </summary>
internal static class Minimiser
{
    public static (byte[] Bytes, string Signature) Minimise(FuzzTarget target, byte[] input)
    {
        string? goal = Signature(target, input) ?? throw new ArgumentException("the input does not fail the contract");
        var current = input;
        for (int chunk = Math.Max(1, current.Length / 2); chunk >= 1; chunk /= 2)
        {
            for (int start = 0; start + chunk <= current.Length;)
            {
                byte[] candidate = [.. current.AsSpan(0, start), .. current.AsSpan(start + chunk)];
                if (Signature(target, candidate) == goal) current = candidate;
                else start += chunk;
            }
        }
        for (int i = 0; i < current.Length; i++)
        {
            if (current[i] == 0) continue;
            var candidate = (byte[])current.Clone();
            candidate[i] = 0;
            if (Signature(target, candidate) == goal) current = candidate;
        }
        return (current, goal);
    }

    private static string? Signature(FuzzTarget target, byte[] input)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try { target.Run(input); return watch.Elapsed.TotalSeconds > 1 ? "slow: over 1 s" : null; }
        catch (Exception e)
        {
            string message = new string(e.Message.Where(c => !char.IsDigit(c) && c != ',').ToArray());
            string frame = e.TargetSite?.DeclaringType?.FullName + "." + e.TargetSite?.Name;
            return $"{e.GetType().Name}: {message} at {frame}";
        }
    }
}
