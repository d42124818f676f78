namespace Units.Client.Connection;

/// <summary>Opens connections to managers; the seam where tests put a fake manager.</summary>
public interface IManagerConnector
{
    /// <summary>Connects to the manager a target names, trying its endpoints in order.</summary>
    Task<IManagerConnection> ConnectAsync(ManagerTarget target, CancellationToken cancellation);

    /// <summary>The shell that runs commands on the target's host (journalctl, systemd-analyze, file writes).</summary>
    IHostShell ShellFor(ManagerTarget target);
}
