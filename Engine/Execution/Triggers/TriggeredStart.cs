using Units.Core.Jobs;
using Units.Core.Manager;
using Units.Core.Model;

namespace Units.Execution.Triggers;

/// <summary>What timer_enter_running() and path_enter_running() share: the start job of the triggered unit.</summary>
internal static class TriggeredStart
{
    /// <summary>Queues a start job (JOB_REPLACE) for <paramref name="trigger"/>; false, logged, when it is gone or the
    /// job cannot be queued, and the triggering unit then fails with "resources".</summary>
    public static bool Queue(Unit self, Unit? trigger)
    {
        IUnitHost host = self.Manager;
        if (trigger is null)
        {
            host.Log.Write(LogPriority.Error, self.Id, "Unit to trigger vanished.");
            return false;
        }
        try
        {
            host.AddJob(JobType.Start, trigger, JobMode.Replace);
            return true;
        }
        catch (BusErrorException e)
        {
            host.Log.Write(LogPriority.Warning, self.Id, $"Failed to queue unit startup job: {e.Message}");
            return false;
        }
    }
}
