namespace ConVirt.Data.Pipeline;

/// <summary>A manifest row ready for the data path: its sentences tokenised once.</summary>
/// <param name="Row">The manifest row.</param>
/// <param name="Sentences">Token ids ([CLS] ... [SEP]) of each sentence of the cleaned report; empty without text.</param>
/// <param name="DuplicateKey">(patient, text) key; rows sharing it never meet in one batch. Null = unique.</param>
internal sealed record PreparedExample(ManifestRow Row, int[][] Sentences, string? DuplicateKey);
