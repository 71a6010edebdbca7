using Hoist.Generators.Helpers;

namespace Hoist.Generators.Models
{
    /// <summary>
    /// What the parser made of one attributed member: a service (when it has no errors) and its diagnostics.
    /// <see cref="Key"/> identifies the member, so a member carrying several Hoist attributes, and therefore
    /// matched once per attribute, yields one service.
    /// </summary>
    internal sealed record ServiceTarget(
        string Key,
        LocationInfo? Identifier,
        LocationInfo? NameLocation,
        ServiceModel? Service,
        EquatableArray<DiagnosticInfo> Diagnostics);
}
