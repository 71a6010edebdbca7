using System.Text.Json.Serialization;

namespace Hoist.Manifests;

/// <summary>Source-generated JSON for the little JSON inside manifests (TF_CONFIG), so no reflection is needed.</summary>
[JsonSerializable(typeof(string[]))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
