using Hoist.Hosting;
using Hoist.Settings;
using Hoist.Configuration;

namespace Hoist.Backends.Local;

/// <summary>
/// A local worker's [Env] and [Secret] variables, the secrets' values read from the caller's configuration
/// (<c>Hoist:Secrets:&lt;name&gt;:&lt;key&gt;</c>). Pure. A value is only ever put in the returned variables: a missing
/// one fails the launch naming the secret and key, never quoting what is configured.
/// </summary>
internal static class LocalWorkerVariables
{
    /// <summary>The prefix of the secrets' configuration as environment variables; workers do not inherit it.</summary>
    public const string InheritedSecretsPrefix = HoistOptions.SectionName + "__" + nameof(HoistOptions.Secrets) + "__";

    /// <summary>
    /// As Kubernetes does it: a whole secret's keys first (envFrom), never over a variable Hoist sets; then [Env]
    /// and one-key secrets (env), which the settings rules keep off Hoist's variables and each other.
    /// </summary>
    /// <exception cref="WorkerLaunchException">A secret or key the service needs is not configured.</exception>
    public static Dictionary<string, string> For(ServiceDescriptor descriptor, IReadOnlyDictionary<string, Dictionary<string, string>> secrets)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in descriptor.Secrets.Where(s => s.Key is null))
        {
            var keys = Find(secrets, secret.Name);
            if (keys is null || keys.Count == 0)
            {
                throw Missing(descriptor.Name, secret.Name, key: null, variable: null);
            }

            foreach (var (key, value) in keys.Where(k => !WorkerVariables.IsReserved(k.Key)))
            {
                variables[key] = value;
            }
        }

        foreach (var variable in descriptor.Environment)
        {
            variables[variable.Name] = variable.Value;
        }

        foreach (var secret in descriptor.Secrets.Where(s => s.Key is not null))
        {
            var value = Find(secrets, secret.Name) is { } keys ? Find(keys, secret.Key!) : null;
            variables[secret.Variable ?? secret.Key!] = value ?? throw Missing(descriptor.Name, secret.Name, secret.Key, secret.Variable);
        }

        return variables;
    }

    /// <summary>The values of the service's secrets that are configured, longest first: what setup output must not show.</summary>
    public static IReadOnlyCollection<string> SecretValues(ServiceDescriptor descriptor, IReadOnlyDictionary<string, Dictionary<string, string>> secrets) =>
        Setup.SetupSteps.MaskOrder(descriptor.Secrets.SelectMany<SecretSpec, string>(secret => Find(secrets, secret.Name) is not { } keys
            ? []
            : secret.Key is null ? keys.Values : Find(keys, secret.Key) is { } value ? [value] : []));

    /// <summary>
    /// Each secret the service names, with what a worker gets from it as one text (its variables and values, for a
    /// launch fingerprint to hash), or null when the caller's configuration lacks a key it needs.
    /// </summary>
    public static IEnumerable<(string Secret, string? Value)> SecretParts(ServiceDescriptor descriptor, IReadOnlyDictionary<string, Dictionary<string, string>> secrets) =>
        descriptor.Secrets.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Select(uses => (uses.Key, SecretPart(uses, Find(secrets, uses.Key))));

    private static string? SecretPart(IEnumerable<SecretSpec> uses, Dictionary<string, string>? keys)
    {
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var secret in uses)
        {
            if (secret.Key is null && keys is { Count: > 0 })
            {
                foreach (var (key, value) in keys)
                {
                    variables[key] = value;
                }
            }
            else if (secret.Key is not null && keys is not null && Find(keys, secret.Key) is { } value)
            {
                variables[secret.Variable ?? secret.Key] = value;
            }
            else
            {
                return null;
            }
        }

        return string.Join('\0', variables.Select(v => $"{v.Key}={v.Value}"));
    }

    /// <summary>True for an inherited variable that configures secrets (<c>Hoist__Secrets__hf__token</c>), in any case.</summary>
    public static bool IsInheritedSecret(string name) => name.StartsWith(InheritedSecretsPrefix, StringComparison.OrdinalIgnoreCase);

    // Configuration keys are case-insensitive, so the lookups are too.
    private static T? Find<T>(IReadOnlyDictionary<string, T> items, string key) where T : class =>
        items.TryGetValue(key, out var exact) ? exact : items.FirstOrDefault(i => string.Equals(i.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    private static WorkerLaunchException Missing(string service, string secret, string? key, string? variable)
    {
        var setting = $"{HoistOptions.SectionName}:{nameof(HoistOptions.Secrets)}:{secret}:{key ?? "<key>"}";
        var what = key is null
            ? $"the keys of secret '{secret}', which has none in the caller's configuration"
            : $"key '{key}' of secret '{secret}'{(variable is null ? "" : $" (for {variable})")}, which is not in the caller's configuration";
        return new WorkerLaunchException(
            service,
            null,
            $"Service '{service}' needs {what}: set {setting} with `dotnet user-secrets set \"{setting}\" ...` or the environment variable {setting.Replace(":", "__", StringComparison.Ordinal)}. " +
            "In a cluster the values come from the Kubernetes Secret of that name.",
            output: string.Empty,
            exitCode: null);
    }
}
