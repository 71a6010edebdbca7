using System.Text.RegularExpressions;

namespace Hoist.Settings
{
    /// <summary>
    /// The container image reference grammar of distribution/reference (reference.go, regexp.go), which containerd,
    /// Docker and the kubelet parse: <c>[registry[:port]/]path[:tag][@digest]</c>. A value that fails it is refused by
    /// the kubelet as InvalidImageName only after a deploy, so the settings rules check it up front.
    /// </summary>
    internal static class ImageReference
    {
        /// <summary>distribution/reference's NameTotalLengthMax: the name, before the tag and digest.</summary>
        public const int MaxNameLength = 255;

        public const string Rule =
            "use [registry[:port]/]path[:tag][@digest], with a lower-case path (letters a-z, digits and the separators '.', '_', '__' or '-'), "
            + "a tag of up to 128 letters, digits, '_', '.' or '-' not starting with '.' or '-', and a digest such as \"sha256:<64 hex digits>\", "
            + "for example \"nvcr.io/nvidia/pytorch:23.10-py3\"";

        // The productions of regexp.go, ASCII only (Go's \w is ASCII; .NET's is not).
        private const string AlphaNumeric = "[a-z0-9]+";
        private const string Separator = "(?:[._]|__|-+)";
        private const string PathComponent = AlphaNumeric + "(?:" + Separator + AlphaNumeric + ")*";
        private const string DomainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        private const string Host = "(?:" + DomainComponent + @"(?:\." + DomainComponent + @")*|\[[a-fA-F0-9:]+\])";
        private const string Domain = Host + "(?::[0-9]+)?";
        private const string Name = "(?:" + Domain + "/)?" + PathComponent + "(?:/" + PathComponent + ")*";
        private const string Tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        private const string Digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";

        private static readonly Regex s_reference = new(
            "^(?<name>" + Name + ")(?::" + Tag + ")?(?:@" + Digest + ")?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

        /// <summary>Whether <paramref name="value"/> is an image reference a container runtime can pull.</summary>
        public static bool IsValid(string? value) =>
            value is not null && s_reference.Match(value) is { Success: true } match && match.Groups["name"].Length <= MaxNameLength;
    }
}
