using System.Management.Automation;
using Units.Client;
using Units.Client.Connection;

namespace Units.PowerShell;

/// <summary>
/// The connections of the module, shared by every cmdlet so that objects keep a live manager to
/// read their details from and pipelines reuse one connection per host. Closed when the module
/// is removed.
/// </summary>
public sealed class ModuleSession : IModuleAssemblyCleanup
{
    private static ManagerSession? _shared;
    private static readonly object Gate = new();

    /// <summary>The module-wide session over the D-Bus connector.</summary>
    public static ManagerSession Shared
    {
        get
        {
            lock (Gate)
            {
                return _shared ??= new ManagerSession(new DBusManagerConnector());
            }
        }
    }

    /// <inheritdoc/>
    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        ManagerSession? session;
        lock (Gate)
        {
            session = _shared;
            _shared = null;
        }
        session?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
