namespace Hoist.Build.Tests;

internal static class RepositoryPaths
{
    public static string Root => Hoist.Testing.Repository.Root;

    public static string ServiceLibrary => Path.Combine(Root, "tests", "Fixtures", "ServiceLibrary");

    public static string Validator => Hoist.Testing.Repository.Validator;
}
