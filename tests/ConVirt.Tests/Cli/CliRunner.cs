using ConVirt.Cli;
using Spectre.Console;

namespace ConVirt.Tests.Cli;

/// <summary>Runs the tool in-process as a user types it and returns the exit code and everything it printed (one line per message).</summary>
internal static class CliRunner
{
    public static (int Code, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No });
        console.Profile.Width = 1000;
        int code = ConVirtApp.Run(args, console);
        return (code, writer.ToString());
    }
}
