namespace ConVirt.Precision;

/// <summary>A resolved <c>--precision</c>: the policy and why it was chosen (<see cref="PrecisionPolicy.Resolve(PrecisionMode, Bf16Support)"/>).</summary>
/// <param name="Policy">The policy to compute under.</param>
/// <param name="Reason">One sentence for <c>convirt info</c> and the training log.</param>
internal sealed record PrecisionChoice(PrecisionPolicy Policy, string Reason);
