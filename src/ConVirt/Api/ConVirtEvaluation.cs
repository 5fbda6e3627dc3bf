namespace ConVirt;

/// <summary>
/// The paper's evaluations as calls: <c>convirt evaluate linear</c>, <c>evaluate retrieval</c> and <c>evaluate zeroshot</c>
/// for a program. Each loads the options' encoder, runs the same job as the command (the command calls these) and
/// returns its result record; with an output folder set it also writes the command's JSON and markdown files.
/// Nothing is written to the console: progress lines go to the optional <see cref="IProgress{T}"/>.
/// </summary>
public static class ConVirtEvaluation
{
    /// <summary>Linear evaluation: a logistic-regression probe on the frozen encoder's h_v at each label fraction
    /// (stratified, patient-grouped label subsets; several runs per fraction).</summary>
    /// <param name="options">Encoder, manifests, label, fractions, runs.</param>
    /// <param name="progress">Receives lines for people (feature extraction, one line per run), on the calling thread; null for none.</param>
    /// <param name="cancellationToken">Checked between the two feature extractions and between runs.</param>
    /// <returns>Scores per fraction with 95 % intervals, and every run.</returns>
    /// <exception cref="ArgumentException">An option is invalid (the message names it), or the label gives fewer than two classes.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static LinearProbeResult LinearProbe(LinearProbeOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return EvaluationSeam.LinearProbe(options, progress, cancellationToken);
    }

    /// <summary>Image-to-image (and, with text queries, text-to-image) retrieval by label: precision@k under cosine similarity.</summary>
    /// <param name="options">Encoder, query and candidate manifests, label, cut-offs, optional text queries.</param>
    /// <param name="progress">Receives lines for people (feature extraction, ranking), on the calling thread; null for none.</param>
    /// <param name="cancellationToken">Checked before loading, between the feature extractions and before the text queries.</param>
    /// <returns>Precision@k per direction, with 95 % intervals and per label.</returns>
    /// <exception cref="ArgumentException">An option is invalid (the message names it), text queries were given for an encoder
    /// without a text encoder, or a text query's label matches no candidate.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static RetrievalEvaluationResult Retrieval(RetrievalEvaluationOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return EvaluationSeam.Retrieval(options, progress, cancellationToken);
    }

    /// <summary>Zero-shot classification of a labelled manifest from prompts: accuracy, balanced accuracy, macro AUC and
    /// the confusion matrix (classes mode), or the AUC of each finding (pairs mode).</summary>
    /// <param name="options">Encoder (a ConVIRT run), manifest, prompts, mode.</param>
    /// <param name="progress">Receives lines for people (feature extraction, scoring), on the calling thread; null for none.</param>
    /// <param name="cancellationToken">Checked before loading, after loading and after the image features.</param>
    /// <returns>The scores with 95 % intervals.</returns>
    /// <exception cref="ArgumentException">An option or the prompts file is invalid (the message names it), or the encoder has
    /// no text encoder (<c>imagenet</c>, <c>random</c>, SimCLR, MoCo v2).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static ZeroShotEvaluationResult ZeroShot(ZeroShotEvaluationOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return EvaluationSeam.ZeroShot(options, progress, cancellationToken);
    }
}
