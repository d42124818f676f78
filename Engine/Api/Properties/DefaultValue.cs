using Units.DBus;

namespace Units.Api.Properties;

/// <summary>Writes the zero value of any D-Bus type: what a property we do not compute yet reports,
/// with systemd's exact type (empty strings and arrays, zero numbers, false, "/" for paths).</summary>
internal static class DefaultValue
{
    /// <summary>Properties whose "not set" value is the type's maximum (UINT64_MAX, "infinity" or "[not set]" in
    /// systemctl's words), not zero: systemd's defaults for an unconfigured unit, read off systemd 252's GetAll.</summary>
    private static readonly HashSet<string> s_unsetIsMaximum = new(StringComparer.Ordinal)
    {
        "RuntimeMaxUSec", "MemoryCurrent", "MemoryAvailable", "TasksCurrent", "CPUUsageNSec",
        "IOReadBytes", "IOReadOperations", "IOWriteBytes", "IOWriteOperations",
        "IPIngressBytes", "IPIngressPackets", "IPEgressBytes", "IPEgressPackets",
        "CPUWeight", "StartupCPUWeight", "CPUShares", "StartupCPUShares", "CPUQuotaPerSecUSec", "CPUQuotaPeriodUSec",
        "IOWeight", "StartupIOWeight", "BlockIOWeight", "StartupBlockIOWeight",
        "MemoryHigh", "MemoryMax", "MemorySwapMax", "MemoryLimit", "TasksMax",
        "LimitCPU", "LimitCPUSoft", "LimitFSIZE", "LimitFSIZESoft", "LimitDATA", "LimitDATASoft", "LimitSTACK",
        "LimitCORE", "LimitRSS", "LimitRSSSoft", "LimitAS", "LimitASSoft", "LimitLOCKS", "LimitLOCKSSoft",
        "LimitRTTIME", "LimitRTTIMESoft", "TimeoutCleanUSec", "JobTimeoutUSec", "JobRunningTimeoutUSec",
        "UID", "GID", "FailureActionExitStatus", "SuccessActionExitStatus",
    };

    /// <summary>Writes what a property we do not compute reports: its "not set" value with systemd's type.</summary>
    public static void WriteUnset(ref MessageWriter writer, string name, string signature)
    {
        if (!s_unsetIsMaximum.Contains(name))
        {
            WriteVariant(ref writer, signature);
            return;
        }
        switch (signature)
        {
            case "t": writer.WriteVariantUInt64(ulong.MaxValue); break;
            case "u": writer.WriteVariantUInt32(uint.MaxValue); break;
            case "i": writer.WriteVariantInt32(-1); break;
            default: WriteVariant(ref writer, signature); break;
        }
    }

    /// <summary>Writes a variant holding the zero value of <paramref name="signature"/>.</summary>
    public static void WriteVariant(ref MessageWriter writer, string signature)
    {
        writer.BeginVariant(signature);
        int position = 0;
        Write(ref writer, signature, ref position);
    }

    private static void Write(ref MessageWriter writer, string signature, ref int position)
    {
        char code = signature[position++];
        switch (code)
        {
            case 'y': writer.WriteByte(0); break;
            case 'b': writer.WriteBoolean(false); break;
            case 'n': writer.WriteInt16(0); break;
            case 'q': writer.WriteUInt16(0); break;
            case 'i': writer.WriteInt32(0); break;
            case 'u': writer.WriteUInt32(0); break;
            case 'x': writer.WriteInt64(0); break;
            case 't': writer.WriteUInt64(0); break;
            case 'd': writer.WriteDouble(0); break;
            case 's': writer.WriteString(""); break;
            case 'o': writer.WriteObjectPath("/"); break;
            case 'g': writer.WriteSignature(""); break;
            case 'v':
                writer.WriteVariantString("");
                break;
            case 'a':
                ArrayStart array = writer.WriteArrayStart(signature[position]);
                writer.WriteArrayEnd(array);
                position += Signature.FirstCompleteTypeLength(signature, position);
                break;
            case '(':
                writer.WriteStructStart();
                while (signature[position] != ')')
                    Write(ref writer, signature, ref position);
                position++;
                break;
            default:
                throw new ArgumentException($"no zero value for type code '{code}' in '{signature}'", nameof(signature));
        }
    }
}
