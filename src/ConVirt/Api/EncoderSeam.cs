using ConVirt.Data.Images;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Evaluation;
using ConVirt.Data.Pipeline;
using ConVirt.Precision;
using ConVirt.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt;

/// <summary>
/// The one place where the public facade (<see cref="ConVirtEncoder"/>, <see cref="ConVirtPretraining"/>) reaches the
/// library's internals: loading an encoder the way <c>--encoder</c> does, the evaluation image path of
/// <c>convirt embed</c>, the two forward passes, and a pretraining run. A restructuring of the core touches this
/// file only.
/// </summary>
internal static class EncoderSeam
{
    /// <summary>A loaded encoder as the facade holds it.</summary>
    internal sealed class Handle(LoadedEncoder loaded, Device device) : IDisposable
    {
        internal LoadedEncoder Loaded { get; } = loaded;
        internal Device Device { get; } = device;
        internal bool HasText => Loaded.Model is not null && Loaded.Tokenizer is not null;
        internal int PooledImageDimension => Loaded.Image.FeatureDim;
        internal string Method => Loaded.Config.Method;
        internal double Temperature => Loaded.Config.Loss.Temperature;

        public void Dispose() => Loaded.Dispose();
    }

    /// <summary>Loads <paramref name="source"/> (what <c>--encoder</c> accepts) onto the device, in eval mode.</summary>
    internal static Handle Load(string source, EncoderOptions options)
    {
        Runtime.NativeRuntime.EnsureLoaded();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        string deviceName = options.Device == ComputeDevice.Cuda ? "cuda" : "cpu";
        if (options.Device == ComputeDevice.Cuda && !torch.cuda.is_available())
            throw new InvalidOperationException("EncoderOptions.Device is Cuda but no CUDA device is available (the application needs a TorchSharp CUDA package in place of TorchSharp-cpu, and a GPU)");
        var mode = Mode(options.Precision);
        PrecisionPolicy.Create(mode, deviceName);   // refuses bf16 where the device cannot compute it, before loading
        var loaded = EncoderLoader.Load(source, options.Seed, deviceName, mode, Backend(options.Backend));
        if (loaded.Model is not null) loaded.Model.eval(); else loaded.Image.eval();
        return new Handle(loaded, torch.device(deviceName));
    }

    /// <summary>Decodes an image file as <c>convirt embed</c> does (the decoder may scale toward the view's size).</summary>
    internal static GrayImage DecodeFile(string path, int imageSize) =>
        ImageDecoder.Load(path, new ImageDecodeOptions(TargetShortSide: imageSize));

    /// <summary>The in-memory image as the decoder's type.</summary>
    internal static GrayImage FromPixels(ImagePixels pixels) => new(pixels.Width, pixels.Height, pixels.Pixels);

    /// <summary>h_v or v of decoded images: evaluation view (short side, centre crop), then the encoder; [n][d].</summary>
    internal static float[][] EmbedImages(Handle h, IReadOnlyList<Func<GrayImage>> images, int imageSize, int batchSize, bool projected)
    {
        var transform = new EvalTransform(imageSize);
        var result = new List<float[]>(images.Count);
        using var autocast = h.Loaded.Compute();
        for (int start = 0; start < images.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, images.Count - start);
            var buffer = new float[count * imageSize * imageSize];
            for (int i = 0; i < count; i++)
                transform.Apply(images[start + i](), buffer.AsSpan(i * imageSize * imageSize, imageSize * imageSize));
            using var scope = NewDisposeScope();
            var x = BatchTensors.Images(buffer, count, imageSize, h.Device);
            result.AddRange(Rows(h.Loaded.Towers.Images(x, projected)));
        }
        return [.. result];
    }

    /// <summary>u (projected) or h_u (pooled) of texts, each cleaned and tokenised as one sentence; [n][d].</summary>
    internal static float[][] EmbedTexts(Handle h, IReadOnlyList<string> texts, int batchSize, bool projected)
    {
        using var autocast = h.Loaded.Compute();
        using var scope = NewDisposeScope();
        return [.. Rows(EmbeddingExtractor.Texts(h.Loaded.Towers, h.Loaded.Tokenizer!, texts, h.Loaded.Config.Model.Text.MaxLength, h.Device, batchSize, projected))];
    }

    /// <summary>Runs <c>convirt pretrain</c>'s job for the facade's options; returns the outcome and the run's image size.</summary>
    internal static (PretrainingStopReason Stop, long Steps, int Epochs, double BestValidation, double PairsPerSecond, int ImageSize) Pretrain(
        PretrainingOptions o, IProgress<PretrainingProgress>? progress, CancellationToken cancellation)
    {
        var c = o.Preset == PretrainingPreset.Paper ? Configuration.ConVirtConfig.Paper : Configuration.ConVirtConfig.CpuSmall;
        c = c with
        {
            Method = PretrainingMethodNames.Name(o.Method),
            Optimizer = c.Optimizer with
            {
                Epochs = o.Epochs ?? c.Optimizer.Epochs, BatchSize = o.BatchSize ?? c.Optimizer.BatchSize,
                LearningRate = o.LearningRate ?? c.Optimizer.LearningRate,
            },
            Data = c.Data with { ImageSize = o.ImageSize ?? c.Data.ImageSize },
            Seed = o.Seed ?? c.Seed,
            Threads = o.Threads,
            Device = o.Device == ComputeDevice.Cuda ? "cuda" : "cpu",
            Precision = Mode(o.Precision),
        };
        c.Validate();
        var inner = progress is null ? null : new Progress(p => progress.Report(new PretrainingProgress(p.Kind switch
        {
            TrainingProgressKind.Step => PretrainingProgressKind.Step,
            TrainingProgressKind.Epoch => PretrainingProgressKind.Epoch,
            _ => PretrainingProgressKind.Message,
        }, p.Epoch, p.Epochs, p.Step, p.Loss, p.PairsPerSecond, p.Eta, p.Message)));
        var r = PretrainingJob.Run(c, new PretrainingInputs(o.TrainManifest, o.ValidationManifest, ImageRoot: o.ImageRoot), o.RunFolder, o.Resume, inner, o.MaxSteps, cancellation);
        var stop = r.StopReason switch
        {
            StopReason.Completed => PretrainingStopReason.Completed,
            StopReason.EarlyStopped => PretrainingStopReason.EarlyStopped,
            StopReason.StepLimit => PretrainingStopReason.StepLimit,
            StopReason.NonFiniteLoss => PretrainingStopReason.NonFiniteLoss,
            _ => throw new InvalidOperationException($"unknown stop reason {r.StopReason}"),
        };
        return (stop, r.State.Step, r.State.Epoch, r.BestValidationLoss, r.PairsPerSecond, c.Data.ImageSize);
    }

    /// <summary>Forwards the trainer's reports synchronously (System.Progress would post them to a thread pool).</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    internal static PrecisionMode Mode(ComputePrecision p) => p switch
    {
        ComputePrecision.Bf16 => PrecisionMode.Bf16,
        ComputePrecision.Auto => PrecisionMode.Auto,
        _ => PrecisionMode.Fp32,
    };

    static IEnumerable<float[]> Rows(Tensor features)
    {
        var m = TensorMatrix.Float(features);
        int n = m.GetLength(0), d = m.GetLength(1);
        for (int i = 0; i < n; i++)
        {
            var row = new float[d];
            for (int j = 0; j < d; j++) row[j] = m[i, j];
            yield return row;
        }
    }

    /// <summary>The public backend as the loader's.</summary>
    internal static Inference.TowerBackend Backend(InferenceBackend backend) => backend switch
    {
        InferenceBackend.LibTorch => Inference.TowerBackend.LibTorch,
        InferenceBackend.OnnxRuntime => Inference.TowerBackend.OnnxRuntime,
        _ => Inference.TowerBackend.Auto,
    };
}
