using System.Globalization;
using System.Text.Json;
using ConVirt.Configuration;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;

namespace ConVirt.Training;

/// <summary>
/// Checkpoints of a run folder: <c>checkpoints/step-NNNNNNNN/</c> holding <c>model.safetensors</c> (PyTorch
/// parameter names), <c>optimizer.bin</c> (TorchSharp optimiser state), <c>trainer.json</c> and
/// <c>config.json</c>; <c>checkpoints/latest</c> names the newest complete one. Each checkpoint is written
/// into a temporary folder and renamed into place, and <c>latest</c> is replaced by rename, so a run killed
/// at any moment leaves the previous checkpoint intact. The two newest are kept.
/// </summary>
internal sealed class CheckpointStore(string runDirectory)
{
    /// <summary>The run folder.</summary>
    public string RunDirectory { get; } = runDirectory;

    /// <summary>Folder holding checkpoints.</summary>
    public string CheckpointsDirectory => Path.Combine(RunDirectory, RunFolder.Checkpoints);

    /// <summary>Folder holding the best model by validation loss.</summary>
    public string BestDirectory => Path.Combine(RunDirectory, RunFolder.Best);

    static readonly JsonSerializerOptions Json = new(ConVirtConfig.JsonOptions)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes a checkpoint atomically and returns its folder.</summary>
    public string Save(torch.nn.Module module, OptimizerHelper optimizer, TrainerState state, ConVirtConfig config)
    {
        Directory.CreateDirectory(CheckpointsDirectory);
        var name = "step-" + state.Step.ToString("D8", CultureInfo.InvariantCulture);
        var final = Path.Combine(CheckpointsDirectory, name);
        var tmp = Path.Combine(CheckpointsDirectory, ".tmp-" + name + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        module.save_safetensors(Path.Combine(tmp, RunFolder.Weights));
        optimizer.save_state_dict(Path.Combine(tmp, "optimizer.bin"));
        File.WriteAllText(Path.Combine(tmp, "trainer.json"), JsonSerializer.Serialize(state, Json));
        File.WriteAllText(Path.Combine(tmp, RunFolder.Config), config.ToJson());
        if (Directory.Exists(final)) Directory.Delete(final, true);
        Directory.Move(tmp, final);
        WriteAtomically(Path.Combine(CheckpointsDirectory, "latest"), name);
        Prune(keep: 2, protect: name);
        return final;
    }

    /// <summary>Writes the model of the best epoch into <c>best/</c> (atomically, by rename).</summary>
    public void SaveBest(torch.nn.Module module, TrainerState state, ConVirtConfig config)
    {
        var tmp = Path.Combine(RunDirectory, ".tmp-best");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        module.save_safetensors(Path.Combine(tmp, RunFolder.Weights));
        File.WriteAllText(Path.Combine(tmp, "trainer.json"), JsonSerializer.Serialize(state, Json));
        File.WriteAllText(Path.Combine(tmp, RunFolder.Config), config.ToJson());
        var old = Path.Combine(RunDirectory, ".old-best");
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(BestDirectory)) Directory.Move(BestDirectory, old);
        Directory.Move(tmp, BestDirectory);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public string? Latest()
    {
        var pointer = Path.Combine(CheckpointsDirectory, "latest");
        if (!File.Exists(pointer)) return null;
        var dir = Path.Combine(CheckpointsDirectory, File.ReadAllText(pointer).Trim());
        return Directory.Exists(dir) && File.Exists(Path.Combine(dir, "trainer.json")) ? dir : null;
    }

    /// <summary>Loads model and optimiser state from a checkpoint folder and returns the trainer state.</summary>
    public static TrainerState Load(string checkpoint, torch.nn.Module module, OptimizerHelper? optimizer)
    {
        module.load_safetensors(Path.Combine(checkpoint, RunFolder.Weights));
        if (optimizer is not null) optimizer.load_state_dict(Path.Combine(checkpoint, "optimizer.bin"));
        return ReadState(checkpoint);
    }

    /// <summary>Reads trainer.json of a checkpoint.</summary>
    public static TrainerState ReadState(string checkpoint) =>
        JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(checkpoint, "trainer.json")), Json)
        ?? throw new InvalidDataException($"{checkpoint}: empty trainer.json");

    private void Prune(int keep, string protect)
    {
        var all = Directory.GetDirectories(CheckpointsDirectory, "step-*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        foreach (var d in all.Take(Math.Max(0, all.Count - keep)))
            if (d != protect) Directory.Delete(Path.Combine(CheckpointsDirectory, d), true);
        foreach (var stale in Directory.GetDirectories(CheckpointsDirectory, ".tmp-*")) Directory.Delete(stale, true);
    }

    /// <summary>Replaces a small file by writing a temporary file and renaming it.</summary>
    public static void WriteAtomically(string path, string contents)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, contents);
        File.Move(tmp, path, overwrite: true);
    }
}
