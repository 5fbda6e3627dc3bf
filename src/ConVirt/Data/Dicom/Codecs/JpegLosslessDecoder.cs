using System.Buffers.Binary;

namespace ConVirt.Data.Dicom;

/// <summary>
/// Our decoder for JPEG lossless, non-hierarchical, Huffman-coded (process 14, ITU-T T.81 annex H): SOF3 with
/// 2..16-bit precision, any predictor (selection value 1..7), a point transform, restart intervals of whole
/// lines, several scans (one per component or interleaved), all components at full resolution.
/// </summary>
/// <remarks>Written because JpegLibrary 0.4.32 keeps samples in 16-bit signed integers, which gives wrong
/// values for 16-bit precision with predictors 2..7 (CR-MONO1-10-chest_jpll_sv6.dcm). Samples are returned
/// pixel-interleaved, as coded (unsigned).</remarks>
internal static class JpegLosslessDecoder
{
    /// <summary>The frame header: precision, lines, samples per line, component ids.</summary>
    public sealed record Frame(int Precision, int Lines, int Columns, byte[] ComponentIds);

    /// <summary>Reads the SOF3 header without decoding, so the caller can check sizes before allocating.</summary>
    public static Frame ReadFrame(ReadOnlySpan<byte> data)
    {
        var reader = new SegmentReader(data);
        while (reader.NextMarker(out byte marker, out var segment))
        {
            if (marker == 0xC3)
                return ParseFrame(segment);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                throw new DicomCodecException($"JPEG lossless: the stream is JPEG process SOF{marker - 0xC0}, not lossless (SOF3)");
            if (marker == 0xDA)
                break;
        }
        throw new DicomCodecException("JPEG lossless: no SOF3 frame header before the first scan");
    }

    /// <summary>Decodes the whole stream into <paramref name="samples"/> (Lines x Columns x components, interleaved).</summary>
    public static void Decode(ReadOnlySpan<byte> data, Frame frame, int[] samples)
    {
        int nc = frame.ComponentIds.Length;
        if (samples.Length != (long)frame.Lines * frame.Columns * nc)
            throw new ArgumentException("sample buffer does not match the frame", nameof(samples));
        var tables = new JpegHuffmanTable?[4];
        int restartInterval = 0;
        bool sawFrame = false, sawScan = false;
        var decoded = new bool[nc];
        var reader = new SegmentReader(data);
        while (reader.NextMarker(out byte marker, out var segment))
        {
            switch (marker)
            {
                case 0xC3:
                    if (sawFrame)
                        throw new DicomCodecException("JPEG lossless: a second frame header");
                    sawFrame = true;
                    break;
                case 0xC4:
                    ReadHuffmanTables(segment, tables);
                    break;
                case 0xDD:
                    if (segment.Length < 2)
                        throw new DicomCodecException("JPEG lossless: short DRI segment");
                    restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xDA:
                    if (!sawFrame)
                        throw new DicomCodecException("JPEG lossless: a scan before the frame header");
                    int consumed = DecodeScan(segment, reader.Rest, frame, tables, restartInterval, samples, decoded);
                    reader.Skip(consumed);
                    sawScan = true;
                    break;
                case 0xD9:
                    goto done;
                default:
                    if (marker is >= 0xC0 and <= 0xCF && marker is not (0xC8 or 0xCC))
                        throw new DicomCodecException($"JPEG lossless: unexpected marker SOF{marker - 0xC0}");
                    break; // APPn, COM, DQT, DNL... carry nothing we need
            }
        }
    done:
        if (!sawScan)
            throw new DicomCodecException("JPEG lossless: the stream has no scan");
        for (int c = 0; c < nc; c++)
            if (!decoded[c])
                throw new DicomCodecException($"JPEG lossless: component {frame.ComponentIds[c]} is in no scan");
    }

    static Frame ParseFrame(ReadOnlySpan<byte> s)
    {
        if (s.Length < 6)
            throw new DicomCodecException("JPEG lossless: short frame header");
        int precision = s[0], lines = BinaryPrimitives.ReadUInt16BigEndian(s[1..]), columns = BinaryPrimitives.ReadUInt16BigEndian(s[3..]), nc = s[5];
        if (precision is < 2 or > 16)
            throw new DicomCodecException($"JPEG lossless: precision {precision} is outside 2..16");
        if (lines == 0 || columns == 0)
            throw new DicomCodecException($"JPEG lossless: frame size {columns} x {lines} (a DNL-defined height is not supported)");
        if (nc is < 1 or > 4 || s.Length < 6 + 3 * nc)
            throw new DicomCodecException($"JPEG lossless: frame header with {nc} components is malformed");
        var ids = new byte[nc];
        for (int c = 0; c < nc; c++)
        {
            ids[c] = s[6 + 3 * c];
            if (s[7 + 3 * c] != 0x11)
                throw new DicomCodecException("JPEG lossless: subsampled components are not supported (all sampling factors must be 1)");
        }
        return new Frame(precision, lines, columns, ids);
    }

    static void ReadHuffmanTables(ReadOnlySpan<byte> s, JpegHuffmanTable?[] tables)
    {
        while (s.Length > 0)
        {
            if (s.Length < 17)
                throw new DicomCodecException("JPEG lossless: short DHT segment");
            int tc = s[0] >> 4, th = s[0] & 15;
            int total = 0;
            for (int i = 1; i <= 16; i++) total += s[i];
            if (th > 3 || s.Length < 17 + total)
                throw new DicomCodecException("JPEG lossless: malformed DHT segment");
            if (tc == 0) // AC tables (class 1) are not used by lossless scans
                tables[th] = new JpegHuffmanTable(s.Slice(1, 16), s.Slice(17, total));
            s = s[(17 + total)..];
        }
    }

    /// <summary>Decodes one scan whose entropy-coded data starts at <paramref name="rest"/>; returns the bytes consumed.</summary>
    static int DecodeScan(ReadOnlySpan<byte> header, ReadOnlySpan<byte> rest, Frame frame, JpegHuffmanTable?[] tables,
        int restartInterval, int[] samples, bool[] decoded)
    {
        int nc = frame.ComponentIds.Length;
        if (header.Length < 1)
            throw new DicomCodecException("JPEG lossless: short scan header");
        int ns = header[0];
        if (ns is < 1 or > 4 || header.Length < 1 + 2 * ns + 3)
            throw new DicomCodecException("JPEG lossless: malformed scan header");
        var comps = new int[ns];
        var scanTables = new JpegHuffmanTable[ns];
        for (int i = 0; i < ns; i++)
        {
            int index = Array.IndexOf(frame.ComponentIds, header[1 + 2 * i]);
            if (index < 0)
                throw new DicomCodecException($"JPEG lossless: scan names component {header[1 + 2 * i]}, which the frame lacks");
            if (decoded[index])
                throw new DicomCodecException("JPEG lossless: a component is coded in two scans");
            comps[i] = index;
            scanTables[i] = tables[header[2 + 2 * i] >> 4]
                ?? throw new DicomCodecException($"JPEG lossless: Huffman table {header[2 + 2 * i] >> 4} is not defined");
        }
        int predictor = header[1 + 2 * ns], pointTransform = header[3 + 2 * ns] & 15;
        if (predictor is < 1 or > 7)
            throw new DicomCodecException($"JPEG lossless: selection value {predictor} is not a predictor 1..7");
        if (pointTransform >= frame.Precision)
            throw new DicomCodecException($"JPEG lossless: point transform {pointTransform} >= precision {frame.Precision}");
        int columns = frame.Columns;
        if (restartInterval > 0 && restartInterval % columns != 0)
            throw new DicomCodecException($"JPEG lossless: restart interval {restartInterval} is not a whole number of lines ({columns})");
        int linesPerInterval = restartInterval > 0 ? restartInterval / columns : int.MaxValue;

        var bits = new BitReader(rest);
        int initial = 1 << (frame.Precision - pointTransform - 1);
        // two rolling lines per component (prediction works on the point-transformed values)
        var previous = new int[ns][];
        var current = new int[ns][];
        for (int i = 0; i < ns; i++) { previous[i] = new int[columns]; current[i] = new int[columns]; }
        int lineInInterval = 0;
        for (int y = 0; y < frame.Lines; y++)
        {
            if (lineInInterval == linesPerInterval)
            {
                bits.Restart();
                lineInInterval = 0;
            }
            bool first = lineInInterval == 0;
            if (ns == 1)
                DecodeLine(ref bits, scanTables[0], current[0], previous[0], first, predictor, initial);
            else
                DecodeInterleavedLine(ref bits, scanTables, current, previous, first, predictor, initial);
            for (int i = 0; i < ns; i++)
            {
                var line = current[i];
                int c = comps[i], o = y * columns * nc + c;
                for (int x = 0; x < columns; x++, o += nc)
                    samples[o] = line[x] << pointTransform;
                (previous[i], current[i]) = (current[i], previous[i]);
            }
            lineInInterval++;
        }
        bits.CheckNotOverrun();
        foreach (int c in comps) decoded[c] = true;
        return bits.BytesConsumed;
    }

    static void DecodeLine(ref BitReader bits, JpegHuffmanTable table, int[] line, int[] above, bool first, int predictor, int initial)
    {
        int columns = line.Length;
        if (first)
        {
            line[0] = (initial + bits.ReadDifference(table)) & 0xFFFF;
            for (int x = 1; x < columns; x++)
                line[x] = (line[x - 1] + bits.ReadDifference(table)) & 0xFFFF;
            return;
        }
        line[0] = (above[0] + bits.ReadDifference(table)) & 0xFFFF;
        switch (predictor)
        {
            case 1:
                for (int x = 1; x < columns; x++) line[x] = (line[x - 1] + bits.ReadDifference(table)) & 0xFFFF;
                break;
            case 2:
                for (int x = 1; x < columns; x++) line[x] = (above[x] + bits.ReadDifference(table)) & 0xFFFF;
                break;
            default:
                for (int x = 1; x < columns; x++)
                    line[x] = (Predict(predictor, line[x - 1], above[x], above[x - 1]) + bits.ReadDifference(table)) & 0xFFFF;
                break;
        }
    }

    static void DecodeInterleavedLine(ref BitReader bits, JpegHuffmanTable[] tables, int[][] lines, int[][] above, bool first, int predictor, int initial)
    {
        int columns = lines[0].Length, ns = lines.Length;
        for (int x = 0; x < columns; x++)
            for (int i = 0; i < ns; i++)
            {
                var line = lines[i];
                int prediction = first ? (x == 0 ? initial : line[x - 1])
                    : x == 0 ? above[i][0]
                    : Predict(predictor, line[x - 1], above[i][x], above[i][x - 1]);
                line[x] = (prediction + bits.ReadDifference(tables[i])) & 0xFFFF;
            }
    }

    /// <summary>The predictors of T.81 table H.1 (Ra left, Rb above, Rc above-left).</summary>
    static int Predict(int predictor, int ra, int rb, int rc) => predictor switch
    {
        1 => ra,
        2 => rb,
        3 => rc,
        4 => ra + rb - rc,
        5 => ra + ((rb - rc) >> 1),
        6 => rb + ((ra - rc) >> 1),
        _ => (ra + rb) >> 1,
    };

    /// <summary>Walks marker segments; stops at the end of data or EOI.</summary>
    ref struct SegmentReader(ReadOnlySpan<byte> data)
    {
        readonly ReadOnlySpan<byte> data = data;
        int position;
        bool started;

        public readonly ReadOnlySpan<byte> Rest => data[position..];

        public void Skip(int count) => position += count;

        public bool NextMarker(out byte marker, out ReadOnlySpan<byte> segment)
        {
            segment = default;
            marker = 0;
            if (!started)
            {
                if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8)
                    throw new DicomCodecException("JPEG: the data does not start with an SOI marker (FFD8)");
                position = 2;
                started = true;
            }
            // skip fill bytes; anything else between segments is corrupt
            while (position < data.Length && data[position] == 0xFF && position + 1 < data.Length && data[position + 1] == 0xFF)
                position++;
            if (position + 2 > data.Length)
                return false;
            if (data[position] != 0xFF)
                throw new DicomCodecException($"JPEG: expected a marker at byte {position}, found 0x{data[position]:X2}");
            marker = data[position + 1];
            position += 2;
            if (marker is 0xD9 or 0x01 or (>= 0xD0 and <= 0xD7))
                return true;
            if (position + 2 > data.Length)
                throw new DicomCodecException($"JPEG: the stream ends inside marker FF{marker:X2}");
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[position..]);
            if (length < 2 || position + length > data.Length)
                throw new DicomCodecException($"JPEG: segment FF{marker:X2} of length {length} runs past the end of the data ({data.Length} bytes)");
            segment = data.Slice(position + 2, length - 2);
            position += length;
            return true;
        }
    }

    /// <summary>
    /// Bits of an entropy-coded segment, byte stuffing removed. Past a marker or the end of data it supplies
    /// zero bits and counts them: a scan that consumed any of those is truncated.
    /// </summary>
    ref struct BitReader(ReadOnlySpan<byte> data)
    {
        readonly ReadOnlySpan<byte> data = data;
        int position;
        ulong buffer;
        int count;
        int padded; // zero bytes supplied past the data
        bool atMarker;

        /// <summary>Where the next marker starts once the scan is done (bytes of this segment).</summary>
        public int BytesConsumed
        {
            get { SkipToMarker(); return position; }
        }

        void SkipToMarker()
        {
            while (position < data.Length && !(data[position] == 0xFF && position + 1 < data.Length && data[position + 1] != 0x00))
                position++;
            atMarker = position < data.Length;
        }

        void Fill()
        {
            while (count <= 56)
            {
                int b = 0;
                if (!atMarker && position < data.Length)
                {
                    b = data[position];
                    if (b == 0xFF)
                    {
                        int next = position + 1 < data.Length ? data[position + 1] : -1;
                        if (next == 0x00) position += 2;
                        else { atMarker = true; b = 0; padded++; }
                    }
                    else position++;
                }
                else padded++;
                buffer |= (ulong)b << (56 - count);
                count += 8;
            }
        }

        public int ReadDifference(JpegHuffmanTable table)
        {
            if (count < 32) Fill();
            ushort entry = table[(int)(buffer >> 48)];
            int length = entry >> 8;
            if (length == 0)
                throw new DicomCodecException($"JPEG lossless: invalid Huffman code near byte {position}");
            buffer <<= length;
            count -= length;
            int s = entry & 0xFF;
            if (s == 0) return 0;
            if (s == 16) return 32768;
            if (s > 16)
                throw new DicomCodecException($"JPEG lossless: difference category {s} (at most 16)");
            int v = (int)(buffer >> (64 - s));
            buffer <<= s;
            count -= s;
            return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
        }

        public void CheckNotOverrun()
        {
            if (count < padded * 8)
                throw new DicomCodecException("JPEG lossless: the compressed data ends before the last line (truncated)");
        }

        /// <summary>Byte-aligns, expects an RSTn marker and resets the bit buffer.</summary>
        public void Restart()
        {
            CheckNotOverrun();
            // drop buffered bits: the bytes they came from are before 'position'
            buffer = 0; count = 0; padded = 0;
            SkipToMarker();
            if (atMarker && position + 1 < data.Length && data[position + 1] is >= 0xD0 and <= 0xD7)
            {
                position += 2;
                atMarker = false;
                return;
            }
            throw new DicomCodecException($"JPEG lossless: expected a restart marker near byte {position}");
        }
    }
}
