namespace ConVirt.Labeling;

/// <summary>What a trigger phrase does to the mentions in its scope.</summary>
internal enum TriggerKind : byte
{
    /// <summary>Negates mentions that follow it within the clause window ("no", "without", "free of").</summary>
    Negation,
    /// <summary>Negates mentions that precede it ("is not seen", "has resolved").</summary>
    NegationPost,
    /// <summary>Negates mentions on both sides ("resolved", "absent").</summary>
    NegationBoth,
    /// <summary>Makes mentions that follow it uncertain ("may represent", "cannot exclude").</summary>
    Uncertain,
    /// <summary>Makes mentions that precede it uncertain ("cannot be excluded", "is suspected").</summary>
    UncertainPost,
    /// <summary>Makes mentions on both sides uncertain ("versus").</summary>
    UncertainBoth,
    /// <summary>Looks like a negation but is not one ("no change in", "not only"): consumed, classifies nothing.</summary>
    Pseudo,
    /// <summary>Ends every trigger's scope ("but", "however", "which").</summary>
    ScopeEnd,
}
