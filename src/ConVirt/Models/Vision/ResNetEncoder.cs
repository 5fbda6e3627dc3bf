using ConVirt.Precision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Models.Vision;

/// <summary>
/// A ResNet with the classifier removed: input [B, C, H, W] in [0, 1], output the global-average-pooled
/// features h_v [B, 512] (basic blocks) or [B, 2048] (bottlenecks).
/// </summary>
/// <remarks>
/// Parameter names equal torchvision's <c>resnet18()</c>/<c>resnet50()</c> state_dict keys without <c>fc.*</c>
/// (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>, ...), so torchvision weights load by name.
/// The input normalisation is part of the encoder: <c>(x - mean) / std</c> per channel, with constants
/// that are not parameters (not in the state dict): for grayscale input the mean of ImageNet's channel
/// means and stds (0.449, 0.226), for RGB ImageNet's. A packaged-weights importer may replace them.
/// </remarks>
internal sealed class ResNetEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly PaddingStyle padding;
    private float[] mean;
    private float[] std;
    private float[]? meanImage;     // [InChannels, H, W] row-major, in normalised units; not a parameter
    private int meanImageHeight;
    private int meanImageWidth;
    private float[]? stemOffset;    // [Width, H/2, W/2] row-major, subtracted from conv1's output; not a parameter
    private int stemOffsetHeight;
    private int stemOffsetWidth;

    /// <summary>The architecture this encoder was built from.</summary>
    public ResNetSpec Spec { get; }

    /// <summary>Width of h_v.</summary>
    public int FeatureDim => Spec.FeatureDim;

    /// <summary>Per-channel mean subtracted from inputs in [0, 1].</summary>
    public IReadOnlyList<float> InputMean => mean;

    /// <summary>Per-channel standard deviation inputs are divided by.</summary>
    public IReadOnlyList<float> InputStd => std;

    /// <summary>
    /// Size of the optional mean image subtracted after the per-channel normalisation (see
    /// <see cref="SetInputMeanImage"/>), or null when there is none.
    /// </summary>
    public (int Height, int Width)? InputMeanImageSize => meanImage is null ? null : (meanImageHeight, meanImageWidth);

    /// <summary>Builds a randomly initialised encoder (Kaiming-normal convolutions, BN weight 1, bias 0, as torchvision).</summary>
    public ResNetEncoder(ResNetSpec spec) : base("ResNet")
    {
        Spec = spec;
        padding = spec.Padding;
        if (spec.Width < 1) throw new ArgumentException($"ResNet width must be positive, got {spec.Width}", nameof(spec));
        if (spec.Layers.Length != 4 || spec.Layers.Any(n => n < 1))
            throw new ArgumentException($"ResNet needs 4 stages of at least one block, got [{string.Join(", ", spec.Layers)}]", nameof(spec));
        long width = spec.Width;
        conv1 = nn.Conv2d(spec.InChannels, width, 7, stride: 2, padding: spec.Padding == PaddingStyle.TopLeft ? 0 : 3, bias: false);
        bn1 = nn.BatchNorm2d(width);
        long inPlanes = width;
        layer1 = MakeLayer(spec, ref inPlanes, width, spec.Layers[0], 1);
        layer2 = MakeLayer(spec, ref inPlanes, 2 * width, spec.Layers[1], 2);
        layer3 = MakeLayer(spec, ref inPlanes, 4 * width, spec.Layers[2], 2);
        layer4 = MakeLayer(spec, ref inPlanes, 8 * width, spec.Layers[3], 2);
        (mean, std) = spec.InChannels == 1
            ? (new[] { 0.449f }, new[] { 0.226f })
            : (new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });
        RegisterComponents();
        InitialiseWeights();
    }

    private static Sequential MakeLayer(ResNetSpec spec, ref long inPlanes, long planes, int blocks, long stride)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        long expansion = spec.Block == ResNetBlockKind.Bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        for (int i = 0; i < blocks; i++)
        {
            long s = i == 0 ? stride : 1;
            nn.Module<Tensor, Tensor> block = spec.Block == ResNetBlockKind.Bottleneck
                ? new Bottleneck(inPlanes, planes, s, spec.Padding)
                : new BasicBlock(inPlanes, planes, s, spec.Padding);
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
            inPlanes = planes * expansion;
        }
        return nn.Sequential(modules);
    }

    private void InitialiseWeights()
    {
        using var _ = torch.no_grad();
        foreach (var (name, module) in named_modules())
        {
            if (module is Conv2d conv)
                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d bn)
            {
                nn.init.ones_(bn.weight);
                nn.init.zeros_(bn.bias);
            }
        }
    }

    /// <summary>Replaces the input normalisation constants (one value per input channel).</summary>
    public void SetInputNormalization(float[] channelMean, float[] channelStd)
    {
        if (channelMean.Length != Spec.InChannels || channelStd.Length != Spec.InChannels)
            throw new ArgumentException($"normalisation needs {Spec.InChannels} values per channel");
        if (channelStd.Any(s => !(s > 0))) throw new ArgumentException("normalisation std must be positive");
        mean = (float[])channelMean.Clone();
        std = (float[])channelStd.Clone();
    }

    /// <summary>
    /// Sets (or, with null, removes) an image [InChannels, height, width] (row-major) subtracted from the input
    /// after the per-channel normalisation: <c>(x - mean) / std - image</c>. Packaged CNTK weights subtract a
    /// per-pixel ImageNet mean image; inputs of another size get the image resized bilinearly (exact only at
    /// the stored size). Like mean and std it is a preprocessing constant, not part of the state dict.
    /// </summary>
    public void SetInputMeanImage(float[]? image, int height, int width)
    {
        if (image is null) { meanImage = null; return; }
        if (height < 1 || width < 1 || image.Length != (long)Spec.InChannels * height * width)
            throw new ArgumentException($"mean image needs {Spec.InChannels} x {height} x {width} values, got {image.Length}");
        meanImage = (float[])image.Clone();
        meanImageHeight = height;
        meanImageWidth = width;
    }

    /// <summary>
    /// Sets (or, with null, removes) a map [Width, height, width] (64 channels for torchvision's widths) subtracted from conv1's output before bn1.
    /// Importers use it to fold a preprocessing step that a 1-channel conv1 cannot express (the packaged model's
    /// colour mean image seen by a grayscale encoder); it is a constant computed from the imported conv1, exact for
    /// inputs whose conv1 output has this size and resized bilinearly otherwise. Not part of the state dict.
    /// </summary>
    public void SetStemOffset(float[]? offset, int height, int width)
    {
        if (offset is null) { stemOffset = null; return; }
        if (height < 1 || width < 1 || offset.Length != (long)Spec.Width * height * width)
            throw new ArgumentException($"stem offset needs {Spec.Width} x {height} x {width} values, got {offset.Length}");
        stemOffset = (float[])offset.Clone();
        stemOffsetHeight = height;
        stemOffsetWidth = width;
    }

    /// <summary>A copy of the map set by <see cref="SetStemOffset"/>, or null.</summary>
    public float[]? GetStemOffset() => stemOffset is null ? null : (float[])stemOffset.Clone();

    /// <summary>Size of the map set by <see cref="SetStemOffset"/>, or null when there is none.</summary>
    public (int Height, int Width)? StemOffsetSize => stemOffset is null ? null : (stemOffsetHeight, stemOffsetWidth);

    /// <summary>
    /// Runs every convolution through a channels-last copy of its weight (<see cref="ChannelsLastConv"/>): the same
    /// function, faster on CPU with oneDNN (bench `layout`: ResNet-18 and ResNet-50 forward + backward 1.27x and 1.25-1.29x). Parameters, state
    /// dict and checkpoints are unchanged. Off by default for a bare encoder; the model builder turns it on from
    /// <c>ImageEncoderOptions.ChannelsLast</c>.
    /// </summary>
    public bool ChannelsLast
    {
        get => channelsLast;
        set
        {
            channelsLast = value;
            foreach (var (_, module) in named_modules())
            {
                if (module is BasicBlock basic) basic.ChannelsLast = value;
                else if (module is Bottleneck bottleneck) bottleneck.ChannelsLast = value;
            }
        }
    }

    private bool channelsLast;

    /// <summary>
    /// Takes over <paramref name="other"/>'s preprocessing constants (per-channel normalisation, mean image, stem offset),
    /// none of which is in the state dict: a copy made with <c>load_state_dict</c> (MoCo's key encoder) needs them too.
    /// </summary>
    public void CopyPreprocessingFrom(ResNetEncoder other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Spec.InChannels != Spec.InChannels)
            throw new ArgumentException($"preprocessing of a {other.Spec.InChannels}-channel encoder cannot apply to a {Spec.InChannels}-channel one");
        mean = (float[])other.mean.Clone();
        std = (float[])other.std.Clone();
        meanImage = other.meanImage is null ? null : (float[])other.meanImage.Clone();
        (meanImageHeight, meanImageWidth) = (other.meanImageHeight, other.meanImageWidth);
        stemOffset = other.stemOffset is null ? null : (float[])other.stemOffset.Clone();
        (stemOffsetHeight, stemOffsetWidth) = (other.stemOffsetHeight, other.stemOffsetWidth);
    }

    /// <summary>A copy of the mean image set by <see cref="SetInputMeanImage"/>, or null.</summary>
    public float[]? GetInputMeanImage() => meanImage is null ? null : (float[])meanImage.Clone();

    /// <summary>[B, C, H, W] in [0, 1] -> h_v [B, FeatureDim]: the mean over locations of <see cref="FeatureMap"/>.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return FeatureMap(x).mean([2L, 3L]).MoveToOuterDisposeScope();
    }

    /// <summary>The last stage's feature map [B, FeatureDim, H/32, W/32] before pooling (grounding maps read it).</summary>
    public Tensor FeatureMap(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != Spec.InChannels)
            throw new ArgumentException($"image encoder expects [B, {Spec.InChannels}, H, W], got [{string.Join(", ", x.shape)}]");
        using var scope = torch.NewDisposeScope();
        var h = ChannelsLastConv.Call(conv1, ConvPadding.Apply(Normalise(x), padding, 7, 2), 2, padding == PaddingStyle.TopLeft ? 0 : 3, channelsLast);
        if (stemOffset is not null) h = h.sub_(Resized(stemOffset, Spec.Width, stemOffsetHeight, stemOffsetWidth, h));
        h = bn1.call(h).relu_();
        h = nn.functional.max_pool2d(ConvPadding.Apply(h, padding, 3, 2, double.NegativeInfinity), 3, 2, padding == PaddingStyle.TopLeft ? 0 : 1);
        // float32 under every precision: h_v (its mean) and grounding maps read it
        return Autocast.ToFloat32(layer4.call(layer3.call(layer2.call(layer1.call(h))))).MoveToOuterDisposeScope();
    }

    // Called inside forward's dispose scope: temporaries are released with it.
    private Tensor Normalise(Tensor x)
    {
        var normalised = NormalisePerChannel(x);
        if (meanImage is null) return normalised;
        return normalised.sub_(Resized(meanImage, Spec.InChannels, meanImageHeight, meanImageWidth, x));
    }

    /// <summary>A constant [1, C, h, w] on <paramref name="like"/>'s device and dtype, resized bilinearly to its spatial size.</summary>
    private static Tensor Resized(float[] values, long channels, int height, int width, Tensor like)
    {
        var image = torch.tensor(values, [1L, channels, height, width], dtype: like.dtype, device: like.device);
        return like.shape[2] == height && like.shape[3] == width ? image
            : nn.functional.interpolate(image, [like.shape[2], like.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    private Tensor NormalisePerChannel(Tensor x)
    {
        if (Spec.InChannels == 1) return (x - mean[0]) / std[0];
        using var m = torch.tensor(mean, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        using var s = torch.tensor(std, dtype: x.dtype, device: x.device).view(1, -1, 1, 1);
        return (x - m) / s;
    }
}
