using System.Text.Json.Nodes;

namespace ConVirt.Data.Archive;

/// <summary>
/// <c>convirt manifest</c>: walks a DICOM folder tree, joins each image to its report by accession number or
/// Study Instance UID, keeps the wanted views, and writes a JSON Lines manifest with the identifiers
/// pseudonymised (<see cref="Pseudonym"/>) and a split by patient (<see cref="PatientSplit"/>). Only header
/// reading happens here; pixels are decoded by whoever reads the manifest (<c>pretrain</c> checks every image,
/// <c>prepare</c> decodes each once).
/// </summary>
internal static class ArchiveManifestBuilder
{
    private const int ExamplesPerReason = 20;

    /// <summary>Builds the manifest.</summary>
    /// <param name="options">Folders, files, key and fractions.</param>
    /// <param name="readFacts">Reads a file's header facts; returns null when the file is not DICOM and throws
    /// with a reason (no header values) when it is DICOM but unreadable.</param>
    /// <param name="progress">Files looked at so far, and the total.</param>
    public static ArchiveManifestResult Build(ArchiveManifestOptions options, Func<string, ArchiveFacts?> readFacts, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Directory.Exists(options.DicomFolder))
            throw new DirectoryNotFoundException($"{options.DicomFolder}: DICOM folder not found");
        var pseudonym = new Pseudonym(options.Salt);
        var split = new PatientSplit(pseudonym, options.ValFraction, options.TestFraction);
        var reports = ReportTable.Load(options.ReportsCsv, options.KeyColumn, options.TextColumn);
        var views = new HashSet<string>(options.Views ?? [], StringComparer.OrdinalIgnoreCase);
        string outDir = Path.GetDirectoryName(Path.GetFullPath(options.OutputManifest))!;
        // image paths are written relative to the manifest's folder (with ../ where the archive lies elsewhere, absolute
        // on another root): Manifest.Load follows them wherever they lead (docs/pretraining.md)
        Directory.CreateDirectory(outDir);

        var files = Directory.EnumerateFiles(options.DicomFolder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(f => Path.GetFullPath(f) != Path.GetFullPath(options.OutputManifest))
            .Order(StringComparer.Ordinal).ToList();
        var skipped = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<string>();
        var usedKeys = new HashSet<string>(StringComparer.Ordinal);
        var patients = new HashSet<string>(StringComparer.Ordinal);
        var perSplit = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);

        string temp = options.OutputManifest + ".tmp-" + Environment.ProcessId;
        int rows = 0;
        using (var writer = new StreamWriter(temp, append: false, new System.Text.UTF8Encoding(false)))
        {
            for (int i = 0; i < files.Count; i++)
            {
                string file = files[i], relative = Path.GetRelativePath(options.DicomFolder, file);
                var row = Row(file, relative);
                if (row is not null)
                {
                    writer.Write(row.ToJsonString());
                    writer.Write('\n');
                    rows++;
                }
                if ((i + 1) % 64 == 0 || i + 1 == files.Count) progress?.Report((i + 1, files.Count));
            }
        }
        File.Move(temp, options.OutputManifest, overwrite: true);
        return new ArchiveManifestResult(rows, perSplit, patients.Count, files.Count, skipped, examples, reports.Issues, reports.Count - usedKeys.Count);

        JsonObject? Row(string file, string relative)
        {
            ArchiveFacts? facts;
            try { facts = readFacts(file); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return Skip("unreadable", relative, e.Message);
            }
            if (facts is null) return Skip("not DICOM", relative, "not a DICOM file");
            string? key = options.Key == ReportKey.Accession ? facts.AccessionNumber : facts.StudyInstanceUid;
            string keyName = options.Key == ReportKey.Accession ? "Accession Number" : "Study Instance UID";
            if (string.IsNullOrWhiteSpace(key)) return Skip("no key", relative, $"no {keyName} in the header");
            string? text = reports.Find(key);
            if (text is null) return Skip("no report", relative, $"no report row for its {keyName}");
            if (views.Count > 0 && (facts.ViewPosition is null || !views.Contains(facts.ViewPosition.Trim())))
                return Skip("unwanted view", relative, $"View Position {(string.IsNullOrWhiteSpace(facts.ViewPosition) ? "absent" : facts.ViewPosition.Trim())} not in {string.Join(",", views)}");
            usedKeys.Add(key.Trim());

            // a missing Patient ID splits by study: the images of one study stay together
            string patientKey = string.IsNullOrWhiteSpace(facts.PatientId) ? "study:" + key.Trim() : facts.PatientId.Trim();
            string patient = pseudonym.Of("p", "patient", patientKey);
            string id = pseudonym.Of("i", "image", facts.SopInstanceUid?.Trim() is { Length: > 0 } sop ? sop : "path:" + relative);
            if (!ids.Add(id)) return Skip("duplicate image", relative, "the same SOP Instance UID as an earlier file");
            string s = split.Of(patientKey);
            patients.Add(patient);
            perSplit[s] = perSplit.GetValueOrDefault(s) + 1;
            var row = new JsonObject
            {
                ["id"] = id,
                ["image"] = Path.GetRelativePath(outDir, Path.GetFullPath(file)).Replace('\\', '/'),
                ["text"] = text,
                ["split"] = s,
                ["patient_id"] = patient,
                ["study_id"] = pseudonym.Of("s", "study", key.Trim()),
            };
            if (!string.IsNullOrWhiteSpace(facts.Modality)) row["modality"] = facts.Modality.Trim();
            if (!string.IsNullOrWhiteSpace(facts.ViewPosition)) row["view"] = facts.ViewPosition.Trim();
            return row;
        }

        JsonObject? Skip(string reason, string relative, string why)
        {
            int n = skipped.GetValueOrDefault(reason) + 1;
            skipped[reason] = n;
            if (n <= ExamplesPerReason) examples.Add($"{relative}: {why}");
            return null;
        }
    }
}
