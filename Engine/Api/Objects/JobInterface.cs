using Units.Api.Interfaces;
using Units.Api.Paths;
using Units.Api.Properties;
using Units.Core.Jobs;
using Units.Core.Manager;
using Units.DBus;

namespace Units.Api.Objects;

/// <summary>org.freedesktop.systemd1.Job at /org/freedesktop/systemd1/job/&lt;id&gt;.</summary>
internal sealed class JobInterface : CoreInterface<Job>
{
    private static readonly PropertyTable<Job> s_table = new PropertyTable<Job>(InterfaceCatalog.Get(InterfaceCatalog.Job))
        .Add("Id", static (j, ref w) => Variant.UInt32(ref w, j.Id))
        .Add("Unit", static (j, ref w) =>
        {
            w.BeginVariant("(so)");
            w.WriteStructStart();
            w.WriteString(j.Unit.Id);
            w.WriteObjectPath(BusPaths.ForUnit(j.Unit.Id));
        })
        .Add("JobType", static (j, ref w) => Variant.String(ref w, j.Type.ToSystemdString()))
        .Add("State", static (j, ref w) => Variant.String(ref w, j.State.ToSystemdString()));

    private readonly UnitManager _manager;

    public JobInterface(Job job, UnitManager manager) : base(s_table, job) => _manager = manager;

    protected override ValueTask Handle(MethodCall call)
    {
        if (call.Member != "Cancel")
            throw new DBusException(DBusErrors.NotSupported, $"{InterfaceCatalog.Job}.{call.Member} is not supported by unitsd yet");
        _manager.CancelJob(Source.Id);
        call.ReplyEmpty();
        return ValueTask.CompletedTask;
    }
}
