namespace ConVirt;

/// <summary>The kind of a <see cref="PretrainingProgress"/> report.</summary>
public enum PretrainingProgressKind
{
    /// <summary>A window of optimiser steps was logged.</summary>
    Step,
    /// <summary>An epoch ended (validation loss when there is validation data).</summary>
    Epoch,
    /// <summary>A line for people (data read, precision chosen, resumed, ...).</summary>
    Message,
}
