using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ConVirt.Data;

/// <summary>Parses JSON Lines manifests line by line into <see cref="ManifestRawRow"/>s.</summary>
internal static class ManifestJsonLinesReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static void Read(byte[] bytes, ManifestCollector collector)
    {
        ReadOnlySpan<byte> rest = bytes;
        if (rest.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            rest = rest[3..];
        for (int line = 1; ; line++)
        {
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> lineBytes = end < 0 ? rest : rest[..end];
            if (lineBytes.EndsWith((byte)'\r'))
                lineBytes = lineBytes[..^1];
            if (!lineBytes.Trim(" \t"u8).IsEmpty)
                ReadLine(lineBytes, line, collector);
            if (end < 0)
                break;
            rest = rest[(end + 1)..];
        }
    }

    private static void ReadLine(ReadOnlySpan<byte> lineBytes, int line, ManifestCollector collector)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(lineBytes);
        }
        catch (DecoderFallbackException)
        {
            collector.Skip(line, FieldWithInvalidUtf8(lineBytes), "not valid UTF-8", "invalid UTF-8");
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            // The exception's message may quote the line; give only the position.
            collector.Skip(line, null, $"malformed JSON (at character {e.BytePositionInLine ?? 0})", "malformed JSON");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                collector.Skip(line, null, $"not a JSON object (a {root.ValueKind.ToString().ToLowerInvariant()})", "malformed JSON");
                return;
            }

            string? id = null, image = null, rowText = null, split = null, patientId = null;
            Dictionary<string, string?> labels = new(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                string name = property.Name;
                var value = property.Value;
                switch (name)
                {
                    case "id":
                        if (!TryScalar(value, out id)) { SkipType(collector, line, name); return; }
                        break;
                    case "image":
                        if (!TryScalar(value, out image)) { SkipType(collector, line, name); return; }
                        break;
                    case "split":
                        if (!TryScalar(value, out split)) { SkipType(collector, line, name); return; }
                        break;
                    case "patient_id":
                        if (!TryScalar(value, out patientId)) { SkipType(collector, line, name); return; }
                        break;
                    case "text":
                        if (value.ValueKind == JsonValueKind.String)
                            rowText = value.GetString();
                        else if (value.ValueKind != JsonValueKind.Null)
                        {
                            collector.Skip(line, "text", $"text is not a string (a {Kind(value)})", "non-string text");
                            return;
                        }
                        break;
                    case "labels":
                        ReadLabels(value, line, labels, collector);
                        break;
                    default:
                        if (!Manifest.MetadataFields.Contains(name))
                            collector.WarnOnce(line, name, "unknown field (ignored)", "unknown field");
                        break;
                }
            }
            collector.Add(new ManifestRawRow(line, id, image, rowText, split, patientId, labels));
        }
    }

    private static void ReadLabels(JsonElement value, int line, Dictionary<string, string?> labels, ManifestCollector collector)
    {
        if (value.ValueKind == JsonValueKind.Null)
            return;
        if (value.ValueKind != JsonValueKind.Object)
        {
            collector.Warn(line, "labels", $"labels is not an object (a {Kind(value)}); ignored", "bad labels");
            return;
        }
        foreach (var label in value.EnumerateObject())
        {
            if (TryScalar(label.Value, out var labelValue))
                labels[label.Name] = labelValue;
            else
                collector.Warn(line, "labels." + label.Name, $"label value is not a string, number or null (a {Kind(label.Value)}); ignored", "bad label");
        }
    }

    private static void SkipType(ManifestCollector collector, int line, string field) =>
        collector.Skip(line, field, $"{field} is not a string", "bad field type");

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    /// <summary>Strings as they are, numbers and booleans as invariant strings, null as null; false for objects and arrays.</summary>
    private static bool TryScalar(JsonElement value, out string? text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                text = value.GetString();
                return true;
            case JsonValueKind.Number:
                text = value.TryGetInt64(out long whole)
                    ? whole.ToString(CultureInfo.InvariantCulture)
                    : value.GetDouble().ToString("R", CultureInfo.InvariantCulture);
                return true;
            case JsonValueKind.True:
                text = "true";
                return true;
            case JsonValueKind.False:
                text = "false";
                return true;
            case JsonValueKind.Null:
                text = null;
                return true;
            default:
                text = null;
                return false;
        }
    }

    /// <summary>
    /// The field whose name or string value holds the invalid UTF-8 (<c>labels.KEY</c> inside labels), found by
    /// scanning tokens (the reader does not validate UTF-8 itself); null when the line is not well-formed JSON.
    /// </summary>
    private static string? FieldWithInvalidUtf8(ReadOnlySpan<byte> lineBytes)
    {
        try
        {
            var reader = new Utf8JsonReader(lineBytes);
            string? topLevel = null, current = null;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (!Utf8.IsValid(reader.ValueSpan))
                        return "(field name)";
                    string name = reader.GetString()!;
                    if (reader.CurrentDepth == 1)
                        topLevel = current = name;
                    else
                        current = topLevel + "." + name;
                }
                else if (reader.TokenType == JsonTokenType.String && !Utf8.IsValid(reader.ValueSpan))
                {
                    return current;
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
