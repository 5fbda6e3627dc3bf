using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace ConVirt.Cli;

/// <summary>
/// Rewrites the parser's "unknown option / command" errors into one sentence that names the bad token and the
/// closest valid one, so that a typo such as <c>--batch-sise 8</c> stops the tool instead of being ignored.
/// </summary>
internal static partial class UnknownInput
{
    /// <summary>The verbs with sub-verbs (their first token is a branch, the second the verb).</summary>
    private static readonly string[] Branches = ["evaluate"];

    /// <summary>A clearer message for <paramref name="error"/>, or null when it is not about an unknown token.</summary>
    public static string? Describe(Exception error, IReadOnlyList<string> args)
    {
        if (error is not (CommandParseException or CommandRuntimeException))
            return null;
        var option = UnknownOption().Match(error.Message);
        if (option.Success)
        {
            string name = "--" + option.Groups[1].Value.TrimStart('-');
            var verb = VerbPath(args);
            var candidates = verb.Length == 0 ? [] : OptionsOf(verb);
            return $"unknown option {name} for 'convirt {string.Join(' ', verb)}'{Suggestion(name, candidates)}; see --help";
        }
        var command = UnknownCommand().Match(error.Message);
        if (command.Success)
        {
            string token = command.Groups[1].Value;
            var verb = VerbPath(args);
            // a verb that parsed, followed by a stray word: say "unexpected argument", not "unknown command"
            if (verb.Length > 0 && !verb.Contains(token) && VerbType(verb) is not null)
                return $"unexpected argument '{token}' for 'convirt {string.Join(' ', verb)}' (options start with --); see --help";
            var parent = args.Count > 1 && Branches.Contains(args[0]) && token == args[1] ? args[0] : null;
            var choices = parent is null ? TopLevelVerbs() : SubVerbs(parent);
            string where = parent is null ? "convirt" : $"convirt {parent}";
            return $"unknown command '{token}' for '{where}'{Suggestion(token, choices)}; see --help";
        }
        return null;
    }

    private static string Suggestion(string token, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(token, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best is not null && bestDistance <= Math.Max(2, token.Length / 3) ? $" (did you mean {best}?)" : "";
    }

    /// <summary>The leading words of the command line that name a verb ("pretrain", or "evaluate linear").</summary>
    private static string[] VerbPath(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-')) return [];
        if (Branches.Contains(args[0]) && args.Count > 1 && !args[1].StartsWith('-')) return [args[0], args[1]];
        return [args[0]];
    }

    /// <summary>The command class of a verb path by the naming rule: "evaluate linear" is EvaluateLinearCommand.</summary>
    internal static Type? VerbType(IReadOnlyList<string> verb)
    {
        string name = string.Concat(verb.Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Command";
        return CommandTypes().FirstOrDefault(t => t.Name == name);
    }

    /// <summary>The long option names (with --) of a verb's settings.</summary>
    internal static IReadOnlyList<string> OptionsOf(IReadOnlyList<string> verb)
    {
        var command = VerbType(verb);
        var settings = command?.BaseType is { IsGenericType: true } b ? b.GetGenericArguments()[0] : null;
        if (settings is null) return [];
        return settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .Where(a => a is not null)
            .SelectMany(a => a!.LongNames)
            .Select(n => "--" + n)
            .ToArray();
    }

    private static IEnumerable<Type> CommandTypes() =>
        typeof(UnknownInput).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(ICommand).IsAssignableFrom(t));

    private static IEnumerable<string> TopLevelVerbs() =>
        CommandTypes().Select(t => Words(t.Name)).Where(w => w.Length == 1 || Branches.Contains(w[0])).Select(w => w[0]).Distinct();

    private static IEnumerable<string> SubVerbs(string branch) =>
        CommandTypes().Select(t => Words(t.Name)).Where(w => w.Length == 2 && w[0] == branch).Select(w => w[1]);

    private static string[] Words(string commandTypeName) =>
        Regex.Split(commandTypeName[..^"Command".Length], "(?<!^)(?=[A-Z])").Select(w => w.ToLowerInvariant()).ToArray();

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    [GeneratedRegex("^Unknown option '([^']+)'")]
    private static partial Regex UnknownOption();

    [GeneratedRegex("^Unknown command '([^']+)'")]
    private static partial Regex UnknownCommand();
}
