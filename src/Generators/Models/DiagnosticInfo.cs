using System.Linq;
using Hoist.Generators.Diagnostics;
using Hoist.Generators.Helpers;
using Microsoft.CodeAnalysis;

namespace Hoist.Generators.Models
{
    /// <summary>A diagnostic to report, as a value: the descriptor's ID, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArguments) =>
            new(descriptor.Id, location, new EquatableArray<string>(messageArguments));

        public Diagnostic ToDiagnostic() =>
            Diagnostic.Create(
                DiagnosticDescriptors.Get(Id),
                Location?.ToLocation() ?? Microsoft.CodeAnalysis.Location.None,
                MessageArguments.Select(static argument => (object?)argument).ToArray());
    }
}
