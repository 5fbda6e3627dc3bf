using static TorchSharp.torch;

namespace ConVirt.Evaluation;

/// <summary>
/// A linear classifier on frozen features (the paper's linear evaluation protocol): features standardised
/// per dimension, a softmax (multi-class) or sigmoid (binary, multi-label) head, L2 strength chosen from a
/// grid by validation log-loss on a stratified seeded hold-out, then refitted on all training examples.
/// </summary>
/// <remarks>
/// Fitting is full-batch L-BFGS with a backtracking (Armijo) line search on the convex objective
/// mean log-loss + λ/2·‖W‖² (bias unpenalised), in float64 on the features' device, with closed-form
/// gradients, preconditioned by the Hessian's diagonal at each fit's start and started cold at zero weights
/// and the log class frequencies as biases (neither changes the optimum; together they cut the MedPix probes'
/// objective evaluations about 3.5-fold, docs/benchmarks.md section 11). TorchSharp's <c>optim.LBFGS</c> has no line search and calls back into managed code from
/// native code, so the few lines of the two-loop recursion are written here instead. The standardisation
/// (mean, population standard deviation) comes from all training examples and is shared by every fit; the
/// grid is walked from the strongest λ down, each fit warm-started from the previous solution, and the
/// final fit starts from the chosen λ's solution. Weights and standardisation are kept in managed arrays,
/// so a probe holds no native memory.
/// <para>Single-label fits learn only the classes that occur in the training labels (<see cref="TrainedClasses"/>), as
/// scikit-learn's <c>LogisticRegression</c> does: a class of the task without a training example (e.g. a value seen only
/// in the test split) gets probability exactly 0, and its one-vs-rest AUC is that of a constant score (0.5) instead of
/// whatever ranking a head trained to push it down everywhere happens to give. Two trained classes among more make a
/// sigmoid head over those two (scikit-learn's binary case); one makes a constant probe (probability 1).</para>
/// </remarks>
internal sealed class LogisticRegressionProbe
{
    LogisticRegressionProbe(ProbeHeadKind kind, int outputCount, double l2, IReadOnlyList<(double L2, double ValidationLoss, int Iterations)> selection,
        FittedHead head, ProbeHeadKind headKind, int[] trainedClasses)
    {
        Kind = kind;
        OutputCount = outputCount;
        this.headKind = headKind;
        TrainedClasses = trainedClasses;
        L2 = l2;
        Selection = selection;
        FeatureMean = head.Mean;
        FeatureScale = head.Scale;
        Weights = head.Weights;
        Bias = head.Bias;
        Iterations = head.Iterations;
        Evaluations = head.Evaluations;
        Converged = head.Converged;
    }

    /// <summary>The task's head: binary sigmoid, softmax or per-label sigmoids (by the class count asked for).</summary>
    public ProbeHeadKind Kind { get; }

    /// <summary>
    /// The head actually fitted over <see cref="TrainedClasses"/>: <see cref="Kind"/> when every class has training examples;
    /// binary when two of more do; multi-class with one column (probability 1) when one does.
    /// </summary>
    readonly ProbeHeadKind headKind;

    /// <summary>
    /// Output columns the head was trained on, ascending: the classes present in the training labels (single-label), or every
    /// label (multi-label). The other columns of <see cref="PredictProba(Tensor)"/> are 0.
    /// </summary>
    public IReadOnlyList<int> TrainedClasses { get; }

    /// <summary>Columns of <see cref="PredictProba(Tensor)"/>: the class count (2 for binary) or the label count.</summary>
    public int OutputCount { get; }

    /// <summary>Feature dimension d.</summary>
    public int FeatureCount => FeatureMean.Length;

    /// <summary>The chosen L2 strength λ.</summary>
    public double L2 { get; }

    /// <summary>Validation log-loss of every grid value tried, and its fit's L-BFGS iterations (empty when the grid had one value).</summary>
    public IReadOnlyList<(double L2, double ValidationLoss, int Iterations)> Selection { get; }

    /// <summary>Per-dimension mean subtracted before the head (d values).</summary>
    public double[] FeatureMean { get; }

    /// <summary>Per-dimension population standard deviation divided by before the head (1 where a dimension is constant).</summary>
    public double[] FeatureScale { get; }

    /// <summary>[d, heads] weights on standardised features; heads = 1 for a binary head (logit of the second trained class),
    /// else one per trained class (<see cref="TrainedClasses"/>) or label.</summary>
    public double[,] Weights { get; }

    /// <summary>[heads] biases.</summary>
    public double[] Bias { get; }

    /// <summary>L-BFGS iterations of the final fit.</summary>
    public int Iterations { get; }

    /// <summary>Objective evaluations (loss and gradient) of the whole fit: every grid value's fit, the validation losses and the final fit.</summary>
    public int Evaluations { get; }

    /// <summary>Whether the final fit reached the gradient or loss tolerance (false: stopped at the iteration limit or a failed line search).</summary>
    public bool Converged { get; }

    /// <summary>
    /// Fits a single-label probe: binary sigmoid when <paramref name="classCount"/> is 2, softmax otherwise.
    /// </summary>
    /// <param name="features">[n, d] features (any float dtype, any device).</param>
    /// <param name="labels">n class indices in [0, classCount).</param>
    /// <param name="classCount">Number of classes, at least 2.</param>
    /// <param name="options">Grid, split and optimiser settings; null for defaults.</param>
    public static LogisticRegressionProbe Fit(Tensor features, int[] labels, int classCount, LogisticRegressionProbeOptions? options = null)
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
        // Only the classes with training examples are learnt (see remarks); labels become indices among them.
        var trained = labels.Distinct().Order().ToArray();
        var headIndex = new int[classCount];
        for (int c = 0; c < trained.Length; c++) headIndex[trained[c]] = c;
        var headLabels = labels.Select(l => (long)headIndex[l]).ToArray();
        var headKind = trained.Length == 2 ? ProbeHeadKind.Binary : ProbeHeadKind.MultiClass;
        var labelTensor = tensor(headLabels, device: features.device);
        var targets = headKind == ProbeHeadKind.Binary
            ? labelTensor.to_type(ScalarType.Float64).unsqueeze(1)
            : nn.functional.one_hot(labelTensor, trained.Length).to_type(ScalarType.Float64);
        return FitAny(features, targets, kind, classCount, labels, options ?? new(), headKind, trained);
    }

    /// <summary>Managed overload of <see cref="Fit(Tensor, int[], int, LogisticRegressionProbeOptions)"/> for [n, d] features (CPU).</summary>
    public static LogisticRegressionProbe Fit(float[,] features, int[] labels, int classCount, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        return Fit(tensor(features), labels, classCount, options);
    }

    /// <summary>Fits one sigmoid per label of [n, labelCount] 0/1 <paramref name="targets"/> (e.g. CheXpert findings).</summary>
    /// <param name="features">[n, d] features.</param>
    /// <param name="targets">[n, labelCount] 0/1 targets; the validation split is stratified by the row's label pattern.</param>
    /// <param name="options">Grid, split and optimiser settings; null for defaults.</param>
    public static LogisticRegressionProbe FitMultiLabel(Tensor features, int[,] targets, LogisticRegressionProbeOptions? options = null)
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
        return FitAny(features, y, ProbeHeadKind.MultiLabel, labelCount, strata, options ?? new(), ProbeHeadKind.MultiLabel,
            Enumerable.Range(0, labelCount).ToArray());
    }

    /// <summary>Managed overload of <see cref="FitMultiLabel(Tensor, int[,], LogisticRegressionProbeOptions)"/> (CPU).</summary>
    public static LogisticRegressionProbe FitMultiLabel(float[,] features, int[,] targets, LogisticRegressionProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        return FitMultiLabel(tensor(features), targets, options);
    }

    /// <summary>
    /// Probabilities [n, <see cref="OutputCount"/>] (float32, on the features' device): class probabilities
    /// (binary: columns P(0), P(1); 0 in the columns of classes without training examples) or per-label probabilities.
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
        var probabilities = headKind switch
        {
            ProbeHeadKind.MultiClass => logits.softmax(1),
            ProbeHeadKind.Binary => cat([1 - logits.sigmoid(), logits.sigmoid()], 1),
            _ => logits.sigmoid(),
        };
        if (TrainedClasses.Count < OutputCount)
        {
            var columns = tensor(TrainedClasses.Select(c => (long)c).ToArray(), device: device);
            probabilities = zeros(probabilities.shape[0], OutputCount, probabilities.dtype, device).index_copy(1, columns, probabilities);
        }
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

    static LogisticRegressionProbe FitAny(Tensor features, Tensor targets, ProbeHeadKind kind, int outputCount, int[] strata,
        LogisticRegressionProbeOptions options, ProbeHeadKind headKind, int[] trainedClasses)
    {
        options.Validate();
        // Standardisation from all training examples, shared by the selection fits and the final fit (it uses
        // no labels, and sharing it lets each fit start from the previous one's parameters).
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var scale = x.std(0, unbiased: false);
        scale = where(scale > 1e-12, scale, ones_like(scale));
        var standardised = Standardise(x, mean, scale);
        bool softmax = headKind == ProbeHeadKind.MultiClass;
        var grid = options.ResolvedL2Grid;
        var selection = new List<(double L2, double ValidationLoss, int Iterations)>();
        var evaluations = new int[1];
        double chosen = grid[0];
        double[]? start = null;
        if (grid.Count > 1)
        {
            // Every class keeps at least one example among the fitted rows (the sampler's rule), so the hold-out fits learn the
            // same classes as the final fit and every validation row's class is one of them.
            var trainIndices = LabelFractionSampler.Stratified(strata, null, 1 - options.ValidationFraction, options.Seed);
            var inTrain = new bool[strata.Length];
            foreach (int i in trainIndices) inTrain[i] = true;
            var validationIndices = Enumerable.Range(0, strata.Length).Where(i => !inTrain[i]).ToArray();
            if (validationIndices.Length == 0)
                throw new ArgumentException(
                    $"{strata.Length} examples leave none for validation; pass a one-value L2Grid to fit without choosing λ.", nameof(features));
            var trainIndex = tensor(trainIndices.Select(i => (long)i).ToArray(), device: x.device);
            var validationIndex = tensor(validationIndices.Select(i => (long)i).ToArray(), device: x.device);
            var train = new Objective(standardised.index_select(0, trainIndex), targets.index_select(0, trainIndex), softmax, 0, evaluations);
            var validation = new Objective(standardised.index_select(0, validationIndex), targets.index_select(0, validationIndex), softmax, 0, evaluations);
            // Strongest regularisation first, each fit warm-started from the previous solution (a regularisation path).
            var losses = new double[grid.Count];
            var fitIterations = new int[grid.Count];
            double[]? previous = null;
            double[]? best = null;
            double bestLoss = double.PositiveInfinity;
            foreach (int g in Enumerable.Range(0, grid.Count).OrderByDescending(g => grid[g]))
            {
                (var parameters, fitIterations[g], _) = MinimiseLbfgs(train.WithL2(grid[g]), previous ?? PriorParameters(standardised, targets, softmax), options);
                previous = parameters;
                losses[g] = validation.Evaluate(parameters).Loss;
                if (losses[g] < bestLoss || (losses[g] == bestLoss && grid[g] > chosen))
                {
                    bestLoss = losses[g];
                    chosen = grid[g];
                    best = parameters;
                }
            }
            for (int g = 0; g < grid.Count; g++) selection.Add((grid[g], losses[g], fitIterations[g]));
            start = best;
        }
        var (final, iterations, converged) = MinimiseLbfgs(new Objective(standardised, targets, softmax, chosen, evaluations),
            start ?? PriorParameters(standardised, targets, softmax), options);
        int d = (int)x.shape[1], heads = (int)targets.shape[1]; // final: row-major [d + 1, heads]; last row is the bias
        var weights = new double[d, heads];
        var bias = new double[heads];
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < d; j++) weights[j, h] = final[j * heads + h];
            bias[h] = final[d * heads + h];
        }
        var head = new FittedHead(mean.cpu().data<double>().ToArray(), scale.cpu().data<double>().ToArray(), weights, bias, iterations, converged, evaluations[0]);
        return new LogisticRegressionProbe(kind, outputCount, chosen, selection, head, headKind, trainedClasses);
    }

    /// <summary>
    /// The cold start: zero weights and the biases that are optimal for them, the log class frequencies (softmax) or the
    /// logits of each output's frequency (sigmoids), i.e. the solution as λ grows without bound. From zero, L-BFGS spends
    /// most of the strongest λ's iterations walking the rare classes' biases (curvature ~ their frequency) down to these
    /// values. The optimum does not depend on the start.
    /// </summary>
    static double[] PriorParameters(Tensor standardised, Tensor targets, bool softmax)
    {
        long d = standardised.shape[1], heads = targets.shape[1], n = targets.shape[0];
        var parameters = new double[(d + 1) * heads];
        var frequency = targets.mean([0]).cpu().data<double>().ToArray();
        double floor = 0.5 / Math.Max(n, 1);   // an output that is always 0 (or 1) in the rows: a finite start
        for (int h = 0; h < heads; h++)
        {
            double f = Math.Clamp(frequency[h], floor, 1 - floor);
            parameters[d * heads + h] = softmax ? Math.Log(f) : Math.Log(f / (1 - f));
        }
        return parameters;
    }

    /// <summary>
    /// L-BFGS (two-loop recursion) with Armijo backtracking, from <paramref name="start"/> (not modified). The iterate, the
    /// gradient and the curvature pairs live in managed arrays (a few thousand values: the vector algebra costs microseconds
    /// there and a native call per operation in tensors); only the objective's two matrix products run in libtorch.
    /// </summary>
    static (double[] Parameters, int Iterations, bool Converged) MinimiseLbfgs(Objective objective, double[] start, LogisticRegressionProbeOptions options)
    {
        int size = start.Length;
        var history = new List<(double[] S, double[] Y, double Rho)>();
        var theta = (double[])start.Clone();
        var (loss, gradient) = objective.Evaluate(theta);
        // Diagonal preconditioner: the inverse of the Hessian's diagonal at the start (rare classes' biases and weights have
        // curvature ~ their frequency, the others ~ λ + the data's: without it L-BFGS spends most iterations on that spread)
        var inverseDiagonal = objective.InverseHessianDiagonal(theta);
        var q = new double[size];
        var next = new double[size];
        var alphas = new double[options.HistorySize];
        int iteration = 0;
        bool converged = false;
        for (; iteration < options.MaxIterations; iteration++)
        {
            if (MaxAbs(gradient) < options.GradientTolerance)
            {
                converged = true;
                break;
            }
            // Two-loop recursion: q = H·gradient with H the L-BFGS inverse-Hessian estimate; the direction is -q.
            gradient.CopyTo(q, 0);
            for (int i = history.Count - 1; i >= 0; i--)
            {
                alphas[i] = history[i].Rho * Dot(history[i].S, q);
                Axpy(-alphas[i], history[i].Y, q);
            }
            // initial inverse Hessian γ·D⁻¹, γ = sᵀy / yᵀD⁻¹y from the latest pair (1 before the first)
            if (history.Count > 0)
            {
                var (s, yv, _) = history[^1];
                double yDy = 0;
                for (int j = 0; j < size; j++) yDy += yv[j] * inverseDiagonal[j] * yv[j];
                double gamma = Dot(s, yv) / yDy;
                for (int j = 0; j < size; j++) q[j] *= gamma * inverseDiagonal[j];
            }
            else
                for (int j = 0; j < size; j++) q[j] *= inverseDiagonal[j];
            for (int i = 0; i < history.Count; i++)
            {
                double beta = history[i].Rho * Dot(history[i].Y, q);
                Axpy(alphas[i] - beta, history[i].S, q);
            }
            Scale(q, -1);   // q is now the direction
            double slope = Dot(gradient, q);
            if (!(slope < 0))
            {
                history.Clear();
                for (int j = 0; j < size; j++) q[j] = -gradient[j] * inverseDiagonal[j];
                slope = Dot(gradient, q);
            }
            double stepSize = 1.0;
            double nextLoss;
            double[] nextGradient;
            while (true)
            {
                for (int j = 0; j < size; j++) next[j] = theta[j] + stepSize * q[j];
                (nextLoss, nextGradient) = objective.Evaluate(next);
                if (nextLoss <= loss + 1e-4 * stepSize * slope) break;
                stepSize *= 0.5;
                if (stepSize < 1e-20) return (theta, iteration, false); // no decrease possible at machine precision
            }
            var sNew = new double[size];
            var yNew = new double[size];
            for (int j = 0; j < size; j++)
            {
                sNew[j] = next[j] - theta[j];
                yNew[j] = nextGradient[j] - gradient[j];
            }
            double sy = Dot(sNew, yNew);
            if (sy > 1e-12)
            {
                history.Add((sNew, yNew, 1.0 / sy));
                if (history.Count > options.HistorySize) history.RemoveAt(0);
            }
            (theta, next) = (next, theta);
            gradient = nextGradient;
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

    static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    static void Axpy(double alpha, double[] x, double[] y)
    {
        for (int i = 0; i < y.Length; i++) y[i] += alpha * x[i];
    }

    static void Scale(double[] x, double factor)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= factor;
    }

    static double MaxAbs(double[] x)
    {
        double max = 0;
        foreach (var v in x) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    static Tensor Standardise(Tensor x, Tensor mean, Tensor scale) => (x - mean) / scale;

    static void CheckFeatures(Tensor features, int n)
    {
        if (features.dim() != 2) throw new ArgumentException($"features must be [n, d]; got [{string.Join(", ", features.shape)}].", nameof(features));
        if (features.shape[0] != n) throw new ArgumentException($"features has {features.shape[0]} rows but there are {n} labels.", nameof(features));
        if (n == 0) throw new ArgumentException("A probe needs at least one example.", nameof(features));
    }

    /// <summary>Standardisation and parameters of one fitted head.</summary>
    sealed record FittedHead(double[] Mean, double[] Scale, double[,] Weights, double[] Bias, int Iterations, bool Converged, int Evaluations);

    /// <summary>
    /// mean log-loss + λ/2·‖W‖² and its gradient for parameters [d + 1, heads] (last row: bias) on
    /// standardised features <c>x</c> [n, d] and float64 targets [n, heads].
    /// </summary>
    sealed class Objective
    {
        readonly Tensor augmented; // [n, d + 1]: standardised features and a column of ones
        readonly Tensor targets;
        readonly bool softmax;
        readonly double l2;
        readonly double n;
        readonly int[] evaluations; // shared counter of Evaluate calls

        public Objective(Tensor standardised, Tensor targets, bool softmax, double l2, int[] evaluations)
            : this(softmax, cat([standardised, ones(standardised.shape[0], 1, ScalarType.Float64, standardised.device)], 1), targets, l2, evaluations)
        {
        }

        Objective(bool softmax, Tensor augmented, Tensor targets, double l2, int[] evaluations)
        {
            this.augmented = augmented;
            this.targets = targets;
            this.softmax = softmax;
            this.l2 = l2;
            this.evaluations = evaluations;
            n = augmented.shape[0];
        }

        /// <summary>The same data with another L2 strength.</summary>
        public Objective WithL2(double strength) => new(softmax, augmented, targets, strength, evaluations);

        /// <summary>
        /// 1 / the diagonal of the objective's Hessian at <paramref name="parameters"/> (row-major [d + 1, heads]): for head h,
        /// weight j: λ + mean_i x_ij² p_ih (1 - p_ih); bias: mean_i p_ih (1 - p_ih) (floored at 1e-8 relative).
        /// One more pass over the data (a product of the squared features with [n, heads]).
        /// </summary>
        public double[] InverseHessianDiagonal(double[] parameters)
        {
            using var scope = NewDisposeScope();
            long heads = targets.shape[1];
            var theta = tensor(parameters, [augmented.shape[1], heads], device: augmented.device);
            var logits = augmented.mm(theta);
            var probabilities = softmax ? logits.softmax(1) : logits.sigmoid();
            var diagonal = (augmented.square().t().mm(probabilities * (1 - probabilities)) / n).cpu().data<double>().ToArray();
            int weights = parameters.Length - (int)heads;
            double largest = 0;
            for (int i = 0; i < diagonal.Length; i++)
            {
                if (i < weights) diagonal[i] += l2;
                largest = Math.Max(largest, diagonal[i]);
            }
            for (int i = 0; i < diagonal.Length; i++) diagonal[i] = 1 / Math.Max(diagonal[i], 1e-8 * largest);
            return diagonal;
        }

        /// <summary>Loss and gradient at <paramref name="parameters"/>, row-major [d + 1, heads] (last row: bias).</summary>
        public (double Loss, double[] Gradient) Evaluate(double[] parameters)
        {
            using var scope = NewDisposeScope();
            evaluations[0]++;
            long heads = targets.shape[1];
            var theta = tensor(parameters, [augmented.shape[1], heads], device: augmented.device);
            var logits = augmented.mm(theta); // [n, heads]
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
            var gradient = (augmented.t().mm(probabilities - targets) / n).cpu().data<double>().ToArray();
            double penalty = 0;
            int weights = parameters.Length - (int)heads;   // the last row (bias) is not penalised
            for (int i = 0; i < weights; i++)
            {
                penalty += parameters[i] * parameters[i];
                gradient[i] += l2 * parameters[i];
            }
            return (perExample.mean().item<double>() + 0.5 * l2 * penalty, gradient);
        }
    }
}
