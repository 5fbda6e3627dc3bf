using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ConVirt.Data.Synthetic;
using ConVirt.Evaluation;
using Xunit.Abstractions;

namespace ConVirt.Tests.Packaging;

/// <summary>
/// The packages from outside the repository, as a user meets them: `dotnet pack` (Release) writes ConVirt and the
/// tool into a temporary feed; the tool is installed into a temporary --tool-path and runs `convirt info` and
/// `convirt embed`; a fresh `dotnet new console` project outside the solution adds ConVirt and TorchSharp-cpu from
/// that feed, builds the README's "Use from C#" program and runs it on the same two images. The vectors must agree
/// (cosine > 0.9999). The packages get a unique prerelease version, removed from the NuGet cache afterwards, so that
/// a cached package of an earlier run is never used. About 4-6 minutes on 2 busy cores (most of it packing libtorch
/// into the tool package).
/// </summary>
public sealed partial class PackageTests(ITestOutputHelper output)
{
    [Fact]
    public void PackagesWorkOutsideTheRepository()
    {
        var root = Directory.CreateTempSubdirectory("convirt-pkgtest-").FullName;
        var version = BaseVersion() + "-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        string feed = Path.Combine(root, "feed"), tools = Path.Combine(root, "tools"), app = Path.Combine(root, "app");
        try
        {
            // 1. the packages (restore reused: the test build restored both projects, the tool's platform included)
            Dotnet(["pack", Path.Combine(TestPaths.RepoRoot, "src", "ConVirt.Cli", "ConVirt.Cli.csproj"), "-c", "Release", "-o", feed, "--no-restore", $"-p:Version={version}"]);
            Dotnet(["pack", Path.Combine(TestPaths.RepoRoot, "src", "ConVirt", "ConVirt.Core.csproj"), "-c", "Release", "-o", feed, "--no-restore", $"-p:Version={version}"]);
            Assert.True(File.Exists(Path.Combine(feed, $"ConVirt.{version}.nupkg")), "ConVirt package missing: " + string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName)));
            Assert.True(File.Exists(Path.Combine(feed, $"ConVirt.Cli.{version}.nupkg")), "ConVirt.Cli package missing");

            // 2. the tool, installed as a user would
            Dotnet(["tool", "install", "ConVirt.Cli", "--version", version, "--add-source", feed, "--tool-path", tools]);
            var convirt = Path.Combine(tools, "convirt");
            var info = Run(convirt, ["info"], root);
            Assert.Contains("native library", info);
            Assert.Matches(@"native library\s+loaded", info);
            Assert.Contains($"convirt {version}", info);
            Assert.DoesNotContain("missing:", info);   // packaged ImageNet and MiniLM weights found

            // 3. two images and `convirt embed` on them (the reference)
            var manifest = SyntheticDataset.Write(Path.Combine(root, "images"), 2, 64, seed: 13);
            var images = ConVirt.Data.Manifest.Load(manifest).Rows.Select(r => r.ImagePath).ToList();
            var embedded = Path.Combine(root, "embed.csv");
            Run(convirt, ["embed", "--encoder", "imagenet", "--data", manifest, "--out", embedded], root);
            var (ids, reference) = EmbedJob.Read(embedded);

            // 4. a fresh console project outside the solution, the README's program, the packages from the feed
            Dotnet(["new", "console", "-o", app, "--no-restore"], root);
            File.WriteAllText(Path.Combine(app, "nuget.config"),
                $"<configuration><packageSources><add key=\"convirt-test-feed\" value=\"{feed}\" /></packageSources></configuration>");
            Dotnet(["add", "package", "ConVirt", "--version", version], app);
            Dotnet(["add", "package", "TorchSharp-cpu", "--version", "0.107.0"], app);
            File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeProgram());
            var printed = Dotnet(["run", "--", .. images], app);
            Assert.True(File.Exists(Path.Combine(app, "bin", "Debug", "net10.0", "weights", "ResNet18.onnx")), "buildTransitive targets did not copy the ImageNet weights");

            var lines = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var manifestRows = ConVirt.Data.Manifest.Load(manifest).Rows;
            for (int i = 0; i < images.Count; i++)
            {
                var line = lines.Single(l => l.StartsWith(images[i] + "\t", StringComparison.Ordinal));
                var values = line[(images[i].Length + 1)..].Split(' ').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                int row = ids.ToList().IndexOf(manifestRows[i].Id);
                var expected = Enumerable.Range(0, reference.GetLength(1)).Select(j => reference[row, j]).ToArray();
                Assert.Equal(512, values.Length);
                double cosine = Similarity.Cosine(values, expected);
                output.WriteLine($"image {i}: cosine(program, convirt embed) = {cosine:F7}");
                Assert.True(cosine > 0.9999, $"image {i}: cosine {cosine} between the program's and convirt embed's vectors");
            }
            Assert.Contains(lines, l => l.StartsWith("cosine\t", StringComparison.Ordinal));
        }
        finally
        {
            // the unique version must not stay in the NuGet cache; the temporary folders go (the tool alone is ~600 MB)
            var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (var id in new[] { "convirt", "convirt.cli", "convirt.cli.linux-x64" })
                TryDelete(Path.Combine(cache, id, version.ToLowerInvariant()));
            TryDelete(root);
        }
    }

    /// <summary>The C# block between the README's use-from-csharp markers: the program the README shows.</summary>
    internal static string ReadmeProgram()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var m = ReadmeBlock().Match(readme);
        Assert.True(m.Success, "README.md: no ```csharp block between <!-- use-from-csharp:begin --> and <!-- use-from-csharp:end -->");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"<!-- use-from-csharp:begin -->\s*```csharp\n(.*?)```\s*<!-- use-from-csharp:end -->", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    static string BaseVersion()
    {
        var props = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "Directory.Build.props"));
        return Regex.Match(props, @"<Version>([^<]+)</Version>").Groups[1].Value;
    }

    string Dotnet(IEnumerable<string> args, string? workingDirectory = null) => Run("dotnet", args, workingDirectory ?? TestPaths.RepoRoot);

    /// <summary>Runs a command to its end (at most 10 minutes); fails the test with its output when it fails.</summary>
    string Run(string file, IEnumerable<string> args, string workingDirectory)
    {
        var argList = args.ToList();
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in argList) info.ArgumentList.Add(a);
        // the test host's MSBuild settings must not leak into the builds it starts
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var text = new StringBuilder();
        using var p = new Process { StartInfo = info };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', argList)}: timed out after 10 minutes\n{text}");
        }
        p.WaitForExit();
        string result;
        lock (text) result = text.ToString();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: {Path.GetFileName(file)} {string.Join(' ', argList.Take(3))}");
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', argList)} exited with {p.ExitCode}:\n{result}");
        return result;
    }

    static void TryDelete(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
