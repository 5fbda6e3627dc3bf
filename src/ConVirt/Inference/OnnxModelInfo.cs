namespace ConVirt.Inference;

/// <summary>What an exported ONNX file says about itself (ModelProto fields around the graph).</summary>
/// <param name="OpsetVersion">Version of the default (ai.onnx) operator set the graph uses.</param>
/// <param name="ProducerName">producer_name.</param>
/// <param name="ProducerVersion">producer_version.</param>
/// <param name="DocString">doc_string: a one-paragraph description of inputs and outputs.</param>
/// <param name="Metadata">metadata_props (key, value) pairs, in order.</param>
internal sealed record OnnxModelInfo(long OpsetVersion, string ProducerName, string ProducerVersion, string DocString,
    IReadOnlyList<KeyValuePair<string, string>> Metadata)
{
    /// <summary>IR version written for opsets up to 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8;
}
