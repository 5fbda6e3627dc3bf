namespace ConVirt;

/// <summary>The checks every evaluation options record shares; messages name the record and the field.</summary>
internal static class EvaluationChecks
{
    internal static void Required(string? value, string record, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{record}.{field} is empty", field);
    }

    internal static void Encoder(string record, int imageSize, ComputeDevice device, ComputePrecision precision, InferenceBackend backend, int threads)
    {
        if (imageSize is < 32 or > 4096) throw new ArgumentException($"{record}.ImageSize: {imageSize} px is outside 32..4096", "ImageSize");
        if (!Enum.IsDefined(device)) throw new ArgumentException($"{record}.Device: unknown value {(int)device}", "Device");
        if (!Enum.IsDefined(precision)) throw new ArgumentException($"{record}.Precision: unknown value {(int)precision}", "Precision");
        if (!Enum.IsDefined(backend)) throw new ArgumentException($"{record}.Backend: unknown value {(int)backend}", "Backend");
        if (threads < 0) throw new ArgumentException($"{record}.Threads: {threads} is negative (0 = libtorch's choice)", "Threads");
    }
}
