namespace Hoist.Manifests.Tests;

internal static class RepositoryPaths
{
    public static string Root => Hoist.Testing.Repository.Root;

    public static string Snapshots => Path.Combine(Root, "tests", "Manifests.Tests", "Snapshots");

    public static string Validator => Hoist.Testing.Repository.Validator;
}
