using Hoist.Generators.Helpers;
using Hoist.Settings;
using Xunit;

namespace Hoist.Generators.Tests;

/// <summary>Service names, identifiers and the Kubernetes value rules the diagnostics rely on.</summary>
public sealed class NamingTests
{
    [Theory]
    [InlineData("Embed", "embed")]
    [InlineData("TrainModel", "train-model")]
    [InlineData("EmbedAsync", "embed")]
    [InlineData("HTTPServer", "http-server")]
    [InlineData("GetV2Data", "get-v2-data")]
    [InlineData("load_model", "load-model")]
    [InlineData("Async", "async")]
    public void ServiceName_FromMethodName(string method, string expected) =>
        Assert.Equal(expected, ServiceNames.FromMethodName(method));

    [Fact]
    public void ServiceName_FromClassName_KeepsAsync() =>
        Assert.Equal("chat-async", ServiceNames.FromTypeName("ChatAsync"));

    [Theory]
    [InlineData("embed", "Embed")]
    [InlineData("train-model", "TrainModel")]
    [InlineData("gpt-2", "Gpt_2")]
    [InlineData("gpt2", "Gpt2")]
    [InlineData("1st", "_1st")]
    [InlineData("register", "Register_")]
    [InlineData("hoist-service-table", "HoistServiceTable_")]
    public void Identifier_FromServiceName_IsUniqueAndValid(string service, string expected) =>
        Assert.Equal(expected, ServiceNames.ToIdentifier(service));

    [Theory]
    [InlineData("60s", 60)]
    [InlineData("1m30s", 90)]
    [InlineData("2m", 120)]
    [InlineData("500ms", 0.5)]
    [InlineData("1.5h", 5400)]
    [InlineData("0", 0)]
    [InlineData(".5h", 1800)]
    [InlineData("5.m", 300)]
    public void Duration_ParsesGoStyle(string text, double seconds)
    {
        Assert.True(SettingDuration.TryParse(text, out var parsed));
        Assert.Equal(seconds, parsed, 9);
    }

    [Theory]
    [InlineData("")]
    [InlineData("60")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData("1m 30s")]
    [InlineData(".h")]
    [InlineData("-1s")]
    [InlineData("1us")]
    public void Duration_RejectsOtherText(string text) => Assert.False(SettingDuration.TryParse(text, out _));

    [Theory]
    [InlineData("12Gi", true)]
    [InlineData("512Mi", true)]
    [InlineData("1G", true)]
    [InlineData("1.5Gi", true)]
    [InlineData("100M", true)]
    [InlineData("1e3", true)]
    [InlineData("500m", true)]
    [InlineData("12GB", false)]
    [InlineData("12 Gi", false)]
    [InlineData("-1Gi", false)]
    [InlineData("Gi", false)]
    public void Quantity_FollowsKubernetes(string text, bool valid) => Assert.Equal(valid, KubernetesValues.IsQuantity(text));

    [Theory]
    [InlineData("embed", true)]
    [InlineData("train-model-2", true)]
    [InlineData("-embed", false)]
    [InlineData("embed-", false)]
    [InlineData("Embed", false)]
    [InlineData("em_bed", false)]
    public void DnsLabel_FollowsRfc1123(string text, bool valid) => Assert.Equal(valid, KubernetesValues.IsDnsLabel(text));

    [Theory]
    [InlineData("embed", true)]
    [InlineData("render-3d", true)]
    [InlineData("3d-render", false)]
    [InlineData("-embed", false)]
    public void ServiceName_FollowsRfc1035(string text, bool valid) => Assert.Equal(valid, KubernetesValues.IsServiceName(text));

    [Fact]
    public void DnsLabel_AllowsAtMost63Characters()
    {
        Assert.True(KubernetesValues.IsDnsLabel(new string('a', 63)));
        Assert.False(KubernetesValues.IsDnsLabel(new string('a', 64)));
    }
}
