using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Distributed;

/// <summary>
/// Collectives over Open MPI (<c>libmpi.so.40</c>, Debian's <c>libopenmpi3</c>), bound by P/Invoke when a process
/// starts under <c>mpirun</c>: the library is loaded only then, so a machine without MPI never touches it. Handles are
/// the addresses of Open MPI's predefined objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, ...), as its
/// <c>mpi.h</c> defines them; <c>MPI_IN_PLACE</c> is <c>(void*)1</c>. Debian's build is not CUDA-aware, so every
/// buffer passes through host memory (<see cref="HostMemory"/>). Errors abort the job (MPI's default handler).
/// </summary>
internal sealed unsafe class OpenMpiCollectives : ICollectives
{
    /// <summary>The shared library this binds.</summary>
    public const string LibraryName = "libmpi.so.40";

    /// <summary>What to install when the library is missing.</summary>
    public const string PackageHint = "the Debian package libopenmpi3 (apt-get install openmpi-bin, which brings mpirun and libopenmpi3)";

    private const int MaxCount = 1 << 30;   // elements per MPI call (counts are C ints)
    private const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED: calls from several threads, never at once
    private static readonly nint InPlace = 1;

    private readonly delegate* unmanaged<int> finalize;
    private readonly delegate* unmanaged<int*, int> finalized;
    private readonly delegate* unmanaged<nint, int, nint, int, nint, int> bcast;
    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> allreduce;
    private readonly delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int> allgather;
    private readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> reduceScatterBlock;
    private readonly delegate* unmanaged<nint, int> barrier;
    private readonly delegate* unmanaged<nint, int, int> abort;
    private readonly nint world, mpiFloat, mpiDouble, mpiByte, opSum;
    private bool disposed;

    private OpenMpiCollectives(nint lib, int localRank, int localSize)
    {
        nint Export(string name) => NativeLibrary.TryGetExport(lib, name, out var p) ? p
            : throw new EntryPointNotFoundException($"{LibraryName} has no symbol {name}: Open MPI 4 or later is needed ({PackageHint})");
        var initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        var initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        var commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        var commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export("MPI_Bcast");
        allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        allgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, int>)Export("MPI_Allgather");
        reduceScatterBlock = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export("MPI_Reduce_scatter_block");
        barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        world = Export("ompi_mpi_comm_world");
        mpiFloat = Export("ompi_mpi_float");
        mpiDouble = Export("ompi_mpi_double");
        mpiByte = Export("ompi_mpi_byte");
        opSum = Export("ompi_mpi_op_sum");

        int done = 0;
        Check(initialized(&done), "MPI_Initialized");
        if (done == 0)
        {
            int provided = 0;
            Check(initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
        }
        int rank = 0, size = 0;
        Check(commRank(world, &rank), "MPI_Comm_rank");
        Check(commSize(world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        LocalSize = localSize;
    }

    /// <summary>
    /// Loads <see cref="LibraryName"/> and initialises MPI (once per process). <paramref name="localRank"/> and
    /// <paramref name="localSize"/> come from mpirun's environment (<see cref="MpiLaunch"/>).
    /// </summary>
    /// <exception cref="DllNotFoundException">The library is not installed; the message names the package.</exception>
    public static OpenMpiCollectives Initialize(int localRank, int localSize)
    {
        if (!NativeLibrary.TryLoad(LibraryName, out var lib))
            throw new DllNotFoundException($"this process runs under mpirun but {LibraryName} (Open MPI) could not be loaded: install {PackageHint}, or run without mpirun");
        return new OpenMpiCollectives(lib, localRank, localSize);
    }

    /// <inheritdoc />
    public int Rank { get; }
    /// <inheritdoc />
    public int Size { get; }
    /// <inheritdoc />
    public int LocalRank { get; }
    /// <inheritdoc />
    public int LocalSize { get; }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        if (root < 0 || root >= Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank of {Size}");
        HostMemory.With(tensor, writesBack: Rank != root, (p, bytes) =>
        {
            for (long off = 0; off < bytes; off += MaxCount)
                Check(bcast(p + (nint)off, (int)Math.Min(MaxCount, bytes - off), mpiByte, root, world), "MPI_Bcast");
        });
    }

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor)
    {
        var (type, width) = Type(tensor);
        HostMemory.With(tensor, writesBack: true, (p, bytes) =>
        {
            long count = bytes / width;
            for (long off = 0; off < count; off += MaxCount)
                Check(allreduce(InPlace, p + (nint)(off * width), (int)Math.Min(MaxCount, count - off), type, opSum, world), "MPI_Allreduce");
        });
    }

    /// <inheritdoc />
    public Tensor AllGather(Tensor tensor)
    {
        long count = tensor.numel();
        if (count * Size > MaxCount) throw new ArgumentException($"all-gather of {count} elements per rank is larger than one call carries");
        var shape = tensor.shape.ToArray();
        shape[0] *= Size;
        using var gathered = torch.empty(shape, dtype: tensor.dtype);
        var sendType = tensor.dtype switch { ScalarType.Float32 => mpiFloat, ScalarType.Float64 => mpiDouble, _ => mpiByte };
        int sendCount = (int)(sendType == mpiByte ? count * tensor.ElementSize : count);
        var recv = gathered.bytes;
        fixed (byte* r = recv)
        {
            var rp = (nint)r;
            HostMemory.With(tensor, writesBack: false, (p, _) => Check(allgather(p, sendCount, sendType, rp, sendCount, sendType, world), "MPI_Allgather"));
        }
        return gathered.to(tensor.device).clone();
    }

    /// <inheritdoc />
    public Tensor ReduceScatterSum(Tensor tensor)
    {
        if (tensor.shape[0] % Size != 0) throw new ArgumentException($"reduce-scatter needs a multiple of {Size} rows, got {tensor.shape[0]}");
        var (type, _) = Type(tensor);
        long block = tensor.numel() / Size;
        if (block > MaxCount) throw new ArgumentException($"reduce-scatter of {block} elements per rank is larger than one call carries");
        var shape = tensor.shape.ToArray();
        shape[0] /= Size;
        using var mine = torch.empty(shape, dtype: tensor.dtype);
        var recv = mine.bytes;
        fixed (byte* r = recv)
        {
            var rp = (nint)r;
            HostMemory.With(tensor, writesBack: false, (p, _) => Check(reduceScatterBlock(p, rp, (int)block, type, opSum, world), "MPI_Reduce_scatter_block"));
        }
        return mine.to(tensor.device).clone();
    }

    /// <inheritdoc />
    public void Barrier() => Check(barrier(world), "MPI_Barrier");

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        abort(world, exitCode);
        Environment.Exit(exitCode);   // not reached: MPI_Abort ends the process
    }

    /// <summary>Finalises MPI (every rank must reach it; a failed rank calls <see cref="Abort"/> instead).</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        int done = 0;
        finalized(&done);
        if (done == 0) finalize();
    }

    private (nint Type, long Width) Type(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => (mpiFloat, 4),
        ScalarType.Float64 => (mpiDouble, 8),
        _ => throw new ArgumentException($"sums are taken over float32 or float64 tensors, not {t.dtype}"),
    };

    private static void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{call} failed with MPI error code {code}"));
    }
}
