using ConVirt.Data.Text;
using ConVirt.Models;

namespace ConVirt.Interop;

/// <summary>A model with its initial weights and the tokenizer that matches its vocabulary.</summary>
/// <param name="Model">The model.</param>
/// <param name="Tokenizer">WordPiece tokenizer of the text encoder's vocabulary.</param>
/// <param name="Notes">What was loaded from where (for the log).</param>
internal sealed record BuiltModel(ConVirtModel Model, WordPieceTokenizer Tokenizer, IReadOnlyList<string> Notes);
