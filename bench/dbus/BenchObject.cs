using System.Globalization;

namespace Units.DBus.Bench;

/// <summary>400 properties of the types a systemd unit has (the same values sdbus-bench.c encodes), and a
/// manager-like object with a Version property.</summary>
internal sealed class BenchProperties : DBusInterface
{
    public const int Count = 400;
    private static readonly string[] s_names = [.. Enumerable.Range(0, Count).Select(i => "Property" + i.ToString("D3", CultureInfo.InvariantCulture))];
    private static readonly string[] s_signatures = ["s", "u", "t", "b", "as", "i", "(ss)", "a(sasbttttuii)"];
    private static readonly string[] s_wants = ["default.target", "basic.target", "sockets.target"];

    public BenchProperties()
        : base(new InterfaceDescription("org.example.Bench",
            properties: [.. Enumerable.Range(0, Count).Select(i => new PropertyDescription(s_names[i], s_signatures[i % 8]))]))
    {
    }

    public override bool TryWriteProperty(string name, ref MessageWriter writer)
    {
        if (name.Length != 11 || !name.StartsWith("Property", StringComparison.Ordinal)
            || !int.TryParse(name.AsSpan(8), NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= Count)
            return false;
        Write(index, ref writer);
        return true;
    }

    public override void WriteAllProperties(ref MessageWriter writer)
    {
        for (int i = 0; i < Count; i++)
        {
            writer.WriteStructStart();
            writer.WriteString(s_names[i].AsSpan());
            Write(i, ref writer);
        }
    }

    private static void Write(int i, ref MessageWriter writer)
    {
        switch (i % 8)
        {
            case 0: writer.WriteVariantString("/usr/lib/systemd/user/some-unit.service"); break;
            case 1: writer.WriteVariantUInt32((uint)i); break;
            case 2: writer.WriteVariantUInt64(1700000000000000UL + (ulong)i); break;
            case 3: writer.WriteVariantBoolean(i % 3 == 0); break;
            case 4:
                writer.BeginVariant("as");
                writer.WriteStringArray(s_wants);
                break;
            case 5: writer.WriteVariantInt32(-i); break;
            case 6:
                writer.BeginVariant("(ss)");
                writer.WriteStructStart();
                writer.WriteString("".AsSpan());
                writer.WriteString("".AsSpan());
                break;
            default:
                writer.BeginVariant("a(sasbttttuii)");
                ArrayStart commands = writer.WriteArrayStart('(');
                writer.WriteStructStart();
                writer.WriteString("/bin/sleep".AsSpan());
                ArrayStart argv = writer.WriteArrayStart('s');
                writer.WriteString("/bin/sleep".AsSpan());
                writer.WriteString("infinity".AsSpan());
                writer.WriteArrayEnd(argv);
                writer.WriteBoolean(false);
                writer.WriteUInt64(1);
                writer.WriteUInt64(2);
                writer.WriteUInt64(3);
                writer.WriteUInt64(4);
                writer.WriteUInt32(1234);
                writer.WriteInt32(1);
                writer.WriteInt32(0);
                writer.WriteArrayEnd(commands);
                break;
        }
    }
}

internal sealed class BenchManager() : DBusInterface(new InterfaceDescription("org.freedesktop.systemd1.Manager",
    properties: [new PropertyDescription("Version", "s", EmitsChangedSignal: "const")]))
{
    public override bool TryWriteProperty(string name, ref MessageWriter writer)
    {
        if (name != "Version")
            return false;
        writer.WriteVariantString("252-units");
        return true;
    }
}
