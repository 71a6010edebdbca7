using System.CommandLine;
using Hoist.Manifests;

namespace Hoist.Cli;

/// <summary>Service arguments are DNS-1123 labels, as every Hoist service name is; anything else is a typo (or an unknown option).</summary>
internal static class ServiceNames
{
    public static Argument<T> Validated<T>(this Argument<T> argument)
    {
        argument.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>() is string name && !KubernetesNames.IsDnsLabel(name))
            {
                result.AddError($"'{name}' is not a service name: service names are lower-case DNS labels such as 'embed'");
            }
        });
        return argument;
    }
}
