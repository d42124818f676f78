using Units.Client.Connection;

namespace Units.Client.Tests;

public sealed class HostShellTests
{
    [Fact]
    public void A_command_that_exits_without_reading_its_input_reports_its_exit_code_and_error()
    {
        // New-Unit's write refused because the file exists: sh exits before reading the content.
        var content = new string('x', 4 << 20); // far more than a pipe holds
        var result = new LocalShell().RunAsync(["sh", "-c", "echo refused >&2; exit 3"], content, CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal((3, "refused\n"), (result.ExitCode, result.StandardError));
    }

    [Fact]
    public void Input_reaches_the_command_and_its_output_comes_back()
    {
        var result = new LocalShell().RunAsync(["sh", "-c", "wc -c"], new string('x', 1 << 20), CancellationToken.None).GetAwaiter().GetResult();
        Assert.Equal((0, "1048576"), (result.ExitCode, result.StandardOutput.Trim()));
    }
}
