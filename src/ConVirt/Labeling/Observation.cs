namespace ConVirt.Labeling;

/// <summary>One observation of a scheme: its output key, and whether it is written (hidden ones only veto No Finding).</summary>
internal sealed record Observation(string Key, bool Hidden, bool IgnoredByNoFinding);
