using ConVirt.Data.Synthetic;
using ConVirt.Training;
using TorchSharp;

namespace ConVirt.Tests.Pipeline;

[Collection(TorchCollection.Name)]
public sealed class ResumeTests
{
    [Fact]
    public void StoppingAndResumingGivesTheSameWeightsAsNeverStopping()
    {
        var data = TinyRuns.TempFolder("resume-data");
        SyntheticDataset.Write(data, 60, 40, seed: 3);
        var manifest = Path.Combine(data, SyntheticDataset.ManifestFileName);
        var config = TinyRuns.Config(imageSize: 32, batch: 8, epochs: 2);
        var inputs = new PretrainingInputs(manifest);

        Dictionary<string, float[]> Train(string run, params long[] stops)
        {
            PreparedPretraining? prepared = null;
            foreach (var stop in stops)
            {
                // each segment is a fresh process-like start: model rebuilt from config, state from the checkpoint
                prepared = PretrainingJob.Prepare(config, inputs);
                var trainer = new Pretrainer(prepared.Config, prepared.Objective, prepared.Train, prepared.Validation, run) { MaxSteps = stop };
                trainer.Run(resume: true);
            }
            return prepared!.Objective.Module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(torch.ScalarType.Float32).data<float>().ToArray());
        }

        var straight = Train(TinyRuns.TempFolder("resume-a"), 9);
        var stopped = Train(TinyRuns.TempFolder("resume-b"), 3, 9);          // stop mid-epoch 0 at step 3, resume to step 9 (into epoch 1)
        Assert.Equal(straight.Keys.Order(), stopped.Keys.Order());
        int compared = 0;
        foreach (var (key, a) in straight)
        {
            var b = stopped[key];
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5f * Math.Max(1f, Math.Abs(a[i])), $"{key}[{i}]: {a[i]} vs {b[i]}");
            compared++;
        }
        Assert.True(compared > 100);
        // the run trained: weights differ from a fresh model's
        var fresh = PretrainingJob.Prepare(config, inputs).Objective.Module.state_dict()["image_projection.0.weight"].data<float>().ToArray();
        Assert.NotEqual(fresh, straight["image_projection.0.weight"]);
    }

    [Fact]
    public void LatestIgnoresAHalfWrittenCheckpoint()
    {
        var run = TinyRuns.TempFolder("latest");
        var store = new CheckpointStore(run);
        Assert.Null(store.Latest());
        var good = Path.Combine(store.CheckpointsDirectory, "step-00000004");
        Directory.CreateDirectory(good);
        File.WriteAllText(Path.Combine(good, "trainer.json"), "{}");
        CheckpointStore.WriteAtomically(Path.Combine(store.CheckpointsDirectory, "latest"), "step-00000004");
        // a run killed while writing step 8 leaves only a temporary folder; latest still names step 4
        Directory.CreateDirectory(Path.Combine(store.CheckpointsDirectory, ".tmp-step-00000008-123"));
        Assert.Equal(good, store.Latest());
    }
}
