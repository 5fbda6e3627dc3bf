using System.Net;
using ConVirt.Serve;
using ConVirt.Tests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;

namespace ConVirt.Tests.Serve;

/// <summary>The API key, the bind rule and where the key comes from.</summary>
[Collection(TorchCollection.Name)]
public sealed class ServeSecurityTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    const string Key = "k3y-0123456789-abcdef";

    [Fact]
    public async Task WithAKeyEveryApiRequestNeedsItAndThePageDoesNot()
    {
        var options = f.Options with { Bind = "0.0.0.0", ApiKey = Key };
        using var index = new ArchiveIndex(f.Index.Encoder, new ConVirt.Evaluation.ImageFeatureSet(Features(f.Index), f.Index.Rows, []), "v", 64, options);
        await using var app = ServeApp.Create(index, b => b.WebHost.UseTestServer());
        await app.StartAsync();
        using var client = app.GetTestClient();

        var none = await client.GetAsync("/api/info");
        await ServeApiTests.AssertJsonError(none, HttpStatusCode.Unauthorized, "API key");
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        await ServeApiTests.AssertJsonError(await Send(client, HttpMethod.Get, "/api/images/" + f.Index.Rows[0].Id, ("Authorization", "Bearer " + Key[..^1] + "x")), HttpStatusCode.Unauthorized, "API key");
        await ServeApiTests.AssertJsonError(await Send(client, HttpMethod.Get, "/api/info", ("X-Api-Key", Key + "0")), HttpStatusCode.Unauthorized, "API key");
        await ServeApiTests.AssertJsonError(await Send(client, HttpMethod.Get, "/api/nope", ("X-Api-Key", "")), HttpStatusCode.Unauthorized, "API key");
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Get, "/api/info", ("Authorization", "Bearer " + Key))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(client, HttpMethod.Get, "/api/images/" + f.Index.Rows[0].Id, ("X-Api-Key", Key))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public void AnAddressOtherThanLoopbackNeedsAKey()
    {
        var o = new ServeOptions { Encoder = "e", Data = "d" };
        o.Validate();   // 127.0.0.1 without a key
        (o with { Bind = "::1" }).Validate();
        (o with { Bind = "localhost" }).Validate();
        var e = Assert.Throws<ArgumentException>(() => (o with { Bind = "0.0.0.0" }).Validate());
        Assert.Contains(ApiKeys.EnvironmentVariable, e.Message);
        Assert.Contains("--api-key-file", e.Message);
        Assert.Throws<ArgumentException>(() => (o with { Bind = "192.168.1.5" }).Validate());
        (o with { Bind = "0.0.0.0", ApiKey = Key }).Validate();
        Assert.Contains("at least 16", Assert.Throws<ArgumentException>(() => (o with { Bind = "0.0.0.0", ApiKey = "short" }).Validate()).Message);
        Assert.Contains("not an IP address", Assert.Throws<ArgumentException>(() => (o with { Bind = "example.org" }).Validate()).Message);
    }

    [Fact]
    public void TheKeyComesFromTheFileElseTheEnvironmentAndIsComparedExactly()
    {
        var dir = Pipeline.TinyRuns.TempFolder("serve-key");
        var file = Path.Combine(dir, "key.txt");
        File.WriteAllText(file, "  " + Key + "\n");
        Assert.Equal(Key, ApiKeys.Resolve(file, _ => "from-environment-000000"));
        Assert.Equal("from-environment-000000", ApiKeys.Resolve(null, n => n == ApiKeys.EnvironmentVariable ? "from-environment-000000" : null));
        Assert.Null(ApiKeys.Resolve(null, _ => null));
        Assert.Contains("not found", Assert.Throws<ArgumentException>(() => ApiKeys.Resolve(Path.Combine(dir, "missing"), _ => null)).Message);
        File.WriteAllText(file, " \n");
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => ApiKeys.Resolve(file, _ => null)).Message);

        Assert.True(ApiKeys.Matches(Key, Key));
        Assert.False(ApiKeys.Matches(Key + "x", Key));
        Assert.False(ApiKeys.Matches(Key[..^1], Key));
        Assert.False(ApiKeys.Matches("", Key));
        Assert.False(ApiKeys.Matches(null, Key));
    }

    [Fact]
    public void TheVerbRefusesAnOpenAddressWithoutAKeyBeforeLoadingAnything()
    {
        var (code, output) = CliRunner.Run("serve", "--encoder", f.Run, "--data", f.Manifest, "--bind", "0.0.0.0", "--port", "0");
        Assert.Equal(2, code);
        Assert.Contains("needs an API key", output);
        (code, output) = CliRunner.Run("serve", "--encoder", f.Run, "--data", f.Manifest, "--api-key-file", "/nonexistent/key");
        Assert.NotEqual(0, code);
        Assert.Contains("/nonexistent/key: file not found", output);
    }

    static float[,] Features(ArchiveIndex index)
    {
        return EmbeddingCache.TryRead(index.CachePath!, index.Rows)!.Features;
    }

    static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, (string Name, string Value) header)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        return client.SendAsync(request);
    }
}
