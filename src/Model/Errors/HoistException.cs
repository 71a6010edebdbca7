namespace Hoist;

/// <summary>A Hoist call failed. Says which service (and replica, when one was chosen) it was.</summary>
public class HoistException : Exception
{
    public HoistException(string service, string? replica, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Service = service;
        Replica = replica;
    }

    public string Service { get; }

    public string? Replica { get; }
}

/// <summary>
/// The <c>Hoist</c> configuration section is invalid, so nothing started. Each of <see cref="Failures"/> names the
/// key, its value, what is allowed and the fix; the message starts with the first.
/// </summary>
public sealed class HoistConfigurationException(IReadOnlyList<string> failures, Exception? innerException = null)
    : Exception(Describe(failures), innerException)
{
    public IReadOnlyList<string> Failures { get; } = failures;

    private static string Describe(IReadOnlyList<string> failures) =>
        "Invalid Hoist configuration: " + string.Join(Environment.NewLine + "  and: ", failures);
}
