using ConVirt.Training;
using ConVirt.Configuration;

namespace ConVirt.Tests.Architecture;

/// <summary>
/// Dependencies flow one way (docs/architecture.md): data -> models -> losses -> training -> evaluation -> export / demo
/// (and, in their own assemblies, serve and the CLI), with runtime and precision beneath everything. Read from the
/// library's compiled IL, so that a cycle that returns fails here, naming one use that closes it.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>The library's layers, lowest first; a namespace belongs to the longest prefix listed.</summary>
    private static readonly (string Prefix, int Layer)[] Layers =
    [
        ("ConVirt.Runtime", 0), ("ConVirt.Precision", 0),
        ("ConVirt.Data", 1),
        ("ConVirt.Models", 2), ("ConVirt.Losses", 2), ("ConVirt.Labeling", 2),
        ("ConVirt.Configuration", 3),
        ("ConVirt.Interop", 4),
        ("ConVirt.Distributed", 5), ("ConVirt.Inference", 5),
        ("ConVirt.Training", 6),
        ("ConVirt.Evaluation", 7),
        ("ConVirt.Export", 8), ("ConVirt.Demo", 8),
        ("ConVirt", 9),   // the public API facade (ReportLabeler, ...): the root namespace only, matched exactly
    ];

    private static readonly Lazy<NamespaceGraph> graph = new(() => NamespaceGraph.Read(typeof(ConVirtConfig).Assembly.Location, "ConVirt"));

    [Fact]
    public void NoNamespacesUseEachOtherInACircle()
    {
        var cycles = graph.Value.Cycles();
        Assert.True(cycles.Count == 0, "namespaces that use each other in a circle:\n" + string.Join("\n", cycles.Select(c =>
            string.Join(", ", c) + ": " + string.Join("; ", c.SelectMany(from => graph.Value.Edges.TryGetValue(from, out var e)
                ? e.Where(kv => c.Contains(kv.Key)).Select(kv => kv.Value) : [])))));
    }

    [Fact]
    public void EveryNamespaceUsesOnlyItsOwnLayerOrLowerOnes()
    {
        var violations = new List<string>();
        foreach (var (from, uses) in graph.Value.Edges)
        {
            var (fromGroup, fromLayer) = LayerOf(from);
            foreach (var (to, example) in uses)
            {
                var (toGroup, toLayer) = LayerOf(to);
                if (toLayer > fromLayer || (toLayer == fromLayer && toGroup != fromGroup)) violations.Add($"{from} (layer {fromLayer}) uses {to} (layer {toLayer}): {example}");
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void EveryNamespaceHasALayerAndTheGraphSeesTheKnownUses()
    {
        foreach (var ns in graph.Value.Edges.Keys) LayerOf(ns);   // throws for a namespace outside the table
        // the reader must see uses through signatures and method bodies, or the two tests above prove nothing
        Assert.Contains("ConVirt.Distributed", graph.Value.Edges["ConVirt.Training"].Keys);        // Pretrainer -> ITrainingDistribution
        Assert.Contains("ConVirt.Training", graph.Value.Edges["ConVirt.Evaluation"].Keys);         // jobs -> EncoderLoader
        Assert.Contains("ConVirt.Data.Pipeline", graph.Value.Edges["ConVirt.Distributed"].Keys);   // SlicedBatchSource -> IBatchSource
        Assert.Equal([["A", "B"]], GraphOf(("A", "B"), ("B", "A"), ("B", "C")).Cycles());
        Assert.Empty(GraphOf(("A", "B"), ("B", "C"), ("A", "C")).Cycles());
    }

    private static NamespaceGraph GraphOf(params (string From, string To)[] edges)
    {
        var g = new NamespaceGraph();
        foreach (var (from, to) in edges) g.Add(from, to, $"{from} -> {to}");
        return g;
    }

    private static (string Group, int Layer) LayerOf(string ns)
    {
        var match = Layers.Where(l => ns == l.Prefix || (l.Prefix != "ConVirt" && ns.StartsWith(l.Prefix + ".", StringComparison.Ordinal))).OrderByDescending(l => l.Prefix.Length).FirstOrDefault();
        if (match.Prefix is null) throw new InvalidOperationException($"namespace {ns} has no layer: add it to {nameof(ArchitectureTests)}.{nameof(Layers)} and docs/architecture.md");
        return (match.Prefix, match.Layer);
    }
}
