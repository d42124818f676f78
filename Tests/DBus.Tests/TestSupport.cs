using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Units.DBus.Tests;

/// <summary>Runs Debian's D-Bus tools and gives their output; a missing tool fails with a clear message.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, params string[] arguments)
    {
        string path = File.Exists(program) ? program : Path.Combine("/usr/bin", program);
        Assert.True(File.Exists(path), $"{program} is not installed (Debian packages: systemd, dbus-bin, libglib2.0-bin)");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["SYSTEMD_PAGER"] = "";
        start.Environment["SYSTEMD_COLORS"] = "0";
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish");
        }
        return (process.ExitCode, await output, await error);
    }

    public static async Task<string> OkAsync(string program, params string[] arguments)
    {
        var (code, output, error) = await RunAsync(program, arguments);
        Assert.True(code == 0, $"{program} {string.Join(' ', arguments)} exited {code}: {error}{output}");
        return output;
    }

    /// <summary>Runs a shell command line (for redirections such as handing an fd to busctl).</summary>
    public static Task<string> ShellAsync(string command) => OkAsync("/bin/sh", "-c", command);
}

/// <summary>A private directory for sockets, removed afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dbus-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>org.example.Test: methods that echo, compute, pass fds and reply late; properties of several
/// types. It records the arguments it received so tests can check what real tools encoded.</summary>
internal sealed class TestInterface : DBusInterface
{
    public const string Name = "org.example.Test";

    public static readonly InterfaceDescription Definition = new(Name,
        methods:
        [
            new MethodDescription("Add", "ii", "i", ["a", "b"], ["sum"]),
            new MethodDescription("Echo", "v", "v"),
            new MethodDescription("EchoString", "s", "s"),
            new MethodDescription("Complex", "ybnqiuxtdsogas", "s"),
            new MethodDescription("Dict", "a{sv}", "u"),
            new MethodDescription("Names", "a{ss}", "u"),
            new MethodDescription("Structs", "a(sasbttttuii)", "u"),
            new MethodDescription("ReadFd", "h", "s"),
            new MethodDescription("GetFd", "s", "h"),
            new MethodDescription("Later", "u", "u"),
            new MethodDescription("Fail", "", ""),
            new MethodDescription("Hang", "", ""),
            new MethodDescription("Emit", "s", ""),
        ],
        properties:
        [
            new PropertyDescription("Name", "s", PropertyAccess.ReadWrite, "true"),
            new PropertyDescription("Count", "u"),
            new PropertyDescription("Big", "t"),
            new PropertyDescription("Flag", "b"),
            new PropertyDescription("Paths", "ao", EmitsChangedSignal: "const"),
        ],
        signals: [new SignalDescription("Said", "s", ["text"])]);

    public TestInterface() : base(Definition) { }

    public string NameValue { get; set; } = "initial";

    /// <summary>Arguments of the last call, decoded generically.</summary>
    public volatile DBusValue[]? LastArguments;

    /// <summary>Raised by Emit: the test decides where the signal goes.</summary>
    public Action<string>? OnEmit { get; set; }

    /// <summary>Whether the last call allowed interactive authorization.</summary>
    public volatile bool LastAllowedInteractive;

    public override ValueTask HandleMethodAsync(MethodCall call)
    {
        LastArguments = ReadAll(call.Request);
        LastAllowedInteractive = call.AllowInteractiveAuthorization;
        switch (call.Member)
        {
            case "Add":
                {
                    Reader args = call.Request.GetBodyReader();
                    int sum = args.ReadInt32() + args.ReadInt32();
                    MessageWriter reply = call.CreateReply("i");
                    reply.WriteInt32(sum);
                    call.Reply(reply.Finish());
                    return default;
                }
            case "Echo":
                {
                    MessageWriter reply = call.CreateReply("v");
                    reply.WriteVariant(LastArguments[0].VariantValue);
                    call.Reply(reply.Finish());
                    return default;
                }
            case "EchoString":
                {
                    MessageWriter reply = call.CreateReply("s");
                    reply.WriteString(LastArguments[0].AsString().AsSpan());
                    call.Reply(reply.Finish());
                    return default;
                }
            case "Complex" or "Dict" or "Names" or "Structs":
                {
                    MessageWriter reply = call.CreateReply(call.Member == "Complex" ? "s" : "u");
                    if (call.Member == "Complex")
                        reply.WriteString(string.Join("|", LastArguments.Select(a => a.ToString())).AsSpan());
                    else
                        reply.WriteUInt32((uint)LastArguments[0].Items.Count);
                    call.Reply(reply.Finish());
                    return default;
                }
            case "ReadFd":
                {
                    Reader args = call.Request.GetBodyReader();
                    using SafeFileHandle fd = call.Request.TakeUnixFd(args.ReadUnixFdIndex());
                    using var stream = new FileStream(fd, FileAccess.Read);
                    using var text = new StreamReader(stream);
                    MessageWriter reply = call.CreateReply("s");
                    reply.WriteString(text.ReadToEnd().AsSpan());
                    call.Reply(reply.Finish());
                    return default;
                }
            case "GetFd":
                {
                    string content = LastArguments[0].AsString();
                    string file = Path.GetTempFileName();
                    File.WriteAllText(file, content);
                    using SafeFileHandle handle = File.OpenHandle(file);
                    File.Delete(file);
                    MessageWriter reply = call.CreateReply("h");
                    reply.WriteUnixFd(handle);
                    call.Reply(reply.Finish());
                    return default;
                }
            case "Later":
                return LaterAsync(call, LastArguments[0].AsUInt32());
            case "Hang":
                // Never answered: for timeouts, cancellation and disconnection.
                return default;
            case "Emit":
                OnEmit?.Invoke(LastArguments[0].AsString());
                call.ReplyEmpty();
                return default;
            default:
                throw new DBusException("org.example.Error.Deliberate", "failed on purpose");
        }
    }

    // Replies after the handler has returned, as the manager's Reload does.
    private static async ValueTask LaterAsync(MethodCall call, uint value)
    {
        await Task.Yield();
        _ = Task.Run(async () =>
        {
            await Task.Delay(50);
            MessageWriter reply = call.CreateReply("u");
            reply.WriteUInt32(value + 1);
            call.Reply(reply.Finish());
        });
    }

    public override bool TryWriteProperty(string name, ref MessageWriter writer)
    {
        switch (name)
        {
            case "Name": writer.WriteVariantString(NameValue); return true;
            case "Count": writer.WriteVariantUInt32(42); return true;
            case "Big": writer.WriteVariantUInt64(ulong.MaxValue); return true;
            case "Flag": writer.WriteVariantBoolean(true); return true;
            case "Paths":
                writer.BeginVariant("ao");
                ArrayStart start = writer.WriteArrayStart('o');
                writer.WriteObjectPath("/a");
                writer.WriteObjectPath("/b/c");
                writer.WriteArrayEnd(start);
                return true;
            default: return false;
        }
    }

    public override void SetProperty(string name, ref Reader reader, MethodCall call)
    {
        if (name != "Name")
            base.SetProperty(name, ref reader, call);
        NameValue = reader.ReadString();
    }

    public static DBusValue[] ReadAll(Message message)
    {
        var values = new List<DBusValue>();
        Reader reader = message.GetBodyReader();
        string signature = message.Signature;
        for (int p = 0; p < signature.Length;)
        {
            int length = Signature.FirstCompleteTypeLength(signature, p);
            values.Add(reader.ReadValue(signature.Substring(p, length)));
            p += length;
        }
        return [.. values];
    }
}

/// <summary>A p2p server with the test object at /org/example/Test, on a socket in a temp dir.</summary>
internal sealed class TestServer : IDisposable
{
    private readonly TempDir _dir = new();

    public TestServer(string? sender = null, bool allowAnonymous = false, Func<PeerCredentials?, bool>? acceptPeer = null, DBusConnectionOptions? connectionOptions = null,
        int maxPendingAuthentications = 64)
    {
        Objects.Add(new DBusObject("/org/example/Test", Test));
        SocketPath = _dir.File("bus");
        Server = DBusServer.Listen("unix:path=" + SocketPath, new DBusServerOptions
        {
            Objects = Objects,
            Sender = sender,
            AllowAnonymous = allowAnonymous,
            AcceptPeer = acceptPeer,
            ConnectionOptions = connectionOptions ?? new DBusConnectionOptions(),
            MaxPendingAuthentications = maxPendingAuthentications,
        });
    }

    public ObjectTree Objects { get; } = new();
    public TestInterface Test { get; } = new();
    public DBusServer Server { get; }
    public string SocketPath { get; }
    public string Address => "unix:path=" + SocketPath;

    public void Dispose()
    {
        Server.Dispose();
        _dir.Dispose();
    }
}
