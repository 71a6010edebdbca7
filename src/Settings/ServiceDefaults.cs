namespace Hoist.Settings
{
    /// <summary>
    /// The default of every service setting, stated once. This file is compiled into Hoist.Attributes (the
    /// attributes' initial values), the generator (unset attribute properties) and the runtime (descriptors).
    /// </summary>
    internal static class ServiceDefaults
    {
        /// <summary>The worker container's base image when <c>[Compute(Image)]</c> is unset.</summary>
        public const string Image = "mcr.microsoft.com/dotnet/aspnet:10.0";

        /// <summary>Seconds a worker has to become ready.</summary>
        public const int LaunchTimeoutSeconds = 900;

        /// <summary>Concurrent requests (or requests per second) per replica.</summary>
        public const double Target = 100;

        /// <summary>The stable window the metric is averaged over.</summary>
        public const string Window = "60s";

        public const string Metric = Metrics.Concurrency;

        /// <summary>Percent of Target at which scaling begins.</summary>
        public const int TargetUtilization = 70;

        /// <summary>No limit.</summary>
        public const int MaxScale = 0;

        public const int InitialScale = 1;

        /// <summary>How long a warm local worker (Hoist:Local:KeepWarm) waits for a call when its service sets no InactivityTtl.</summary>
        public const int WarmInactivityTtlSeconds = 600;
    }

    /// <summary>The values of <c>[Autoscale(Metric)]</c>.</summary>
    internal static class Metrics
    {
        public const string Concurrency = "concurrency";
        public const string Rps = "rps";
    }
}
