using System.Text;

namespace ConVirt.Tests.Data;

/// <summary>A temporary folder holding a manifest and small stand-in image files; deleted on dispose.</summary>
internal sealed class ManifestTestFolder : IDisposable
{
    public ManifestTestFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "convirt-manifest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "images"));
    }

    public string Root { get; }

    /// <summary>Writes a non-empty stand-in image file (the manifest reader does not decode images).</summary>
    public string Image(string relativePath, int bytes = 4)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes].Select((_, i) => (byte)(i + 1)).ToArray());
        return path;
    }

    /// <summary>Writes the manifest with these lines joined by LF.</summary>
    public string Manifest(string fileName, params string[] lines) =>
        ManifestBytes(fileName, Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    public string ManifestBytes(string fileName, byte[] content)
    {
        string path = Path.Combine(Root, fileName);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
