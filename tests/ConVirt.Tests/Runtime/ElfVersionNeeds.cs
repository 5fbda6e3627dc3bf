using System.Text;

namespace ConVirt.Tests.Runtime;

/// <summary>An independent reader of an ELF64 file's version needs (.gnu.version_r), for checking the build step.</summary>
internal static class ElfVersionNeeds
{
    public static List<string> Read(byte[] b)
    {
        long shoff = BitConverter.ToInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A), shnum = BitConverter.ToUInt16(b, 0x3C);
        var names = new List<string>();
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(b, (int)(sh + 4)) != 0x6ffffffe) continue;
            long off = BitConverter.ToInt64(b, (int)(sh + 0x18));
            uint count = BitConverter.ToUInt32(b, (int)(sh + 0x2C));
            uint link = BitConverter.ToUInt32(b, (int)(sh + 0x28));
            long strtab = BitConverter.ToInt64(b, (int)(shoff + link * shentsize + 0x18));
            long vn = off;
            for (int n = 0; n < count; n++)
            {
                int cnt = BitConverter.ToUInt16(b, (int)(vn + 2));
                long aux = vn + BitConverter.ToUInt32(b, (int)(vn + 8));
                for (int a = 0; a < cnt; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(b, (int)(aux + 8));
                    int end = Array.IndexOf(b, (byte)0, (int)name);
                    names.Add(Encoding.ASCII.GetString(b, (int)name, end - (int)name));
                    aux += BitConverter.ToUInt32(b, (int)(aux + 12));
                }
                vn += BitConverter.ToUInt32(b, (int)(vn + 12));
            }
        }
        return names;
    }
}
