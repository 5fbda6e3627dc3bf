// Scores sentences against an image with an encoder exported by `convirt export --format onnx`:
//   dotnet run --project samples/OnnxEncoder -- EXPORT_FOLDER IMAGE.png "sentence" ["sentence" ...]
using ConVirt.Samples.OnnxEncoder;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: OnnxEncoder EXPORT_FOLDER IMAGE.png|.jpg SENTENCE [SENTENCE ...]");
    return 2;
}
using var encoder = new ExportedEncoder(args[0]);
if (!encoder.HasText)
{
    Console.Error.WriteLine($"{args[0]}: this export has no text tower (an image-only encoder): h_v only");
    return 1;
}
var gray = GrayImageFile.Load(args[1], encoder.ImageSize);
float[] pixels = encoder.Channels == 1 ? gray : [.. gray, .. gray, .. gray];   // an --rgb export takes the gray image three times
var v = encoder.EncodeImages(pixels, 1, encoder.ImageSize, encoder.ImageSize)["v"][0];
var u = encoder.EncodeTexts(args[2..])["u"];
for (int i = 0; i < u.Length; i++) Console.WriteLine($"{ExportedEncoder.Cosine(v, u[i]):F4}  {args[2 + i]}");
return 0;
