using System.Globalization;

namespace ConVirt.Distributed;

/// <summary>
/// Whether this process is one rank of an <c>mpirun</c> job (Open MPI sets <c>OMPI_COMM_WORLD_SIZE</c>,
/// <c>OMPI_COMM_WORLD_RANK</c>, <c>OMPI_COMM_WORLD_LOCAL_RANK</c> and <c>OMPI_COMM_WORLD_LOCAL_SIZE</c> in every
/// rank's environment), and the collectives that go with it.
/// </summary>
internal static class MpiLaunch
{
    /// <summary>True when started by Open MPI's mpirun (or its mpiexec / orterun).</summary>
    public static bool UnderMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <summary>Ranks in the job from the environment (1 without mpirun).</summary>
    public static int WorldSize => Read("OMPI_COMM_WORLD_SIZE", 1);

    /// <summary>This process's rank from the environment (0 without mpirun).</summary>
    public static int WorldRank => Read("OMPI_COMM_WORLD_RANK", 0);

    /// <summary>Rank among the ranks on this machine (0 without mpirun).</summary>
    public static int LocalRank => Read("OMPI_COMM_WORLD_LOCAL_RANK", 0);

    /// <summary>Ranks on this machine (1 without mpirun).</summary>
    public static int LocalSize => Read("OMPI_COMM_WORLD_LOCAL_SIZE", 1);

    /// <summary>
    /// Open MPI collectives under mpirun (MPI is initialised here), the single-process ones otherwise: a process
    /// started without mpirun never loads MPI.
    /// </summary>
    /// <exception cref="DllNotFoundException">Under mpirun without the Open MPI library; the message names the package.</exception>
    public static ICollectives Collectives() =>
        UnderMpirun ? OpenMpiCollectives.Initialize(LocalRank, LocalSize) : SingleProcessCollectives.Instance;

    private static int Read(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
