using ConVirt.Models.Text;
using ConVirt.Models.Vision;

namespace ConVirt.Bench;

/// <summary>
/// Analytic multiply-add counts (MACs) of one training step. Counted: convolutions, linear layers, the two
/// attention matmuls (QKᵀ and AV) and the loss's similarity matmul; not counted: batch/layer norm, activations,
/// softmax, pooling, embeddings lookups, the optimiser (all memory-bound, a few % of the work).
/// Training rule: a trainable layer costs 3x its forward MACs (forward, input gradient, weight gradient);
/// a frozen layer below every trainable one (text embeddings + first K text layers) costs 1x (forward only,
/// nothing to propagate into); the image stem's input gradient is not needed (2x for conv1).
/// FLOPs = 2 x MACs.
/// </summary>
internal static class FlopCount
{
    public sealed record StepMacs(double ImageForward, double TextForward, double HeadsForward, double Training)
    {
        public double Forward => ImageForward + TextForward + HeadsForward;
    }

    public static StepMacs ConVirtStep(ResNetSpec image, BertSpec text, int frozenLayers, int batch, int size, int tokens, int projHidden = 512, int projDim = 512)
    {
        var (stem, rest) = ResNetMacs(image, size);
        double imageFwd = batch * (stem + rest);
        double perLayer = BertLayerMacs(text, tokens);
        double textFwd = batch * perLayer * text.NumLayers;
        double textTrainable = batch * perLayer * (text.NumLayers - frozenLayers);
        double heads = batch * ((double)image.FeatureDim * projHidden + projHidden * projDim + (double)text.HiddenSize * projHidden + projHidden * projDim)
                       + (double)batch * batch * projDim;
        double training = batch * (2 * stem + 3 * rest) + (textFwd - textTrainable) + 3 * textTrainable + 3 * heads;
        return new StepMacs(imageFwd, textFwd, heads, training);
    }

    /// <summary>(conv1 MACs, all other conv MACs) per image at size x size.</summary>
    public static (double Stem, double Body) ResNetMacs(ResNetSpec spec, int size)
    {
        long h = (size + 1) / 2;                               // conv1 7x7 stride 2 (pad 3)
        double stem = (double)spec.InChannels * 64 * 49 * h * h;
        h = (h + 1) / 2;                                       // max-pool 3x3 stride 2
        double rest = 0;
        long inPlanes = 64;
        long[] planes = [64, 128, 256, 512];
        for (int stage = 0; stage < 4; stage++)
        {
            long p = planes[stage];
            for (int b = 0; b < spec.Layers[stage]; b++)
            {
                long stride = stage > 0 && b == 0 ? 2 : 1;
                long ho = (h + stride - 1) / stride;
                if (spec.Block == ResNetBlockKind.Bottleneck)
                {
                    long outPlanes = p * 4;
                    rest += (double)inPlanes * p * h * h;          // 1x1
                    rest += (double)p * p * 9 * ho * ho;           // 3x3 (stride here, v1.5)
                    rest += (double)p * outPlanes * ho * ho;       // 1x1
                    if (stride != 1 || inPlanes != outPlanes) rest += (double)inPlanes * outPlanes * ho * ho;
                    inPlanes = outPlanes;
                }
                else
                {
                    rest += (double)inPlanes * p * 9 * ho * ho;
                    rest += (double)p * p * 9 * ho * ho;
                    if (stride != 1 || inPlanes != p) rest += (double)inPlanes * p * ho * ho;
                    inPlanes = p;
                }
                h = ho;
            }
        }
        return (stem, rest);
    }

    /// <summary>MACs of one BERT layer for one sequence of <paramref name="tokens"/> tokens.</summary>
    public static double BertLayerMacs(BertSpec s, int tokens)
    {
        double hsz = s.HiddenSize, l = tokens;
        return l * (4 * hsz * hsz + 2 * hsz * s.IntermediateSize) + 2 * l * l * hsz;
    }
}
