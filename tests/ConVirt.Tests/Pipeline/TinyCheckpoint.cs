using ConVirt.Interop;
using ConVirt.Models;
using TorchSharp;
using TorchSharp.PyBridge;

namespace ConVirt.Tests.Pipeline;

/// <summary>A tiny ConVIRT model with seeded random weights, saved as a checkpoint folder the encoder loader reads.</summary>
internal static class TinyCheckpoint
{
    public static (string Folder, ConVirtModel Model, ConVirt.Data.Text.WordPieceTokenizer Tokenizer) Save(string folder, int seed = 3)
    {
        Directory.CreateDirectory(folder);
        var config = TinyRuns.Config();
        torch.manual_seed(seed);
        var built = ConVirt.Interop.ModelFactory.Build(config.Model);
        built.Model.save_safetensors(Path.Combine(folder, "model.safetensors"));
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJson());
        return (folder, built.Model, built.Tokenizer);
    }
}
