using System.Text.Json.Nodes;
using Hoist.Settings;
using k8s;
using k8s.Models;

namespace Hoist.Manifests;

/// <summary>
/// <c>Hoist:Kubernetes:PodTemplate</c>: a YAML file of pod-spec fields (tolerations, a node selector, volumes, a
/// securityContext, init containers, an affinity...) merged into every worker pod of every kind, for what a cluster
/// asks of every pod and [Compute] has no setting for. The file is read once (<see cref="Load"/>), a field Hoist owns
/// refuses it (<see cref="Refusals"/>, HOIST051 at build time and before any deploy), and each pod is merged with it
/// (<see cref="MergeInto"/>, docs/kubernetes.md "A pod template"): a field only the file sets is taken as written,
/// objects merge key by key, lists get the file's items after Hoist's (a name Hoist's list already has is refused),
/// and a value both set differently is refused, naming the field, the file and the service. Pure but for Load.
/// </summary>
public sealed class PodTemplate
{
    /// <summary>
    /// Pod fields Hoist sets itself, each with what to use instead: the kinds' restart policy and hostnames, the grace
    /// the worker drains in, and the fields [Compute] settings render. They are refused even where a pod leaves them
    /// unset, so a service's pods never depend on whether a setting happens to be set.
    /// </summary>
    public static IReadOnlyDictionary<string, string> OwnedPodFields { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["restartPolicy"] = "each kind sets the restart policy its controller needs",
        ["terminationGracePeriodSeconds"] = "use Hoist:Kubernetes:StopTimeout",
        ["hostname"] = "a StatefulSet's ranks are named by their ordinals",
        ["subdomain"] = "a StatefulSet's ranks are found through its headless Service",
        ["serviceAccountName"] = "use [Compute(ServiceAccount)]",
        ["serviceAccount"] = "use [Compute(ServiceAccount)]",
        ["priorityClassName"] = "use [Compute(PriorityClass)]",
        ["imagePullSecrets"] = "use [Compute(ImagePullSecrets)]",
        ["topologySpreadConstraints"] = "use [Compute(SpreadAcrossNodes)]",
        ["ephemeralContainers"] = "ephemeral containers are added to running pods, never in a template",
    };

    /// <summary>
    /// The fields of the one entry a file's <c>containers</c> may have, unnamed, which applies to every container Hoist
    /// renders: its securityContext (merged with Hoist's) and extra volumeMounts. The rest of a container is Hoist's.
    /// </summary>
    public static IReadOnlyList<string> ContainerFields { get; } = ["securityContext", "volumeMounts"];

    private readonly JsonObject _fields;

    private PodTemplate(string file, JsonObject fields)
    {
        File = file;
        _fields = fields;
    }

    /// <summary>The file, as the problems name it.</summary>
    public string File { get; }

    /// <summary>The file's fields as a pod spec.</summary>
    public V1PodSpec Spec => KubernetesJson.Deserialize<V1PodSpec>(_fields.ToJsonString());

    /// <summary>
    /// Reads <paramref name="path"/> (relative to <paramref name="folder"/>): a YAML pod spec, read strictly, so a
    /// misspelt field is an error instead of a field silently dropped. Throws <see cref="PodTemplateException"/> when
    /// the file is missing, not a pod spec, or sets a field Hoist owns.
    /// </summary>
    public static PodTemplate Load(string path, string? folder)
    {
        var file = Path.GetFullPath(path, folder ?? Environment.CurrentDirectory);
        V1PodSpec? spec;
        try
        {
            spec = KubernetesYaml.Deserialize<V1PodSpec>(System.IO.File.ReadAllText(file), strict: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PodTemplateException(file, [$"Hoist:Kubernetes:PodTemplate {file} cannot be read: {ex.Message}"]);
        }
        catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or FormatException or InvalidOperationException)
        {
            throw new PodTemplateException(file, [$"Hoist:Kubernetes:PodTemplate {file} is not a pod spec (the fields of a pod's spec, as YAML): {(ex.InnerException ?? ex).Message}"]);
        }

        return From(file, spec ?? new V1PodSpec());
    }

    /// <summary>The template of <paramref name="spec"/>, named <paramref name="file"/>; throws <see cref="PodTemplateException"/> when it sets a field Hoist owns.</summary>
    public static PodTemplate From(string file, V1PodSpec spec)
    {
        var fields = JsonNode.Parse(KubernetesJson.Serialize(spec)) as JsonObject ?? [];
        var problems = Refusals(file, fields);
        return problems.Count > 0 ? throw new PodTemplateException(file, problems) : new PodTemplate(file, fields);
    }

    /// <summary>Each field of the file that Hoist owns, one line each, naming the field and the file; empty when none.</summary>
    public static IReadOnlyList<string> Refusals(string file, JsonObject fields)
    {
        var problems = new List<string>();
        foreach (var (field, instead) in OwnedPodFields)
        {
            if (fields[field] is not null)
            {
                problems.Add(Owned(file, field, instead));
            }
        }

        if (fields["containers"] is JsonArray containers)
        {
            if (containers.Count > 1)
            {
                problems.Add(Owned(file, "containers", "give one entry, without a name: its securityContext and volumeMounts apply to every container Hoist renders"));
            }

            foreach (var (container, index) in containers.OfType<JsonObject>().Select((c, i) => (c, i)))
            {
                foreach (var (key, _) in container.Where(p => !ContainerFields.Contains(p.Key)))
                {
                    problems.Add(Owned(file, $"containers[{index}].{key}",
                        "a template's container gives only securityContext and volumeMounts; the worker container's image, command, ports, env, resources and probes come from the service ([Compute], [Env], [Secret], [Volume])"));
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Merges the file into <paramref name="pod"/>, the pod spec Hoist rendered for <paramref name="service"/>.
    /// Throws <see cref="PodTemplateException"/> where the two set one value differently or a list repeats a name.
    /// </summary>
    public V1PodSpec MergeInto(V1PodSpec pod, string service)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var merged = JsonNode.Parse(KubernetesJson.Serialize(pod))!.AsObject();
        var problems = new List<string>();
        foreach (var (key, value) in _fields)
        {
            if (key == "containers")
            {
                foreach (var container in (merged["containers"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    foreach (var entry in (value as JsonArray ?? []).OfType<JsonObject>())
                    {
                        Merge(container, entry, "containers[].", service, problems);
                    }
                }

                continue;
            }

            Merge(merged, new JsonObject { [key] = value?.DeepClone() }, "", service, problems);
        }

        return problems.Count > 0 ? throw new PodTemplateException(File, problems) : KubernetesJson.Deserialize<V1PodSpec>(merged.ToJsonString());
    }

    // The merge rule: a field only the file sets is taken; objects merge key by key; lists get the file's items after
    // Hoist's, refusing a name (a volume's, an init container's) or a mount path Hoist's list already has; scalars set
    // both ways must agree.
    private void Merge(JsonObject into, JsonObject from, string path, string service, List<string> problems)
    {
        foreach (var (key, value) in from)
        {
            var field = path + key;
            if (into[key] is not { } existing || value is null)
            {
                if (value is not null)
                {
                    into[key] = value.DeepClone();
                }

                continue;
            }

            switch (existing, value)
            {
                case (JsonObject mine, JsonObject theirs):
                    Merge(mine, theirs, field + ".", service, problems);
                    break;
                case (JsonArray mine, JsonArray theirs):
                    foreach (var item in theirs)
                    {
                        if (Identity(item) is { } id && mine.Any(m => Identity(m) == id))
                        {
                            problems.Add($"Hoist:Kubernetes:PodTemplate {File} adds to {field} an item with {id}, which service '{service}' already renders; rename it in the file ({SettingDiagnostics.InvalidPodTemplate})");
                        }
                        else
                        {
                            mine.Add(item?.DeepClone());
                        }
                    }

                    break;
                default:
                    if (!JsonNode.DeepEquals(existing, value))
                    {
                        problems.Add($"Hoist:Kubernetes:PodTemplate {File} sets {field} to {value.ToJsonString()} where service '{service}' renders {existing.ToJsonString()}; remove it from the file or change the service's setting ({SettingDiagnostics.InvalidPodTemplate})");
                    }

                    break;
            }
        }
    }

    // What two list items must not share: a name (volumes, init containers, host aliases have none), or a mount path.
    private static string? Identity(JsonNode? item) =>
        item is not JsonObject entry ? null
        : entry["name"]?.GetValue<string>() is { } name ? $"name \"{name}\""
        : entry["mountPath"]?.GetValue<string>() is { } mountPath ? $"mountPath \"{mountPath}\""
        : null;

    private static string Owned(string file, string field, string instead) =>
        $"Hoist:Kubernetes:PodTemplate {file} sets {field}, which Hoist owns: {instead} ({SettingDiagnostics.InvalidPodTemplate})";
}

/// <summary>A pod template Hoist cannot use, with one line per problem, each naming the field and the file.</summary>
public sealed class PodTemplateException(string file, IReadOnlyList<string> problems)
    : InvalidOperationException(string.Join(Environment.NewLine, problems))
{
    public string File { get; } = file;

    public IReadOnlyList<string> Problems { get; } = problems;
}
