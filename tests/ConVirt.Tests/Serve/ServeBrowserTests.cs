using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConVirt.Data.Synthetic;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ConVirt.Tests.Serve;

/// <summary>
/// The page in a real browser: Debian's chromium driven by Playwright (its bundled driver, no browser download)
/// against a real `convirt serve` process on 127.0.0.1. The screenshot stays in the test output folder:
/// bin/Debug/net10.0/artifacts/serve-page.png.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed partial class ServeBrowserTests(ITestOutputHelper output)
{
    const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task ThePageSearchesByTextAndByUploadShowsThumbnailsAndAGroundingMap()
    {
        if (!File.Exists(Chromium))
        {
            const string message = "the browser test needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)";
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", message);
            output.WriteLine("SKIPPED: " + message);
            return;
        }
        var dir = Pipeline.TinyRuns.TempFolder("serve-browser");
        var manifest = SyntheticDataset.Write(Path.Combine(dir, "data"), 20, 128, seed: 5);
        var run = Pipeline.TinyCheckpoint.Save(Path.Combine(dir, "run")).Folder;
        using var server = StartServer(run, manifest, out var url);
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Chromium,
                Headless = true,
                // as root in a closed network: no sandbox, no background connections (they would be refused, many at a time)
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync(url);
            await WaitUntil(page, "document.getElementById('info').textContent.includes('20 images')");

            // type a query: 20 result cards whose order is the API's answer, every thumbnail loaded
            const string query = "moderate right pleural effusion";
            await page.FillAsync("#query", query);
            await page.ClickAsync("#search");
            await WaitUntil(page, AllThumbnailsLoaded);
            var shown = await page.EvalOnSelectorAllAsync<string[]>(".card", "cards => cards.map(c => c.dataset.id)");
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var answer = await (await http.PostAsJsonAsync("/api/search/text", new { text = query })).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()), shown);
            Assert.Equal(20, shown.Length);
            var firstScore = await page.InnerTextAsync(".card .score");
            Assert.Equal(answer.GetProperty("results")[0].GetProperty("score").GetDouble().ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), firstScore);

            // upload an archive image: it comes first
            await page.SetInputFilesAsync("#upload", Path.Combine(dir, "data", "images", SyntheticDataset.IdOf(7) + ".png"));
            await WaitUntil(page, "document.getElementById('status').textContent.includes('the image')");
            await WaitUntil(page, AllThumbnailsLoaded);
            Assert.Equal(SyntheticDataset.IdOf(7), await page.GetAttributeAsync(".card", "data-id"));

            // a click shows the grounding map of the query text on that image
            await page.ClickAsync(".card");
            await WaitUntil(page, "(() => { const i = document.getElementById('ground-image'); return !document.getElementById('ground').hidden && i.complete && i.naturalWidth > 0; })()");
            Assert.Equal(538, await page.EvalOnSelectorAsync<int>("#ground-image", "i => i.naturalWidth"));   // GroundingOverlay's width
            Assert.Contains(query, await page.InnerTextAsync("#ground-caption"));
            Assert.Empty(errors);

            var shot = Path.Combine(AppContext.BaseDirectory, "artifacts", "serve-page.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            Assert.True(new FileInfo(shot).Length > 10_000);
            output.WriteLine($"screenshot: {shot}");
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            server.WaitForExit();
        }
    }

    /// <summary>
    /// Polls a predicate with single evaluations: Playwright's WaitForFunction polls through eval(), which the page's
    /// Content-Security-Policy forbids (and should: the test runs the page under its real policy).
    /// </summary>
    static async Task WaitUntil(IPage page, string predicate)
    {
        var clock = Stopwatch.StartNew();
        while (!await page.EvaluateAsync<bool>(predicate))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"the page never satisfied: {predicate}; status: {await page.InnerTextAsync("#status")}");
            await Task.Delay(100);
        }
    }

    const string AllThumbnailsLoaded = "(() => { const imgs = [...document.querySelectorAll('.card img')]; return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); })()";

    /// <summary>`dotnet convirt.dll serve ... --port 0` from the test output; waits for its "listening on URL" line.</summary>
    static Process StartServer(string run, string manifest, out string url)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "convirt.dll"), "serve", "--encoder", run, "--data", manifest, "--port", "0", "--image-size", "64" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { listening.TrySetException(new InvalidOperationException("convirt serve ended: " + string.Join(" | ", lines))); return; }
            lines.Enqueue(e.Data);
            if (Listening().Match(e.Data) is { Success: true } m) listening.TrySetResult(m.Groups[1].Value);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!listening.Task.Wait(TimeSpan.FromSeconds(120)))
        {
            process.Kill();
            throw new TimeoutException("convirt serve did not start within 120 s: " + string.Join(" | ", lines));
        }
        url = listening.Task.Result;
        Assert.StartsWith("http://127.0.0.1:", url);
        return process;
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]   // the console may wrap the rest of the line
    private static partial Regex Listening();
}
