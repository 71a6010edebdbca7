namespace Hoist.Testing;

/// <summary>Where things are in a checkout of this repository, found from the test assembly's folder.</summary>
internal static class Repository
{
    /// <summary>The folder holding Framework.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The repository's own manifest schema check (tests/SchemaCheck), which <c>bash .ci/test</c> installs.</summary>
    public static string Validator => Path.Combine(Root, "tests", "SchemaCheck", "validate-manifests");

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
