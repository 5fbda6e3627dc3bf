using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// MoCo v2: query encoder <c>image_encoder.*</c> + MLP head <c>projection.*</c>; momentum key encoder
/// <c>key_encoder.*</c> + <c>key_projection.*</c> (no gradients, moved by θ_k ← m·θ_k + (1-m)·θ_q); a queue of
/// negative keys (buffer <c>queue</c> [K, d], normalised rows) and its write position (buffer <c>queue_ptr</c>).
/// The queue and pointer are buffers, so checkpoints carry them and a resumed run continues exactly.
/// </summary>
internal sealed class MoCoModel : nn.Module<Tensor, Tensor>
{
    private readonly ResNetEncoder image_encoder;
    private readonly Sequential projection;
    private readonly ResNetEncoder key_encoder;
    private readonly Sequential key_projection;

    /// <summary>Momentum m of the key encoder.</summary>
    public double Momentum { get; }

    public MoCoModel(ResNetEncoder encoder, int hidden, int dim, int queueSize, double momentum, int seed) : base(nameof(MoCoModel))
    {
        if (queueSize < 1) throw new ArgumentOutOfRangeException(nameof(queueSize), "the MoCo queue needs at least one key");
        if (momentum is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(momentum), "momentum must be within [0, 1]");
        Momentum = momentum;
        image_encoder = encoder;
        projection = ProjectionHead.Create(encoder.FeatureDim, hidden, dim);
        key_encoder = new ResNetEncoder(encoder.Spec);
        key_encoder.ChannelsLast = encoder.ChannelsLast;
        key_encoder.CopyPreprocessingFrom(encoder); // normalisation, and the packaged ResNet-18's mean image and stem offset
        key_projection = ProjectionHead.Create(encoder.FeatureDim, hidden, dim);
        RegisterComponents();
        using (torch.no_grad())
        {
            key_encoder.load_state_dict(image_encoder.state_dict());
            key_projection.load_state_dict(projection.state_dict());
        }
        foreach (var p in key_encoder.parameters().Concat(key_projection.parameters())) p.requires_grad = false;
        var generator = new torch.Generator((ulong)seed);
        register_buffer("queue", nn.functional.normalize(torch.randn([queueSize, dim], generator: generator), p: 2, dim: 1));
        register_buffer("queue_ptr", torch.zeros(1, dtype: int64));
    }

    /// <summary>The trained (query) image encoder.</summary>
    public ResNetEncoder ImageEncoder => image_encoder;

    /// <summary>The queue of negative keys [K, d].</summary>
    public Tensor Queue => get_buffer("queue")!;

    /// <summary>Next row of the queue to overwrite.</summary>
    public Tensor QueuePointer => get_buffer("queue_ptr")!;

    /// <summary>Query projections q [B, d] (not normalised).</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        return ProjectionHead.Forward(projection, image_encoder.call(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Normalised keys k [B, d] from the key encoder, without gradients.</summary>
    public Tensor Keys(Tensor images)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return nn.functional.normalize(ProjectionHead.Forward(key_projection, key_encoder.call(images)), p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>θ_k ← m·θ_k + (1-m)·θ_q for every parameter of encoder and head.</summary>
    public void MomentumUpdate()
    {
        using var _ = torch.no_grad();
        var q = image_encoder.parameters().Concat(projection.parameters()).ToList();
        var k = key_encoder.parameters().Concat(key_projection.parameters()).ToList();
        for (int i = 0; i < q.Count; i++) k[i].mul_(Momentum).add_(q[i], alpha: 1 - Momentum);
    }

    /// <summary>Writes keys [B, d] into the queue at the pointer (wrapping around) and advances it.</summary>
    public void Enqueue(Tensor keys)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        long size = Queue.shape[0], b = keys.shape[0];
        long ptr = QueuePointer.cpu().item<long>();
        var rows = (torch.arange(b, device: keys.device) + ptr).remainder(size);
        Queue.index_copy_(0, rows, keys.to(Queue.dtype));
        QueuePointer.fill_((ptr + b) % size);
    }
}
