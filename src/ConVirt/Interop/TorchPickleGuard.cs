using System.Text;

namespace ConVirt.Interop;

/// <summary>
/// Scans a pickle's opcodes before anything unpickles it and refuses every global reference outside the
/// state-dict allow-list (OrderedDict, torch's tensor/parameter rebuild functions and typed storages), as well as
/// opcodes that reach objects another way (INST, EXT1/2/4) and STACK_GLOBAL whose names it cannot read as strings.
/// </summary>
internal static class TorchPickleGuard
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.DoubleStorage", "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage",
        "torch.ByteStorage", "torch.BoolStorage",
    };

    /// <summary>Throws <see cref="WeightLoadException"/> naming the first refused reference; returns the globals seen.</summary>
    public static IReadOnlyList<string> Check(ReadOnlySpan<byte> pickle, string source)
    {
        var globals = new List<string>();
        var memo = new Dictionary<long, string?>();
        string? last = null, beforeLast = null;      // the two most recent pushes, when they are strings
        int i = 0;
        void Push(string? value) { beforeLast = last; last = value; }
        WeightLoadException Refuse(string why) => new(source, $"refused to unpickle: {why}");

        while (true)
        {
            if (i >= pickle.Length) throw new WeightLoadException(source, "pickle ends without STOP; truncated or corrupt");
            byte op = pickle[i++];
            switch (op)
            {
                case (byte)'.': return globals;                                          // STOP
                case 0x80: Take(ref i, pickle, 1, source); break;                            // PROTO
                case 0x95: Take(ref i, pickle, 8, source); break;                            // FRAME
                case (byte)'c':                                                          // GLOBAL module\nname\n
                {
                    string module = Line(ref i, pickle, source), name = Line(ref i, pickle, source);
                    string full = module + "." + name;
                    if (!Allowed.Contains(full)) throw Refuse($"global '{full}' is not a tensor, storage or OrderedDict");
                    globals.Add(full);
                    Push(null);
                    break;
                }
                case 0x93:                                                               // STACK_GLOBAL
                {
                    if (last is null || beforeLast is null) throw Refuse("STACK_GLOBAL with names that are not literal strings");
                    string full = beforeLast + "." + last;
                    if (!Allowed.Contains(full)) throw Refuse($"global '{full}' is not a tensor, storage or OrderedDict");
                    globals.Add(full);
                    last = beforeLast = null;
                    break;
                }
                case (byte)'i': throw Refuse("INST opcode (instantiates a class by name)");
                case 0x82: case 0x83: case 0x84: throw Refuse("EXT opcode (extension registry)");
                // Strings: pushed and remembered for STACK_GLOBAL.
                case 0x8c: Push(Utf8(Take(ref i, pickle, Take(ref i, pickle, 1, source)[0], source))); break;            // SHORT_BINUNICODE
                case (byte)'X': Push(Utf8(Take(ref i, pickle, Length(ref i, pickle, 4, source), source))); break;         // BINUNICODE
                case 0x8d: Push(Utf8(Take(ref i, pickle, Length(ref i, pickle, 8, source), source))); break;              // BINUNICODE8
                case (byte)'V': Push(Line(ref i, pickle, source)); break;                                                 // UNICODE
                case (byte)'S': Push(Line(ref i, pickle, source).Trim('\'', '"')); break;                                  // STRING
                case (byte)'U': Push(Latin1(Take(ref i, pickle, Take(ref i, pickle, 1, source)[0], source))); break;      // SHORT_BINSTRING
                case (byte)'T': Push(Latin1(Take(ref i, pickle, Length(ref i, pickle, 4, source), source))); break;       // BINSTRING
                // Memo: remember what a string push stored; fetching it pushes it again.
                case 0x94: memo[memo.Count] = last; break;                                                                // MEMOIZE
                case (byte)'q': memo[Take(ref i, pickle, 1, source)[0]] = last; break;                                    // BINPUT
                case (byte)'r': memo[Length(ref i, pickle, 4, source)] = last; break;                                     // LONG_BINPUT
                case (byte)'p': memo[ParseLong(Line(ref i, pickle, source), source)] = last; break;                       // PUT
                case (byte)'h': Push(memo.GetValueOrDefault(Take(ref i, pickle, 1, source)[0])); break;                   // BINGET
                case (byte)'j': Push(memo.GetValueOrDefault(Length(ref i, pickle, 4, source))); break;                    // LONG_BINGET
                case (byte)'g': Push(memo.GetValueOrDefault(ParseLong(Line(ref i, pickle, source), source))); break;      // GET
                // Other operands.
                case (byte)'J': Take(ref i, pickle, 4, source); Push(null); break;                                        // BININT
                case (byte)'K': Take(ref i, pickle, 1, source); Push(null); break;                                        // BININT1
                case (byte)'M': Take(ref i, pickle, 2, source); Push(null); break;                                        // BININT2
                case (byte)'G': Take(ref i, pickle, 8, source); Push(null); break;                                        // BINFLOAT
                case 0x8a: Take(ref i, pickle, Take(ref i, pickle, 1, source)[0], source); Push(null); break;             // LONG1
                case 0x8b: Take(ref i, pickle, Length(ref i, pickle, 4, source), source); Push(null); break;              // LONG4
                case (byte)'B': Take(ref i, pickle, Length(ref i, pickle, 4, source), source); Push(null); break;         // BINBYTES
                case (byte)'C': Take(ref i, pickle, Take(ref i, pickle, 1, source)[0], source); Push(null); break;        // SHORT_BINBYTES
                case 0x8e: case 0x96: Take(ref i, pickle, Length(ref i, pickle, 8, source), source); Push(null); break;   // BINBYTES8, BYTEARRAY8
                case (byte)'I': case (byte)'L': case (byte)'F': case (byte)'P': Line(ref i, pickle, source); Push(null); break; // INT, LONG, FLOAT, PERSID
                // Opcodes without operands (stack and container operations; REDUCE/BUILD/NEWOBJ/OBJ only act on
                // classes and functions that came from an allowed global).
                case (byte)'(': case (byte)'0': case (byte)'1': case (byte)'2': case (byte)'N': case (byte)'R':
                case (byte)'b': case (byte)'a': case (byte)'e': case (byte)'d': case (byte)'}': case (byte)'l':
                case (byte)']': case (byte)'o': case (byte)'s': case (byte)'u': case (byte)'t': case (byte)')':
                case 0x81: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89: case (byte)'Q':
                case 0x8f: case 0x90: case 0x91: case 0x92: case 0x97: case 0x98:
                    Push(null);
                    break;
                default: throw Refuse($"unknown pickle opcode 0x{op:x2} at byte {i - 1}");
            }
        }
    }

    private static ReadOnlySpan<byte> Take(ref int i, ReadOnlySpan<byte> data, long count, string source)
    {
        if (count < 0 || count > data.Length - i) throw new WeightLoadException(source, "pickle operand runs past the end; truncated or corrupt");
        var span = data.Slice(i, (int)count);
        i += (int)count;
        return span;
    }

    private static long Length(ref int i, ReadOnlySpan<byte> data, int bytes, string source)
    {
        var span = Take(ref i, data, bytes, source);
        long value = 0;
        for (int k = bytes - 1; k >= 0; k--) value = (value << 8) | span[k];
        return value;
    }

    private static string Line(ref int i, ReadOnlySpan<byte> data, string source)
    {
        int end = data[i..].IndexOf((byte)'\n');
        if (end < 0) throw new WeightLoadException(source, "pickle text operand without newline; truncated or corrupt");
        var text = Encoding.UTF8.GetString(data.Slice(i, end));
        i += end + 1;
        return text;
    }

    private static long ParseLong(string text, string source) =>
        long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v
        : throw new WeightLoadException(source, "pickle memo index is not a number");

    private static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
