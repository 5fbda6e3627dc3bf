namespace ConVirt.Data.Synthetic;

/// <summary>The patient's side. On a frontal radiograph the patient's right appears on the image's left.</summary>
internal enum BodySide
{
    /// <summary>Patient's right (image left).</summary>
    Right,
    /// <summary>Patient's left (image right).</summary>
    Left,
}
