// Embeds every image of a folder (PNG, JPEG, DICOM) and prints the 5 closest to a sentence:
//   dotnet run --project samples/EmbedAndSearch -- ENCODER IMAGE_FOLDER "sentence"
// ENCODER is a ConVIRT run folder or checkpoint (`convirt demo` leaves one in convirt-demo/run): searching by text
// needs its text encoder. The images are embedded once per run; a real service would keep the vectors
// (`convirt serve` does, docs/serve.md).
using ConVirt;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: EmbedAndSearch ENCODER IMAGE_FOLDER SENTENCE");
    return 2;
}
string[] extensions = [".png", ".jpg", ".jpeg", ".dcm", ".dicom"];
var images = Directory.EnumerateFiles(args[1], "*", SearchOption.AllDirectories)
    .Where(f => extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();
if (images.Count == 0)
{
    Console.Error.WriteLine($"{args[1]}: no .png, .jpg, .jpeg, .dcm or .dicom file");
    return 1;
}

using var encoder = ConVirtEncoder.Load(args[0]);
if (!encoder.HasTextEncoder)
{
    Console.Error.WriteLine($"{args[0]}: this encoder has no text encoder (imagenet, random, SimCLR, MoCo v2): search by text needs a ConVIRT run");
    return 1;
}
float[][] imageVectors = encoder.EmbedImages(images, EmbeddingKind.Projected);   // v: the joint space where texts meet images
float[] query = encoder.EmbedTexts([args[2]])[0];                                 // u
foreach (var (index, cosine) in Similarity.TopK(query, imageVectors, 5))
    Console.WriteLine($"{cosine:F4}  {images[index]}");
return 0;
