using Units.Core.Manager;
using Units.Daemon.Host;
using Units.UnitFiles.Verification;

namespace Units.Daemon;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["verify", .. var files])
            return VerifyCommand.Run(files, Console.Out, Console.Error);
        if (args is ["--version"])
        {
            Console.WriteLine($"unitsd {typeof(Program).Assembly.GetName().Version?.ToString(3)} (systemd 252 compatible)");
            return 0;
        }
        if (args is ["-h"] or ["--help"])
        {
            Console.WriteLine(CommandLine.Usage);
            return 0;
        }
        CommandLine command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"unitsd: {e.Message}");
            Console.Error.WriteLine(CommandLine.Usage);
            return 2;
        }
        var log = new ConsoleLog(command.Debug ? LogPriority.Debug : LogPriority.Info);
        try
        {
            using ManagerHost host = ManagerHost.Create(command, log);
            host.Run();
            return 0;
        }
        catch (StartupException e)
        {
            Console.Error.WriteLine($"unitsd: {e.Message}");
            return 1;
        }
    }
}
