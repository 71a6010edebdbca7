namespace Hoist.Testing;

/// <summary>Where things are in a checkout of this repository, found from the test assembly's folder.</summary>
internal static class Repository
{
    /// <summary>The folder holding Framework.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The shared validator sits beside the repository: ../shared/tools/validate-manifests.</summary>
    public static string Validator => Path.GetFullPath(Path.Combine(Root, "..", "shared", "tools", "validate-manifests", "validate-manifests"));

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Framework.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Framework.sln above {AppContext.BaseDirectory}: run the tests from a checkout of the repository.");
    }
}
