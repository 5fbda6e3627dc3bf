namespace ConVirt.Labeling;

/// <summary>What a phrase of an observation says about it.</summary>
internal enum MentionKind : byte
{
    /// <summary>Names the observation; the triggers around it decide positive, negative or uncertain.</summary>
    Mention,
    /// <summary>States the observation is absent by itself ("heart size is normal"): negative.</summary>
    Absent,
    /// <summary>Looks like a mention but is not one ("pleural effusion" for lung opacity): suppresses overlapping mentions.</summary>
    Unmention,
}
