namespace Hoist;

/// <summary>Per-call settings a proxy carries: <c>Embeddings.Remote.WithTimeout(TimeSpan.FromSeconds(5))</c>.</summary>
public sealed record RemoteCallOptions
{
    public static RemoteCallOptions Default { get; } = new();

    /// <summary>The call's deadline, relative to when it starts. Null uses the service's configured CallTimeout, if any.</summary>
    public TimeSpan? Timeout { get; init; }
}
