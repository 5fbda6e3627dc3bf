using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// Exact t-SNE (van der Maaten &amp; Hinton 2008) on TorchSharp tensors, for the paper's figure of image
/// representations coloured by category (n up to a few thousand: memory and time grow as n²), and
/// scikit-learn's trustworthiness score for judging an embedding.
/// </summary>
/// <remarks>
/// Steps, as in scikit-learn's <c>TSNE(method='exact')</c>: squared Euclidean distances; per-row Gaussian
/// precisions found by binary search so each row's entropy is log(perplexity); P = (P_cond + P_condᵀ) / 2n
/// floored at machine epsilon; Student-t Q; gradient 4·Σ_j (P_ij − Q_ij)(1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j);
/// gradient descent with momentum and per-coordinate gains (+0.2 when the gradient's sign opposes the
/// running update, ×0.8 otherwise, floored at <see cref="TsneOptions.MinGain"/>), P exaggerated during
/// the first phase. Update and gains restart at the phase switch (as scikit-learn), the embedding is
/// re-centred each iteration (as van der Maaten's code), and the run always takes the full iteration
/// count (no early stop). P is computed in float64, the descent in float32 (as scikit-learn's parameters),
/// on the features' device.
/// </remarks>
internal static class Tsne
{
    const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>Embeds [n, D] <paramref name="features"/> in two dimensions.</summary>
    /// <param name="features">[n, D] features (any float dtype, any device).</param>
    /// <param name="options">Settings; null for defaults (perplexity 30, 1000 iterations).</param>
    /// <param name="progress">Optional: receives (iteration, KL) at every recorded checkpoint.</param>
    public static TsneResult Embed(Tensor features, TsneOptions? options = null, IProgress<(int Iteration, double Kl)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2) throw new ArgumentException($"features must be [n, D]; got [{string.Join(", ", features.shape)}].", nameof(features));
        options ??= new TsneOptions();
        int n = checked((int)features.shape[0]);
        options.Validate(n);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = features.device;

        var conditional = ConditionalProbabilities(features, options.Perplexity, options.PerplexityTolerance);
        var offDiagonal = 1 - eye(n, dtype: ScalarType.Float64, device: device);
        var p = (conditional + conditional.t()) / (2.0 * n);
        p = p / p.sum().clamp_min(MachineEpsilon);
        p = p.clamp_min(MachineEpsilon) * offDiagonal; // [n, n], zero diagonal

        // The descent runs in float32 (as scikit-learn's parameters do): it is memory-bound on [n, n] matrices.
        var pSingle = p.to_type(ScalarType.Float32);
        var pExaggerated = pSingle * options.EarlyExaggeration;
        var y = tensor(InitialEmbedding(n, options.Seed), [n, 2], device: device).to_type(ScalarType.Float32);
        var update = zeros_like(y);
        var gains = ones_like(y);
        var kernelBuffer = empty_like(pSingle);
        var weightedBuffer = empty_like(pSingle);
        double learningRate = options.ResolvedLearningRate(n);
        var history = new List<(int Iteration, double Kl)>();
        double kl = double.NaN;
        for (int iteration = 1; iteration <= options.Iterations; iteration++)
        {
            using var step = NewDisposeScope();
            bool exaggerated = iteration <= options.ExaggerationIterations;
            if (iteration == options.ExaggerationIterations + 1)
            {
                // New phase: restart the optimiser state (scikit-learn's second _gradient_descent call).
                update.Dispose();
                gains.Dispose();
                update = zeros_like(y).MoveToOuterDisposeScope();
                gains = ones_like(y).MoveToOuterDisposeScope();
            }
            var kernel = StudentTKernel(y, kernelBuffer); // [n, n]
            // (P - Q) ⊙ kernel with Q = kernel / Σ kernel, built in place: [n, n] allocations cost more than the arithmetic.
            var weighted = weightedBuffer.copy_(kernel).mul_(-1.0 / kernel.sum().item<float>()).add_(exaggerated ? pExaggerated : pSingle).mul_(kernel);
            var gradient = 4.0 * (weighted.sum(1, keepdim: true) * y - weighted.mm(y)); // [n, 2]

            double momentum = exaggerated ? options.InitialMomentum : options.FinalMomentum;
            var sameSign = (gradient > 0).eq(update > 0);
            var newGains = where(sameSign, gains * 0.8, gains + 0.2).clamp_min(options.MinGain);
            var newUpdate = momentum * update - learningRate * newGains * gradient;
            var newY = y + newUpdate;
            newY = newY - newY.mean([0], keepdim: true);

            gains.Dispose();
            update.Dispose();
            y.Dispose();
            gains = newGains.MoveToOuterDisposeScope();
            update = newUpdate.MoveToOuterDisposeScope();
            y = newY.MoveToOuterDisposeScope();

            if (iteration % options.KlEvery == 0 || iteration == options.Iterations)
            {
                kl = KlDivergence(p, y.to_type(ScalarType.Float64), offDiagonal);
                history.Add((iteration, kl));
                progress?.Report((iteration, kl));
            }
        }
        return new TsneResult(TensorMatrix.Float(y), kl, history);
    }

    /// <summary>Managed overload of <see cref="Embed(Tensor, TsneOptions, IProgress{ValueTuple{int, double}})"/> (CPU).</summary>
    public static TsneResult Embed(float[,] features, TsneOptions? options = null, IProgress<(int Iteration, double Kl)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        return Embed(tensor(features), options, progress);
    }

    /// <summary>
    /// Conditional probabilities p(j | i) [n, n] (float64, rows sum to 1, zero diagonal) of Gaussians on
    /// squared Euclidean distances, each row's precision found by bisection so that its entropy (nats)
    /// is within <paramref name="tolerance"/> of log(<paramref name="perplexity"/>). All rows are searched
    /// at once; at most 200 bisection steps.
    /// </summary>
    public static Tensor ConditionalProbabilities(Tensor features, double perplexity, double tolerance = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int n = checked((int)features.shape[0]);
        var device = features.device;
        // Large [n, n] temporaries cost more to allocate than to compute, so the loop works in place on two buffers.
        var shifted = SquaredDistances(features.to_type(ScalarType.Float64));
        // Shift each row by its smallest off-diagonal distance: p(j|i) and the entropy are unchanged and
        // exp(-beta * d) no longer underflows for far-away data.
        shifted.diagonal().fill_(double.MaxValue);
        var rowMinimum = shifted.min(1, keepdim: true).values; // [n, 1]
        shifted.sub_(rowMinimum).clamp_min_(0);
        shifted.diagonal().zero_();

        double target = Math.Log(perplexity);
        var beta = ones(n, 1, ScalarType.Float64, device);
        var betaLow = full(n, 1, double.NegativeInfinity, ScalarType.Float64, device);
        var betaHigh = full(n, 1, double.PositiveInfinity, ScalarType.Float64, device);
        var buffer = empty_like(shifted);
        for (int step = 0; step < 200; step++)
        {
            using var stepScope = NewDisposeScope();
            // buffer = exp(-beta_i * shifted_ij), zero diagonal
            buffer.copy_(shifted).mul_(-beta).exp_();
            buffer.diagonal().zero_();
            var total = buffer.sum(1, keepdim: true).clamp_min(1e-300); // [n, 1]
            var entropy = total.log() + beta * buffer.mul_(shifted).sum(1, keepdim: true) / total; // [n, 1], nats
            var difference = entropy - target;
            if (difference.abs().max().item<double>() <= tolerance) break;
            // Entropy too high -> distribution too flat -> raise the precision beta, else lower it.
            var tooFlat = difference > 0;
            var active = difference.abs() > tolerance;
            var newLow = where(active & tooFlat, beta, betaLow);
            var newHigh = where(active & ~tooFlat, beta, betaHigh);
            var raised = where(newHigh.isinf(), beta * 2, (beta + newHigh) / 2);
            var lowered = where(newLow.isinf(), beta / 2, (beta + newLow) / 2);
            var newBeta = where(active, where(tooFlat, raised, lowered), beta);
            betaLow = newLow.MoveToOuterDisposeScope();
            betaHigh = newHigh.MoveToOuterDisposeScope();
            beta = newBeta.MoveToOuterDisposeScope();
        }
        var probabilities = buffer.copy_(shifted).mul_(-beta).exp_();
        probabilities.diagonal().zero_();
        probabilities.div_(probabilities.sum(1, keepdim: true).clamp_min(1e-300));
        return probabilities.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Trustworthiness of an embedding (scikit-learn's <c>sklearn.manifold.trustworthiness</c>, Euclidean):
    /// 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^low(i)} max(0, r(i, j) − k), where r(i, j) is the rank of
    /// j among i's neighbours in the original space (1 = nearest). Ties in distance are ranked by index.
    /// </summary>
    /// <param name="high">[n, D] original points.</param>
    /// <param name="low">[n, d] embedded points.</param>
    /// <param name="k">Neighbourhood size, below n / 2.</param>
    public static double Trustworthiness(Tensor high, Tensor low, int k)
    {
        ArgumentNullException.ThrowIfNull(high);
        ArgumentNullException.ThrowIfNull(low);
        if (high.dim() != 2 || low.dim() != 2 || high.shape[0] != low.shape[0])
            throw new ArgumentException($"high [{string.Join(", ", high.shape)}] and low [{string.Join(", ", low.shape)}] must be matrices with the same rows.", nameof(low));
        int n = checked((int)high.shape[0]);
        if (k < 1 || k >= n / 2.0) throw new ArgumentException($"k is {k}; it must be in [1, n / 2) = [1, {n / 2.0}).", nameof(k));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var highOrder = SquaredDistances(high.to_type(ScalarType.Float64))
            .masked_fill(eye(n, device: high.device).to_type(ScalarType.Bool), double.PositiveInfinity)
            .sort(1, false, true).Indices; // [n, n], self last
        // rank[i, j] = position of j in i's original-space ordering, starting at 1.
        var positions = arange(1, n + 1, ScalarType.Int64, high.device).unsqueeze(0).expand(n, n);
        var rank = zeros(n, n, ScalarType.Int64, high.device).scatter(1, highOrder, positions);
        var lowNeighbours = SquaredDistances(low.to_type(ScalarType.Float64))
            .masked_fill(eye(n, device: low.device).to_type(ScalarType.Bool), double.PositiveInfinity)
            .sort(1, false, true).Indices.narrow(1, 0, k).to(high.device); // [n, k]
        var excess = (rank.gather(1, lowNeighbours) - k).clamp_min(0).sum().item<long>();
        return 1.0 - excess * (2.0 / (n * (double)k * (2.0 * n - 3.0 * k - 1.0)));
    }

    /// <summary>Managed overload of <see cref="Trustworthiness(Tensor, Tensor, int)"/>.</summary>
    public static double Trustworthiness(float[,] high, float[,] low, int k)
    {
        ArgumentNullException.ThrowIfNull(high);
        ArgumentNullException.ThrowIfNull(low);
        using var scope = NewDisposeScope();
        return Trustworthiness(tensor(high), tensor(low), k);
    }

    /// <summary>[n, n] squared Euclidean distances of the rows of float64 [n, D] <paramref name="x"/>, clamped at 0.</summary>
    static Tensor SquaredDistances(Tensor x)
    {
        var norms = (x * x).sum(1, keepdim: true); // [n, 1]
        return (norms + norms.t() - 2 * x.mm(x.t())).clamp_min(0);
    }

    /// <summary>Student-t kernel (1 + ‖y_i − y_j‖²)⁻¹ [n, n] with zero diagonal, written into <paramref name="buffer"/>
    /// (a new tensor when null).</summary>
    static Tensor StudentTKernel(Tensor y, Tensor? buffer = null)
    {
        var norms = (y * y).sum(1, keepdim: true); // [n, 1]
        var kernel = buffer is null ? norms + norms.t() : buffer.copy_(norms).add_(norms.t());
        kernel.addmm_(y, y.t(), beta: 1, alpha: -2).clamp_min_(0).add_(1).reciprocal_();
        kernel.diagonal().zero_();
        return kernel;
    }

    /// <summary>Σ_{i≠j} P_ij log(P_ij / Q_ij) for float64 P and embedding y, Q floored at machine epsilon (as scikit-learn).</summary>
    static double KlDivergence(Tensor p, Tensor y, Tensor offDiagonal)
    {
        var kernel = StudentTKernel(y);
        var q = (kernel / kernel.sum()).clamp_min(MachineEpsilon);
        var ratio = (p.clamp_min(MachineEpsilon) / q).log();
        return (p * ratio * offDiagonal).sum().item<double>();
    }

    /// <summary>n x 2 draws from N(0, 1e-4²) by Box–Muller from a seeded managed generator (device-independent).</summary>
    static double[] InitialEmbedding(int n, int seed)
    {
        var random = new Random(seed);
        var values = new double[2 * n];
        for (int i = 0; i < values.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = 1e-4 * radius * Math.Cos(2 * Math.PI * u2);
            values[i + 1] = 1e-4 * radius * Math.Sin(2 * Math.PI * u2);
        }
        return values;
    }
}
