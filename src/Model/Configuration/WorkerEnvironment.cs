namespace Hoist.Configuration;

/// <summary>
/// The environment every backend gives a worker (docs/attributes.md, "The worker environment"). Backends write it with
/// <see cref="ToVariables"/>; the worker reads it back with <see cref="FromEnvironment"/>.
/// </summary>
public sealed record WorkerEnvironment
{
    public const string Role = "HOIST_ROLE";
    public const string WorkerRole = "worker";

    /// <summary>The role of the in-cluster controller's pod: the app's image scaling the app's services, serving no calls.</summary>
    public const string ControllerRole = "controller";
    public const string Service = "HOIST_SERVICE";
    public const string Port = "HOIST_PORT";
    public const string Token = "HOIST_TOKEN";
    public const string Assembly = "HOIST_ASSEMBLY";
    public const string Replica = "HOIST_REPLICA";
    public const string BindAddress = "HOIST_BIND_ADDRESS";
    public const string ParentPid = "HOIST_PARENT_PID";
    public const string Socket = "HOIST_SOCKET";
    public const string SharedMemory = "HOIST_SHARED_MEMORY";
    public const string Freeze = "HOIST_FREEZE";
    public const string WarmTtlVariable = "HOIST_WARM_TTL";
    public const string ContainerConcurrencyVariable = "HOIST_CONTAINER_CONCURRENCY";

    /// <summary>
    /// A rank of a StatefulSet whose ordinal blocks are groups gets these instead of its rank variables, which a kubelet
    /// cannot compute (<see cref="GroupRankVariables"/>): its pod index, the group size, the [Distribute] type, a pod's
    /// DNS name with <see cref="DistributedEnvironment.OrdinalPlaceholder"/> for its ordinal, and the rendezvous port.
    /// </summary>
    public const string PodIndex = "HOIST_POD_INDEX";
    public const string GroupSize = "HOIST_GROUP_SIZE";
    public const string Distribution = "HOIST_DISTRIBUTION";
    public const string RankAddress = "HOIST_RANK_ADDRESS";
    public const string RendezvousPort = "HOIST_RENDEZVOUS_PORT";

    /// <summary>True in a process that a backend started as a worker.</summary>
    public static bool IsWorkerProcess =>
        string.Equals(Environment.GetEnvironmentVariable(Role), WorkerRole, StringComparison.OrdinalIgnoreCase);

    /// <summary>True in the in-cluster controller's pod.</summary>
    public static bool IsControllerProcess =>
        string.Equals(Environment.GetEnvironmentVariable(Role), ControllerRole, StringComparison.OrdinalIgnoreCase);

    public required string ServiceName { get; init; }
    /// <summary>The TCP port; 0 when the worker listens on <see cref="SocketPath"/> instead.</summary>
    public required int GrpcPort { get; init; }
    public required string CallToken { get; init; }
    public string? AssemblyName { get; init; }
    public string? ReplicaName { get; init; }

    /// <summary>127.0.0.1 on the local backend; 0.0.0.0 in a pod, which the worker takes as every address, IPv6 and IPv4.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>Set by the local backend: the worker exits when this process does.</summary>
    public int? ParentProcessId { get; init; }

    /// <summary>Set by the local backend: the Unix domain socket to listen on instead of a TCP port.</summary>
    public string? SocketPath { get; init; }

    /// <summary>
    /// Set by the local backend: the private folder where the caller puts the shared-memory regions of large
    /// payloads. A worker without it (a pod) refuses calls that name a region.
    /// </summary>
    public string? SharedMemoryFolder { get; init; }

    /// <summary>The rank in a distributed group; null for a service that is not distributed.</summary>
    public int? Rank { get; init; }

    /// <summary>The service refuses code sync: [Compute(Freeze = true)] or its override.</summary>
    public bool Frozen { get; init; }

    /// <summary>
    /// Set by the local backend for a warm worker (Hoist:Local:KeepWarm): it outlives the app that started it,
    /// and exits by itself after this long without a call.
    /// </summary>
    public TimeSpan? WarmTtl { get; init; }

    /// <summary>[Autoscale(ContainerConcurrency)]: the most calls the worker runs at once, the rest waiting for a slot; 0 means no limit.</summary>
    public int ContainerConcurrency { get; init; }

    public IReadOnlyDictionary<string, string> ToVariables()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Role] = WorkerRole,
            [Service] = ServiceName,
            [Token] = CallToken,
            [BindAddress] = ListenAddress,
        };
        Add(variables, Port, GrpcPort > 0 ? GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        Add(variables, Assembly, AssemblyName);
        Add(variables, Replica, ReplicaName);
        Add(variables, ParentPid, ParentProcessId?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(variables, Socket, SocketPath);
        Add(variables, SharedMemory, SharedMemoryFolder);
        Add(variables, Freeze, Frozen ? "true" : null);
        Add(variables, WarmTtlVariable, WarmTtl is { } ttl ? ((long)ttl.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        Add(variables, ContainerConcurrencyVariable, ContainerConcurrency > 0 ? ContainerConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        return variables;
    }

    /// <summary>Reads the worker's settings, failing with the name of the first missing or bad variable.</summary>
    public static WorkerEnvironment FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var socketPath = read(Socket) is { Length: > 0 } socket ? socket : null;
        var port = 0;
        if (socketPath is null || read(Port) is { Length: > 0 })
        {
            var portText = Required(read, Port);
            if (!int.TryParse(portText, out port) || port is <= 0 or > 65535)
            {
                throw new InvalidOperationException($"{Port} must be a TCP port number, not '{portText}'.");
            }
        }

        var parentText = read(ParentPid);
        return new WorkerEnvironment
        {
            ServiceName = Required(read, Service),
            GrpcPort = port,
            CallToken = Required(read, Token),
            AssemblyName = read(Assembly),
            ReplicaName = read(Replica),
            ListenAddress = read(BindAddress) is { Length: > 0 } address ? address : "127.0.0.1",
            ParentProcessId = int.TryParse(parentText, out var parent) ? parent : null,
            SocketPath = socketPath,
            SharedMemoryFolder = read(SharedMemory) is { Length: > 0 } shared ? shared : null,
            Rank = int.TryParse(read("RANK"), out var rank) ? rank : null,
            Frozen = bool.TryParse(read(Freeze), out var frozen) && frozen,
            WarmTtl = long.TryParse(read(WarmTtlVariable), out var ttl) && ttl > 0 ? TimeSpan.FromSeconds(ttl) : null,
            ContainerConcurrency = int.TryParse(read(ContainerConcurrencyVariable), out var limit) && limit > 0 ? limit : 0,
        };
    }

    /// <summary>
    /// The rank variables (RANK, WORLD_SIZE, MASTER_ADDR, TF_CONFIG, JAX_*...) of a pod in one ordinal block of a
    /// StatefulSet that runs many groups, from <see cref="PodIndex"/> and the variables beside it; null for any other
    /// worker, whose backend set them itself. The worker sets them in its own environment before user code runs, so the
    /// processes it starts (python's torch.distributed) inherit them.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? GroupRankVariables(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        if (read(PodIndex) is not { Length: > 0 } indexText)
        {
            return null;
        }

        if (!int.TryParse(indexText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ordinal))
        {
            throw new InvalidOperationException($"{PodIndex} must be the pod's ordinal (its apps.kubernetes.io/pod-index label, Kubernetes 1.28+), not '{indexText}'.");
        }

        var sizeText = Required(read, GroupSize);
        var portText = Required(read, RendezvousPort);
        if (!int.TryParse(sizeText, out var size) || size <= 0)
        {
            throw new InvalidOperationException($"{GroupSize} must be a positive number of ranks, not '{sizeText}'.");
        }

        if (!int.TryParse(portText, out var port) || port is <= 0 or > 65535)
        {
            throw new InvalidOperationException($"{RendezvousPort} must be a TCP port number, not '{portText}'.");
        }

        return DistributedEnvironment.ForOrdinal(Required(read, Distribution), size, ordinal, Required(read, RankAddress), port).Variables;
    }

    private static string Required(Func<string, string?> read, string name) =>
        read(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"A Hoist worker needs the environment variable {name}; the backend that started this process did not set it.");

    private static void Add(Dictionary<string, string> variables, string name, string? value)
    {
        if (value is not null)
        {
            variables[name] = value;
        }
    }
}
