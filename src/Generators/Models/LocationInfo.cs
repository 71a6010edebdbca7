using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Hoist.Generators.Models
{
    /// <summary>A source location as plain values, so models never keep a <see cref="SyntaxTree"/> alive.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, TextSpan, LineSpan);

        public static LocationInfo? From(Location? location) =>
            location is { SourceTree: not null }
                ? new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span)
                : null;

        public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());
    }
}
