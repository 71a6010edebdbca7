using System.Net;
using Grpc.Core;
using k8s.Autorest;
using k8s.Exceptions;
using Hoist.Manifests;

namespace Hoist.Cli;

/// <summary>
/// Turns what a command threw into the error the user reads. Failures hoist knows about (the cluster, the
/// build, the call) become one line and a hint; anything else is a bug in hoist, and says so.
/// </summary>
internal static class CliErrors
{
    public sealed record Translated(CliError Error, bool IsUnexpected);

    public static Translated Translate(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception switch
        {
            CliException cli => Expected(cli.Error),
            // Ctrl+C cancels the command's own token, which the caller of RunAsync does not see; a timeout inside
            // HttpClient also surfaces as a cancellation, but with a TimeoutException inside.
            OperationCanceledException { InnerException: TimeoutException } timedOut => Expected(new CliError(
                $"a request timed out: {timedOut.InnerException!.Message}",
                "check that the cluster is reachable and responsive, then try again")),
            OperationCanceledException =>
                Expected(new CliError("cancelled", "nothing was rolled back: hoist status shows what is running", ExitCodes.Cancelled)),
            HttpOperationException http => Expected(FromApi(http)),
            KubeConfigException config => Expected(new CliError(
                $"the kubeconfig cannot be used: {config.Message}",
                "check it with 'kubectl config view', or pass --kubeconfig and --context")),
            HttpRequestException request => Expected(new CliError(
                $"cannot reach the Kubernetes API server: {(request.Message.StartsWith("An error occurred", StringComparison.Ordinal) ? Innermost(request).Message : request.Message)}",
                "check that the cluster is running and that 'kubectl get pods' works with the same kubeconfig and context")),
            RemoteException remote => Expected(new CliError(
                remote.Message,
                $"the method threw in the worker; set {HoistCli.DebugVariable}=1 to see its stack trace")),
            WorkerLaunchException launch => Expected(new CliError(
                FirstLine(launch.Message),
                $"hoist logs {launch.Service} shows the worker's output; raise [Compute(LaunchTimeout)] if it is only slow")
            {
                Details = Tail(RestOfMessage(launch.Message) ?? launch.Output, 20),
            }),
            CallRejectedException { StatusCode: StatusCode.InvalidArgument } rejected => Expected(new CliError(
                $"service '{rejected.Service}' could not read the arguments: {rejected.Message}",
                "pass --json an array in parameter order, e.g. '[2,3]', or an object by parameter name, e.g. '{\"a\":2,\"b\":3}'")),
            CallRejectedException rejected => Expected(new CliError(rejected.Message, "hoist status shows the service; redeploy it if the token or method changed")),
            HoistTimeoutException timeout => Expected(new CliError(timeout.Message, "the worker is still busy or stuck: hoist logs shows what it does")),
            RolloutRefusedException { Hint: { } hint } refused => Expected(new CliError(FirstLine(refused.Message), hint)
            {
                Details = RestOfMessage(refused.Message) is { } rest ? rest.Split('\n') : [],
            }),
            PodTemplateException template => Expected(new CliError(
                template.Problems.Count == 1 ? template.Problems[0] : $"Hoist:Kubernetes:PodTemplate {template.File} cannot be used",
                "change the file: docs/kubernetes.md, \"A pod template\", lists the fields Hoist owns and how the rest merges")
            {
                Details = template.Problems.Count == 1 ? [] : [.. template.Problems],
            }),
            HoistException hoist => Expected(new CliError(hoist.Message, $"hoist status {hoist.Service} and hoist logs {hoist.Service} show the service's state")),
            _ => new Translated(
                new CliError(
                    $"unexpected failure: {exception.GetType().Name}: {exception.Message}",
                    $"this is a bug in hoist; set {HoistCli.DebugVariable}=1 to see the stack trace, and report it"),
                IsUnexpected: true),
        };
    }

    /// <summary>An error the Kubernetes API returned, with what to do about its status.</summary>
    public static CliError FromApi(HttpOperationException exception)
    {
        var status = exception.Response?.StatusCode;
        var reason = ApiMessage(exception);
        return status switch
        {
            HttpStatusCode.Unauthorized => new CliError(
                $"the Kubernetes API server refused the credentials: {reason}",
                "log in again (the kubeconfig's token or certificate may have expired)"),
            HttpStatusCode.Forbidden => new CliError(
                $"the Kubernetes API server forbids it: {reason}",
                "ask for the RBAC permissions Hoist needs in this namespace, or pick another with --namespace"),
            HttpStatusCode.NotFound => new CliError(
                $"the Kubernetes API server found no such object: {reason}",
                "check --namespace; Knative or KubeRay must be installed for autoscaled or ray services"),
            _ => new CliError(
                $"the Kubernetes API server answered {(status is { } s ? $"{(int)s} {s}" : "an error")}: {reason}",
                "check the cluster's state with kubectl; hoist status shows the services"),
        };
    }

    private static Translated Expected(CliError error) => new(error, IsUnexpected: false);

    /// <summary>The API's own message (a Status object's "message"), else the HTTP reason.</summary>
    private static string ApiMessage(HttpOperationException exception)
    {
        var content = exception.Response?.Content;
        if (content is { Length: > 0 })
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(content);
                if (document.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not a Status object: use the text itself.
            }

            return content;
        }

        return exception.Response?.ReasonPhrase ?? exception.Message;
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');

    private static string? RestOfMessage(string text) => text.Split('\n', 2) is [_, var rest] && rest.Trim().Length > 0 ? rest : null;

    private static IReadOnlyList<string> Tail(string text, int lines) =>
        text.ReplaceLineEndings("\n").Split('\n').Where(l => l.Trim().Length > 0).TakeLast(lines).ToArray();
}
