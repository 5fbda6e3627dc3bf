namespace ConVirt.Tests;

/// <summary>Tests that touch libtorch's global state (threads, seeds, dispose statistics) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection : ICollectionFixture<TorchCollection.Scratch>
{
    public const string Name = "torch";

    /// <summary>
    /// Deletes the scratch root of <see cref="Pipeline.TinyRuns"/> when the collection is done: every test that
    /// writes run folders is in this collection or in <see cref="ProcessCollection"/>, which xunit runs (in parallel
    /// with the others) before this serial collection starts. The test host is usually killed rather than exited, so
    /// a process-exit handler alone would leave gigabytes of checkpoints behind.
    /// </summary>
    public sealed class Scratch : IDisposable
    {
        public void Dispose()
        {
            try { Directory.Delete(Pipeline.TinyRuns.Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
