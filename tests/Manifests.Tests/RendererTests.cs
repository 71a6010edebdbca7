using Hoist.Hosting;
using k8s;
using k8s.Models;
using Hoist.Configuration;

namespace Hoist.Manifests.Tests;

public sealed class RendererTests
{
    [Fact]
    public void EveryWorkerPod_GetsATerminationGracePeriod_OfAtLeastStopTimeout()
    {
        foreach (var (stop, grace) in new[] { (TimeSpan.FromSeconds(60), 60L), (TimeSpan.FromSeconds(10), 30L), (TimeSpan.FromSeconds(90.5), 91L) })
        {
            var options = ManifestOptionsFactory.Create(new KubernetesBackendOptions { StopTimeout = stop }, "MyApp", "registry.example/myapp:1.0");
            foreach (var (kind, descriptor) in Samples.Kinds.Where(k => k.Value.Autoscale is null))
            {
                var specs = ManifestRenderer.Render(descriptor, options).Select(o => o switch
                {
                    V1Deployment d => [d.Spec.Template.Spec],
                    V1StatefulSet s => [s.Spec.Template.Spec],
                    RayCluster r => new[] { r.Spec.HeadGroupSpec.Template.Spec }.Concat(r.Spec.WorkerGroupSpecs.Select(g => g.Template.Spec)),
                    _ => [],
                }).SelectMany(x => x).ToArray();

                Assert.NotEmpty(specs);
                Assert.All(specs, spec => Assert.True(spec.TerminationGracePeriodSeconds == grace, $"{kind}: {spec.TerminationGracePeriodSeconds} for StopTimeout {stop}"));
            }
        }
    }

    [Fact]
    public void Plain_IsOneReplicaDeployment_BehindAClusterIpService()
    {
        var objects = ManifestRenderer.Render(Samples.Kinds["plain"], Samples.Options);

        Assert.Equal(["Service", "Deployment"], objects.Select(o => o.Kind));
        var deployment = objects.OfType<V1Deployment>().Single();
        var service = objects.OfType<V1Service>().Single();
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.Equal(Samples.Options.GrpcPort, service.Spec.Ports.Single().Port);
        Assert.DoesNotContain(objects, o => o is V1Secret);
    }

    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0", "dotnet /app/MyApp.dll")]
    [InlineData("nvcr.io/nvidia/pytorch:23.10-py3", "/app/MyApp")]
    [InlineData("ubuntu:24.04", "/app/MyApp")]
    [InlineData("mcr.microsoft.com/dotnet/runtime-deps:10.0", "/app/MyApp")]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0", "/app/MyApp")]
    public void WorkerCommand_RunsTheDll_OnlyWhereTheBaseImageCarriesDotnet(string image, string command)
    {
        var descriptor = Samples.Kinds["plain"] with { Compute = Samples.Kinds["plain"].Compute with { Image = image } };

        var deployment = ManifestRenderer.Render(descriptor, Samples.Options).OfType<V1Deployment>().Single();

        Assert.Equal(command, string.Join(' ', deployment.Spec.Template.Spec.Containers.Single().Command));
    }

    [Fact]
    public void GpuDeployment_ReplacesItsPod_InsteadOfSurgingASecondGpuPod()
    {
        var gpu = Samples.Kinds["plain"] with { Compute = Samples.Kinds["plain"].Compute with { Gpus = 1 } };

        Assert.Equal("Recreate", ManifestRenderer.Render(gpu, Samples.Options).OfType<V1Deployment>().Single().Spec.Strategy?.Type);
        Assert.Null(ManifestRenderer.Render(Samples.Kinds["plain"] with { Compute = Samples.Kinds["plain"].Compute with { Gpus = 0 } }, Samples.Options).OfType<V1Deployment>().Single().Spec.Strategy);
    }

    [Fact]
    public void EveryObject_CarriesTheStandardLabels()
    {
        foreach (var descriptor in Samples.Kinds.Values)
        {
            foreach (var item in ManifestRenderer.Render(descriptor, Samples.Options).Where(o => o is not V1PersistentVolumeClaim))
            {
                var labels = item.Metadata.Labels;
                Assert.Equal(descriptor.Name, labels[ManifestLabels.Name]);
                Assert.Equal("MyApp", labels[ManifestLabels.PartOf]);
                Assert.Equal("worker", labels[ManifestLabels.Component]);
                Assert.Equal("hoist", labels[ManifestLabels.ManagedBy]);
                Assert.Equal($"myapp-{descriptor.Name}", labels[ManifestLabels.Instance]);
            }
        }
    }

    [Fact]
    public void Worker_GetsHoistEnvironment_TokenFromSecret_AndTheEntryCommand()
    {
        var container = Container(Samples.Kinds["plain"]);

        var env = container.Env.ToDictionary(e => e.Name);
        Assert.Equal("worker", env[WorkerEnvironment.Role].Value);
        Assert.Equal("chat", env[WorkerEnvironment.Service].Value);
        Assert.Equal("50051", env[WorkerEnvironment.Port].Value);
        Assert.Equal("0.0.0.0", env[WorkerEnvironment.BindAddress].Value);
        Assert.Equal("MyApp", env[WorkerEnvironment.Assembly].Value);
        Assert.Null(env[WorkerEnvironment.Token].Value);
        Assert.Equal("myapp-hoist-token", env[WorkerEnvironment.Token].ValueFrom.SecretKeyRef.Name);
        Assert.Equal(ManifestOptions.TokenSecretKey, env[WorkerEnvironment.Token].ValueFrom.SecretKeyRef.Key);
        Assert.Equal(["dotnet", "/app/MyApp.dll"], container.Command);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("autoscaled")]
    [InlineData("pytorch")]
    [InlineData("ray")]
    public void EnvAndSecrets_ReachTheWorkerContainer_OfEveryKind_AsReferencesNotValues(string kind)
    {
        var descriptor = Samples.Kinds[kind] with
        {
            Environment = [new EnvironmentVariableSpec { Name = "HF_HOME", Value = "/models" }],
            Secrets = [new SecretSpec { Name = "huggingface", Key = "token", Variable = "HF_TOKEN" }, new SecretSpec { Name = "wandb" }],
        };

        var worker = WorkerContainers(ManifestRenderer.Render(descriptor, Samples.Options)).Single(c => c.Name == "worker");

        var env = worker.Env.ToDictionary(e => e.Name);
        Assert.Equal("/models", env["HF_HOME"].Value);
        Assert.Null(env["HF_TOKEN"].Value);
        Assert.Equal(("huggingface", "token"), (env["HF_TOKEN"].ValueFrom.SecretKeyRef.Name, env["HF_TOKEN"].ValueFrom.SecretKeyRef.Key));
        Assert.Equal("wandb", Assert.Single(worker.EnvFrom).SecretRef.Name);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("autoscaled")]
    [InlineData("pytorch")]
    [InlineData("ray")]
    public void TheCallersTelemetrySettings_ReachTheWorkerContainer_OfEveryKind_UnlessTheServiceSetsItsOwn(string kind)
    {
        var descriptor = Samples.Kinds[kind] with { Environment = [new EnvironmentVariableSpec { Name = "OTEL_RESOURCE_ATTRIBUTES", Value = "team=vision" }] };
        var options = Samples.Options with
        {
            TelemetryEnvironment = new Dictionary<string, string>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector.observability:4317",
                ["OTEL_RESOURCE_ATTRIBUTES"] = "team=platform",
            },
        };

        var worker = WorkerContainers(ManifestRenderer.Render(descriptor, options)).Single(c => c.Name == "worker");

        Assert.Equal("http://collector.observability:4317", Assert.Single(worker.Env, e => e.Name == "OTEL_EXPORTER_OTLP_ENDPOINT").Value);
        Assert.Equal("team=vision", Assert.Single(worker.Env, e => e.Name == "OTEL_RESOURCE_ATTRIBUTES").Value);
    }

    [Fact]
    public void BuildTimeManifests_CarryNoTelemetrySettings()
    {
        var worker = Container(Samples.Kinds["plain"]);

        Assert.DoesNotContain(worker.Env, e => e.Name.StartsWith("OTEL_", StringComparison.Ordinal));
    }

    [Fact]
    public void Resources_AreRequests_WithMemoryLimit_AndGpusAsLimitWithToleration()
    {
        var descriptor = Samples.Kinds["gpu"];
        var deployment = ManifestRenderer.Render(descriptor, Samples.Options).OfType<V1Deployment>().Single();
        var resources = deployment.Spec.Template.Spec.Containers.Single().Resources;

        Assert.Equal("4", resources.Requests["cpu"].ToString());
        Assert.Equal("16Gi", resources.Requests["memory"].ToString());
        Assert.Equal("50Gi", resources.Requests["ephemeral-storage"].ToString());
        Assert.Equal("16Gi", resources.Limits["memory"].ToString());
        Assert.Equal("2", resources.Limits["nvidia.com/gpu"].ToString());
        var toleration = Assert.Single(deployment.Spec.Template.Spec.Tolerations);
        Assert.Equal(("nvidia.com/gpu", "Exists", "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Effect));
    }

    [Fact]
    public void Resources_AreLeftOut_WhenNothingIsAsked()
    {
        var container = Container(Samples.Service("bare"));

        Assert.Null(container.Resources);
        Assert.Null(ManifestRenderer.Render(Samples.Service("bare"), Samples.Options).OfType<V1Deployment>().Single().Spec.Template.Spec.Tolerations);
    }

    [Theory]
    [InlineData(60, 12)]
    [InlineData(61, 13)]
    [InlineData(900, 180)]
    [InlineData(1, 1)]
    public void StartupProbe_CoversLaunchTimeout(int launchTimeout, int failureThreshold)
    {
        var container = Container(Samples.Service("slow", new ComputeSpec { LaunchTimeout = launchTimeout }));

        Assert.Equal(ManifestRenderer.StartupProbePeriodSeconds, container.StartupProbe.PeriodSeconds);
        Assert.Equal(failureThreshold, container.StartupProbe.FailureThreshold);
        Assert.True(failureThreshold * ManifestRenderer.StartupProbePeriodSeconds >= launchTimeout);
        Assert.All(new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe }, p => Assert.Equal(Samples.Options.GrpcPort, p.Grpc.Port));
    }

    [Fact]
    public void InactivityTtlAndFreeze_AreAnnotationsOnTheWorkload()
    {
        var knative = (KnativeService)ManifestRenderer.Render(Samples.Kinds["autoscaled"], Samples.Options).Single();
        var deployment = ManifestRenderer.Render(Samples.Kinds["gpu"], Samples.Options).OfType<V1Deployment>().Single();

        Assert.Equal("24h", knative.Metadata.Annotations[ManifestAnnotations.InactivityTtl]);
        Assert.Equal("false", knative.Metadata.Annotations[ManifestAnnotations.Freeze]);
        Assert.Equal("true", deployment.Metadata.Annotations[ManifestAnnotations.Freeze]);
        Assert.False(deployment.Metadata.Annotations.ContainsKey(ManifestAnnotations.InactivityTtl));
    }

    [Fact]
    public void AFrozenServicesWorker_IsToldSo_SoThatItRefusesCodeSyncInThePod()
    {
        var frozen = Container(Samples.Kinds["gpu"]).Env.ToDictionary(e => e.Name);
        var thawed = Container(Samples.Kinds["plain"]).Env.ToDictionary(e => e.Name);

        Assert.Equal("true", frozen[WorkerEnvironment.Freeze].Value);
        Assert.False(thawed.ContainsKey(WorkerEnvironment.Freeze));
    }

    [Fact]
    public void Knative_NamesItsOnlyPortH2c_AndStaysInsideTheCluster()
    {
        var knative = (KnativeService)ManifestRenderer.Render(Samples.Kinds["autoscaled"], Samples.Options).Single();
        var container = knative.Spec.Template.Spec.Containers.Single();

        var port = Assert.Single(container.Ports);
        Assert.Equal(("h2c", 50051), (port.Name, port.ContainerPort));
        Assert.Equal("worker", container.Name);
        Assert.Equal("cluster-local", knative.Metadata.Labels[ManifestLabels.KnativeVisibility]);
        Assert.DoesNotContain(container.Env, e => e.ValueFrom?.FieldRef is not null);
    }

    [Fact]
    public void Knative_RequestTimeout_IsTheCallTimeout_RoundedUp_ElseTheLongestAStockClusterAllows()
    {
        KnativeService Render(ServiceDescriptor descriptor) => (KnativeService)ManifestRenderer.Render(descriptor, Samples.Options).Single();
        var autoscaled = Samples.Kinds["autoscaled"];

        Assert.Equal(600, Render(autoscaled).Spec.Template.Spec.TimeoutSeconds);
        Assert.Equal(91, Render(autoscaled with { CallTimeout = TimeSpan.FromSeconds(90.2) }).Spec.Template.Spec.TimeoutSeconds);
    }

    [Fact]
    public void CallTimeout_IsAConfigurationOnlySetting_ThatReachesTheEffectiveDescriptor_ButNeverItsJson()
    {
        var effective = new ServiceOverrides { CallTimeout = TimeSpan.FromMinutes(20) }.ApplyTo(Samples.Kinds["autoscaled"]);

        Assert.Equal(TimeSpan.FromMinutes(20), effective.CallTimeout);
        Assert.DoesNotContain("callTimeout", ServiceDescriptorJson.Serialize(effective), StringComparison.OrdinalIgnoreCase);
    }

    // The "restricted" Pod Security level's container checks (allowPrivilegeEscalation, capabilities, seccomp,
    // runAsNonRoot), on every pod template of every kind: met on a .NET base image, and on any other base all but the
    // non-root user, which such an image may need.
    [Theory]
    [InlineData("mcr.microsoft.com/dotnet/aspnet:10.0", true)]
    [InlineData("nvcr.io/nvidia/pytorch:23.10-py3", false)]
    public void Containers_MeetTheRestrictedPodSecurityLevel_AsFarAsTheBaseImageAllows(string baseImage, bool nonRoot)
    {
        foreach (var (kind, descriptor) in Samples.Kinds)
        {
            var image = descriptor.Distribution?.Type == "ray" ? descriptor.Compute.Image : baseImage;
            var rendered = descriptor with { Compute = descriptor.Compute with { Image = image } };
            foreach (var container in ManifestRenderer.Render(rendered, Samples.Options).SelectMany(WorkerContainers))
            {
                var context = container.SecurityContext;
                Assert.NotNull(context);
                Assert.False(context.AllowPrivilegeEscalation, kind);
                Assert.Equal(["ALL"], context.Capabilities.Drop);
                Assert.Null(context.Capabilities.Add);
                Assert.Equal("RuntimeDefault", context.SeccompProfile.Type);
                if (image == baseImage && nonRoot)
                {
                    Assert.True(context.RunAsNonRoot, kind);
                    Assert.Equal(1654, context.RunAsUser);
                }
                else
                {
                    Assert.Null(context.RunAsNonRoot);
                }
            }
        }
    }

    private static IEnumerable<V1Container> WorkerContainers(k8s.IKubernetesObject<V1ObjectMeta> value) => value switch
    {
        V1Deployment d => d.Spec.Template.Spec.Containers,
        V1StatefulSet s => s.Spec.Template.Spec.Containers,
        KnativeService k => k.Spec.Template.Spec.Containers,
        RayCluster r => r.Spec.HeadGroupSpec.Template.Spec.Containers.Where(c => c.Name == WorkerContainerName),
        _ => [],
    };

    private const string WorkerContainerName = "worker";

    [Fact]
    public void Namespace_FromTheDescriptor_WinsOverTheOptions()
    {
        var options = Samples.Options with { Namespace = "apps" };

        Assert.All(ManifestRenderer.Render(Samples.Kinds["gpu"], options), o => Assert.Equal("ml", o.Metadata.NamespaceProperty));
        Assert.All(ManifestRenderer.Render(Samples.Kinds["plain"], options), o => Assert.Equal("apps", o.Metadata.NamespaceProperty));
    }

    [Fact]
    public void TokenSecret_IsOnlyMadeAtDeployTime_WithTheRealToken()
    {
        var secret = ManifestRenderer.RenderTokenSecret(Samples.Options, "t0k3n", "ml");

        Assert.Equal("myapp-hoist-token", secret.Metadata.Name);
        Assert.Equal("ml", secret.Metadata.NamespaceProperty);
        Assert.Equal("t0k3n", secret.StringData[ManifestOptions.TokenSecretKey]);
        Assert.All(Samples.Kinds.Values, d => Assert.DoesNotContain(ManifestRenderer.Render(d, Samples.Options), o => o is V1Secret));
    }

    [Fact]
    public void LongNames_AreShortenedStably_WhereKubernetesNeedsIt()
    {
        var name = new string('a', 30) + "-" + new string('b', 30);
        var objects = ManifestRenderer.Render(Samples.Service(name, distribution: new DistributionSpec { Type = "pytorch", Workers = 2 }), Samples.Options);

        var statefulSet = objects.OfType<V1StatefulSet>().Single();
        Assert.True(statefulSet.Metadata.Name.Length <= 52);
        Assert.All(objects, o => Assert.True(o.Metadata.Name.Length <= 63));
        Assert.Equal(statefulSet.Metadata.Name, ManifestRenderer.Render(Samples.Service(name, distribution: new DistributionSpec { Type = "pytorch", Workers = 2 }), Samples.Options).OfType<V1StatefulSet>().Single().Metadata.Name);
    }

    [Theory]
    [InlineData("image")]
    [InlineData("name")]
    [InlineData("metric")]
    [InlineData("distribution")]
    [InlineData("workers")]
    [InlineData("memory")]
    [InlineData("knative port")]
    public void BadInput_FailsWithAMessageNamingTheSetting(string what)
    {
        var options = Samples.Options;
        var descriptor = Samples.Service("svc");
        string expected;
        switch (what)
        {
            case "image": options = options with { Image = "" }; expected = "Image"; break;
            case "name": descriptor = descriptor with { Name = "Bad_Name" }; expected = "Bad_Name"; break;
            case "metric": descriptor = descriptor with { Autoscale = new AutoscaleSpec { Metric = "foo" } }; expected = "Metric"; break;
            case "distribution": descriptor = descriptor with { Distribution = new DistributionSpec { Type = "mpi", Workers = 2 } }; expected = "mpi"; break;
            case "workers": descriptor = descriptor with { Distribution = new DistributionSpec { Type = "jax", Workers = 0 } }; expected = "Workers"; break;
            case "memory": descriptor = descriptor with { Compute = new ComputeSpec { Memory = "lots" } }; expected = "Memory"; break;
            default: options = options with { GrpcPort = 9090 }; descriptor = descriptor with { Autoscale = new AutoscaleSpec() }; expected = "Knative"; break;
        }

        var error = Assert.ThrowsAny<Exception>(() => ManifestRenderer.Render(descriptor, options));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);

        // A descriptor's own values meet the settings rules, as an override would; the options are the renderer's to check.
        Assert.IsType(what is "image" or "knative port" ? typeof(ArgumentException) : typeof(ServiceSettingsException), error);
    }

    private static IEnumerable<V1Container> WorkerContainers(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.SelectMany(o => o switch
        {
            V1Deployment deployment => deployment.Spec.Template.Spec.Containers,
            V1StatefulSet set => set.Spec.Template.Spec.Containers,
            KnativeService knative => knative.Spec.Template.Spec.Containers,
            RayCluster ray => ray.Spec.HeadGroupSpec.Template.Spec.Containers,
            _ => [],
        });

    private static V1Container Container(ServiceDescriptor descriptor) =>
        ManifestRenderer.Render(descriptor, Samples.Options).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single();
}

public sealed class ManifestYamlTests
{
    [Fact]
    public void SameInput_GivesIdenticalBytes()
    {
        foreach (var (kind, descriptor) in Samples.Kinds)
        {
            var first = ManifestYaml.Serialize(ManifestRenderer.Render(descriptor, Samples.Options));
            var copy = descriptor with { Compute = descriptor.Compute with { }, Methods = [.. descriptor.Methods] };
            var second = ManifestYaml.Serialize(ManifestRenderer.Render(copy, Samples.Options with { }));

            Assert.True(first == second, $"{kind} rendered differently the second time");
        }
    }

    [Fact]
    public void Yaml_IsCamelCase_WithoutNulls_OneDocumentPerObject()
    {
        var objects = ManifestRenderer.Render(Samples.Kinds["pytorch"], Samples.Options);

        var yaml = ManifestYaml.Serialize(objects);

        Assert.Equal(objects.Count - 1, yaml.Split('\n').Count(l => l == "---"));
        Assert.DoesNotContain("null", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", yaml, StringComparison.Ordinal);
        Assert.Contains("podManagementPolicy: Parallel", yaml, StringComparison.Ordinal);
        Assert.Contains("publishNotReadyAddresses: true", yaml, StringComparison.Ordinal);
        Assert.EndsWith("\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void CustomKinds_RoundTripThroughKubernetesYaml()
    {
        var ray = ManifestRenderer.Render(Samples.Kinds["ray"], Samples.Options).OfType<RayCluster>().Single();
        var knative = (KnativeService)ManifestRenderer.Render(Samples.Kinds["autoscaled"], Samples.Options).Single();

        var rayBack = KubernetesYaml.Deserialize<RayCluster>(ManifestYaml.Serialize([ray]));
        var knativeBack = KubernetesYaml.Deserialize<KnativeService>(ManifestYaml.Serialize([knative]));

        Assert.Equal("ray.io/v1", rayBack.ApiVersion);
        Assert.Equal(2, rayBack.Spec.WorkerGroupSpecs.Single().MaxReplicas);
        Assert.Equal("serving.knative.dev/v1", knativeBack.ApiVersion);
        Assert.Equal("8", knativeBack.Spec.Template.Metadata.Annotations["autoscaling.knative.dev/target"]);
        Assert.Contains("\"headGroupSpec\"", KubernetesJson.Serialize(ray), StringComparison.Ordinal);
    }
}
