using System.Buffers;
using System.Numerics;

namespace ConVirt.Data.Augmentation;

/// <summary>
/// Separable Gaussian blur with kernel radius ceil(3 sigma) and reflect padding (the edge pixel is not repeated:
/// index -1 reads index 1), as torchvision's gaussian_blur pads.
/// </summary>
internal static class GaussianBlur
{
    /// <summary>Kernel radius for a sigma: ceil(3 sigma), at least 1.</summary>
    public static int Radius(float sigma) => Math.Max(1, (int)MathF.Ceiling(3f * sigma));

    /// <summary>The normalised 1-D kernel, 2 * Radius(sigma) + 1 taps: exp(-d^2 / (2 sigma^2)) / sum.</summary>
    public static float[] CreateKernel(float sigma)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, $"Blur sigma must be positive; got {sigma}.");
        var kernel = new float[2 * Radius(sigma) + 1];
        FillKernel(sigma, kernel);
        return kernel;
    }

    /// <summary>
    /// Blurs width x height pixels in place. Sigma is in pixels of this image; sigma &lt;= 0 leaves it unchanged.
    /// </summary>
    public static void Apply(Span<float> pixels, int width, int height, float sigma)
    {
        if (width < 1 || height < 1 || pixels.Length < width * height)
            throw new ArgumentException($"Blur needs {width} x {height} pixels; got a span of {pixels.Length}.", nameof(pixels));
        if (!(sigma > 0)) return;
        int r = Radius(sigma);
        int taps = 2 * r + 1;
        float[]? rentedKernel = taps > 256 ? ArrayPool<float>.Shared.Rent(taps) : null;
        Span<float> kernel = rentedKernel is null ? stackalloc float[taps] : rentedKernel.AsSpan(0, taps);
        FillKernel(sigma, kernel);

        float[] temp = ArrayPool<float>.Shared.Rent(width * height);
        float[] padded = ArrayPool<float>.Shared.Rent(width + 2 * r);
        int[] rowIndex = ArrayPool<int>.Shared.Rent(height + 2 * r);
        try
        {
            Span<float> tmp = temp.AsSpan(0, width * height);
            Span<float> pad = padded.AsSpan(0, width + 2 * r);
            // Horizontal pass: pixels -> tmp, one reflect-padded row at a time.
            for (int y = 0; y < height; y++)
            {
                Span<float> row = pixels.Slice(y * width, width);
                for (int i = 0; i < pad.Length; i++) pad[i] = row[Reflect(i - r, width)];
                Span<float> outRow = tmp.Slice(y * width, width);
                Convolve(pad, kernel, outRow);
            }
            // Vertical pass: tmp -> pixels, each output row a weighted sum of 2r + 1 rows.
            Span<int> rows = rowIndex.AsSpan(0, height + 2 * r);
            for (int i = 0; i < rows.Length; i++) rows[i] = Reflect(i - r, height);
            for (int y = 0; y < height; y++)
            {
                Span<float> outRow = pixels.Slice(y * width, width);
                outRow.Clear();
                for (int j = 0; j < taps; j++)
                    AddScaled(tmp.Slice(rows[y + j] * width, width), kernel[j], outRow);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(temp);
            ArrayPool<float>.Shared.Return(padded);
            ArrayPool<int>.Shared.Return(rowIndex);
            if (rentedKernel is not null) ArrayPool<float>.Shared.Return(rentedKernel);
        }
    }

    private static void FillKernel(float sigma, Span<float> kernel)
    {
        int r = kernel.Length / 2;
        double sum = 0;
        for (int i = 0; i < kernel.Length; i++)
        {
            double d = i - r;
            double w = Math.Exp(-d * d / (2.0 * sigma * sigma));
            kernel[i] = (float)w;
            sum += w;
        }
        for (int i = 0; i < kernel.Length; i++) kernel[i] = (float)(kernel[i] / sum);
    }

    /// <summary>Reflects an index into [0, n) without repeating the edge (period 2n - 2).</summary>
    internal static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        int period = 2 * n - 2;
        i %= period;
        if (i < 0) i += period;
        return i < n ? i : period - i;
    }

    // out[x] = sum_j kernel[j] * padded[x + j]
    private static void Convolve(ReadOnlySpan<float> padded, ReadOnlySpan<float> kernel, Span<float> output)
    {
        int n = output.Length, x = 0, lanes = Vector<float>.Count;
        for (; x <= n - lanes; x += lanes)
        {
            var acc = Vector<float>.Zero;
            for (int j = 0; j < kernel.Length; j++)
                acc += new Vector<float>(padded.Slice(x + j, lanes)) * kernel[j];
            acc.CopyTo(output.Slice(x, lanes));
        }
        for (; x < n; x++)
        {
            float s = 0;
            for (int j = 0; j < kernel.Length; j++) s += padded[x + j] * kernel[j];
            output[x] = s;
        }
    }

    // output += weight * input
    private static void AddScaled(ReadOnlySpan<float> input, float weight, Span<float> output)
    {
        int n = output.Length, x = 0, lanes = Vector<float>.Count;
        for (; x <= n - lanes; x += lanes)
            (new Vector<float>(output.Slice(x, lanes)) + new Vector<float>(input.Slice(x, lanes)) * weight).CopyTo(output.Slice(x, lanes));
        for (; x < n; x++) output[x] += input[x] * weight;
    }
}
