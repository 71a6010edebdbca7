using System.Text.RegularExpressions;
using Hoist.Settings;

namespace Hoist.Runtime.Tests;

/// <summary>
/// The settings catalogue is the one list of settings: docs/attributes.md's table is its rendering, every row is a
/// property of its attribute and of the overrides, and the descriptor JSON has each row's field where the row says.
/// </summary>
public sealed class SettingsCatalogueTests
{
    private const string Start = "<!-- settings catalogue: tests/Runtime.Tests/SettingsCatalogueTests.cs keeps it equal to src/Settings/SettingsCatalogue.cs -->";
    private const string End = "<!-- end of settings catalogue -->";

    [Fact]
    public void TheDocsSettingsTable_IsTheCatalogue()
    {
        var path = Path.Combine(Hoist.Testing.Repository.Root, "docs", "attributes.md");
        var docs = File.ReadAllText(path);
        var table = Regex.Match(docs, Regex.Escape(Start) + "\n(?<table>.*?)" + Regex.Escape(End), RegexOptions.Singleline);
        Assert.True(table.Success, $"docs/attributes.md has no settings catalogue table between \"{Start}\" and \"{End}\".");

        var expected = SettingsCatalogue.MarkdownTable();
        if (table.Groups["table"].Value != expected && Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, docs.Remove(table.Groups["table"].Index, table.Groups["table"].Length).Insert(table.Groups["table"].Index, expected));
            return;
        }

        Assert.Equal(expected, table.Groups["table"].Value);
    }

    [Fact]
    public void EveryRow_IsAnAttributeProperty_AnOverride_AndADescriptorField()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(ServiceDescriptorJson.Serialize(new ServiceDescriptor
        {
            Name = "every",
            Kind = ServiceKind.Method,
            DeclaringType = "T",
            AssemblyName = "A",
            Methods = [],
            Distribution = new DistributionSpec { Type = "spmd", Workers = 2 },
            Autoscale = new AutoscaleSpec(),
        }))!;
        foreach (var row in SettingsCatalogue.Rows)
        {
            var attribute = row.Scope switch
            {
                SettingScope.Compute => typeof(ComputeAttribute),
                SettingScope.Distribute => typeof(DistributeAttribute),
                _ => typeof(AutoscaleAttribute),
            };
            Assert.True(attribute.GetProperty(row.Key) is not null, $"{row.Key} is no property of {attribute.Name}");
            Assert.True(typeof(ServiceOverrides).GetProperty(row.OverrideKey) is not null, $"{row.Key} cannot be overridden");
            Assert.True(json[row.ScopeField]!.AsObject().ContainsKey(row.Field), $"The descriptor has no {row.ScopeField}.{row.Field}");
        }

        // And the other way round: no descriptor field is left out of the catalogue.
        foreach (var (scope, fields) in new[] { ("compute", json["compute"]!), ("autoscale", json["autoscale"]!), ("distribution", json["distribution"]!) })
        {
            foreach (var field in fields.AsObject().Select(f => f.Key).Where(f => f != "type"))
            {
                Assert.Contains(SettingsCatalogue.Rows, r => r.ScopeField == scope && r.Field == field);
            }
        }
    }

    [Fact]
    public void AnOverride_ReplacesExactlyItsRowsField_AndKeepsTheRest()
    {
        var declared = new ServiceDescriptor
        {
            Name = "embed",
            Kind = ServiceKind.Method,
            DeclaringType = "T",
            AssemblyName = "A",
            Methods = [],
            Compute = new ComputeSpec { Gpus = 1, Memory = "12Gi" },
            Autoscale = new AutoscaleSpec { MaxScale = 3 },
        };

        var effective = new ServiceOverrides { Cpus = 2.5, Tolerations = "spot:NoExecute", MinScale = 0 }.ApplyTo(declared);

        Assert.Equal(declared.Compute with { Cpus = 2.5, Tolerations = "spot:NoExecute" }, effective.Compute);
        Assert.Equal(declared.Autoscale with { MinScale = 0 }, effective.Autoscale);
        Assert.Null(new ServiceOverrides { Workers = 4 }.ApplyTo(declared).Distribution);
    }
}
