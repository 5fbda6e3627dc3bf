namespace ConVirt;

/// <summary>The base configurations of <c>convirt pretrain --config</c>.</summary>
public enum PretrainingPreset
{
    /// <summary>ResNet-18 (packaged ImageNet weights) + MiniLM, 96 px: pretrains on a laptop's CPU.</summary>
    CpuSmall,
    /// <summary>The paper's values: ResNet-50 + BERT-base at 224 px, batch 32, 100 epochs (weights given separately via the CLI).</summary>
    Paper,
}
