using Spectre.Console;

namespace ConVirt.Cli.Commands;

/// <summary>Prints library progress lines as they come (synchronously, unlike <see cref="Progress{T}"/>).</summary>
internal sealed class ConsoleProgress(IAnsiConsole console) : IProgress<string>
{
    /// <inheritdoc />
    public void Report(string value) => console.MarkupLine($"[grey]{Markup.Escape(value)}[/]");
}
