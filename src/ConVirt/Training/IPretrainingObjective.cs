using ConVirt.Data.Pipeline;
using ConVirt.Losses;
using ConVirt.Models;
using ConVirt.Models.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Training;

/// <summary>
/// What a pretraining method trains and how it scores a batch, in the three pieces the one training step
/// (<see cref="TrainingStep"/>) needs to compute any batch on 1 or N ranks, whole or in micro-batches: the batch's
/// inputs as tensors whose first dimension is the row, the embeddings of some rows, and the loss of some rows against
/// the embeddings of the whole (global) batch.
/// </summary>
internal interface IPretrainingObjective
{
    /// <summary>Everything that is trained and checkpointed.</summary>
    nn.Module Module { get; }

    /// <summary>The image encoder a checkpoint of this method hands to evaluation (f_v; SimCLR's and MoCo's query encoder).</summary>
    ResNetEncoder ImageEncoder { get; }

    /// <summary>The whole image-text model (projections v, u), or null for image-only methods.</summary>
    ConVirtModel? JointModel { get; }

    /// <summary>The batch's inputs on <paramref name="device"/>, each with one row per pair (images, second views, token ids, masks).</summary>
    Tensor[] Inputs(PairBatch batch, Device device);

    /// <summary>Embeddings of the rows given (inputs narrowed to a micro-batch or a rank's slice), each [rows, d].</summary>
    Tensor[] Embed(Tensor[] inputs);

    /// <summary>
    /// The share of the batch's loss of rows <paramref name="offset"/> ... <paramref name="offset"/> + <paramref name="count"/> - 1,
    /// given the embeddings of every row of the (global) batch: summed over rows and divided by the batch's size, so
    /// that the shares of all slices add up to the loss of the whole batch.
    /// </summary>
    ContrastiveLossOutput LossRows(Tensor[] embeddings, long offset, long count);

    /// <summary>Called once before each training step's forward passes (MoCo's momentum update); under no_grad.</summary>
    void BeforeStep() { }

    /// <summary>Called after each optimiser step (MoCo's queue); under no_grad.</summary>
    void AfterStep() { }
}
