using ConVirt.Configuration;
using ConVirt.Data.Augmentation;
using ConVirt.Models.Text;

namespace ConVirt.Tests.Pipeline;

/// <summary>Small configurations and temporary folders for end-to-end tests.</summary>
internal static class TinyRuns
{
    /// <summary>
    /// A configuration small enough for a test: ResNet-18's structure at width 8 (<see cref="TestModels.TinyResNet"/>)
    /// and low resolution, a 2-layer BERT, random weights.
    /// </summary>
    public static ConVirtConfig Config(int imageSize = 32, int batch = 8, int epochs = 1, double lr = 1e-3, int seed = 5) => ConVirtConfig.CpuSmall with
    {
        Name = "test-tiny",
        Seed = seed,
        Model = new ModelOptions
        {
            Image = new ImageEncoderOptions { Architecture = "resnet18", Weights = "none", Width = TestModels.TinyWidth },
            Text = new TextEncoderOptions
            {
                Bert = new BertSpec { HiddenSize = 64, NumHeads = 4, NumLayers = 2, IntermediateSize = 128, MaxPositions = 64 },
                Weights = "none", Vocab = "minilm", FrozenLayers = 1, FreezeEmbeddings = false, MaxLength = 32,
            },
            ProjectionDim = 32,
            ProjectionHidden = 64,
        },
        Optimizer = new OptimizerOptions { BatchSize = batch, Epochs = epochs, LearningRate = lr },
        Data = new DataOptions { ImageSize = imageSize, Augmentation = AugmentationOptions.Paper, Workers = 1, Prefetch = 2 },
        LogEverySteps = 2,
        CheckpointEverySteps = 1000,
        Threads = 0,
    };

    /// <summary>
    /// This test process's scratch root (<c>$TMPDIR/convirt-tests/p&lt;pid&gt;</c>). Run folders hold checkpoints of
    /// hundreds of MB, so the root is deleted when the process exits, and roots left by processes that no longer
    /// run (a killed test host) are deleted when the next one starts.
    /// </summary>
    public static string Root { get; } = CreateRoot();

    /// <summary>A new empty temporary folder under <see cref="Root"/>.</summary>
    public static string TempFolder(string name)
    {
        var dir = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string CreateRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "convirt-tests");
        Directory.CreateDirectory(parent);
        foreach (var stale in Directory.GetDirectories(parent))
        {
            var name = Path.GetFileName(stale);
            // only roots of this scheme whose process has gone; anything else belongs to someone else
            if (name.StartsWith('p') && int.TryParse(name[1..], out var pid) && !ProcessExists(pid)) TryDelete(stale);
        }
        var root = Path.Combine(parent, "p" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    }

    private static bool ProcessExists(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
