using Hoist.Testing;
using Xunit.Sdk;

namespace Hoist.Manifests.Tests;

/// <summary>Compares rendered YAML with a checked-in <c>Snapshots/&lt;name&gt;.verified.yaml</c>.</summary>
internal static class SnapshotAssert
{
    public static void Matches(string name, string actual)
    {
        if (SnapshotFile.Check(Path.Combine(RepositoryPaths.Snapshots, name + ".verified.yaml"), actual) is { } failure)
        {
            throw new XunitException(failure);
        }
    }
}
