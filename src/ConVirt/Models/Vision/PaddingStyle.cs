namespace ConVirt.Models.Vision;

/// <summary>How strided convolutions and the stem's max-pool pad their input.</summary>
internal enum PaddingStyle
{
    /// <summary>Symmetric padding, as torchvision (3x3: 1 on every side; stem 7x7: 3).</summary>
    Symmetric,
    /// <summary>
    /// CNTK/ONNX "SAME_UPPER"-like padding of the packaged ImageNet ResNet-18: stride-2 convolutions and the
    /// max-pool pad only top/left by 1 (ONNX pads [1,1,0,0]); the 7x7 stem pads [3,3,2,2].
    /// </summary>
    TopLeft,
}
