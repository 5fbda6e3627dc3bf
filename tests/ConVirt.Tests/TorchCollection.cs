namespace ConVirt.Tests;

/// <summary>Tests that touch libtorch's global state (threads, seeds, dispose statistics) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
