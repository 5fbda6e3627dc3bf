namespace ConVirt.Export;

/// <summary>What <see cref="OnnxExport.Write"/> writes.</summary>
/// <param name="Image">Write <c>image_encoder.onnx</c>.</param>
/// <param name="Text">Write <c>text_encoder.onnx</c> and <c>vocab.txt</c>; an encoder without a text tower is refused
/// when <paramref name="RequireText"/> is set, else exported without them (said in the result and the model card).</param>
/// <param name="RequireText">The text tower was asked for by name (<c>--part text</c>): its absence is an error.</param>
/// <param name="ExpandToRgb">A 1-channel image encoder takes 3 channels (conv1 weights / 3).</param>
internal sealed record OnnxExportOptions(bool Image = true, bool Text = true, bool RequireText = false, bool ExpandToRgb = false);
