namespace ConVirt;

/// <summary>Why a pretraining run ended.</summary>
public enum PretrainingStopReason
{
    /// <summary>All planned epochs ran.</summary>
    Completed,
    /// <summary>The validation loss stopped improving for the early-stopping patience.</summary>
    EarlyStopped,
    /// <summary>The step limit (<see cref="PretrainingOptions.MaxSteps"/>) was reached.</summary>
    StepLimit,
    /// <summary>The loss became NaN or infinite; the last good checkpoint is kept.</summary>
    NonFiniteLoss,
}
