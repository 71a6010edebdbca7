namespace Hoist.TestApp;

/// <summary>Reads its environment, for the tests of [Env] and [Secret] on the local backend.</summary>
[Compute(Name = "configured", LaunchTimeout = 60)]
[Env("GREETING", "hello from [Env]")]
[Env("EMPTY_ON_PURPOSE", "")]
[Secret("test-credentials", "token", "TEST_TOKEN")]
public static partial class Configured
{
    public static string? Read(string variable) => Environment.GetEnvironmentVariable(variable);

    /// <summary>A variable as a process the worker starts sees it (python's torch.distributed, say): inherited from the worker.</summary>
    public static string ReadInChild(string variable)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", $"printf %s \"${variable}\""]) { RedirectStandardOutput = true };
        using var child = System.Diagnostics.Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        return output;
    }

    /// <summary>The names of the variables that carry the caller's secrets configuration: none should reach a worker.</summary>
    public static string[] InheritedSecretConfiguration() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("Hoist__Secrets__", StringComparison.OrdinalIgnoreCase))
            .ToArray();
}

/// <summary>Needs a secret that no test configures, so its launch fails naming it.</summary>
[Compute(Name = "unconfigured", LaunchTimeout = 60)]
[Secret("absent-credentials", "password", "DB_PASSWORD")]
public static partial class Unconfigured
{
    public static int Ping() => 1;
}
