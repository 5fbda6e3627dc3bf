namespace ConVirt.Fuzz;

/// <summary>
/// One parser of untrusted input under the fuzzing contract: <see cref="Run"/> returns when the parser returned a
/// value (whose invariants the target checks) or threw one of its documented error types with a message; anything
/// else escapes as an exception (a finding). The same code runs under afl-fuzz (bench/fuzz/run.sh) and in the test
/// project, which replays the committed regression inputs (tests/ConVirt.Tests/TestData/fuzz/TARGET/) without the fuzzer.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>Managed bytes one input may allocate (all threads); more is a finding (the harness's stated cap).</summary>
    public const long AllocationCap = 256L << 20;

    /// <summary>Largest image the image and DICOM targets allow (2048 x 2048), so that the cap above holds for a legal image.</summary>
    public const long MaxPixels = 2048L * 2048;

    /// <summary>The target's name (run.sh, corpus and regression folders).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// True for targets whose first input loads libtorch (over 2 s): they run in SharpFuzz's in-process fork
    /// server, which warms up on a first input before afl-fuzz times anything; there a hang ends the target's run
    /// (afl-fuzz loses its fork server) instead of being saved.
    /// </summary>
    public virtual bool WarmStart => false;

    /// <summary>Runs one input under the contract.</summary>
    /// <exception cref="FuzzFinding">The contract is broken (an escaping undocumented exception is passed on as it is).</exception>
    public void Run(byte[] data)
    {
        // this thread's allocations: the parser runs here, and other threads (a test suite's) must not count
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            Parse(data);
        }
        catch (Exception e) when (IsDocumented(e))
        {
            if (string.IsNullOrWhiteSpace(e.Message))
                throw new FuzzFinding($"{Name}: documented error {e.GetType().Name} without a message", e);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationCap)
            throw new FuzzFinding($"{Name}: one input of {data.Length:N0} bytes allocated {allocated:N0} bytes, more than the cap of {AllocationCap:N0}");
    }

    /// <summary>Parses the input; returns normally on a value (after checking it) and throws on bad input.</summary>
    protected abstract void Parse(byte[] data);

    /// <summary>Whether <paramref name="e"/> is one of the parser's documented error types.</summary>
    protected abstract bool IsDocumented(Exception e);

    /// <summary>Fails the contract: a returned value breaks an invariant.</summary>
    protected void Require(bool condition, string what)
    {
        if (!condition) throw new FuzzFinding($"{Name}: returned value breaks an invariant: {what}");
    }

    /// <summary>Checks a decoded image: positive size, pixel count, every intensity finite and in [0, 1].</summary>
    protected void RequireImage(ConVirt.Data.GrayImage image)
    {
        Require(image.Width > 0 && image.Height > 0, $"size {image.Width}x{image.Height}");
        Require(image.Pixels.Length == (long)image.Width * image.Height, "pixel count != width * height");
        foreach (float v in image.Pixels)
            if (!(v >= 0f && v <= 1f)) { Require(false, $"intensity {v} outside [0, 1]"); }
    }
}

/// <summary>A broken fuzzing contract (a returned value that breaks an invariant, a message-less error, the allocation cap).</summary>
internal sealed class FuzzFinding(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A per-process scratch file for parsers that read a path (the input is written there first).</summary>
internal static class Scratch
{
    private static readonly string Folder = CreateFolder();

    private static string CreateFolder()
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string folder = Path.Combine(root, $"convirt-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Writes <paramref name="data"/> to <c>input.EXT</c> in the scratch folder and returns its path.</summary>
    public static string Write(byte[] data, string extension)
    {
        string path = Path.Combine(Folder, "input" + extension);
        File.WriteAllBytes(path, data);
        return path;
    }

    /// <summary>A scratch folder of its own for <paramref name="name"/> (emptied).</summary>
    public static string Subfolder(string name)
    {
        string path = Path.Combine(Folder, name);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.CreateDirectory(path);
        return path;
    }
}
