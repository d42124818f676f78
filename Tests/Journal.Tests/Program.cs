namespace Units.Journal.Tests;

/// <summary>Entry point of the test assembly when it runs as a child process of a test.</summary>
public static class Program
{
    public static int Main(string[] args) => args.Length > 0 && args[0] == "writer-child"
        ? WriterChild.Run(args[1..])
        : 2;
}
