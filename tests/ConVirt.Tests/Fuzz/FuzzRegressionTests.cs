using ConVirt.Fuzz;

namespace ConVirt.Tests.Fuzz;

/// <summary>
/// Every input the fuzzing campaign found (tests/ConVirt.Tests/TestData/fuzz/TARGET/, minimised) replayed through
/// its target's contract (bench/fuzz/Targets), without the fuzzer: a value or a documented error with a message,
/// within the allocation cap and 2 s.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FuzzRegressionTests
{
    static readonly string Root = Path.Combine(AppContext.BaseDirectory, "TestData", "fuzz");

    public static TheoryData<string, string> Findings()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
            foreach (var file in Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                data.Add(Path.GetFileName(folder), Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void AFindingMeetsTheContractNow(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(Root, target, file));
        TorchSharp.torch.zeros(1).Dispose();   // libtorch loaded before the clock starts (its first load alone can take 2 s)
        var watch = System.Diagnostics.Stopwatch.StartNew();
        FuzzTargets.Get(target).Run(input);   // throws on a broken contract
        Assert.True(watch.Elapsed.TotalSeconds < 2, $"{target}/{file} took {watch.Elapsed.TotalSeconds:F1} s (limit 2 s)");
    }

    [Fact]
    public void EveryTargetHasAUniqueNameAndEveryFindingFolderNamesATarget()
    {
        var names = FuzzTargets.All.Select(t => t.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(19, names.Count);
        foreach (var folder in Directory.EnumerateDirectories(Root))
            Assert.Contains(Path.GetFileName(folder), names);
    }

    [Fact]
    public void TheContractFailsOnAnUndocumentedErrorAndOnTheAllocationCap()
    {
        Assert.Throws<InvalidOperationException>(() => new Probe(() => throw new InvalidOperationException("boom")).Run([]));
        new Probe(() => throw new FormatException("documented")).Run([]);   // documented, with a message: fine
        Assert.Throws<FuzzFinding>(() => new Probe(() => throw new FormatException("")).Run([]));
        Assert.Throws<FuzzFinding>(() => new Probe(() => GC.KeepAlive(new byte[FuzzTarget.AllocationCap + 1])).Run([]));
    }

    sealed class Probe(Action parse) : FuzzTarget
    {
        public override string Name => "probe";
        protected override void Parse(byte[] data) => parse();
        protected override bool IsDocumented(Exception e) => e is FormatException;
    }
}
