namespace ConVirt.Fuzz;

/// <summary>Every fuzz target, by name, in the order run.sh runs them.</summary>
internal static class FuzzTargets
{
    /// <summary>The targets.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new DicomFileTarget(),
        .. ConVirt.Data.Dicom.DicomCodecRegistry.Codecs.Select(c => new DicomCodecTarget(c)),
        new ImageDecoderTarget(),
        new Png16GrayTarget(),
        new ManifestTarget(".jsonl"),
        new ManifestTarget(".csv"),
        new SafeTensorsTarget(),
        new TorchPickleTarget(),
        new TorchZipTarget(),
        new OnnxTarget(),
        new ShardTarget(),
        new ReportTextTarget(),
    ];

    /// <summary>The target called <paramref name="name"/>.</summary>
    public static FuzzTarget Get(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no fuzz target '{name}' (targets: {string.Join(", ", All.Select(t => t.Name))})");
}
