namespace ConVirt.Export;

/// <summary>What <see cref="OnnxExport.Write"/> wrote.</summary>
/// <param name="Folder">The export folder.</param>
/// <param name="Files">File names in the folder with their sizes and SHA-256 (hex), model-card.json last (it lists the others).</param>
/// <param name="Notes">Sentences for the user: what each file holds, what was left out and why.</param>
internal sealed record OnnxExportResult(string Folder, IReadOnlyList<ExportedFile> Files, IReadOnlyList<string> Notes);

/// <summary>One written file.</summary>
/// <param name="Name">File name inside the export folder.</param>
/// <param name="Bytes">Size.</param>
/// <param name="Sha256">SHA-256 of the contents, lower-case hex.</param>
internal sealed record ExportedFile(string Name, long Bytes, string Sha256);
