using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>Parameter groups counted for the log: what decays, what does not, what is frozen.</summary>
/// <param name="Decay">Trainable weights with weight decay (matrices and convolution kernels).</param>
/// <param name="NoDecay">Trainable biases and normalisation parameters (no weight decay).</param>
/// <param name="Frozen">Parameters that do not require gradients (left out of the optimiser).</param>
/// <param name="DecayElements">Elements in the decay group.</param>
/// <param name="NoDecayElements">Elements in the no-decay group.</param>
internal sealed record ParameterGroupCounts(int Decay, int NoDecay, int Frozen, long DecayElements, long NoDecayElements);

/// <summary>Builds Adam with two groups in one place, as nanoGPT does.</summary>
internal static class OptimizerFactory
{
    /// <summary>
    /// Adam over the trainable parameters of <paramref name="module"/>: weights with more than one dimension
    /// get <paramref name="weightDecay"/> (L2, as the paper's Adam), biases and norm parameters (1-D) get none;
    /// frozen parameters are left out.
    /// </summary>
    public static (OptimizerHelper Optimizer, ParameterGroupCounts Counts) CreateAdam(nn.Module module, double learningRate, double weightDecay)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        int frozen = 0;
        foreach (var (_, p) in module.named_parameters())
        {
            if (!p.requires_grad) { frozen++; continue; }
            (p.dim() > 1 ? decay : noDecay).Add(p);
        }
        var groups = new List<Adam.ParamGroup>
        {
            new(decay, new Adam.Options { LearningRate = learningRate, weight_decay = weightDecay }),
            new(noDecay, new Adam.Options { LearningRate = learningRate, weight_decay = 0 }),
        };
        var optimizer = optim.Adam(groups, learningRate);
        return (optimizer, new ParameterGroupCounts(decay.Count, noDecay.Count, frozen, decay.Sum(p => p.numel()), noDecay.Sum(p => p.numel())));
    }

    /// <summary>Sets the learning rate of every group.</summary>
    public static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = learningRate;
    }
}
