using Units.Api.Interfaces;
using Units.DBus;

namespace Units.Api;

/// <summary>
/// Who may do what over a message bus. Private connections were vetted when they connected (root or the manager's
/// own uid, by SO_PEERCRED), so every call on them is allowed. On a bus anyone may read — properties,
/// introspection, the Get*/List* methods, Subscribe — while a call that changes state needs uid 0, the manager's
/// own uid, or membership of the admin group; the caller's uid and groups come from the bus daemon
/// (GetConnectionCredentials), asked once per call as sd-bus asks when it checks a sender's privilege.
/// </summary>
public sealed class BusAccess(uint ownUserId, uint? adminGroupId)
{
    // The methods systemd 252 marks SD_BUS_VTABLE_UNPRIVILEGED and serves without a polkit check.
    private static readonly HashSet<string> s_managerReads = new(StringComparer.Ordinal)
    {
        "GetUnit", "GetUnitByPID", "GetUnitByInvocationID", "GetUnitByControlGroup", "LoadUnit", "GetUnitProcesses",
        "GetJob", "GetJobAfter", "GetJobBefore", "ListUnits", "ListUnitsFiltered", "ListUnitsByPatterns",
        "ListUnitsByNames", "ListJobs", "Subscribe", "Unsubscribe", "Dump", "DumpByFileDescriptor",
        "GetUnitFileState", "ListUnitFiles", "ListUnitFilesByPatterns", "GetUnitFileLinks", "GetDefaultTarget",
        "LookupDynamicUserByName", "LookupDynamicUserByUID", "GetDynamicUsers",
    };

    private static readonly HashSet<string> s_objectReads = new(StringComparer.Ordinal) { "GetProcesses", "GetAfter", "GetBefore" };

    /// <summary>The admin group's gid, if one is configured.</summary>
    public uint? AdminGroupId { get; } = adminGroupId;

    /// <summary>True for calls that only read: anyone on the bus may make them.</summary>
    public static bool IsRead(string? iface, string member) => iface switch
    {
        StandardInterfaces.Properties => member is "Get" or "GetAll",
        StandardInterfaces.Introspectable or StandardInterfaces.Peer => true,
        InterfaceCatalog.Manager => s_managerReads.Contains(member),
        null => s_managerReads.Contains(member) || s_objectReads.Contains(member) || member is "Get" or "GetAll" or "Introspect" or "Ping" or "GetMachineId",
        _ => s_objectReads.Contains(member),
    };

    /// <summary>The <see cref="ObjectTree.Authorize"/> check.</summary>
    public ValueTask AuthorizeAsync(MethodCall call)
    {
        if (!call.Connection.IsBus || IsRead(call.Request.Interface, call.Member))
            return ValueTask.CompletedTask;
        if (call.Sender is null)
            throw Denied(call);
        return new ValueTask(CheckSenderAsync(call));
    }

    private async Task CheckSenderAsync(MethodCall call)
    {
        BusCredentials credentials;
        try
        {
            credentials = await call.Connection.GetConnectionCredentialsAsync(call.Sender!).ConfigureAwait(false);
        }
        catch (DBusException e)
        {
            throw new DBusException(DBusErrors.AccessDenied, $"Cannot tell who sent {call.Request.Interface}.{call.Member}(): {e.Message}");
        }
        if (!IsPrivileged(credentials))
            throw Denied(call);
    }

    /// <summary>Root, the manager's own user, or a member of the admin group.</summary>
    public bool IsPrivileged(BusCredentials credentials)
        => credentials.UserId is uint uid && (uid == 0 || uid == ownUserId)
           || AdminGroupId is uint admin && credentials.GroupIds is { } groups && groups.Contains(admin);

    private static DBusException Denied(MethodCall call)
        => new(DBusErrors.AccessDenied, $"Access to {call.Request.Interface ?? InterfaceCatalog.Manager}.{call.Member}() not permitted.");
}
