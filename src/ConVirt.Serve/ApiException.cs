namespace ConVirt.Serve;

/// <summary>A request the service refuses: its HTTP status (4xx) and a message for the JSON answer (never patient data).</summary>
internal sealed class ApiException(int status, string message) : Exception(message)
{
    /// <summary>The HTTP status code.</summary>
    public int Status { get; } = status;
}
