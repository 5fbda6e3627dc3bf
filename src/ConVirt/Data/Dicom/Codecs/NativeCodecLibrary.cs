using System.Runtime.InteropServices;

namespace ConVirt.Data.Dicom;

/// <summary>
/// A native codec library loaded on first use: <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/> of its
/// file names in order, once per instance and thread-safe. Never loaded by constructing the owner, so listing
/// codecs works without the library; when it is absent every use throws
/// <see cref="DicomCodecUnavailableException"/> naming the codec, the library and the Debian package.
/// </summary>
internal sealed class NativeCodecLibrary
{
    readonly string codec;
    readonly string[] names;
    readonly string package;
    readonly Lazy<IntPtr> handle;

    /// <param name="codec">The codec's name with the transfer syntaxes it serves, for the message.</param>
    /// <param name="package">The Debian package providing the library.</param>
    /// <param name="names">File names tried in order.</param>
    public NativeCodecLibrary(string codec, string package, params string[] names)
    {
        this.codec = codec;
        this.package = package;
        this.names = names;
        handle = new Lazy<IntPtr>(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The library's first file name, for messages.</summary>
    public string LibraryName => names[0];

    /// <summary>The loaded library (loads it on the first call).</summary>
    public IntPtr Handle => handle.Value;

    /// <summary>The address of an exported function; a library without it counts as unavailable.</summary>
    public IntPtr Export(string name)
    {
        if (NativeLibrary.TryGetExport(Handle, name, out var address))
            return address;
        throw new DicomCodecUnavailableException(codec, $"{LibraryName} (exporting {name})", package);
    }

    IntPtr Load()
    {
        foreach (var name in names)
            if (NativeLibrary.TryLoad(name, out var h))
                return h;
        // Lazy<T> caches this exception, so a missing library is probed once per instance.
        throw new DicomCodecUnavailableException(codec, LibraryName, package);
    }
}
