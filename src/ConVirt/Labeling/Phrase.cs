namespace ConVirt.Labeling;

/// <summary>
/// A phrase as token ids (<see cref="Gap"/> matches 0 to <see cref="MaxGap"/> words, never a clause break),
/// with what it is: an observation's mention (<see cref="Observation"/> >= 0) or a trigger.
/// </summary>
internal sealed record Phrase(int[] Tokens, int Observation, MentionKind Mention, TriggerKind Trigger, int SourceLine)
{
    /// <summary>The token id of <c>*</c> in a phrase: a gap of 0 to <see cref="MaxGap"/> words.</summary>
    public const int Gap = -2;

    /// <summary>The most words a gap spans.</summary>
    public const int MaxGap = 3;

    /// <summary>True for a trigger phrase, false for an observation's phrase.</summary>
    public bool IsTrigger => Observation < 0;
}
