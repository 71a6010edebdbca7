using Hoist.Backends.Local;

namespace Hoist.Runtime.Tests;

public sealed class LocalWorkerVariablesTests
{
    private const string TokenValue = "hf_not-a-real-token-1234";

    private static readonly ServiceDescriptor Service = new()
    {
        Name = "generate",
        Kind = ServiceKind.Method,
        DeclaringType = "App.Llm",
        AssemblyName = "App",
        Methods = ["Generate"],
        Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
        Secrets = [new SecretSpec { Name = "wandb" }, new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }],
    };

    [Fact]
    public void EnvValues_AndSecretsFromTheCallersConfiguration_BecomeVariables_WholeSecretsKeyByKey()
    {
        var variables = LocalWorkerVariables.For(Service, Secrets(("huggingface", "token", TokenValue), ("wandb", "WANDB_API_KEY", "w1"), ("wandb", "WANDB_ENTITY", "team")));

        Assert.Equal(
            new Dictionary<string, string> { ["WANDB_API_KEY"] = "w1", ["WANDB_ENTITY"] = "team", ["HF_HOME"] = "/models", ["HF_TOKEN"] = TokenValue },
            variables);
    }

    [Fact]
    public void SecretNamesAndKeys_AreMatchedIgnoringCase_AsConfigurationKeysAre()
    {
        var variables = LocalWorkerVariables.For(Service, Secrets(("HuggingFace", "TOKEN", TokenValue), ("wandb", "K", "v")));

        Assert.Equal(TokenValue, variables["HF_TOKEN"]);
    }

    [Fact]
    public void AWholeSecretsKey_NeverReplacesAVariableHoistSets_NorAnEnv()
    {
        var variables = LocalWorkerVariables.For(Service, Secrets(("huggingface", "token", TokenValue), ("wandb", "HOIST_TOKEN", "x"), ("wandb", "RANK", "3"), ("wandb", "HF_HOME", "/elsewhere")));

        Assert.False(variables.ContainsKey("HOIST_TOKEN"));
        Assert.False(variables.ContainsKey("RANK"));
        Assert.Equal("/models", variables["HF_HOME"]);
    }

    [Fact]
    public void AMissingKey_FailsTheLaunch_NamingSecretKeyAndSetting_WithoutAnyValue()
    {
        var error = Assert.Throws<WorkerLaunchException>(() => LocalWorkerVariables.For(Service, Secrets(("huggingface", "other", TokenValue), ("wandb", "K", "v"))));

        Assert.Equal("generate", error.Service);
        Assert.Contains("key 'token' of secret 'huggingface' (for HF_TOKEN)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Hoist:Secrets:huggingface:token", error.Message, StringComparison.Ordinal);
        Assert.Contains("Hoist__Secrets__huggingface__token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TokenValue, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingWholeSecret_FailsTheLaunch_NamingIt()
    {
        var error = Assert.Throws<WorkerLaunchException>(() => LocalWorkerVariables.For(Service, Secrets(("huggingface", "token", TokenValue))));

        Assert.Contains("secret 'wandb'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Hoist:Secrets:wandb:<key>", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hoist__Secrets__huggingface__token", true)]
    [InlineData("HOIST__SECRETS__hf__x", true)]
    [InlineData("Hoist__Services__embed__MaxScale", false)]
    [InlineData("HF_TOKEN", false)]
    public void TheCallersSecretConfiguration_IsNotInheritedByWorkers(string variable, bool dropped) =>
        Assert.Equal(dropped, LocalWorkerVariables.IsInheritedSecret(variable));

    private static Dictionary<string, Dictionary<string, string>> Secrets(params (string Secret, string Key, string Value)[] values)
    {
        var secrets = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (secret, key, value) in values)
        {
            (secrets.TryGetValue(secret, out var keys) ? keys : secrets[secret] = new Dictionary<string, string>())[key] = value;
        }

        return secrets;
    }
}
