namespace ConVirt.Data;

/// <summary>
/// Applies the checks shared by the JSON Lines and CSV readers (ids, image paths, split filter, text
/// requirement) and collects rows and issues in file order.
/// </summary>
internal sealed class ManifestCollector
{
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly string _file;
    private readonly ManifestOptions _options;
    private readonly string _folder;        // where relative image paths resolve: absolute, no trailing separator (unless a root)
    private readonly string _folderPrefix;  // _folder + separator: a confined image path must start with this
    private readonly string _folderName;    // how messages name _folder
    private readonly List<ManifestRow> _rows = [];
    private readonly List<ManifestIssue> _issues = [];
    private readonly Dictionary<string, int> _firstLineOfId = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warnedFields = new(StringComparer.Ordinal);
    private int _outsideSplit;

    public ManifestCollector(string file, ManifestOptions options)
    {
        _file = file;
        _options = options;
        _folder = options.ImageRoot is { } root
            ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) is var r && r.Length > 0 ? r : Path.GetFullPath(root)
            : Path.GetDirectoryName(Path.GetFullPath(file)) ?? Path.GetPathRoot(Path.GetFullPath(file))!;
        _folderName = options.ImageRoot is null ? "the manifest's folder" : "the image root";
        _folderPrefix = Path.EndsInDirectorySeparator(_folder) ? _folder : _folder + Path.DirectorySeparatorChar;
    }

    /// <summary>Records a skipped row.</summary>
    public void Skip(int line, string? field, string message, string reason) =>
        _issues.Add(new ManifestIssue(_file, line, field, message, IssueKind.Skipped, reason));

    /// <summary>Records a warning; the row is kept.</summary>
    public void Warn(int line, string? field, string message, string reason) =>
        _issues.Add(new ManifestIssue(_file, line, field, message, IssueKind.Warning, reason));

    /// <summary>Records a warning only the first time <paramref name="field"/> is warned about this way.</summary>
    public void WarnOnce(int line, string field, string message, string reason)
    {
        if (_warnedFields.Add(reason + "\0" + field))
            Warn(line, field, message, reason);
    }

    /// <summary>Checks a parsed row and keeps it or records why not. Check order: id, image, duplicate id (the
    /// first row with an id claims it even if it is skipped later), split filter, text requirement, image path.</summary>
    public void Add(ManifestRawRow raw)
    {
        int line = raw.Line;
        if (string.IsNullOrWhiteSpace(raw.Id))
        {
            Skip(line, "id", "missing or empty id", "missing id");
            return;
        }
        if (string.IsNullOrWhiteSpace(raw.Image) && _options.RequireImage)
        {
            Skip(line, "image", "missing or empty image path", "missing image");
            return;
        }
        if (!_firstLineOfId.TryAdd(raw.Id, line))
        {
            Skip(line, "id", $"duplicate id '{raw.Id}' (first on line {_firstLineOfId[raw.Id]})", "duplicate id");
            return;
        }
        if (_options.Split is { } split && !string.Equals(raw.Split, split, StringComparison.Ordinal))
        {
            _outsideSplit++;
            return;
        }
        string? text = string.IsNullOrWhiteSpace(raw.Text) ? null : raw.Text;
        if (_options.RequireText && text is null)
        {
            Skip(line, "text", "no text (image-only row)", "no text");
            return;
        }

        if (!_options.RequireImage && !_options.CheckImageFiles)
        {
            // text-only use: the image is never read, so its path is neither resolved nor checked
            _rows.Add(new ManifestRow(raw.Id, "", text, raw.Split, raw.PatientId, raw.Labels, line));
            return;
        }
        if (string.IsNullOrWhiteSpace(raw.Image))
        {
            _rows.Add(new ManifestRow(raw.Id, "", text, raw.Split, raw.PatientId, raw.Labels, line));
            return;
        }
        string imagePath;
        try
        {
            imagePath = Path.GetFullPath(raw.Image, _folder);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            Skip(line, "image", $"invalid path ({raw.Image})", "invalid image path");
            return;
        }
        if (_options.ConfineToImageRoot && !imagePath.StartsWith(_folderPrefix, PathComparison))
        {
            Skip(line, "image", $"path resolves outside {_folderName} ({raw.Image})", "outside manifest folder");
            return;
        }
        if (_options.CheckImageFiles)
        {
            var info = new FileInfo(imagePath);
            if (!info.Exists)
            {
                Skip(line, "image", $"file not found ({raw.Image})", "file not found");
                return;
            }
            if (info.Length == 0)
            {
                Skip(line, "image", $"empty file, 0 bytes ({raw.Image})", "empty image file");
                return;
            }
        }

        _rows.Add(new ManifestRow(raw.Id, imagePath, text, raw.Split, raw.PatientId, raw.Labels, line));
    }

    /// <summary>The rows and issues collected so far.</summary>
    public ManifestLoadResult ToResult() => new(_file, _rows.ToArray(), _issues.ToArray(), _outsideSplit);
}
