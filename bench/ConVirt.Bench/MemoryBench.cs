using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ConVirt.Bench;

/// <summary>
/// Figure 6: peak resident memory (VmHWM / "Maximum resident set size") of the real `convirt pretrain` run as a
/// child process under /usr/bin/time -v on a synthetic manifest, stopped after a few steps.
/// </summary>
internal static partial class MemoryBench
{
    public sealed record Run(string Label, string Arguments, double PeakMiB, double Seconds, int ExitCode, string Tail);

    public static Run Pretrain(string cliDll, string label, string manifest, string runDir, params string[] args)
    {
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        bool haveTime = File.Exists("/usr/bin/time");
        var psi = new ProcessStartInfo(haveTime ? "/usr/bin/time" : "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (haveTime) { psi.ArgumentList.Add("-v"); psi.ArgumentList.Add("dotnet"); }
        var all = new List<string> { cliDll, "pretrain", "--train", manifest, "--out", runDir };
        all.AddRange(args);
        foreach (var a in all) psi.ArgumentList.Add(a);
        var w = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        double hwmKiB = 0;
        // without /usr/bin/time: poll VmHWM of the child while it runs (the high-water mark only grows)
        var errTask = p.StandardError.ReadToEndAsync();
        while (!p.WaitForExit(200))
            if (!haveTime) hwmKiB = Math.Max(hwmKiB, ReadHwm(p.Id));
        p.WaitForExit();
        string err = errTask.Result;
        if (haveTime && MaxRss().Match(err) is { Success: true } m) hwmKiB = double.Parse(m.Groups[1].Value);
        var tail = string.Join(" | ", stdout.Result.Split('\n').Where(l => l.Contains("(median)")).Concat(err.Split('\n').Where(l => l.Contains("rror"))).Take(3));
        return new Run(label, string.Join(" ", args), hwmKiB / 1024, w.Elapsed.TotalSeconds, p.ExitCode, tail.Trim());
    }

    static double ReadHwm(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        catch (IOException) { return 0; }
    }

    [GeneratedRegex(@"Maximum resident set size \(kbytes\): (\d+)")]
    private static partial Regex MaxRss();
}
