namespace ConVirt.Evaluation;

/// <summary>Settings of <c>convirt evaluate linear</c> and <c>convirt evaluate finetune</c>.</summary>
internal sealed record LabelEfficiencyOptions
{
    /// <summary>The <c>--encoder</c> value: run folder, checkpoint, <c>random</c> or <c>imagenet</c>.</summary>
    public required string Encoder { get; init; }
    /// <summary>Training manifest.</summary>
    public required string Train { get; init; }
    /// <summary>Test manifest (may be the same file as <see cref="Train"/>, with another split).</summary>
    public required string Test { get; init; }
    /// <summary>Label key, or several comma-separated 0/1 keys (multi-label).</summary>
    public required string Label { get; init; }
    /// <summary>Rewriting of the label's values (ignored values, a positive class); null keeps them.</summary>
    public LabelValueFilter? LabelValues { get; init; }
    /// <summary>Folder that relative image paths of the manifests resolve against (<c>--image-root</c>); null: each manifest's folder.</summary>
    public string? ImageRoot { get; init; }
    /// <summary>Split of <see cref="Train"/> used when rows carry splits.</summary>
    public string TrainSplit { get; init; } = "train";
    /// <summary>Split of <see cref="Test"/> used when rows carry splits.</summary>
    public string TestSplit { get; init; } = "test";
    /// <summary>Label fractions in (0, 1].</summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.01, 0.1, 1];
    /// <summary>Runs per fraction (different label subsets and seeds).</summary>
    public int Runs { get; init; } = 5;
    /// <summary>Side of the evaluation view.</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Base seed; run r uses seed + r.</summary>
    public int Seed { get; init; }
    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>What the encoder computes in (fp32, bf16, auto); fine-tuning keeps float32 master weights.</summary>
    public global::ConVirt.Precision.PrecisionMode Precision { get; init; } = global::ConVirt.Precision.PrecisionMode.Fp32;

    /// <summary>What computes the encoder's forward passes.</summary>
    public global::ConVirt.Inference.TowerBackend Backend { get; init; }
    /// <summary>Output folder (JSON, markdown, feature cache); null writes nothing.</summary>
    public string? Out { get; init; }
    /// <summary>Linear: keep extracted features under Out/features/ and reuse them.</summary>
    public bool CacheFeatures { get; init; } = true;
    /// <summary>Linear: probe settings (L2 grid, validation share, iterations); null for the defaults. The seed is set per run.</summary>
    public LogisticRegressionProbeOptions? Probe { get; init; }
    /// <summary>Fine-tuning: Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>Fine-tuning: examples per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Fine-tuning: most epochs per run.</summary>
    public int MaxEpochs { get; init; } = 10;
    /// <summary>Fine-tuning: stop after this many epochs without a lower validation loss.</summary>
    public int Patience { get; init; } = 3;
    /// <summary>Fine-tuning: split of <see cref="Train"/> for early stopping. When the manifest has no such split
    /// (or it is the test split), a patient-stratified <see cref="ValidationFraction"/> of the training rows is held out
    /// instead (before label fractions are drawn).</summary>
    public string ValSplit { get; init; } = "val";
    /// <summary>Fine-tuning: share of the training rows held out for early stopping when there is no validation split.</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Fine-tuning: random augmentation of training views (the encoder configuration's, at the evaluation size).</summary>
    public bool Augment { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Fractions.Count == 0) throw new ArgumentException("--fractions is empty");
        foreach (var f in Fractions)
            if (!(f > 0 && f <= 1)) throw new ArgumentException($"--fractions holds {f}; fractions must be in (0, 1]");
        if (Runs < 1) throw new ArgumentException($"--runs is {Runs}; it must be at least 1");
        if (ImageSize < 16) throw new ArgumentException($"--image-size is {ImageSize}; it must be at least 16");
        if (!(LearningRate > 0)) throw new ArgumentException($"--lr is {LearningRate}; it must be positive");
        if (BatchSize < 2) throw new ArgumentException($"--batch-size is {BatchSize}; it must be at least 2");
        if (MaxEpochs < 1) throw new ArgumentException($"--max-epochs is {MaxEpochs}; it must be at least 1");
        if (Patience < 1) throw new ArgumentException($"--patience is {Patience}; it must be at least 1");
        if (!(ValidationFraction > 0 && ValidationFraction < 1)) throw new ArgumentException($"validation fraction is {ValidationFraction}; it must be in (0, 1)");
    }
}
