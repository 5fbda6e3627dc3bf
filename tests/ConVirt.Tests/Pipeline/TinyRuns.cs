using ConVirt.Configuration;
using ConVirt.Data.Augmentation;
using ConVirt.Models.Text;

namespace ConVirt.Tests.Pipeline;

/// <summary>Small configurations and temporary folders for end-to-end tests.</summary>
internal static class TinyRuns
{
    /// <summary>A configuration small enough for a test: ResNet-18 at low resolution, a 2-layer BERT, random weights.</summary>
    public static ConVirtConfig Config(int imageSize = 32, int batch = 8, int epochs = 1, double lr = 1e-3, int seed = 5) => ConVirtConfig.CpuSmall with
    {
        Name = "test-tiny",
        Seed = seed,
        Model = new ModelOptions
        {
            Image = new ImageEncoderOptions { Architecture = "resnet18", Weights = "none" },
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

    /// <summary>A new empty temporary folder.</summary>
    public static string TempFolder(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "convirt-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
