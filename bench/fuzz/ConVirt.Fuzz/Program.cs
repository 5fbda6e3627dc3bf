using System.Diagnostics;

namespace ConVirt.Fuzz;

/// <summary>
/// The fuzzing harness: <c>run TARGET</c> under afl-fuzz (SharpFuzz's out-of-process fork server, so that a stack
/// overflow or a hang kills only the child; in-process for the libtorch targets, see <see cref="FuzzTarget.WarmStart"/>), <c>replay TARGET FILE...</c> without the fuzzer (what a finding does), <c>minimise TARGET IN OUT</c>,
/// <c>seeds DIR SHARED_DATA</c> (the starting corpora) and <c>list</c>.
/// </summary>
internal static class Program
{
    private static unsafe int Main(string[] args)
    {
        // the instrumented library writes its trace into SharpFuzz's map, which exists only once the fork server
        // runs: before that (and outside afl-fuzz) it writes into one of its own
        SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16);
        switch (args)
        {
            case ["list"]:
                foreach (var t in FuzzTargets.All) Console.WriteLine(t.Name);
                return 0;
            case ["run", var name]:
            {
                var target = FuzzTargets.Get(name);
                void Action(Stream stream)
                {
                    using var buffer = new MemoryStream();
                    stream.CopyTo(buffer);
                    target.Run(buffer.ToArray());
                }
                if (target.WarmStart) SharpFuzz.Fuzzer.Run(Action);
                else SharpFuzz.Fuzzer.OutOfProcess.Run(Action);
                return 0;
            }
            case ["replay", var name, .. var files]:
            {
                var target = FuzzTargets.Get(name);
                int failed = 0;
                foreach (var file in files)
                {
                    var watch = Stopwatch.StartNew();
                    try
                    {
                        target.Run(File.ReadAllBytes(file));
                        Console.WriteLine($"ok      {watch.Elapsed.TotalMilliseconds,8:F1} ms  {file}");
                    }
                    catch (Exception e)
                    {
                        failed++;
                        Console.WriteLine($"FINDING {watch.Elapsed.TotalMilliseconds,8:F1} ms  {file}\n{e}");
                    }
                }
                return failed == 0 ? 0 : 1;
            }
            case ["minimise", var name, var input, var output]:
            {
                var target = FuzzTargets.Get(name);
                var (bytes, signature) = Minimiser.Minimise(target, File.ReadAllBytes(input));
                File.WriteAllBytes(output, bytes);
                Console.WriteLine($"{File.ReadAllBytes(input).Length} -> {bytes.Length} bytes, still: {signature}");
                return 0;
            }
            case ["seeds", var folder, var shared]:
                Seeds.Write(folder, shared);
                return 0;
            default:
                Console.Error.WriteLine("usage: ConVirt.Fuzz list | run TARGET | replay TARGET FILE... | minimise TARGET IN OUT | seeds DIR SHARED_DATA");
                return 2;
        }
    }
}
