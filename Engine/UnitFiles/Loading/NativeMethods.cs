using System.Runtime.InteropServices;

namespace Units.UnitFiles.Loading;

/// <summary>The libc calls the unit-file reader uses (Linux flag values, identical on x86-64 and arm64).</summary>
internal static partial class NativeMethods
{
    public const int ORdOnly = 0;
    public const int ONoCtty = 0x100;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
