namespace Units.Daemon;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("unitsd: not wired yet");
        return 1;
    }
}
