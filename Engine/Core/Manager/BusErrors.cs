namespace Units.Core.Manager;

/// <summary>The D-Bus error names systemd returns from its manager and unit objects.</summary>
public static class BusErrors
{
    private const string Prefix = "org.freedesktop.systemd1.";
    public const string NoSuchUnit = Prefix + "NoSuchUnit";
    public const string NoSuchJob = Prefix + "NoSuchJob";
    public const string NoUnitForInvocationId = Prefix + "NoUnitForInvocationID";
    public const string NotSubscribed = Prefix + "NotSubscribed";
    public const string AlreadySubscribed = Prefix + "AlreadySubscribed";
    public const string NotReferenced = Prefix + "NotReferenced";
    public const string LoadFailed = Prefix + "LoadFailed";
    public const string BadUnitSetting = Prefix + "BadUnitSetting";
    public const string JobTypeNotApplicable = Prefix + "JobTypeNotApplicable";
    public const string NoIsolation = Prefix + "NoIsolation";
    public const string OnlyByDependency = Prefix + "OnlyByDependency";
    public const string TransactionJobsConflicting = Prefix + "TransactionJobsConflicting";
    public const string TransactionOrderIsCyclic = Prefix + "TransactionOrderIsCyclic";
    public const string TransactionIsDestructive = Prefix + "TransactionIsDestructive";
    public const string UnitMasked = Prefix + "UnitMasked";
    public const string UnitGenerated = Prefix + "UnitGenerated";
    public const string UnitLinked = Prefix + "UnitLinked";
    public const string UnitInactive = Prefix + "UnitInactive";
    public const string ShuttingDown = Prefix + "ShuttingDown";
    public const string NoUnitForPid = Prefix + "NoUnitForPID";
    public const string NothingToClean = Prefix + "NothingToClean";
    public const string UnitBusy = Prefix + "UnitBusy";
    public const string InvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";
    public const string NotSupported = "org.freedesktop.DBus.Error.NotSupported";
    public const string Failed = "org.freedesktop.DBus.Error.Failed";
}

/// <summary>A refusal of the manager, carrying the D-Bus error name systemd would return and its message.</summary>
public sealed class BusErrorException : Exception
{
    public string ErrorName { get; }

    public BusErrorException(string errorName, string message) : base(message) => ErrorName = errorName;

    public BusErrorException()
        : this(BusErrors.Failed, "Operation failed.")
    {
    }

    public BusErrorException(string message) : this(BusErrors.Failed, message)
    {
    }

    public BusErrorException(string message, Exception innerException) : base(message, innerException) =>
        ErrorName = BusErrors.Failed;
}
