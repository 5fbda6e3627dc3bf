namespace ConVirt;

/// <summary>The pretraining methods of the paper's comparison.</summary>
public enum PretrainingMethod
{
    /// <summary>ConVIRT: image and text encoders with projection heads, bidirectional contrastive loss on image-report pairs.</summary>
    ConVirt,
    /// <summary>SimCLR: image-only contrastive learning between two augmented views (image encoder only).</summary>
    SimClr,
    /// <summary>MoCo v2: image-only contrastive learning with a momentum encoder and a queue (image encoder only).</summary>
    MoCoV2,
}
