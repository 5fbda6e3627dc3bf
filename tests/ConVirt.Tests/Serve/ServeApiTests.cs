using ConVirt.Data.Prepared;
using ConVirt.Data.Images;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ConVirt.Data;
using ConVirt.Data.Augmentation;
using ConVirt.Data.Dicom;
using ConVirt.Evaluation;
using ConVirt.Evaluation.Grounding;
using ConVirt.Serve;
using SkiaSharp;
using TorchSharp;

namespace ConVirt.Tests.Serve;

/// <summary>The service's endpoints in process (test server): numbers against independent computations, every bad request a JSON 4xx.</summary>
[Collection(TorchCollection.Name)]
public sealed class ServeApiTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    const string Phrase = "left lower lobe opacity";

    [Fact]
    public async Task TextSearchRanksAsAnIndependentCosineOverFreshlyExtractedEmbeddings()
    {
        var answer = await PostJson("/api/search/text", new { text = Phrase, k = 10 });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var results = answer.Json.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(10, results.Count);

        // independent: embed the archive again without the cache, embed the phrase, rank by cosine in double precision
        var encoder = f.Index.Encoder;
        var rows = DataSets.Load(f.Manifest).Rows;
        var set = ImageFeatures.Extract(encoder, rows, 64, projected: true, torch.CPU);
        using var scope = torch.NewDisposeScope();
        var u = ImageFeatures.ToMatrix(EmbeddingExtractor.Texts(encoder.Model!, encoder.Tokenizer!, [Phrase], encoder.Config.Model.Text.MaxLength, torch.CPU));
        var expected = Enumerable.Range(0, set.Rows.Count).Select(i => (set.Rows[i].Id, Cosine(set.Features, i, u))).OrderByDescending(x => x.Item2).ToList();
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(expected[j].Id, results[j].GetProperty("id").GetString());
            Assert.Equal(expected[j].Item2, results[j].GetProperty("score").GetDouble(), 4);
        }
        // labels and split come with each result; report text never does
        var first = rows.Single(r => r.Id == expected[0].Id);
        Assert.Equal(first.Split, results[0].GetProperty("split").GetString());
        Assert.Equal(first.Labels.Count, results[0].GetProperty("labels").EnumerateObject().Count());
        Assert.False(results[0].TryGetProperty("text", out _));

        // a split filter ranks the same way within the split
        var test = await PostJson("/api/search/text", new { text = Phrase, k = 10, filter = new { split = "test" } });
        Assert.True(test.Status == HttpStatusCode.OK, test.Json.ToString());
        var testIds = test.Json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
        var expectedTest = expected.Where(e => rows.Single(r => r.Id == e.Id).Split == "test").Select(e => e.Id).ToList();
        Assert.Equal(expectedTest, testIds);
        Assert.Equal(2, testIds.Count);   // 20 rows, every tenth in test
    }

    [Fact]
    public async Task AnUploadedArchiveImageFindsItselfAsPngAndAsDicom()
    {
        var png = await Upload(File.ReadAllBytes(f.ImageOf(3)), "scan.png");
        Assert.Equal(HttpStatusCode.OK, png.Status);
        var top = png.Json.GetProperty("results")[0];
        Assert.Equal(ConVirt.Data.Synthetic.SyntheticDataset.IdOf(3), top.GetProperty("id").GetString());
        Assert.True(top.GetProperty("score").GetDouble() > 0.9999, $"score {top.GetProperty("score").GetDouble()}");

        // the same pixels as a 16-bit DICOM file: within 1/65535, so the same row at cosine ~1
        var dicom = DicomWriter.EncodeGray(ImageDecoder.Load(f.ImageOf(3)), 16);
        var dcm = await Upload(dicom, "scan.dcm", k: 3);
        Assert.Equal(HttpStatusCode.OK, dcm.Status);
        Assert.Equal(3, dcm.Json.GetProperty("results").GetArrayLength());
        Assert.Equal(ConVirt.Data.Synthetic.SyntheticDataset.IdOf(3), dcm.Json.GetProperty("results")[0].GetProperty("id").GetString());
        Assert.True(dcm.Json.GetProperty("results")[0].GetProperty("score").GetDouble() > 0.999);
    }

    [Fact]
    public async Task AThumbnailIsAPngOfTheDecodedPixels()
    {
        var id = ConVirt.Data.Synthetic.SyntheticDataset.IdOf(5);
        var response = await f.Client.GetAsync($"/api/images/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        using var bitmap = SKBitmap.Decode(bytes);
        var original = ImageDecoder.Load(f.ImageOf(5));
        Assert.Equal((64, 64), (bitmap.Width, bitmap.Height));   // smaller than the 256 px bound: its own size
        for (int y = 0; y < 64; y += 7)
            for (int x = 0; x < 64; x += 5)
                Assert.Equal((byte)Math.Round(255 * original[x, y]), bitmap.GetPixel(x, y).Red);

        var missing = await f.Client.GetAsync("/api/images/no-such-row");
        await AssertJsonError(missing, HttpStatusCode.NotFound, "no image");
    }

    [Fact]
    public void LargeImagesAreReducedByAreaAveraging()
    {
        // 8x4 -> at most 4 px: 4x2, each output pixel the mean of a 2x2 block
        var pixels = Enumerable.Range(0, 32).Select(i => i / 31f).ToArray();
        using var bitmap = SKBitmap.Decode(Thumbnails.Encode(new GrayImage(8, 4, pixels), 4));
        Assert.Equal((4, 2), (bitmap.Width, bitmap.Height));
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++)
            {
                double mean = (pixels[2 * y * 8 + 2 * x] + pixels[2 * y * 8 + 2 * x + 1] + pixels[(2 * y + 1) * 8 + 2 * x] + pixels[(2 * y + 1) * 8 + 2 * x + 1]) / 4;
                Assert.Equal((byte)Math.Round(255 * mean), bitmap.GetPixel(x, y).Red);
            }
    }

    [Fact]
    public async Task GroundReturnsTheOverlayOfTheMapComputedDirectly()
    {
        var id = ConVirt.Data.Synthetic.SyntheticDataset.IdOf(2);
        var response = await f.Client.GetAsync($"/api/ground?id={id}&text={Uri.EscapeDataString(Phrase)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();

        var model = f.Index.Encoder.Model!;
        var view = new EvalTransform(64).Apply(ImageDecoder.Load(f.ImageOf(2)));
        using var scope = torch.NewDisposeScope();
        var u = EmbeddingExtractor.Texts(model, f.Index.Encoder.Tokenizer!, [Phrase], f.Index.Encoder.Config.Model.Text.MaxLength, torch.CPU)[0];
        var map = GroundingMap.Compute(model, torch.tensor(view, [1, 1, 64, 64]), u);
        Assert.Equal((2, 2), (map.GetLength(0), map.GetLength(1)));
        // The same map computed on the request's thread and on this one may differ in the last bit (libtorch keeps
        // OpenMP's thread count per thread, and kernels split their sums by it), which changes a PNG's bytes: compare
        // the decoded pixels. A different map, text or image moves many pixels by tens of levels (a map with two cells
        // swapped: 115); one ulp by at most one.
        using var served = SKBitmap.Decode(bytes);
        using var direct = SKBitmap.Decode(GroundingOverlay.Encode(view, 64, map, Phrase));
        Assert.Equal((direct.Width, direct.Height), (served.Width, served.Height));
        int worst = 0;
        for (int y = 0; y < direct.Height; y++)
            for (int x = 0; x < direct.Width; x++)
            {
                SKColor a = direct.GetPixel(x, y), b = served.GetPixel(x, y);
                worst = Math.Max(worst, Math.Max(Math.Abs(a.Red - b.Red), Math.Max(Math.Abs(a.Green - b.Green), Math.Abs(a.Blue - b.Blue))));
            }
        Assert.True(worst <= 1, $"the served overlay differs from the direct one by up to {worst} levels");

        await AssertJsonError(await f.Client.GetAsync($"/api/ground?text=x"), HttpStatusCode.BadRequest, "'id'");
        await AssertJsonError(await f.Client.GetAsync($"/api/ground?id={id}"), HttpStatusCode.BadRequest, "empty");
        await AssertJsonError(await f.Client.GetAsync($"/api/ground?id=nope&text=x"), HttpStatusCode.NotFound, "no image");
    }

    [Fact]
    public async Task InfoHealthAndPage()
    {
        var info = JsonDocument.Parse(await f.Client.GetStringAsync("/api/info")).RootElement;
        Assert.Equal(20, info.GetProperty("images").GetInt32());
        Assert.Equal(32, info.GetProperty("dimension").GetInt32());   // the tiny model's projection width
        Assert.Equal("v", info.GetProperty("features").GetString());
        Assert.Equal(64, info.GetProperty("image_size").GetInt32());
        Assert.True(info.GetProperty("text_search").GetBoolean());
        Assert.Equal(f.Run, info.GetProperty("encoder").GetString());
        Assert.Equal(["test", "train", "val"], info.GetProperty("splits").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("ok", JsonDocument.Parse(await f.Client.GetStringAsync("/healthz")).RootElement.GetProperty("status").GetString());

        var page = await f.Client.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/app.js\"", html);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("/api/search/text", await f.Client.GetStringAsync("/app.js"));
        Assert.Contains(".grid", await f.Client.GetStringAsync("/app.css"));
    }

    [Fact]
    public async Task EveryBadRequestIsAJson4xxWithoutAStackTrace()
    {
        async Task Json(string body, HttpStatusCode status, string words, string type = "application/json") =>
            await AssertJsonError(await f.Client.PostAsync("/api/search/text", new StringContent(body, Encoding.UTF8, type)), status, words);
        await Json("{\"text\": ", HttpStatusCode.BadRequest, "not valid JSON");
        await Json("[1, 2]", HttpStatusCode.BadRequest, "not a JSON object");
        await Json("{\"text\": \"x\"}", HttpStatusCode.UnsupportedMediaType, "application/json", "text/plain");
        await Json("{\"k\": 3}", HttpStatusCode.BadRequest, "'text'");
        await Json("{\"text\": \"   \"}", HttpStatusCode.BadRequest, "empty");
        await Json(JsonSerializer.Serialize(new { text = new string('a', 1001) }), HttpStatusCode.BadRequest, "at most 1000");
        await Json("{\"text\": \"x\", \"k\": 0}", HttpStatusCode.BadRequest, "[1, 10]");
        await Json("{\"text\": \"x\", \"k\": 11}", HttpStatusCode.BadRequest, "[1, 10]");
        await Json("{\"text\": \"x\", \"k\": \"5\"}", HttpStatusCode.BadRequest, "'k'");
        await Json("{\"text\": \"x\", \"filter\": {\"ward\": \"3\"}}", HttpStatusCode.BadRequest, "'ward' is unknown");
        await Json("{\"text\": \"x\", \"filter\": [\"test\"]}", HttpStatusCode.BadRequest, "not an object");
        await Json(JsonSerializer.Serialize(new { text = new string('a', 70_000) }), HttpStatusCode.RequestEntityTooLarge, "larger than");

        await AssertJsonError(await UploadRaw(new MultipartFormDataContent { { new StringContent("3"), "k" } }), HttpStatusCode.BadRequest, "'image'");
        await AssertJsonError(await f.Client.PostAsync("/api/search/image", new StringContent("{}", Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType, "multipart");
        await AssertJsonError(await UploadResponse(Encoding.ASCII.GetBytes("not an image at all, just text"), "a.png"), HttpStatusCode.UnprocessableEntity, "cannot be used");
        // the image-size guard: a 400x400 PNG (160,000 pixels > 100,000) is refused from its header, before decoding
        await AssertJsonError(await UploadResponse(GrayPng(400, 400), "big.png"), HttpStatusCode.UnprocessableEntity, "refused before decoding");
        await AssertJsonError(await UploadResponse(new byte[100_000], "huge.png"), HttpStatusCode.RequestEntityTooLarge, "larger than");
        await AssertJsonError(await UploadResponse(File.ReadAllBytes(f.ImageOf(1)), "a.png", k: 50), HttpStatusCode.BadRequest, "[1, 10]");

        await AssertJsonError(await f.Client.GetAsync("/api/nope"), HttpStatusCode.NotFound, "no such endpoint");
        await AssertJsonError(await f.Client.GetAsync("/api/search/text"), HttpStatusCode.MethodNotAllowed, "not allowed");
    }

    [Fact]
    public async Task LogsNameRequestsButNeverTheQueryText()
    {
        const string secret = "zebra-secret-phrase";
        Assert.Equal(HttpStatusCode.OK, (await PostJson("/api/search/text", new { text = secret })).Status);
        Assert.Equal(HttpStatusCode.OK, (await f.Client.GetAsync($"/api/ground?id={ConVirt.Data.Synthetic.SyntheticDataset.IdOf(0)}&text={secret}")).StatusCode);
        await PostJson("/api/search/text", new { text = secret, k = 99 });   // refused: its message is not logged either
        var lines = f.Logs.Lines.ToList();
        Assert.Contains(lines, l => l.Contains("POST /api/search/text -> 200", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("GET /api/ground -> 200", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal) || l.Contains("zebra", StringComparison.Ordinal));
    }

    static double Cosine(float[,] m, int row, float[,] u)
    {
        double dot = 0, a = 0, b = 0;
        for (int j = 0; j < m.GetLength(1); j++) { dot += m[row, j] * (double)u[0, j]; a += m[row, j] * (double)m[row, j]; b += u[0, j] * (double)u[0, j]; }
        return dot / Math.Sqrt(a * b);
    }

    internal static byte[] GrayPng(int w, int h)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(90, 90, 90));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    async Task<(HttpStatusCode Status, JsonElement Json)> PostJson(string path, object body)
    {
        var response = await f.Client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    async Task<(HttpStatusCode Status, JsonElement Json)> Upload(byte[] bytes, string name, int? k = null)
    {
        var response = await UploadResponse(bytes, name, k);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    Task<HttpResponseMessage> UploadResponse(byte[] bytes, string name, int? k = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "image", name);
        if (k is { } kk) form.Add(new StringContent(kk.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k");
        return UploadRaw(form);
    }

    Task<HttpResponseMessage> UploadRaw(HttpContent content) => f.Client.PostAsync("/api/search/image", content);

    internal static async Task AssertJsonError(HttpResponseMessage response, HttpStatusCode status, string words)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(words, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }
}
