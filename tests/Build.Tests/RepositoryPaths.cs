namespace Hoist.Build.Tests;

internal static class RepositoryPaths
{
    /// <summary>The folder holding Framework.sln, found by walking up from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    public static string ServiceLibrary => Path.Combine(Root, "tests", "Fixtures", "ServiceLibrary");

    /// <summary>The shared validator sits beside the repository: ../shared/tools/validate-manifests.</summary>
    public static string Validator => Path.GetFullPath(Path.Combine(Root, "..", "shared", "tools", "validate-manifests", "validate-manifests"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Framework.sln above {AppContext.BaseDirectory}: run the tests from a checkout of the repository.");
    }
}
