namespace ConVirt.Labeling;

/// <summary>How many reports got each value of one label key (after the uncertain policy).</summary>
/// <param name="Key">The label key, e.g. <c>pleural-effusion</c>.</param>
/// <param name="Positive">Reports labelled 1.</param>
/// <param name="Negative">Reports labelled 0.</param>
/// <param name="Uncertain">Reports labelled -1.</param>
/// <param name="Absent">Reports where the key is absent (not mentioned).</param>
public sealed record LabelCount(string Key, long Positive, long Negative, long Uncertain, long Absent);
