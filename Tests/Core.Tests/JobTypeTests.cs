using Units.Core.Jobs;
using Units.Core.Model;

namespace Units.Core.Tests;

/// <summary>The merge table's algebra, checked exhaustively as systemd's test-job-type does.</summary>
public sealed class JobTypeTests
{
    private static readonly JobType[] Mergeable = [.. Enumerable.Range(0, JobTypes.MergeableCount).Select(i => (JobType)i)];
    private static readonly ActiveState[] States = Enum.GetValues<ActiveState>();

    [Fact]
    public void Merge_table_is_systemds()
    {
        Assert.Equal(JobType.Start, JobTypes.Merge(JobType.Start, JobType.VerifyActive));
        Assert.Equal(JobType.ReloadOrStart, JobTypes.Merge(JobType.Reload, JobType.Start));
        Assert.Equal(JobType.Reload, JobTypes.Merge(JobType.Reload, JobType.VerifyActive));
        Assert.Equal(JobType.Restart, JobTypes.Merge(JobType.Restart, JobType.Start));
        Assert.Equal(JobType.Restart, JobTypes.Merge(JobType.Restart, JobType.Reload));
        Assert.Null(JobTypes.Merge(JobType.Stop, JobType.Start));
        Assert.Null(JobTypes.Merge(JobType.Stop, JobType.Restart));
        Assert.Null(JobTypes.Merge(JobType.Stop, JobType.Reload));
        Assert.Null(JobTypes.Merge(JobType.Nop, JobType.Start));
        foreach (var t in Mergeable)
            Assert.Equal(t, JobTypes.Merge(t, t));
    }

    [Fact]
    public void Merge_is_commutative()
    {
        foreach (var a in Mergeable)
            foreach (var b in Mergeable)
            {
                Assert.Equal(JobTypes.Merge(a, b), JobTypes.Merge(b, a));
                Assert.Equal(JobTypes.IsConflicting(a, b), JobTypes.IsConflicting(b, a));
            }
    }

    [Fact]
    public void Merge_and_collapse_is_associative_in_every_unit_state()
    {
        foreach (var state in States)
            foreach (var a in Mergeable)
                foreach (var b in Mergeable)
                    foreach (var c in Mergeable)
                    {
                        if (!JobTypes.IsMergeable(a, b) || !JobTypes.IsMergeable(b, c))
                            continue;
                        var ab = MergeAndCollapse(a, b, state);
                        var bc = MergeAndCollapse(b, c, state);
                        var abThenC = ab is JobType x ? MergeAndCollapse(x, c, state) : null;
                        var aThenBc = bc is JobType y ? MergeAndCollapse(a, y, state) : null;
                        Assert.True(abThenC == aThenBc, $"({a} {b}) {c} = {abThenC} but {a} ({b} {c}) = {aThenBc} when {state}");
                    }
    }

    [Fact]
    public void Merged_job_merges_with_whatever_both_parts_merged_with()
    {
        foreach (var state in States)
            foreach (var a in Mergeable)
                foreach (var b in Mergeable)
                {
                    if (MergeAndCollapse(a, b, state) is not JobType ab)
                        continue;
                    foreach (var c in Mergeable)
                    {
                        bool bothMerge = JobTypes.IsMergeable(a, c) && JobTypes.IsMergeable(b, c);
                        if (bothMerge)
                            Assert.True(JobTypes.IsMergeable(ab, c), $"{a}+{b}={ab} does not merge with {c} when {state}");
                        if (!JobTypes.IsMergeable(ab, c))
                            Assert.False(bothMerge, $"{ab} rejects {c} although {a} and {b} accept it");
                    }
                }
    }

    [Fact]
    public void Superset_agrees_with_merge()
    {
        foreach (var a in Mergeable)
            foreach (var b in Mergeable)
            {
                Assert.Equal(a == b || JobTypes.Merge(a, b) == a, JobTypes.IsSuperset(a, b));
                if (JobTypes.IsSuperset(a, b) && JobTypes.IsSuperset(b, a))
                    Assert.Equal(a, b);
            }
        Assert.True(JobTypes.IsSuperset(JobType.Restart, JobType.Start));
        Assert.False(JobTypes.IsSuperset(JobType.Start, JobType.Restart));
        Assert.True(JobTypes.IsSuperset(JobType.Start, JobType.VerifyActive));
    }

    [Theory]
    [InlineData(JobType.TryRestart, ActiveState.Active, JobType.Restart)]
    [InlineData(JobType.TryRestart, ActiveState.Inactive, JobType.Nop)]
    [InlineData(JobType.TryRestart, ActiveState.Deactivating, JobType.Nop)]
    [InlineData(JobType.TryRestart, ActiveState.Failed, JobType.Nop)]
    [InlineData(JobType.TryReload, ActiveState.Active, JobType.Reload)]
    [InlineData(JobType.TryReload, ActiveState.Inactive, JobType.Nop)]
    [InlineData(JobType.ReloadOrStart, ActiveState.Active, JobType.Reload)]
    [InlineData(JobType.ReloadOrStart, ActiveState.Activating, JobType.Reload)]
    [InlineData(JobType.ReloadOrStart, ActiveState.Inactive, JobType.Start)]
    [InlineData(JobType.VerifyStarted, ActiveState.Activating, JobType.Nop)]
    [InlineData(JobType.VerifyStarted, ActiveState.Inactive, JobType.VerifyActive)]
    [InlineData(JobType.Start, ActiveState.Inactive, JobType.Start)]
    public void Conditional_types_collapse_against_the_unit_state(JobType type, ActiveState state, JobType expected) =>
        Assert.Equal(expected, JobTypes.Collapse(type, state));

    [Fact]
    public void Collapsed_types_are_always_in_the_merge_table_or_nop()
    {
        foreach (var state in States)
            foreach (var t in Enum.GetValues<JobType>())
            {
                var c = JobTypes.Collapse(t, state);
                Assert.True((int)c < JobTypes.MergeableCount || c == JobType.Nop, $"{t} collapses to {c} when {state}");
            }
    }

    [Theory]
    [InlineData(JobType.Start, ActiveState.Active, true)]
    [InlineData(JobType.Start, ActiveState.Reloading, true)]
    [InlineData(JobType.Start, ActiveState.Activating, false)]
    [InlineData(JobType.Stop, ActiveState.Inactive, true)]
    [InlineData(JobType.Stop, ActiveState.Failed, true)]
    [InlineData(JobType.Stop, ActiveState.Deactivating, false)]
    [InlineData(JobType.VerifyActive, ActiveState.Active, true)]
    [InlineData(JobType.Reload, ActiveState.Reloading, true)]
    [InlineData(JobType.Reload, ActiveState.Active, false)]
    [InlineData(JobType.Restart, ActiveState.Activating, true)]
    [InlineData(JobType.Restart, ActiveState.Active, false)]
    [InlineData(JobType.Nop, ActiveState.Inactive, true)]
    public void Redundancy_follows_the_unit_state(JobType type, ActiveState state, bool redundant) =>
        Assert.Equal(redundant, JobTypes.IsRedundant(type, state));

    [Fact]
    public void Names_are_systemds()
    {
        Assert.Equal("reload-or-start", JobType.ReloadOrStart.ToSystemdString());
        Assert.Equal("verify-active", JobType.VerifyActive.ToSystemdString());
        Assert.Equal("replace-irreversibly", JobMode.ReplaceIrreversibly.ToSystemdString());
        foreach (var mode in Enum.GetValues<JobMode>())
            Assert.Equal(mode, JobNames.ParseMode(mode.ToSystemdString()));
        Assert.Equal("dependency", JobResult.Dependency.ToSystemdString());
    }

    private static JobType? MergeAndCollapse(JobType a, JobType b, ActiveState state) =>
        JobTypes.Merge(a, b) is JobType m ? JobTypes.Collapse(m, state) : null;
}
