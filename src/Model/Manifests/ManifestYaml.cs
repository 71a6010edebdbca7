using System.Text;
using k8s;

namespace Hoist.Manifests;

/// <summary>
/// Writes rendered objects as one multi-document YAML file: camelCase, no nulls, <c>---</c> between documents,
/// '\n' line endings. Keys come in the models' declaration order and maps are sorted, so the same objects
/// always give the same bytes.
/// </summary>
public static class ManifestYaml
{
    public const string DocumentSeparator = "---\n";

    public static string Serialize(IEnumerable<object> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var builder = new StringBuilder();
        foreach (var value in objects)
        {
            if (value is null)
            {
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append(DocumentSeparator);
            }

            var document = KubernetesYaml.Serialize(value).ReplaceLineEndings("\n");
            builder.Append(document);
            if (!document.EndsWith('\n'))
            {
                builder.Append('\n');
            }
        }

        return builder.ToString();
    }
}
