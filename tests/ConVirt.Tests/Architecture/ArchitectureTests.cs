using ConVirt.Configuration;
using Xunit.Abstractions;

namespace ConVirt.Tests.Architecture;

public sealed class ArchitectureTests(ITestOutputHelper output)
{
    [Fact]
    public void Dump()
    {
        var g = NamespaceGraph.Read(typeof(ConVirtConfig).Assembly.Location, "ConVirt");
        foreach (var (from, to) in g.Edges.OrderBy(e => e.Key)) output.WriteLine($"{from} -> {string.Join(", ", to.Keys.Order())}");
        foreach (var c in g.Cycles()) output.WriteLine("CYCLE: " + string.Join(" ", c));
        foreach (var (from, to) in g.Edges.OrderBy(e => e.Key)) foreach (var (t, ex) in to) output.WriteLine($"  {ex}");
    }
}
