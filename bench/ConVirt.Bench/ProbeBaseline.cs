// The linear probe as it was before issue 27 (commit b545e65, src/ConVirt/Evaluation/LogisticRegressionProbe.cs), kept
// verbatim but renamed so that `ConVirt.Bench probe` times the previous probe beside the current one in one run.
using ConVirt.Evaluation;
using static TorchSharp.torch;

namespace ConVirt.Bench;

/// <summary>
/// A linear classifier on frozen features (the paper's linear evaluation protocol): features standardised
/// per dimension, a softmax (multi-class) or sigmoid (binary, multi-label) head, L2 strength chosen from a
/// grid by validation log-loss on a stratified seeded hold-out, then refitted on all training examples.
/// </summary>
/// <remarks>
/// Fitting is full-batch L-BFGS with a backtracking (Armijo) line search on the convex objective
/// mean log-loss + λ/2·‖W‖² (bias unpenalised), in float64 on the features' device, with closed-form
/// gradients. TorchSharp's <c>optim.LBFGS</c> has no line search and calls back into managed code from
/// native code, so the few lines of the two-loop recursion are written here instead. The standardisation
/// (mean, population standard deviation) comes from all training examples and is shared by every fit; the
/// grid is walked from the strongest λ down, each fit warm-started from the previous solution, and the
/// final fit starts from the chosen λ's solution. Weights and standardisation are kept in managed arrays,
/// so a probe holds no native memory.
/// </remarks>
internal sealed class ProbeBaseline
{
    ProbeBaseline(ProbeHeadKind kind, int outputCount, double l2, IReadOnlyList<(double L2, double ValidationLoss)> selection,
        FittedHead head)
    {
        Kind = kind;
        OutputCount = outputCount;
        L2 = l2;
        Selection = selection;
        FeatureMean = head.Mean;
        FeatureScale = head.Scale;
        Weights = head.Weights;
        Bias = head.Bias;
        Iterations = head.Iterations;
        Converged = head.Converged;
    }

    /// <summary>The head: binary sigmoid, softmax or per-label sigmoids.</summary>
    public ProbeHeadKind Kind { get; }

    /// <summary>Columns of <see cref="PredictProba(Tensor)"/>: the class count (2 for binary) or the label count.</summary>
    public int OutputCount { get; }

    /// <summary>Feature dimension d.</summary>
    public int FeatureCount => FeatureMean.Length;

    /// <summary>The chosen L2 strength λ.</summary>
    public double L2 { get; }

    /// <summary>Validation log-loss of every grid value tried (empty when the grid had one value).</summary>
    public IReadOnlyList<(double L2, double ValidationLoss)> Selection { get; }

    /// <summary>Per-dimension mean subtracted before the head (d values).</summary>
    public double[] FeatureMean { get; }

    /// <summary>Per-dimension population standard deviation divided by before the head (1 where a dimension is constant).</summary>
    public double[] FeatureScale { get; }

    /// <summary>[d, heads] weights on standardised features; heads = 1 for binary (logit of class 1).</summary>
    public double[,] Weights { get; }

    /// <summary>[heads] biases.</summary>
    public double[] Bias { get; }

    /// <summary>L-BFGS iterations of the final fit.</summary>
    public int Iterations { get; }

    /// <summary>Whether the final fit reached the gradient or loss tolerance (false: stopped at the iteration limit or a failed line search).</summary>
    public bool Converged { get; }

    /// <summary>
    /// Fits a single-label probe: binary sigmoid when <paramref name="classCount"/> is 2, softmax otherwise.
    /// </summary>
    /// <param name="features">[n, d] features (any float dtype, any device).</param>
    /// <param name="labels">n class indices in [0, classCount).</param>
    /// <param name="classCount">Number of classes, at least 2.</param>
    /// <param name="options">Grid, split and optimiser settings; null for defaults.</param>
    public static ProbeBaseline Fit(Tensor features, int[] labels, int classCount, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (classCount < 2) throw new ArgumentException($"classCount is {classCount}; a probe needs at least 2 classes.", nameof(classCount));
        CheckFeatures(features, labels.Length);
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"labels[{i}] is {labels[i]}, outside [0, {classCount}).", nameof(labels));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var kind = classCount == 2 ? ProbeHeadKind.Binary : ProbeHeadKind.MultiClass;
        var labelTensor = tensor(labels.Select(l => (long)l).ToArray(), device: features.device);
        var targets = kind == ProbeHeadKind.Binary
            ? labelTensor.to_type(ScalarType.Float64).unsqueeze(1)
            : nn.functional.one_hot(labelTensor, classCount).to_type(ScalarType.Float64);
        return FitAny(features, targets, kind, classCount, labels, options ?? new());
    }

    /// <summary>Managed overload of <see cref="Fit(Tensor, int[], int, LogisticRegressionProbeOptions)"/> for [n, d] features (CPU).</summary>
    public static ProbeBaseline Fit(float[,] features, int[] labels, int classCount, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        return Fit(tensor(features), labels, classCount, options);
    }

    /// <summary>Fits one sigmoid per label of [n, labelCount] 0/1 <paramref name="targets"/> (e.g. CheXpert findings).</summary>
    /// <param name="features">[n, d] features.</param>
    /// <param name="targets">[n, labelCount] 0/1 targets; the validation split is stratified by the row's label pattern.</param>
    /// <param name="options">Grid, split and optimiser settings; null for defaults.</param>
    public static ProbeBaseline FitMultiLabel(Tensor features, int[,] targets, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        int n = targets.GetLength(0), labelCount = targets.GetLength(1);
        if (labelCount < 1) throw new ArgumentException("targets has no label columns.", nameof(targets));
        CheckFeatures(features, n);
        var patternIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var strata = new int[n];
        var flat = new double[n * labelCount];
        var pattern = new char[labelCount];
        for (int i = 0; i < n; i++)
        {
            for (int l = 0; l < labelCount; l++)
            {
                if (targets[i, l] is not (0 or 1))
                    throw new ArgumentException($"targets[{i}, {l}] is {targets[i, l]}; targets must be 0 or 1.", nameof(targets));
                flat[i * labelCount + l] = targets[i, l];
                pattern[l] = targets[i, l] == 1 ? '1' : '0';
            }
            var key = new string(pattern);
            if (!patternIds.TryGetValue(key, out strata[i])) patternIds.Add(key, strata[i] = patternIds.Count);
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = tensor(flat, [n, labelCount], device: features.device);
        return FitAny(features, y, ProbeHeadKind.MultiLabel, labelCount, strata, options ?? new());
    }

    /// <summary>Managed overload of <see cref="FitMultiLabel(Tensor, int[,], LogisticRegressionProbeOptions)"/> (CPU).</summary>
    public static ProbeBaseline FitMultiLabel(float[,] features, int[,] targets, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        return FitMultiLabel(tensor(features), targets, options);
    }

    /// <summary>
    /// Probabilities [n, <see cref="OutputCount"/>] (float32, on the features' device): class probabilities
    /// (binary: columns P(0), P(1)) or per-label probabilities.
    /// </summary>
    public Tensor PredictProba(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.shape[1] != FeatureCount)
            throw new ArgumentException($"features must be [n, {FeatureCount}]; got [{string.Join(", ", features.shape)}].", nameof(features));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = features.device;
        var logits = Standardise(features.to_type(ScalarType.Float64), tensor(FeatureMean, device: device), tensor(FeatureScale, device: device))
            .mm(tensor(Weights, device: device)) + tensor(Bias, device: device);
        var probabilities = Kind switch
        {
            ProbeHeadKind.MultiClass => logits.softmax(1),
            ProbeHeadKind.Binary => cat([1 - logits.sigmoid(), logits.sigmoid()], 1),
            _ => logits.sigmoid(),
        };
        return probabilities.to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Managed overload of <see cref="PredictProba(Tensor)"/> (CPU).</summary>
    public float[,] PredictProba(float[,] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var probabilities = PredictProba(tensor(features));
        return TensorMatrix.Float(probabilities);
    }

    static ProbeBaseline FitAny(Tensor features, Tensor targets, ProbeHeadKind kind, int outputCount, int[] strata,
        LogisticRegressionProbeOptions options)
    {
        options.Validate();
        // Standardisation from all training examples, shared by the selection fits and the final fit (it uses
        // no labels, and sharing it lets each fit start from the previous one's parameters).
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var scale = x.std(0, unbiased: false);
        scale = where(scale > 1e-12, scale, ones_like(scale));
        var standardised = Standardise(x, mean, scale);
        bool softmax = kind == ProbeHeadKind.MultiClass;
        var grid = options.ResolvedL2Grid;
        var selection = new List<(double L2, double ValidationLoss)>();
        double chosen = grid[0];
        Tensor? start = null;
        if (grid.Count > 1)
        {
            var trainIndices = LabelFractionSampler.Stratified(strata, null, 1 - options.ValidationFraction, options.Seed);
            var inTrain = new bool[strata.Length];
            foreach (int i in trainIndices) inTrain[i] = true;
            var validationIndices = Enumerable.Range(0, strata.Length).Where(i => !inTrain[i]).ToArray();
            if (validationIndices.Length == 0)
                throw new ArgumentException(
                    $"{strata.Length} examples leave none for validation; pass a one-value L2Grid to fit without choosing λ.", nameof(features));
            var trainIndex = tensor(trainIndices.Select(i => (long)i).ToArray(), device: x.device);
            var validationIndex = tensor(validationIndices.Select(i => (long)i).ToArray(), device: x.device);
            var train = new Objective(standardised.index_select(0, trainIndex), targets.index_select(0, trainIndex), softmax, 0);
            var validation = new Objective(standardised.index_select(0, validationIndex), targets.index_select(0, validationIndex), softmax, 0);
            // Strongest regularisation first, each fit warm-started from the previous solution (a regularisation path).
            var losses = new double[grid.Count];
            Tensor? previous = null;
            Tensor? best = null;
            double bestLoss = double.PositiveInfinity;
            foreach (int g in Enumerable.Range(0, grid.Count).OrderByDescending(g => grid[g]))
            {
                var (parameters, _, _) = MinimiseLbfgs(train.WithL2(grid[g]), previous ?? ZeroParameters(standardised, targets), options);
                previous = parameters;
                losses[g] = validation.Evaluate(parameters).Loss;
                if (losses[g] < bestLoss || (losses[g] == bestLoss && grid[g] > chosen))
                {
                    bestLoss = losses[g];
                    chosen = grid[g];
                    best = parameters;
                }
            }
            for (int g = 0; g < grid.Count; g++) selection.Add((grid[g], losses[g]));
            start = best;
        }
        var (final, iterations, converged) = MinimiseLbfgs(new Objective(standardised, targets, softmax, chosen),
            start ?? ZeroParameters(standardised, targets), options);
        var matrix = TensorMatrix.Double(final); // [d + 1, heads]; last row is the bias
        int d = (int)x.shape[1], heads = (int)targets.shape[1];
        var weights = new double[d, heads];
        var bias = new double[heads];
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < d; j++) weights[j, h] = matrix[j, h];
            bias[h] = matrix[d, h];
        }
        var head = new FittedHead(mean.cpu().data<double>().ToArray(), scale.cpu().data<double>().ToArray(), weights, bias, iterations, converged);
        return new ProbeBaseline(kind, outputCount, chosen, selection, head);
    }

    static Tensor ZeroParameters(Tensor standardised, Tensor targets) =>
        zeros(standardised.shape[1] + 1, targets.shape[1], ScalarType.Float64, standardised.device);

    /// <summary>L-BFGS (two-loop recursion) with Armijo backtracking, from <paramref name="start"/>.</summary>
    static (Tensor Parameters, int Iterations, bool Converged) MinimiseLbfgs(Objective objective, Tensor start, LogisticRegressionProbeOptions options)
    {
        var history = new List<(Tensor S, Tensor Y, double Rho)>();
        var theta = start.clone(); // a copy: accepted steps dispose the previous iterate, never the caller's start
        var (loss, gradient) = objective.Evaluate(theta);
        int iteration = 0;
        bool converged = false;
        for (; iteration < options.MaxIterations; iteration++)
        {
            if (gradient.abs().max().item<double>() < options.GradientTolerance)
            {
                converged = true;
                break;
            }
            using var step = NewDisposeScope();
            // Two-loop recursion: direction = -H·gradient with H the L-BFGS inverse-Hessian estimate.
            var q = gradient.clone();
            var alphas = new double[history.Count];
            for (int i = history.Count - 1; i >= 0; i--)
            {
                alphas[i] = history[i].Rho * Dot(history[i].S, q);
                q = q - alphas[i] * history[i].Y;
            }
            if (history.Count > 0)
            {
                var (s, yv, _) = history[^1];
                q = q * (Dot(s, yv) / Dot(yv, yv));
            }
            for (int i = 0; i < history.Count; i++)
            {
                double beta = history[i].Rho * Dot(history[i].Y, q);
                q = q + (alphas[i] - beta) * history[i].S;
            }
            var direction = -q;
            double slope = Dot(gradient, direction);
            if (!(slope < 0))
            {
                foreach (var (s, yv, _) in history) { s.Dispose(); yv.Dispose(); }
                history.Clear();
                direction = -gradient;
                slope = Dot(gradient, direction);
            }
            double stepSize = history.Count == 0 ? Math.Min(1.0, 1.0 / gradient.abs().sum().item<double>()) : 1.0;
            Tensor next;
            double nextLoss;
            Tensor nextGradient;
            while (true)
            {
                next = theta + stepSize * direction;
                (nextLoss, nextGradient) = objective.Evaluate(next);
                if (nextLoss <= loss + 1e-4 * stepSize * slope) break;
                stepSize *= 0.5;
                if (stepSize < 1e-20) return (theta, iteration, false); // no decrease possible at machine precision
            }
            var sNew = (next - theta).MoveToOuterDisposeScope();
            var yNew = (nextGradient - gradient).MoveToOuterDisposeScope();
            double sy = Dot(sNew, yNew);
            if (sy > 1e-12)
            {
                history.Add((sNew, yNew, 1.0 / sy));
                if (history.Count > options.HistorySize)
                {
                    history[0].S.Dispose();
                    history[0].Y.Dispose();
                    history.RemoveAt(0);
                }
            }
            theta.Dispose();
            gradient.Dispose();
            theta = next.MoveToOuterDisposeScope();
            gradient = nextGradient.MoveToOuterDisposeScope();
            bool stalled = loss - nextLoss <= options.LossTolerance * Math.Max(Math.Abs(loss), 1);
            loss = nextLoss;
            if (stalled)
            {
                iteration++;
                converged = true;
                break;
            }
        }
        return (theta, iteration, converged);
    }

    static double Dot(Tensor a, Tensor b) => (a * b).sum().item<double>();

    static Tensor Standardise(Tensor x, Tensor mean, Tensor scale) => (x - mean) / scale;

    static void CheckFeatures(Tensor features, int n)
    {
        if (features.dim() != 2) throw new ArgumentException($"features must be [n, d]; got [{string.Join(", ", features.shape)}].", nameof(features));
        if (features.shape[0] != n) throw new ArgumentException($"features has {features.shape[0]} rows but there are {n} labels.", nameof(features));
        if (n == 0) throw new ArgumentException("A probe needs at least one example.", nameof(features));
    }

    /// <summary>Standardisation and parameters of one fitted head.</summary>
    sealed record FittedHead(double[] Mean, double[] Scale, double[,] Weights, double[] Bias, int Iterations, bool Converged);

    /// <summary>
    /// mean log-loss + λ/2·‖W‖² and its gradient for parameters [d + 1, heads] (last row: bias) on
    /// standardised features <c>x</c> [n, d] and float64 targets [n, heads].
    /// </summary>
    sealed class Objective
    {
        readonly Tensor augmented; // [n, d + 1]: standardised features and a column of ones
        readonly Tensor penaltyMask; // [d + 1, 1]: 1 for weights, 0 for the unpenalised bias
        readonly Tensor targets;
        readonly bool softmax;
        readonly double l2;
        readonly double n;

        public Objective(Tensor standardised, Tensor targets, bool softmax, double l2)
            : this(cat([standardised, ones(standardised.shape[0], 1, ScalarType.Float64, standardised.device)], 1),
                cat([ones(standardised.shape[1], 1, ScalarType.Float64, standardised.device), zeros(1, 1, ScalarType.Float64, standardised.device)], 0),
                targets, softmax, l2)
        {
        }

        Objective(Tensor augmented, Tensor penaltyMask, Tensor targets, bool softmax, double l2)
        {
            this.augmented = augmented;
            this.penaltyMask = penaltyMask;
            this.targets = targets;
            this.softmax = softmax;
            this.l2 = l2;
            n = augmented.shape[0];
        }

        /// <summary>The same data with another L2 strength.</summary>
        public Objective WithL2(double strength) => new(augmented, penaltyMask, targets, softmax, strength);

        public (double Loss, Tensor Gradient) Evaluate(Tensor parameters)
        {
            using var scope = NewDisposeScope();
            var logits = augmented.mm(parameters); // [n, heads]
            Tensor perExample, probabilities;
            if (softmax)
            {
                var logNormaliser = logits.logsumexp(1, keepdim: true);
                perExample = (logNormaliser.squeeze(1) - (logits * targets).sum(1));
                probabilities = (logits - logNormaliser).exp();
            }
            else
            {
                // softplus(z) - y·z, with softplus(z) = max(z, 0) + log(1 + exp(-|z|)) to stay finite.
                var softplus = logits.clamp_min(0) + (-logits.abs()).exp().log1p();
                perExample = (softplus - targets * logits).sum(1);
                probabilities = logits.sigmoid();
            }
            var penalised = parameters * penaltyMask;
            double loss = perExample.mean().item<double>() + 0.5 * l2 * (penalised * penalised).sum().item<double>();
            var gradient = augmented.t().mm(probabilities - targets) / n + l2 * penalised;
            return (loss, gradient.MoveToOuterDisposeScope());
        }
    }
}
