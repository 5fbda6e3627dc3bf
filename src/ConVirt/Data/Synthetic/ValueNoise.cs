namespace ConVirt.Data.Synthetic;

/// <summary>Smooth random field on [0, 1]^2: random values on a grid, interpolated with a smoothstep fade.</summary>
internal sealed class ValueNoise
{
    private readonly float[] _grid;
    private readonly int _cells;

    public ValueNoise(Random rng, int cells)
    {
        _cells = cells;
        _grid = new float[(cells + 1) * (cells + 1)];
        for (int i = 0; i < _grid.Length; i++) _grid[i] = (float)rng.NextDouble();
    }

    /// <summary>Value in [0, 1] at (x, y) in [0, 1]; outside it the border cells repeat.</summary>
    public float Sample(double x, double y)
    {
        double gx = Math.Clamp(x, 0, 1) * _cells, gy = Math.Clamp(y, 0, 1) * _cells;
        int ix = Math.Min((int)gx, _cells - 1), iy = Math.Min((int)gy, _cells - 1);
        float tx = Fade((float)(gx - ix)), ty = Fade((float)(gy - iy));
        int r0 = iy * (_cells + 1) + ix, r1 = r0 + _cells + 1;
        float a = _grid[r0] + (_grid[r0 + 1] - _grid[r0]) * tx;
        float b = _grid[r1] + (_grid[r1 + 1] - _grid[r1]) * tx;
        return a + (b - a) * ty;
    }

    private static float Fade(float t) => t * t * (3 - 2 * t);
}
