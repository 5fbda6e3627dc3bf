namespace ConVirt.Data.Archive;

/// <summary>
/// Assigns every patient to train, val or test by fixed fractions, from a keyed hash of the patient's
/// identifier: deterministic for a salt, the same for every image of the patient, independent of the order
/// files are found in.
/// </summary>
internal sealed class PatientSplit
{
    private readonly Pseudonym pseudonym;
    private readonly double val;
    private readonly double test;

    /// <param name="pseudonym">The keyed hash.</param>
    /// <param name="valFraction">Expected share of patients in val.</param>
    /// <param name="testFraction">Expected share of patients in test.</param>
    public PatientSplit(Pseudonym pseudonym, double valFraction, double testFraction)
    {
        if (valFraction is < 0 or > 1 || double.IsNaN(valFraction))
            throw new ArgumentOutOfRangeException(nameof(valFraction), valFraction, "the val fraction must be in [0, 1]");
        if (testFraction is < 0 or > 1 || double.IsNaN(testFraction))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "the test fraction must be in [0, 1]");
        if (valFraction + testFraction > 1)
            throw new ArgumentException($"val ({valFraction}) and test ({testFraction}) fractions add up to more than 1");
        this.pseudonym = pseudonym;
        val = valFraction;
        test = testFraction;
    }

    /// <summary>"test", "val" or "train" for a patient identifier.</summary>
    public string Of(string patientKey)
    {
        double u = pseudonym.Uniform("split", patientKey);
        return u < test ? "test" : u < test + val ? "val" : "train";
    }
}
