using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Units.Client;
using Units.Client.Connection;

namespace Units.PowerShell;

/// <summary>Completes unit names from the manager the command line names (-User, -HostName, -Address).</summary>
public sealed class UnitNameCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var scope = fakeBoundParameters.Contains("User") && LanguagePrimitives.IsTrue(fakeBoundParameters["User"]) ? ManagerScope.User : ManagerScope.System;
        var hosts = fakeBoundParameters["HostName"] switch
        {
            string host => new[] { host },
            object[] many => many.Select(item => item.ToString() ?? "").ToArray(),
            _ => null,
        };
        var target = ManagerSession.TargetsFor(scope, hosts, fakeBoundParameters["Address"] as string)[0];
        var pattern = new WildcardMatcher(WildcardMatcher.HasWildcards(wordToComplete) ? wordToComplete : wordToComplete + "*");
        using var budget = new CancellationTokenSource(Budget);
        IReadOnlyList<string> names;
        try
        {
            var client = ModuleSession.Shared.ClientAsync(target, budget.Token).GetAwaiter().GetResult();
            var units = client.ListUnitsAsync([], budget.Token).GetAwaiter().GetResult().Select(unit => unit.Name);
            var files = client.ListUnitFilesAsync(null, null, budget.Token).GetAwaiter().GetResult().Select(file => file.Name);
            names = units.Concat(files).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception exception) when (exception is ManagerCallException or UnitOperationException or OperationCanceledException)
        {
            // Completion offers nothing rather than failing the command line.
            names = [];
        }
        return names.Where(pattern.IsMatch).Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
    }
}

/// <summary>Completes systemd's load, active and sub state names for -State.</summary>
public sealed class UnitStateCompleter : IArgumentCompleter
{
    /// <summary>Every state name in systemd's spelling.</summary>
    public static IReadOnlyList<string> StateNames { get; } =
        Enum.GetValues<UnitLoadState>().Select(SystemdNames.ToSystemdName)
            .Concat(Enum.GetValues<UnitActiveState>().Select(SystemdNames.ToSystemdName))
            .Concat(Enum.GetValues<UnitSubState>().Select(SystemdNames.ToSystemdName))
            .Where(name => name != "unknown")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StateNames.Where(name => name.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
}

/// <summary>Completes signal names for Send-UnitSignal -Signal.</summary>
public sealed class SignalCompleter : IArgumentCompleter
{
    /// <inheritdoc/>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        SignalNames.All.Where(name => name.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, "SIG" + name));
}
