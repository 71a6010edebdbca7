using System.Text;
using k8s.Models;

namespace Hoist.Manifests.Tests;

/// <summary>
/// What the kubelet does to a container's env list: resolves downward-API fieldRefs and secretKeyRefs, and
/// expands <c>$(VAR)</c> in values against the variables defined before it (Kubernetes' expansion rules:
/// undefined references stay as written, <c>$$</c> is a literal '$').
/// </summary>
internal static class PodEnvironment
{
    public static Dictionary<string, string> Resolve(V1Container container, V1ObjectMeta pod, IReadOnlyDictionary<(string Secret, string Key), string> secrets)
    {
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? [])
        {
            resolved[variable.Name] = variable switch
            {
                { Value: { } value } => Expand(value, resolved),
                { ValueFrom.FieldRef.FieldPath: { } path } => Field(pod, path),
                { ValueFrom.SecretKeyRef: { } secret } => secrets[(secret.Name, secret.Key)],
                _ => throw new InvalidOperationException($"Env var {variable.Name} has no value this helper understands."),
            };
        }

        return resolved;
    }

    private static string Field(V1ObjectMeta pod, string path)
    {
        const string LabelPrefix = "metadata.labels['";
        if (path == "metadata.name")
        {
            return pod.Name;
        }

        if (path == "metadata.namespace")
        {
            return pod.NamespaceProperty;
        }

        if (path.StartsWith(LabelPrefix, StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
        {
            var key = path[LabelPrefix.Length..^2];
            // The kubelet gives an empty string for a missing label; a rank must never be empty, so fail loudly.
            return pod.Labels.TryGetValue(key, out var value) ? value : throw new InvalidOperationException($"The pod has no label {key}.");
        }

        throw new NotSupportedException($"fieldRef {path} is not simulated.");
    }

    private static string Expand(string input, IReadOnlyDictionary<string, string> defined)
    {
        var output = new StringBuilder();
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] != '$' || i + 1 >= input.Length)
            {
                output.Append(input[i]);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                output.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = input[(i + 2)..close];
                output.Append(defined.TryGetValue(name, out var value) ? value : $"$({name})");
                i = close;
            }
            else
            {
                output.Append('$');
            }
        }

        return output.ToString();
    }
}
