using ConVirt.Data;

namespace ConVirt;

/// <summary>
/// A trained (or baseline) encoder ready to embed images and, for ConVIRT runs, texts: the library's entry point.
/// </summary>
/// <remarks>
/// <para>Images go through the same decoding (PNG, JPEG, DICOM) and evaluation transform (resize the short side,
/// centre crop to <see cref="EncoderOptions.ImageSize"/>) as <c>convirt embed</c>, so the vectors equal that command's
/// for the same files and options.</para>
/// <para>Thread-safety: one instance may be shared, for example by the requests of a web server. Its calls are
/// serialised (one forward pass at a time, each using libtorch's intra-op threads, which already occupy the cores);
/// for concurrent forward passes on a large machine load one encoder per worker and set <see cref="EncoderOptions.Threads"/>.
/// Dispose it when done: it holds native memory.</para>
/// </remarks>
public sealed class ConVirtEncoder : IDisposable
{
    /// <summary>Largest stream <see cref="EmbedImages(IEnumerable{Stream}, EmbeddingKind)"/> reads (512 MiB), so that a hostile stream cannot exhaust the disk.</summary>
    public const long MaxStreamBytes = 512L * 1024 * 1024;

    private readonly EncoderSeam.Handle handle;
    private readonly EncoderOptions options;
    private readonly Lock gate = new();
    private bool disposed;

    private ConVirtEncoder(string source, EncoderSeam.Handle handle, EncoderOptions options)
    {
        Source = source;
        this.handle = handle;
        this.options = options;
    }

    /// <summary>
    /// Loads an encoder from what <c>convirt --encoder</c> accepts: a run folder (its <c>best/</c> model, else its
    /// latest checkpoint), a checkpoint folder or its <c>model.safetensors</c>, <c>imagenet</c> (the packaged
    /// ImageNet ResNet-18) or <c>random</c> (seeded random weights).
    /// </summary>
    /// <param name="source">The encoder to load.</param>
    /// <param name="options">Device, precision, image size, threads; null for the defaults (CPU, fp32, 224 px).</param>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="DirectoryNotFoundException">The source is no folder, checkpoint or baseline name.</exception>
    /// <exception cref="FileNotFoundException">A folder lacks its model or configuration, or the packaged weights are missing.</exception>
    public static ConVirtEncoder Load(string source, EncoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        options ??= new EncoderOptions();
        options.Validate();
        return new ConVirtEncoder(source, EncoderSeam.Load(source, options), options);
    }

    /// <summary>What was loaded (the <c>source</c> given to <see cref="Load"/>).</summary>
    public string Source { get; }

    /// <summary>The options it was loaded with.</summary>
    public EncoderOptions Options => options;

    /// <summary>Whether it has a text encoder and projection heads (a ConVIRT run): texts, projected vectors and zero-shot need one.</summary>
    public bool HasTextEncoder => handle.HasText;

    /// <summary>The method that trained it: <see cref="PretrainingMethod.ConVirt"/>, <see cref="PretrainingMethod.SimClr"/>,
    /// <see cref="PretrainingMethod.MoCoV2"/>, or null for the <c>imagenet</c> and <c>random</c> baselines (and a method this API does not list).</summary>
    public PretrainingMethod? Method => Source is "imagenet" or "random" ? null : PretrainingMethodNames.TryParse(handle.Method);

    /// <summary>Length of the pooled image vectors h_v (512 for ResNet-18, 2048 for ResNet-50).</summary>
    public int PooledImageDimension => handle.PooledImageDimension;

    /// <summary>The temperature of the run's contrastive loss, which <see cref="ZeroShot"/> divides cosine similarities by.</summary>
    public double Temperature => handle.Temperature;

    /// <summary>Embeds image files (PNG, JPEG, DICOM), one vector per file, in order.</summary>
    /// <param name="paths">Image files.</param>
    /// <param name="kind">Pooled h_v (default) or projected v (needs <see cref="HasTextEncoder"/>).</param>
    /// <exception cref="ImageDecodeException">A file is missing, unreadable or not an image; the message names it and the reason.</exception>
    /// <exception cref="TextEncoderMissingException"><paramref name="kind"/> is projected and the encoder has no projection head.</exception>
    public float[][] EmbedImages(IEnumerable<string> paths, EmbeddingKind kind = EmbeddingKind.Pooled)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var list = paths.ToList();
        for (int i = 0; i < list.Count; i++)
            if (string.IsNullOrWhiteSpace(list[i])) throw new ArgumentException($"image path {i} is empty", nameof(paths));
        int size = options.ImageSize;
        return Embed(list.Select(p => (Func<GrayImage>)(() => EncoderSeam.DecodeFile(p, size))).ToList(), kind);
    }

    /// <summary>Embeds encoded images read from streams (PNG, JPEG or DICOM bytes), one vector per stream, in order.
    /// Each stream is read to its end (at most <see cref="MaxStreamBytes"/>) into a private temporary file that is deleted afterwards.</summary>
    /// <param name="images">Streams positioned at the start of an encoded image; not closed.</param>
    /// <param name="kind">Pooled h_v (default) or projected v.</param>
    /// <exception cref="ImageDecodeException">A stream holds no decodable image (the message names it as stream N).</exception>
    public float[][] EmbedImages(IEnumerable<Stream> images, EmbeddingKind kind = EmbeddingKind.Pooled)
    {
        ArgumentNullException.ThrowIfNull(images);
        var streams = images.ToList();
        var folder = Directory.CreateTempSubdirectory("convirt-embed-");
        try
        {
            var paths = new List<string>(streams.Count);
            for (int i = 0; i < streams.Count; i++)
            {
                var path = Path.Combine(folder.FullName, $"stream{i}");
                using (var file = File.Create(path)) CopyBounded(streams[i] ?? throw new ArgumentException($"stream {i} is null", nameof(images)), file, i);
                paths.Add(path);
            }
            try { return EmbedImages(paths, kind); }
            catch (ImageDecodeException e)
            {
                var name = Path.GetFileName(e.ImagePath);   // "streamN": the temporary folder means nothing to the caller
                throw new ImageDecodeException(name, e.Message.Replace(e.ImagePath, name), e);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Embeds images already decoded to grey pixels in [0, 1], one vector per image, in order.</summary>
    /// <param name="images">The images (<see cref="ImagePixels.Validate"/> is applied to each).</param>
    /// <param name="kind">Pooled h_v (default) or projected v.</param>
    public float[][] EmbedImages(IEnumerable<ImagePixels> images, EmbeddingKind kind = EmbeddingKind.Pooled)
    {
        ArgumentNullException.ThrowIfNull(images);
        var list = images.ToList();
        foreach (var image in list) { ArgumentNullException.ThrowIfNull(image, nameof(images)); image.Validate(); }
        return Embed(list.Select(p => (Func<GrayImage>)(() => EncoderSeam.FromPixels(p))).ToList(), kind);
    }

    /// <summary>Embeds texts (report sentences, prompts, queries), one vector per text, each cleaned and tokenised as one sentence.</summary>
    /// <param name="texts">The texts (non-null; an empty text gives the vector of an empty sentence).</param>
    /// <param name="kind">Projected u (default: the joint space where texts meet images) or pooled h_u.</param>
    /// <exception cref="TextEncoderMissingException">The encoder has no text encoder (<see cref="HasTextEncoder"/> is false).</exception>
    public float[][] EmbedTexts(IEnumerable<string> texts, EmbeddingKind kind = EmbeddingKind.Projected)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var list = texts.ToList();
        for (int i = 0; i < list.Count; i++)
            if (list[i] is null) throw new ArgumentException($"text {i} is null", nameof(texts));
        if (!HasTextEncoder) throw new TextEncoderMissingException(Source, "EmbedTexts");
        if (list.Count == 0) return [];
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return EncoderSeam.EmbedTexts(handle, list, options.BatchSize, kind == EmbeddingKind.Projected);
        }
    }

    /// <summary>
    /// Zero-shot classification of image files: each class is described by one or more prompts; a class vector is
    /// the renormalised mean of its prompts' unit vectors u, and an image's probabilities are the softmax over classes
    /// of cos(v, class) / <see cref="Temperature"/> (as <c>convirt evaluate zeroshot</c> computes them).
    /// </summary>
    /// <param name="imagePaths">Image files to classify.</param>
    /// <param name="classPrompts">Class name to its prompts (at least two classes, each with at least one prompt).</param>
    /// <returns>One prediction per image, in order.</returns>
    /// <exception cref="TextEncoderMissingException">The encoder has no text encoder.</exception>
    public IReadOnlyList<ZeroShotPrediction> ZeroShot(IEnumerable<string> imagePaths, IReadOnlyDictionary<string, IReadOnlyList<string>> classPrompts)
    {
        ArgumentNullException.ThrowIfNull(classPrompts);
        if (!HasTextEncoder) throw new TextEncoderMissingException(Source, "ZeroShot");
        if (classPrompts.Count < 2) throw new ArgumentException($"zero-shot needs at least two classes, got {classPrompts.Count}", nameof(classPrompts));
        var names = classPrompts.Keys.ToList();
        var classVectors = new float[names.Count][];
        for (int c = 0; c < names.Count; c++)
        {
            var prompts = classPrompts[names[c]];
            if (prompts is null || prompts.Count == 0 || prompts.Any(string.IsNullOrWhiteSpace))
                throw new ArgumentException($"class '{names[c]}' needs at least one prompt, and no prompt may be empty", nameof(classPrompts));
            classVectors[c] = Similarity.MeanDirection(EmbedTexts(prompts));
        }
        var images = EmbedImages(imagePaths, EmbeddingKind.Projected);
        var result = new ZeroShotPrediction[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            var logits = new double[names.Count];
            for (int c = 0; c < names.Count; c++) logits[c] = Similarity.Cosine(images[i], classVectors[c]) / Temperature;
            double max = logits.Max(), total = 0;
            for (int c = 0; c < logits.Length; c++) total += logits[c] = Math.Exp(logits[c] - max);
            var probabilities = new Dictionary<string, double>(names.Count);
            int best = 0;
            for (int c = 0; c < names.Count; c++)
            {
                probabilities[names[c]] = logits[c] / total;
                if (logits[c] > logits[best]) best = c;
            }
            result[i] = new ZeroShotPrediction(names[best], probabilities);
        }
        return result;
    }

    /// <summary>Frees the encoder's native memory. Calls after this throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            handle.Dispose();
        }
    }

    private float[][] Embed(IReadOnlyList<Func<GrayImage>> images, EmbeddingKind kind)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentException($"unknown embedding kind {(int)kind}", nameof(kind));
        if (kind == EmbeddingKind.Projected && !HasTextEncoder) throw new TextEncoderMissingException(Source, "a projected image embedding");
        if (images.Count == 0) return [];
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return EncoderSeam.EmbedImages(handle, images, options.ImageSize, options.BatchSize, kind == EmbeddingKind.Projected);
        }
    }

    private static void CopyBounded(Stream source, Stream destination, int index)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += read;
            if (total > MaxStreamBytes) throw new ArgumentException($"stream {index} is longer than {MaxStreamBytes} bytes");
            destination.Write(buffer, 0, read);
        }
    }
}
