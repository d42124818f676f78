namespace Units.Core.Model;

/// <summary>One Condition*=/Assert*= line: its setting name (e.g. "ConditionPathExists"), flags and parameter.</summary>
public sealed record UnitCondition(string Type, string Parameter, bool Trigger = false, bool Negate = false)
{
    /// <summary>The state of the last evaluation (systemd's ConditionState).</summary>
    public ConditionState State { get; internal set; }
}

public enum ConditionState
{
    Untested,
    Succeeded,
    Failed,
    Error,
}

/// <summary>
/// Evaluates a condition's test against the host (paths, environment, virtualisation...), behind a seam so tests
/// decide the facts. Returns null when the condition type is unknown (it then counts as an error).
/// </summary>
public interface IConditionEvaluator
{
    bool? Test(UnitCondition condition);
}

/// <summary>The result of evaluating a unit's conditions or asserts, kept on the unit.</summary>
public readonly record struct ConditionOutcome(bool Result, ulong RealtimeUSec, ulong MonotonicUSec);

internal static class ConditionLogic
{
    /// <summary>
    /// systemd's rule: every non-trigger condition must hold; if any trigger ("|") conditions exist, at least one
    /// of them must hold. Every condition's state is recorded.
    /// </summary>
    public static bool Evaluate(IReadOnlyList<UnitCondition> conditions, IConditionEvaluator evaluator)
    {
        bool triggered = false, anyTrigger = false;
        foreach (var c in conditions)
        {
            bool? tested = evaluator.Test(c);
            bool ok = tested is bool value && value != c.Negate;
            c.State = tested is null ? ConditionState.Error : ok ? ConditionState.Succeeded : ConditionState.Failed;
            if (c.Trigger)
            {
                anyTrigger = true;
                triggered |= ok;
            }
            else if (!ok)
                return false;
        }
        return !anyTrigger || triggered;
    }
}
