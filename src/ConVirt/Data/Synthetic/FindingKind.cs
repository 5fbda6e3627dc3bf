namespace ConVirt.Data.Synthetic;

/// <summary>The finding types the synthetic generator draws and reports.</summary>
internal enum FindingKind
{
    /// <summary>Air in the pleural space: a visceral pleural line with no lung markings lateral to it.</summary>
    Pneumothorax,
    /// <summary>Pleural fluid filling the costophrenic angle with a meniscus.</summary>
    Effusion,
    /// <summary>Focal airspace opacity (consolidation) in one lobe.</summary>
    Opacity,
    /// <summary>Cardiac silhouette wider than half the thorax.</summary>
    Cardiomegaly,
    /// <summary>Endotracheal tube (a support device, not a pathology).</summary>
    EndotrachealTube,
    /// <summary>Central venous catheter (a support device, not a pathology).</summary>
    CentralLine,
}
