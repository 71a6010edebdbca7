using Hoist.Generators.Helpers;

namespace Hoist.Generators.Models
{
    /// <summary>
    /// A remote method: its wire id, its proxy's shape, and how the dispatcher calls it. <see cref="ObsoleteMessage"/>
    /// is the message of its [Obsolete] (empty when it has none), which its proxy methods carry too; null when it is not obsolete.
    /// <see cref="WireShape"/> is its wire contract as text and <see cref="WireFingerprint"/> that text's hash, which every call carries.
    /// </summary>
    internal sealed record MethodModel(
        string Name,
        string ProxyName,
        string Accessibility,
        bool IsStatic,
        EquatableArray<ParameterModel> Parameters,
        ReturnKind ReturnKind,
        string? ResultType,
        string Cref,
        string? ObsoleteMessage = null,
        ulong WireFingerprint = 0,
        string WireShape = "");

    /// <summary>A parameter of a remote method; a CancellationToken is not serialized. A params one stays params on the proxy.</summary>
    internal sealed record ParameterModel(string Name, string Type, bool IsCancellationToken, string? DefaultValue, bool IsParams = false);

    /// <summary>The shape of a remote method's return type.</summary>
    internal enum ReturnKind
    {
        /// <summary><c>T</c>.</summary>
        Value,

        /// <summary><c>Task&lt;T&gt;</c>.</summary>
        Task,

        /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
        ValueTask,

        /// <summary><c>void</c>.</summary>
        Void,

        /// <summary><c>Task</c>.</summary>
        VoidTask,

        /// <summary><c>ValueTask</c>.</summary>
        VoidValueTask,

        /// <summary><c>IAsyncEnumerable&lt;T&gt;</c>: the items stream back as they are yielded.</summary>
        AsyncEnumerable,
    }

    internal static class ReturnKindExtensions
    {
        public static bool IsVoidLike(this ReturnKind kind) => kind is ReturnKind.Void or ReturnKind.VoidTask or ReturnKind.VoidValueTask;
    }
}
