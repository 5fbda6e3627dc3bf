namespace ConVirt.Tests;

/// <summary>
/// Tests whose work runs in child processes (the tool alone or under mpirun) and that change no libtorch global state
/// in the test host (threads, seeds): they run beside the other parallel collections, mostly waiting on their
/// processes, instead of one after another in the serial <see cref="TorchCollection"/>. Their scratch folders lie under
/// <see cref="Pipeline.TinyRuns.Root"/>, which the torch collection deletes when it ends: xunit runs that serial
/// collection after every parallel one has finished.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ProcessCollection
{
    public const string Name = "processes";
}
