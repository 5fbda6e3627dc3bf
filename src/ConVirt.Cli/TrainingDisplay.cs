using ConVirt.Training;
using Spectre.Console;

namespace ConVirt.Cli;

/// <summary>
/// Renders training progress: a live bar (epoch, step, loss, pairs/s, ETA) on a terminal, one plain line per
/// report otherwise (logs, CI, pipes).
/// </summary>
internal static class TrainingDisplay
{
    /// <summary>Runs <paramref name="work"/> with a progress sink suited to the console.</summary>
    public static T Run<T>(IAnsiConsole console, Func<IProgress<TrainingProgress>, T> work)
    {
        bool live = console.Profile.Capabilities.Interactive && Environment.GetEnvironmentVariable("CI") is null;
        if (!live) return work(new Progress(p => PlainLine(console, p)));
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                ProgressTask? task = null;
                result = work(new Progress(p =>
                {
                    if (p.Kind == TrainingProgressKind.Step)
                    {
                        task ??= ctx.AddTask("training", maxValue: Math.Max(1, (double)p.Epochs * p.BatchesPerEpoch));
                        task.Value = (double)p.Epoch * p.BatchesPerEpoch + p.Batch;
                        task.Description = $"epoch {p.Epoch + 1}/{p.Epochs} step {p.Step} loss {p.Loss:F4} {p.PairsPerSecond:F1} pairs/s";
                    }
                    else
                    {
                        PlainLine(console, p);
                    }
                }));
                if (task is not null) task.Value = task.MaxValue;
            });
        return result;
    }

    private static void PlainLine(IAnsiConsole console, TrainingProgress p)
    {
        string text = p.Kind switch
        {
            TrainingProgressKind.Step => $"epoch {p.Epoch + 1}/{p.Epochs} batch {p.Batch}/{p.BatchesPerEpoch} step {p.Step} loss {p.Loss:F4} {p.PairsPerSecond:F1} pairs/s" +
                      (p.Eta is { } eta ? $" eta {eta:hh\\:mm\\:ss}" : ""),
            TrainingProgressKind.Epoch => $"epoch {p.Epoch + 1}/{p.Epochs} done" + (p.Message is null ? "" : ": " + p.Message),
            _ => p.Message ?? "",
        };
        console.WriteLine(text);
    }

    private sealed class Progress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
    {
        private readonly object gate = new();
        public void Report(TrainingProgress value) { lock (gate) handler(value); }
    }
}
