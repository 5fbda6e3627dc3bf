using ConVirt.Cli;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ConVirt.Tests.Cli;

/// <summary>A misspelt verb, option or stray argument stops every verb with a message naming it, exit code 2.</summary>
public sealed class UnknownInputTests
{
    static (int Code, string Output) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>Every verb the tool has, found from its command classes (so a new verb is tested too).</summary>
    public static TheoryData<string> Verbs()
    {
        var data = new TheoryData<string>();
        foreach (var t in typeof(ConVirtApp).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(ICommand).IsAssignableFrom(t)))
        {
            var words = System.Text.RegularExpressions.Regex.Split(t.Name[..^"Command".Length], "(?<!^)(?=[A-Z])").Select(w => w.ToLowerInvariant());
            data.Add(string.Join(' ', words));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void AMisspeltOptionIsRefusedNamingItAndTheClosestOne(string verb)
    {
        var path = verb.Split(' ');
        var options = UnknownInput.OptionsOf(path);
        if (options.Count == 0)
        {
            Assert.Equal("info", verb);   // the one verb without options refuses any
            var (infoCode, infoOutput) = Run("info", "--verbose");
            Assert.Equal(2, infoCode);
            Assert.Contains("unknown option --verbose for 'convirt info'", infoOutput);
            return;
        }
        // misspell the verb's longest option by swapping two inner letters
        string valid = options.OrderByDescending(o => o.Length).First();
        char[] c = valid.ToCharArray();
        (c[3], c[4]) = (c[4], c[3]);
        string typo = new(c);
        Assert.NotEqual(valid, typo);
        var outFolder = Path.Combine(Path.GetTempPath(), "convirt-typo-" + Guid.NewGuid().ToString("N"));

        var (code, output) = Run([.. path, typo, "1", "--out", outFolder]);

        Assert.Equal(2, code);
        Assert.Contains($"unknown option {typo}", output);
        Assert.Contains($"did you mean {valid}?", output);
        Assert.False(Directory.Exists(outFolder) || File.Exists(outFolder), "nothing may start on a typo");
    }

    [Fact]
    public void AMisspeltVerbAndSubVerbNameTheClosestVerb()
    {
        var (code, output) = Run("pretrian", "--train", "x.jsonl");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'pretrian'", output);
        Assert.Contains("did you mean pretrain?", output);

        (code, output) = Run("evaluate", "linaer");
        Assert.Equal(2, code);
        Assert.Contains("did you mean linear?", output);
    }

    [Fact]
    public void AStrayArgumentAfterAVerbIsRefused()
    {
        var (code, output) = Run("embed", "--encoder", "random", "--data", "m.jsonl", "--out", "e.csv", "extra");
        Assert.Equal(2, code);
        Assert.Contains("unexpected argument 'extra' for 'convirt embed'", output);
    }

    [Fact]
    public void AnOptionFarFromEveryValidOneGetsNoSuggestion()
    {
        var (code, output) = Run("embed", "--zzzzzzzzzz", "1");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --zzzzzzzzzz for 'convirt embed'", output);
        Assert.DoesNotContain("did you mean", output);
    }
}
