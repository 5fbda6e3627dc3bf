namespace ConVirt.Tests.Data.Dicom.Codecs;

/// <summary>
/// A minimal JPEG lossless (process 14) encoder written from ITU-T T.81 annex H for the decoder's round-trip
/// tests: one interleaved scan, a fixed Huffman table with codes of 2..6 bits, optional restart intervals.
/// </summary>
internal static class TestLosslessJpegEncoder
{
    // code lengths 2:1, 3:2, 4:2, 5:4, 6:8 for the difference categories 0..16
    static readonly byte[] Counts = [0, 1, 2, 2, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public static byte[] Encode(int[] image, int width, int height, int components, int precision, int predictor, int pointTransform, int restartInterval)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        Segment(output, 0xC3, [(byte)precision, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)components,
            .. Enumerable.Range(0, components).SelectMany(c => new byte[] { (byte)(c + 1), 0x11, 0 })]);
        Segment(output, 0xC4, [0x00, .. Counts, .. Enumerable.Range(0, 17).Select(i => (byte)i)]);
        if (restartInterval > 0)
            Segment(output, 0xDD, [(byte)(restartInterval >> 8), (byte)restartInterval]);
        Segment(output, 0xDA, [(byte)components, .. Enumerable.Range(0, components).SelectMany(c => new byte[] { (byte)(c + 1), 0x00 }),
            (byte)predictor, 0, (byte)pointTransform]);

        // canonical codes (T.81 annex C)
        var codes = new (int Code, int Length)[17];
        int code = 0, symbol = 0;
        for (int length = 1; length <= 16; length++, code <<= 1)
            for (int i = 0; i < Counts[length - 1]; i++)
                codes[symbol++] = (code++, length);

        var bits = new BitWriter(output);
        int rowsPerInterval = restartInterval > 0 ? restartInterval / width : int.MaxValue, rowInInterval = 0, marker = 0;
        int V(int x, int y, int c) => image[(y * width + x) * components + c] >> pointTransform;
        for (int y = 0; y < height; y++)
        {
            if (rowInInterval == rowsPerInterval)
            {
                bits.PadToByte();
                output.Add(0xFF);
                output.Add((byte)(0xD0 + marker++ % 8));
                rowInInterval = 0;
            }
            bool firstLine = rowInInterval == 0;
            for (int x = 0; x < width; x++)
                for (int c = 0; c < components; c++)
                {
                    int prediction;
                    if (firstLine) prediction = x == 0 ? 1 << (precision - pointTransform - 1) : V(x - 1, y, c);
                    else if (x == 0) prediction = V(0, y - 1, c);
                    else
                    {
                        int a = V(x - 1, y, c), b = V(x, y - 1, c), d = V(x - 1, y - 1, c);
                        prediction = predictor switch
                        {
                            1 => a, 2 => b, 3 => d, 4 => a + b - d, 5 => a + ((b - d) >> 1), 6 => b + ((a - d) >> 1), _ => (a + b) >> 1,
                        };
                    }
                    int diff = ((V(x, y, c) - prediction) % 65536 + 65536) % 65536;
                    if (diff >= 32768) diff -= 65536;
                    if (diff == -32768) { bits.Write(codes[16].Code, codes[16].Length); continue; }
                    int category = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                    bits.Write(codes[category].Code, codes[category].Length);
                    if (category > 0)
                        bits.Write(diff > 0 ? diff : diff + (1 << category) - 1, category);
                }
            rowInInterval++;
        }
        bits.PadToByte();
        output.Add(0xFF);
        output.Add(0xD9);
        return [.. output];
    }

    static void Segment(List<byte> output, byte marker, byte[] body)
    {
        output.Add(0xFF);
        output.Add(marker);
        output.Add((byte)((body.Length + 2) >> 8));
        output.Add((byte)(body.Length + 2));
        output.AddRange(body);
    }

    sealed class BitWriter(List<byte> output)
    {
        int accumulator, count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                accumulator = accumulator << 1 | (value >> i & 1);
                if (++count == 8) Flush();
            }
        }

        public void PadToByte()
        {
            while (count != 0) Write(1, 1);
        }

        void Flush()
        {
            output.Add((byte)accumulator);
            if (accumulator == 0xFF) output.Add(0x00);
            accumulator = 0;
            count = 0;
        }
    }
}
