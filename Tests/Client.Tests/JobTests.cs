using Units.Client.Connection;

namespace Units.Client.Tests;

public sealed class JobTests
{
    private static (FakeManager Manager, ManagerClient Client, Unit Unit) Setup(string unitName = "x.service")
    {
        var manager = new FakeManager().AddUnit(unitName).AddUnit("other.service");
        var client = manager.Client();
        var unit = client.FindUnitAsync(unitName, CancellationToken.None).GetAwaiter().GetResult()!;
        manager.Calls.Clear();
        return (manager, client, unit);
    }

    private static T Run<T>(Task<T> task) => task.GetAwaiter().GetResult();

    [Fact]
    public void Restart_calls_RestartUnit_with_the_job_mode_not_stop_and_start()
    {
        var (manager, client, unit) = Setup();
        var job = Run(client.QueueJobAsync(null, unit, UnitJobMethod.RestartUnit, JobMode.ReplaceIrreversibly, CancellationToken.None));
        Assert.Equal(["RestartUnit(x.service,replace-irreversibly)"], manager.Calls);
        Assert.Equal(JobType.Restart, job.Job.JobType);
        Assert.Equal(101u, job.Job.Id);
        Assert.Null(job.Completion);
    }

    [Fact]
    public void The_tracker_subscribes_before_any_job_is_queued()
    {
        var (manager, client, unit) = Setup();
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None));
        Assert.Equal(["Subscribe()", "StartUnit(x.service,replace)"], manager.Calls);
    }

    [Fact]
    public void A_job_removed_before_the_reply_arrives_is_still_matched_by_its_path()
    {
        var (manager, client, unit) = Setup();
        manager.FinishJobsImmediately = JobResult.Done;
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None));
        Assert.True(pending.Completion!.IsCompletedSuccessfully);
        var outcome = Run(client.OutcomeAsync(pending, CancellationToken.None));
        Assert.Equal(JobResult.Done, outcome.Result);
        Assert.Null(outcome.Error);
    }

    [Fact]
    public void Jobs_are_matched_by_job_path_not_by_unit_name()
    {
        var (manager, client, unit) = Setup();
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None));

        manager.RemoveJob("/org/freedesktop/systemd1/job/7", "x.service", JobResult.Failed);
        Assert.False(pending.Completion!.IsCompleted);

        manager.RemoveJob(pending.Job.ObjectPath, "x.service", JobResult.Done);
        Assert.Equal(JobResult.Done, pending.Completion.Result);
    }

    [Fact]
    public void A_failed_job_is_an_error_carrying_the_units_result()
    {
        var (manager, client, unit) = Setup();
        manager.Units["x.service"]["Result"] = "exit-code";
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None));
        manager.RemoveJob(pending.Job.ObjectPath, "x.service", JobResult.Failed);

        var outcome = Run(client.OutcomeAsync(pending, CancellationToken.None));
        Assert.Equal(JobResult.Failed, outcome.Result);
        Assert.Equal("JobFailed", outcome.Error!.ErrorId);
        Assert.Equal(UnitErrorCategory.InvalidResult, outcome.Error.Category);
        Assert.Contains("exit-code", outcome.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Get(/org/freedesktop/systemd1/unit/x_2eservice,org.freedesktop.systemd1.Service,Result)", manager.Calls);
    }

    [Theory]
    [InlineData(JobResult.Canceled, "JobCanceled", UnitErrorCategory.OperationStopped)]
    [InlineData(JobResult.Timeout, "JobTimedOut", UnitErrorCategory.OperationTimeout)]
    [InlineData(JobResult.Dependency, "JobDependencyFailed", UnitErrorCategory.InvalidResult)]
    [InlineData(JobResult.Invalid, "JobInvalid", UnitErrorCategory.InvalidOperation)]
    [InlineData(JobResult.Assert, "JobAssertFailed", UnitErrorCategory.InvalidResult)]
    [InlineData(JobResult.Unsupported, "JobUnsupported", UnitErrorCategory.InvalidOperation)]
    public void Job_results_map_to_error_ids_and_categories(JobResult result, string id, UnitErrorCategory category)
    {
        var error = UnitError.FromJobResult("x.service", JobType.Start, result, null, "localhost");
        Assert.Equal(id, error.ErrorId);
        Assert.Equal(category, error.Category);
        Assert.Equal("x.service", error.Target);
    }

    [Fact]
    public void NeedDaemonReload_is_read_from_the_unit()
    {
        var (manager, client, unit) = Setup();
        Assert.False(client.NeedsDaemonReloadAsync(unit, CancellationToken.None).GetAwaiter().GetResult());
        manager.Units["x.service"]["NeedDaemonReload"] = true;
        Assert.True(client.NeedsDaemonReloadAsync(unit, CancellationToken.None).GetAwaiter().GetResult());
        Assert.Contains("Get(/org/freedesktop/systemd1/unit/x_2eservice,org.freedesktop.systemd1.Unit,NeedDaemonReload)", manager.Calls);
    }

    [Fact]
    public void Skipped_is_success_as_systemctl_treats_it()
    {
        var (manager, client, unit) = Setup();
        manager.FinishJobsImmediately = JobResult.Skipped;
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.TryRestartUnit, JobMode.Replace, CancellationToken.None));
        Assert.Null(Run(client.OutcomeAsync(pending, CancellationToken.None)).Error);
    }

    [Fact]
    public void A_job_still_running_when_the_wait_ends_is_an_OperationTimeout_error()
    {
        var (_, client, unit) = Setup();
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StopUnit, JobMode.Replace, CancellationToken.None));
        var outcome = Run(client.OutcomeAsync(pending, CancellationToken.None));
        Assert.Equal("JobWaitTimedOut", outcome.Error!.ErrorId);
        Assert.Equal(UnitErrorCategory.OperationTimeout, outcome.Error.Category);
    }

    [Fact]
    public void A_lost_connection_fails_every_waiting_job_with_a_connection_error()
    {
        var (manager, client, unit) = Setup();
        using var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        var pending = Run(client.QueueJobAsync(tracker, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None));
        manager.Disconnect();
        var outcome = Run(client.OutcomeAsync(pending, CancellationToken.None));
        Assert.Equal("ManagerUnreachable", outcome.Error!.ErrorId);
        Assert.Equal(UnitErrorCategory.ConnectionError, outcome.Error.Category);
    }

    [Fact]
    public void Disposing_the_tracker_stops_watching_signals()
    {
        var (manager, client, _) = Setup();
        var tracker = Run(client.TrackJobsAsync(CancellationToken.None));
        Assert.Equal(1, manager.WatcherCount);
        tracker.Dispose();
        Assert.Equal(0, manager.WatcherCount);
    }

    [Fact]
    public void Queueing_for_a_missing_unit_surfaces_NoSuchUnit_as_ObjectNotFound()
    {
        var (manager, client, unit) = Setup();
        manager.Failures["StartUnit:x.service"] = new ManagerCallException(DBusErrorNames.NoSuchUnit, "Unit x.service not found.");
        var exception = Assert.Throws<ManagerCallException>(() => Run(client.QueueJobAsync(null, unit, UnitJobMethod.StartUnit, JobMode.Replace, CancellationToken.None)));
        var error = UnitError.FromCall(exception, "x.service");
        Assert.Equal(("NoSuchUnit", UnitErrorCategory.ObjectNotFound), (error.ErrorId, error.Category));
    }

    [Fact]
    public void WhatIf_describes_the_transaction_from_dependency_properties()
    {
        var manager = new FakeManager().AddUnit("web.service", configure: bag =>
        {
            bag["Requires"] = new[] { "db.service" };
            bag["Wants"] = new[] { "cache.service", "db.service" };
            bag["Conflicts"] = new[] { "legacy.service" };
            bag["RequiredBy"] = new[] { "app.service" };
        });
        var unit = manager.Client().FindUnitAsync("web.service", CancellationToken.None).GetAwaiter().GetResult()!;
        var start = ManagerClient.DescribeTransaction(unit, UnitJobMethod.StartUnit, JobMode.Replace);
        Assert.Contains("Queue a start job for web.service on localhost (job mode replace).", start, StringComparison.Ordinal);
        Assert.Contains("Pulls in start jobs for: cache.service, db.service.", start, StringComparison.Ordinal);
        Assert.Contains("Queues stop jobs for conflicting: legacy.service.", start, StringComparison.Ordinal);
        var stop = ManagerClient.DescribeTransaction(unit, UnitJobMethod.StopUnit, JobMode.Replace);
        Assert.Contains("Propagates stop to: app.service.", stop, StringComparison.Ordinal);
        Assert.DoesNotContain("db.service", stop, StringComparison.Ordinal);
        var isolate = ManagerClient.DescribeTransaction(unit, UnitJobMethod.StartUnit, JobMode.Isolate);
        Assert.Contains("Stops every other unit", isolate, StringComparison.Ordinal);
    }
}

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(DBusErrorNames.NoSuchUnit, "NoSuchUnit", UnitErrorCategory.ObjectNotFound)]
    [InlineData(DBusErrorNames.NoSuchJob, "NoSuchJob", UnitErrorCategory.ObjectNotFound)]
    [InlineData(DBusErrorNames.AccessDenied, "AccessDenied", UnitErrorCategory.PermissionDenied)]
    [InlineData(DBusErrorNames.InteractiveAuthorizationRequired, "AccessDenied", UnitErrorCategory.PermissionDenied)]
    [InlineData(DBusErrorNames.NoReply, "Timeout", UnitErrorCategory.OperationTimeout)]
    [InlineData(DBusErrorNames.Timeout, "Timeout", UnitErrorCategory.OperationTimeout)]
    [InlineData(DBusErrorNames.UnitMasked, "UnitMasked", UnitErrorCategory.InvalidOperation)]
    [InlineData(DBusErrorNames.TransactionIsDestructive, "TransactionFailed", UnitErrorCategory.InvalidOperation)]
    [InlineData(DBusErrorNames.InvalidArgs, "InvalidArgs", UnitErrorCategory.InvalidArgument)]
    [InlineData(DBusErrorNames.Disconnected, "ManagerUnreachable", UnitErrorCategory.ConnectionError)]
    [InlineData("com.example.Unheard", "ManagerCallFailed", UnitErrorCategory.NotSpecified)]
    public void DBus_errors_map_to_error_ids_and_categories(string name, string id, UnitErrorCategory category)
    {
        var exception = new ManagerCallException(name, "message from the manager");
        var error = UnitError.FromCall(exception, "x.service");
        Assert.Equal(id, error.ErrorId);
        Assert.Equal(category, error.Category);
        Assert.Equal("message from the manager", error.Message);
        Assert.Same(exception, error.Exception);
    }

    [Fact]
    public void Every_category_exists_in_PowerShells_ErrorCategory_by_name()
    {
        // The cmdlet layer converts by name; these are ErrorCategory's names (System.Management.Automation).
        string[] powerShell =
        [
            "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
            "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
            "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
            "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
            "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded",
            "QuotaExceeded", "NotEnabled",
        ];
        Assert.All(Enum.GetNames<UnitErrorCategory>(), name => Assert.Contains(name, powerShell));
    }
}
