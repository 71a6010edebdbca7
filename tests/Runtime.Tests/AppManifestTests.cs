using Hoist.CodeSync;

namespace Hoist.Runtime.Tests;

/// <summary>The content description caller and worker compare before a sync, and the paths a sync may write.</summary>
public sealed class AppManifestTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("hoist-manifest-");

    [Fact]
    public void Scan_HashesEveryFile_UnderForwardSlashPaths()
    {
        Write("App.dll", "code");
        Write("runtimes/linux-x64/native.so", "native");

        var manifest = AppManifest.Scan(_folder.FullName);

        Assert.Equal(["App.dll", "runtimes/linux-x64/native.so"], manifest.Files.Select(f => f.Path));
        Assert.Equal("5694d08a2e53ffcae0c3103e5ad6f6076abd960eb1f8a56577040bc1028f702b", manifest.Files[0].Sha256);
        Assert.Equal(4, manifest.Files[0].Length);
    }

    [Fact]
    public void Digest_ChangesWithAnyFilesContentOrName_AndNothingElse()
    {
        Write("App.dll", "v1");
        var first = AppManifest.Scan(_folder.FullName).Digest;
        File.SetLastWriteTimeUtc(Path.Combine(_folder.FullName, "App.dll"), DateTime.UtcNow.AddDays(-1));
        var touched = AppManifest.Scan(_folder.FullName).Digest;
        Write("App.dll", "v2");
        var edited = AppManifest.Scan(_folder.FullName).Digest;

        Assert.Equal(first, touched);
        Assert.NotEqual(first, edited);
    }

    [Fact]
    public void Missing_IsTheNewContentOnly_OncePerContent_WhateverItsPath()
    {
        var worker = new AppManifest([new AppFile("App.dll", Hash('a'), 1), new AppFile("Lib.dll", Hash('b'), 1)]);
        var caller = new AppManifest([new AppFile("App.dll", Hash('c'), 1), new AppFile("Copy.dll", Hash('c'), 1), new AppFile("Moved/Lib.dll", Hash('b'), 1)]);

        var missing = worker.Missing(caller);

        Assert.Equal([Hash('c')], missing.Select(f => f.Sha256));
    }

    [Theory]
    [InlineData("App.dll", true)]
    [InlineData("runtimes/linux-x64/native.so", true)]
    [InlineData("..", false)]
    [InlineData("../App.dll", false)]
    [InlineData("lib/../../App.dll", false)]
    [InlineData("./App.dll", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("lib//App.dll", false)]
    [InlineData("lib\\App.dll", false)]
    [InlineData("", false)]
    public void OnlyRelativePathsBelowTheAppFolder_AreSafe(string path, bool safe) =>
        Assert.Equal(safe, AppManifest.IsSafeRelativePath(path));

    [Theory]
    [InlineData("5694d08a2e53ffcae0c3103e5ad6f6076abd960eb1f8a56577040bc1028f702b", true)]
    [InlineData("5694D08A2E53FFCAE0C3103E5AD6F6076ABD960EB1F8A56577040BC1028F702B", false)]
    [InlineData("5694d08a", false)]
    [InlineData("../../../../../../../../../../../../../../../../../../etc/passwd", false)]
    public void ContentKeys_AreLowercaseSha256Only(string value, bool valid) =>
        Assert.Equal(valid, AppManifest.IsSha256(value));

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Hash(char c) => new(c, 64);

    private void Write(string path, string content)
    {
        var full = Path.Combine(_folder.FullName, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }
}
