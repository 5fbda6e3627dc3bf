namespace ConVirt.Evaluation;

/// <summary>The output head of a <see cref="LogisticRegressionProbe"/>.</summary>
internal enum ProbeHeadKind
{
    /// <summary>One class per example among two: a single sigmoid output for class 1.</summary>
    Binary,

    /// <summary>One class per example among more than two: softmax over classes.</summary>
    MultiClass,

    /// <summary>Any number of 0/1 labels per example: one independent sigmoid per label.</summary>
    MultiLabel,
}
