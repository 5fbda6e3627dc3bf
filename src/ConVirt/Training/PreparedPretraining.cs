using ConVirt.Configuration;
using ConVirt.Data.Pipeline;
using ConVirt.Data.Text;

namespace ConVirt.Training;

/// <summary>Everything a pretraining run needs, built and checked, before the first step.</summary>
/// <param name="Config">The configuration as resolved (text encoder size taken from its weights).</param>
/// <param name="Objective">The method and its model.</param>
/// <param name="Tokenizer">Tokenizer of the text encoder (null for image-only methods).</param>
/// <param name="Train">Training batches.</param>
/// <param name="Validation">Validation batches, or null.</param>
internal sealed record PreparedPretraining(ConVirtConfig Config, IPretrainingObjective Objective, WordPieceTokenizer? Tokenizer, IBatchSource Train, IBatchSource? Validation);
