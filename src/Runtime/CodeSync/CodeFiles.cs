using Hoist.Protocol;

namespace Hoist.CodeSync;

/// <summary>An <see cref="AppFile"/> as the Code service's messages carry it, both ways.</summary>
internal static class CodeFiles
{
    public static AppFile FromMessage(CodeFile file) => new(file.Path, file.Sha256, file.Length);

    public static CodeFile ToMessage(AppFile file) => new() { Path = file.Path, Sha256 = file.Sha256, Length = file.Length };
}
