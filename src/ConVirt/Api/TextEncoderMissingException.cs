namespace ConVirt;

/// <summary>A text embedding, a projected image embedding or zero-shot was asked of an encoder that has no text tower
/// and projection heads (<c>imagenet</c>, <c>random</c>, SimCLR and MoCo v2 runs): only a ConVIRT run has them.</summary>
public sealed class TextEncoderMissingException : InvalidOperationException
{
    /// <summary>Creates the exception for the encoder <paramref name="source"/> and the call that needed a text tower.</summary>
    public TextEncoderMissingException(string source, string call)
        : base($"encoder '{source}' has no text encoder and projection heads, which {call} needs: load a ConVIRT run or checkpoint " +
               "(imagenet, random, SimCLR and MoCo v2 encoders give pooled image features only)")
    {
        EncoderSource = source;
    }

    /// <summary>The encoder source that was loaded.</summary>
    public string EncoderSource { get; }
}
