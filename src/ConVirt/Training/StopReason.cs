namespace ConVirt.Training;

/// <summary>Why a pretraining run ended.</summary>
internal enum StopReason
{
    /// <summary>Every planned epoch ran.</summary>
    Completed,
    /// <summary>The validation loss stopped improving for the early-stopping patience.</summary>
    EarlyStopped,
    /// <summary>The step limit given to the trainer was reached (tests, benchmarks, <c>--max-steps</c>).</summary>
    StepLimit,
    /// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
    NonFiniteLoss,
}

/// <summary>Text forms of <see cref="StopReason"/> as the CLI prints them.</summary>
internal static class StopReasons
{
    /// <summary>completed, early-stopped, step-limit, non-finite-loss.</summary>
    public static string ToText(this StopReason reason) => reason switch
    {
        StopReason.Completed => "completed",
        StopReason.EarlyStopped => "early-stopped",
        StopReason.StepLimit => "step-limit",
        StopReason.NonFiniteLoss => "non-finite-loss",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
