using System.Diagnostics;
using System.Text;

namespace ConVirt.Tests.Distributed;

/// <summary>
/// Runs the built tool (convirt.dll beside the tests) as separate processes, alone or under Open MPI's mpirun.
/// mpirun comes from the Debian package openmpi-bin: when it is missing, under CI=true the test fails naming the
/// package; otherwise it returns early saying so.
/// </summary>
internal static class MpiTool
{
    public const string Missing = "SKIPPED: mpirun not found (Debian package openmpi-bin, which brings libopenmpi3: apt-get install openmpi-bin)";

    /// <summary>mpirun's path, or null (after failing under CI=true).</summary>
    public static string? Mpirun()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);
        if (path is not null && File.Exists("/usr/lib/x86_64-linux-gnu/libmpi.so.40")) return path;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail("Open MPI is missing (mpirun or libmpi.so.40): install the Debian package openmpi-bin (apt-get install openmpi-bin); CI must run the MPI tests");
        Console.WriteLine(Missing);
        return null;
    }

    /// <summary>The tool's entry assembly in the test output folder.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "convirt.dll");

    /// <summary>mpirun's arguments for <paramref name="ranks"/> ranks on this machine (root allowed: CI runs as root).</summary>
    public static string[] MpirunArgs(int ranks) =>
        ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--mca", "btl", "self,vader,tcp", "dotnet", Dll];

    /// <summary>Starts a process with redirected output; the caller waits.</summary>
    public static (Process Process, StringBuilder Output) Start(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove("OMPI_COMM_WORLD_SIZE");
        var output = new StringBuilder();
        var p = new Process { StartInfo = info };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return (p, output);
    }

    /// <summary>Runs to the end (at most <paramref name="timeout"/>) and returns the exit code and output.</summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var (p, output) = Start(file, args);
        using (p)
        {
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                return (-1, $"timed out after {timeout.TotalSeconds} s\n{output}");
            }
            p.WaitForExit();
            lock (output) return (p.ExitCode, output.ToString());
        }
    }

    /// <summary>Processes whose environment says they are rank <paramref name="rank"/> of an mpirun job started below <paramref name="parent"/>.</summary>
    public static List<int> RankProcesses(int parent, int rank)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || !DescendsFrom(pid, parent)) continue;
            try
            {
                var env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (env.Contains($"OMPI_COMM_WORLD_RANK={rank}")) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (int i = 0; i < 8 && pid > 1; i++)
        {
            if (pid == ancestor) return true;
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                pid = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException) { return false; }
        }
        return pid == ancestor;
    }
}
