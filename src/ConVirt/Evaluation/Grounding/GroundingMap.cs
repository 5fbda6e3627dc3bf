using ConVirt.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ConVirt.Evaluation.Grounding;

/// <summary>
/// Where in an image a phrase matches: the last ResNet stage's feature map, each location passed through the
/// image projection g_v as if it were a pooled feature, and its cosine with the phrase's projected vector u.
/// A visualisation of what the model matches, not a validated localiser (GLoRIA and BioViL train for that).
/// </summary>
internal static class GroundingMap
{
    /// <summary>
    /// The similarity map [rows, columns] of the last stage (image side / 32) for one image and one text vector.
    /// </summary>
    /// <param name="model">The ConVIRT model (switched to eval for the call).</param>
    /// <param name="image">One image [1, C, H, W] in [0, 1] (the evaluation transform applied).</param>
    /// <param name="u">The text's projected vector [d] or [1, d].</param>
    public static float[,] Compute(ConVirtModel model, Tensor image, Tensor u)
    {
        if (image.dim() != 4 || image.shape[0] != 1) throw new ArgumentException($"one image [1, C, H, W] expected, got [{string.Join(", ", image.shape)}]");
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var map = model.ImageEncoder.FeatureMap(image);                       // [1, C, h, w]
            long c = map.shape[1], h = map.shape[2], w = map.shape[3];
            var locations = map[0].reshape(c, h * w).t().contiguous();           // [h*w, C]
            var projected = nn.functional.normalize(model.ImageProjection.call(locations), p: 2, dim: 1);
            var text = nn.functional.normalize(u.reshape(1, -1).to(projected.device), p: 2, dim: 1);
            var cosine = projected.matmul(text.t()).reshape(h, w).cpu();
            return TensorMatrix.Float(cosine);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>The (row, column) of the largest value.</summary>
    public static (int Row, int Column) Peak(float[,] map)
    {
        (int, int) best = (0, 0);
        for (int r = 0; r < map.GetLength(0); r++)
            for (int c = 0; c < map.GetLength(1); c++)
                if (map[r, c] > map[best.Item1, best.Item2]) best = (r, c);
        return best;
    }
}
