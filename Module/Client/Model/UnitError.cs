using Units.Client.Connection;

namespace Units.Client;

/// <summary>
/// Error categories the client reports; the names are those of PowerShell's ErrorCategory so the
/// cmdlet layer converts them by name.
/// </summary>
public enum UnitErrorCategory
{
    NotSpecified, ObjectNotFound, PermissionDenied, OperationTimeout, InvalidOperation, InvalidArgument,
    InvalidData, ConnectionError, OperationStopped, InvalidResult, ResourceUnavailable, ReadError, WriteError, ResourceExists,
}

/// <summary>
/// An error for one target (a unit, a job, a host), as data: the cmdlet layer turns it into an
/// ErrorRecord (ErrorId becomes the first part of the FullyQualifiedErrorId).
/// </summary>
public sealed record UnitError(string ErrorId, UnitErrorCategory Category, string Message, object? Target, Exception? Exception = null)
{
    /// <summary>An exception carrying this error, for callers that must throw.</summary>
    public UnitOperationException ToException() => new(this);

    /// <summary>A literal unit name that matched nothing.</summary>
    public static UnitError NoSuchUnit(string name, string computerName) =>
        new("NoSuchUnit", UnitErrorCategory.ObjectNotFound, $"Cannot find a unit named '{name}' on {computerName}.", name);

    /// <summary>Maps a failed manager call about <paramref name="target"/> to error data.</summary>
    public static UnitError FromCall(ManagerCallException exception, object? target)
    {
        var (id, category) = exception.ErrorName switch
        {
            DBusErrorNames.NoSuchUnit or DBusErrorNames.LoadFailed => ("NoSuchUnit", UnitErrorCategory.ObjectNotFound),
            DBusErrorNames.NoSuchJob => ("NoSuchJob", UnitErrorCategory.ObjectNotFound),
            DBusErrorNames.NoUnitForPID or DBusErrorNames.NoUnitForInvocationID => ("NoSuchUnit", UnitErrorCategory.ObjectNotFound),
            DBusErrorNames.AccessDenied or DBusErrorNames.InteractiveAuthorizationRequired => ("AccessDenied", UnitErrorCategory.PermissionDenied),
            DBusErrorNames.NoReply or DBusErrorNames.Timeout or DBusErrorNames.TimedOut => ("Timeout", UnitErrorCategory.OperationTimeout),
            DBusErrorNames.InvalidArgs => ("InvalidArgs", UnitErrorCategory.InvalidArgument),
            DBusErrorNames.PropertyReadOnly or DBusErrorNames.UnknownProperty => ("PropertyNotSettable", UnitErrorCategory.InvalidArgument),
            DBusErrorNames.BadUnitSetting => ("BadUnitSetting", UnitErrorCategory.InvalidData),
            DBusErrorNames.UnitMasked => ("UnitMasked", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.JobTypeNotApplicable => ("JobTypeNotApplicable", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.OnlyByDependency => ("OnlyByDependency", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.NoIsolation => ("NoIsolation", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.TransactionIsDestructive or DBusErrorNames.TransactionJobsConflicting
                or DBusErrorNames.TransactionOrderIsCyclic => ("TransactionFailed", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.ShuttingDown => ("ShuttingDown", UnitErrorCategory.ResourceUnavailable),
            DBusErrorNames.UnitBusy => ("UnitBusy", UnitErrorCategory.ResourceUnavailable),
            DBusErrorNames.NothingToClean => ("NothingToClean", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.NotSupported => ("NotSupported", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.UnitInactive or DBusErrorNames.ScopeNotRunning => ("UnitInactive", UnitErrorCategory.InvalidOperation),
            DBusErrorNames.Disconnected or DBusErrorNames.NoServer or DBusErrorNames.FileNotFound
                or DBusErrorNames.ServiceUnknown => ("ManagerUnreachable", UnitErrorCategory.ConnectionError),
            _ => ("ManagerCallFailed", UnitErrorCategory.NotSpecified),
        };
        return new UnitError(id, category, exception.Message, target, exception);
    }

    /// <summary>Maps the result of a removed job (anything but done/skipped) to error data.</summary>
    public static UnitError FromJobResult(string unitName, JobType jobType, JobResult result, string? serviceResult, string computerName)
    {
        var verb = SystemdNames.ToSystemdName(jobType);
        var reason = string.IsNullOrEmpty(serviceResult) ? "" : $" (result: {serviceResult})";
        var hint = $" See 'Get-Unit {unitName} | Format-Custom -View Status' and 'Get-UnitLog {unitName}' for details.";
        return result switch
        {
            JobResult.Canceled => new("JobCanceled", UnitErrorCategory.OperationStopped, $"The {verb} job for {unitName} on {computerName} was canceled.", unitName),
            JobResult.Timeout => new("JobTimedOut", UnitErrorCategory.OperationTimeout, $"The {verb} job for {unitName} on {computerName} timed out{reason}.{hint}", unitName),
            JobResult.Dependency => new("JobDependencyFailed", UnitErrorCategory.InvalidResult, $"A dependency of {unitName} on {computerName} failed; the {verb} job did not run.", unitName),
            JobResult.Invalid => new("JobInvalid", UnitErrorCategory.InvalidOperation, $"The {verb} job for {unitName} on {computerName} is not applicable to the unit's state.", unitName),
            JobResult.Assert => new("JobAssertFailed", UnitErrorCategory.InvalidResult, $"An Assert condition of {unitName} on {computerName} failed.", unitName),
            JobResult.Unsupported => new("JobUnsupported", UnitErrorCategory.InvalidOperation, $"{unitName} on {computerName} does not support {verb}.", unitName),
            JobResult.Collected => new("JobCollected", UnitErrorCategory.OperationStopped, $"The {verb} job for {unitName} on {computerName} was collected before it ran.", unitName),
            JobResult.Once => new("JobOnce", UnitErrorCategory.InvalidOperation, $"{unitName} on {computerName} may be started only once.", unitName),
            _ => new("JobFailed", UnitErrorCategory.InvalidResult, $"The {verb} job for {unitName} on {computerName} failed{reason}.{hint}", unitName),
        };
    }
}

/// <summary>An exception that carries <see cref="UnitError"/> data.</summary>
public sealed class UnitOperationException : Exception
{
    /// <summary>Creates the exception from error data.</summary>
    public UnitOperationException(UnitError error) : base(error.Message, error.Exception) => Error = error;

    /// <summary>Creates the exception.</summary>
    public UnitOperationException() : this(new UnitError("UnitOperationFailed", UnitErrorCategory.NotSpecified, "The operation failed.", null)) { }

    /// <summary>Creates the exception.</summary>
    public UnitOperationException(string message) : this(new UnitError("UnitOperationFailed", UnitErrorCategory.NotSpecified, message, null)) { }

    /// <summary>Creates the exception.</summary>
    public UnitOperationException(string message, Exception inner) : this(new UnitError("UnitOperationFailed", UnitErrorCategory.NotSpecified, message, null, inner)) { }

    /// <summary>The error data.</summary>
    public UnitError Error { get; }
}
