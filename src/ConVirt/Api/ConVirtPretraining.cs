namespace ConVirt;

/// <summary>Pretraining as a call: <c>convirt pretrain</c> for a program.</summary>
public static class ConVirtPretraining
{
    /// <summary>
    /// Pretrains on the options' manifests, writing the run folder as <c>convirt pretrain</c> does (resumable,
    /// even after a kill), and returns the trained encoder.
    /// </summary>
    /// <param name="options">Data, run folder, method and overrides of the preset.</param>
    /// <param name="progress">Receives reports between steps (on the training thread); null for none.</param>
    /// <param name="cancellationToken">Stops the run between steps; the run folder keeps its last checkpoint
    /// (resume with <see cref="PretrainingOptions.Resume"/>).</param>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ArgumentException">An option or the resolved configuration is invalid.</exception>
    public static PretrainingResult Run(PretrainingOptions options, IProgress<PretrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (stop, steps, epochs, bestValidation, pairsPerSecond, imageSize) = EncoderSeam.Pretrain(options, progress, cancellationToken);
        var encoder = ConVirtEncoder.Load(options.RunFolder, new EncoderOptions
        {
            Device = options.Device, Precision = options.Precision, ImageSize = imageSize, Threads = options.Threads,
        });
        return new PretrainingResult(encoder, stop, steps, epochs, bestValidation, pairsPerSecond, Path.GetFullPath(options.RunFolder));
    }
}
