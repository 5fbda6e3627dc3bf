using System;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

/// <summary>
/// Removes one version need (e.g. GLIBCXX_3.4.32) from copies of an ELF64 little-endian shared library
/// below a folder, when the system's libstdc++ does not define that version. Symbols that referred to the
/// removed version become unversioned references. Idempotent; writes through a temporary file and a rename.
/// </summary>
public class DropElfVersionNeed : Task
{
    [Required] public string Directory { get; set; } = "";
    [Required] public string LibraryName { get; set; } = "";
    [Required] public string VersionName { get; set; } = "";
    /// <summary>Patch even when this machine's libstdc++ defines the version (a package built here may run on Debian 12).</summary>
    public bool Always { get; set; }

    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;

    public override bool Execute()
    {
        if (!System.IO.Directory.Exists(Directory)) return true;
        if (!Always && SystemHasVersion())
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++ defines " + VersionName + "; " + LibraryName + " left unchanged.");
            return true;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, LibraryName, SearchOption.AllDirectories))
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                if (!Patch(bytes)) continue;
                var tmp = path + ".patching";
                File.WriteAllBytes(tmp, bytes);
                File.Delete(path); // a new inode: a hard link into the NuGet cache is never written through
                File.Move(tmp, path);
                Log.LogMessage(MessageImportance.High, "convirt: removed the " + VersionName + " version need from " + path);
            }
            catch (Exception e)
            {
                Log.LogWarning("convirt: could not adapt " + path + " for this libstdc++: " + e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }

    bool SystemHasVersion()
    {
        string[] candidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };
        var needle = Encoding.ASCII.GetBytes(VersionName + "\0");
        foreach (var c in candidates)
        {
            if (!File.Exists(c)) continue;
            var data = File.ReadAllBytes(c);
            return IndexOf(data, needle) >= 0;
        }
        return false;
    }

    static int IndexOf(byte[] hay, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= hay.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && hay[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    static ushort U16(byte[] b, long o) => BitConverter.ToUInt16(b, (int)o);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, (int)o);
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, (int)o);
    static void W16(byte[] b, long o, ushort v) => BitConverter.GetBytes(v).CopyTo(b, (int)o);
    static void W32(byte[] b, long o, uint v) => BitConverter.GetBytes(v).CopyTo(b, (int)o);

    /// <summary>Returns true when the image was changed.</summary>
    bool Patch(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            return false; // not ELF64 little-endian
        long shoff = (long)U64(b, 0x28);
        int shentsize = U16(b, 0x3A), shnum = U16(b, 0x3C);
        long verneedOff = -1, verneedStrOff = 0, versymOff = -1, versymSize = 0;
        uint verneedCount = 0;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = U32(b, sh + 4);
            if (type == ShtGnuVerneed)
            {
                verneedOff = (long)U64(b, sh + 0x18);
                verneedCount = U32(b, sh + 0x2C);
                uint link = U32(b, sh + 0x28);
                verneedStrOff = (long)U64(b, shoff + (long)link * shentsize + 0x18);
            }
            else if (type == ShtGnuVersym)
            {
                versymOff = (long)U64(b, sh + 0x18);
                versymSize = (long)U64(b, sh + 0x20);
            }
        }
        if (verneedOff < 0) return false;

        long vn = verneedOff;
        for (uint n = 0; n < verneedCount; n++)
        {
            ushort cnt = U16(b, vn + 2);
            long auxPos = vn + U32(b, vn + 8);
            long prevAux = -1;
            for (int a = 0; a < cnt; a++)
            {
                uint nameOff = U32(b, auxPos + 8);
                uint next = U32(b, auxPos + 12);
                if (ReadString(b, verneedStrOff + nameOff) == VersionName)
                {
                    ushort index = U16(b, auxPos + 6);
                    if (prevAux < 0)
                        W32(b, vn + 8, next == 0 ? 0u : U32(b, vn + 8) + next);
                    else
                        W32(b, prevAux + 12, next == 0 ? 0u : U32(b, prevAux + 12) + next);
                    W16(b, vn + 2, (ushort)(cnt - 1));
                    if (versymOff >= 0)
                        for (long p = versymOff; p < versymOff + versymSize; p += 2)
                            if ((U16(b, p) & 0x7fff) == index) W16(b, p, 1); // VER_NDX_GLOBAL
                    return true;
                }
                prevAux = auxPos;
                auxPos += next;
            }
            uint vnNext = U32(b, vn + 12);
            if (vnNext == 0) break;
            vn += vnNext;
        }
        return false;
    }

    static string ReadString(byte[] b, long off)
    {
        long end = off;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)off, (int)(end - off));
    }
}
