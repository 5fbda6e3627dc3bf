using System.Security.Cryptography;
using System.Text;

namespace ConVirt.Data.Archive;

/// <summary>
/// Keyed pseudonyms for identifiers taken from DICOM headers (Patient ID, Study Instance UID, Accession Number,
/// SOP Instance UID): HMAC-SHA256 under a secret salt, so the same identifier always gets the same pseudonym in
/// one archive while nobody without the salt can look an identifier up (a plain hash of a medical record number
/// can be reversed by hashing every possible number).
/// </summary>
internal sealed class Pseudonym
{
    private readonly byte[] key;

    /// <param name="salt">The secret; at least 8 characters.</param>
    public Pseudonym(string salt)
    {
        ArgumentNullException.ThrowIfNull(salt);
        if (salt.Length < 8)
            throw new ArgumentException("the salt must be at least 8 characters (a secret kept apart from the manifest)", nameof(salt));
        key = Encoding.UTF8.GetBytes(salt);
    }

    /// <summary>
    /// <c>PREFIX-</c> and 16 hex digits (64 bits) of HMAC-SHA256(salt, kind + NUL + value): the kind keeps a
    /// patient's and a study's pseudonyms of the same string apart.
    /// </summary>
    public string Of(string prefix, string kind, string value) => prefix + "-" + Convert.ToHexStringLower(Hash(kind, value), 0, 8);

    /// <summary>A number in [0, 1) from the same keyed hash (for deterministic splits).</summary>
    public double Uniform(string kind, string value) => BitConverter.ToUInt64(Hash(kind, value), 8) / 18446744073709551616.0;

    private byte[] Hash(string kind, string value) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(kind + "\0" + value));
}
