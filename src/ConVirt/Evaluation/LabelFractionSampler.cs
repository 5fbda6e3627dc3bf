namespace ConVirt.Evaluation;

/// <summary>
/// Chooses the labelled subset for the paper's 1% / 10% / 100% label-fraction experiments: stratified by
/// class, seeded, and (when patient ids are given) by whole patients so that no patient's images are split
/// between the chosen and the unchosen part.
/// </summary>
internal static class LabelFractionSampler
{
    /// <summary>
    /// Indices (ascending) of a stratified <paramref name="fraction"/> of the examples.
    /// </summary>
    /// <remarks>
    /// Without patient ids each class c with n_c examples contributes max(1, round(fraction * n_c)) of them,
    /// drawn uniformly. With patient ids every patient is assigned the class most frequent among its images
    /// (ties: the smallest class); within each such group, patients are visited in a seeded random order and
    /// a patient is taken when that brings the group's image count closer to max(1, round(fraction * group
    /// images)) (the first patient is always taken). Afterwards, any class present in
    /// <paramref name="labels"/> but absent from the selection gets one more patient holding it, so every
    /// class keeps at least one example. All images of a chosen patient are returned.
    /// </remarks>
    /// <param name="labels">Class of each example (for multi-label data pass one stratification key per example).</param>
    /// <param name="patientIds">Optional patient of each example; null or empty strings mean "own patient".</param>
    /// <param name="fraction">Fraction to keep, in (0, 1]; 1 keeps everything.</param>
    /// <param name="seed">Seed of the random draw; the same inputs and seed give the same indices.</param>
    /// <exception cref="ArgumentException">Fraction outside (0, 1] or patientIds of the wrong length.</exception>
    public static int[] Stratified(IReadOnlyList<int> labels, IReadOnlyList<string?>? patientIds, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(fraction > 0 && fraction <= 1))
            throw new ArgumentException($"fraction is {fraction}; it must be in (0, 1].", nameof(fraction));
        if (patientIds is not null && patientIds.Count != labels.Count)
            throw new ArgumentException($"patientIds has {patientIds.Count} entries but labels has {labels.Count}.", nameof(patientIds));
        int n = labels.Count;
        if (fraction == 1) return Enumerable.Range(0, n).ToArray();

        // Groups of examples that must stay together: patients, or single examples without patient ids.
        var groups = new List<List<int>>();
        var groupOfPatient = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string? patient = patientIds?[i];
            if (string.IsNullOrEmpty(patient))
            {
                groups.Add([i]);
                continue;
            }
            if (!groupOfPatient.TryGetValue(patient, out int g))
            {
                g = groups.Count;
                groupOfPatient.Add(patient, g);
                groups.Add([]);
            }
            groups[g].Add(i);
        }

        var random = new Random(seed);
        var chosen = new bool[groups.Count];
        foreach (var classGroups in groups
                     .Select((members, g) => (Class: MajorityClass(members, labels), Group: g))
                     .GroupBy(x => x.Class)
                     .OrderBy(x => x.Key))
        {
            var order = classGroups.Select(x => x.Group).ToArray();
            random.Shuffle(order);
            int classImages = order.Sum(g => groups[g].Count);
            int target = Math.Max(1, (int)Math.Round(fraction * classImages, MidpointRounding.AwayFromZero));
            int taken = 0;
            foreach (int g in order)
            {
                int size = groups[g].Count;
                // Take the group when the count gets closer to the target (always the first one).
                if (taken == 0 || 2 * taken + size < 2 * target)
                {
                    chosen[g] = true;
                    taken += size;
                }
                if (taken >= target) break;
            }
        }

        // Every class present keeps at least one example.
        var present = new HashSet<int>();
        for (int g = 0; g < groups.Count; g++)
            if (chosen[g])
                foreach (int i in groups[g]) present.Add(labels[i]);
        var fallbackOrder = Enumerable.Range(0, groups.Count).ToArray();
        random.Shuffle(fallbackOrder);
        foreach (int c in labels.Distinct().Order())
        {
            if (present.Contains(c)) continue;
            int g = fallbackOrder.First(g => !chosen[g] && groups[g].Any(i => labels[i] == c));
            chosen[g] = true;
            foreach (int i in groups[g]) present.Add(labels[i]);
        }

        var result = new List<int>();
        for (int g = 0; g < groups.Count; g++)
            if (chosen[g]) result.AddRange(groups[g]);
        result.Sort();
        return result.ToArray();
    }

    static int MajorityClass(List<int> members, IReadOnlyList<int> labels) =>
        members.GroupBy(i => labels[i])
            .OrderByDescending(x => x.Count())
            .ThenBy(x => x.Key)
            .First().Key;
}
