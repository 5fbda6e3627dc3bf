namespace ConVirt.Data;

/// <summary>The image of a prepared row inside its shard.</summary>
/// <param name="Key">The row's key in the shard.</param>
/// <param name="Offset">Where the PNG bytes start in the shard file.</param>
/// <param name="Length">Length of the PNG bytes.</param>
internal sealed record ShardLocation(string Key, long Offset, int Length);
