using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Hoist.Generators.Models;

namespace Hoist.Generators.Helpers
{
    /// <summary>
    /// Writes a service as the JSON of <c>Hoist.ServiceDescriptorJson</c> (the runtime owns that form): camelCase
    /// keys in the descriptor's declaration order, every value including nulls and defaults, no whitespace, and
    /// strings escaped the way System.Text.Json escapes them by default. The generator cannot reference the
    /// runtime, so the tests hold the two together: the runtime parses this text and serializes it back to the
    /// same bytes.
    /// </summary>
    internal static class DescriptorJson
    {
        // {"name":"embed","kind":"method","declaringType":"MyApp.Embeddings","assemblyName":"MyApp","methods":["Embed"],
        //  "compute":{"gpus":1,"cpus":3,"memory":"12Gi","disk":null,"image":"...","inactivityTtl":"24h","launchTimeout":60,"freeze":false,...},
        //  "distribution":null,
        //  "autoscale":{"target":8,"window":"60s","metric":"concurrency","targetUtilization":70,"minScale":null,"maxScale":10,"initialScale":1,"scaleToZeroGracePeriod":300},
        //  "environment":[{"name":"HF_HOME","value":"/models"}],
        //  "secrets":[{"name":"huggingface","key":"token","variable":"HF_TOKEN"}],
        //  "setup":["pip install vllm"],
        //  "volumes":[{"name":"models","path":"/models","size":"100Gi","storageClass":null}],
        //  "wireContracts":[{"method":"Embed","fingerprint":6637185290426171248,"shape":"Embed(text: string [utf8]) -\u003E float[] [raw]"}]}
        public static string Write(ServiceModel service, string assemblyName)
        {
            var json = new StringBuilder(512);
            json.Append('{');
            Property(json, "name").Append(String(service.Name)).Append(',');
            Property(json, "kind").Append(service.IsClassService ? "\"class\"" : "\"method\"").Append(',');
            Property(json, "declaringType").Append(String(service.DeclaringType.MetadataName)).Append(',');
            Property(json, "assemblyName").Append(String(assemblyName)).Append(',');
            Array(json, "methods", service.Methods, static (json, method) => json.Append(String(method.Name)));
            json.Append(',');

            Object(json, "compute", service.Compute);
            json.Append(',');
            Object(json, "distribution", service.Distribution);
            json.Append(',');
            Object(json, "autoscale", service.Autoscale);
            json.Append(',');
            Array(json, "environment", service.Environment, static (json, variable) =>
            {
                json.Append('{');
                Property(json, "name").Append(String(variable.Name)).Append(',');
                Property(json, "value").Append(String(variable.Value));
                json.Append('}');
            });
            json.Append(',');
            Array(json, "secrets", service.Secrets, static (json, secret) =>
            {
                json.Append('{');
                Property(json, "name").Append(String(secret.Name)).Append(',');
                Property(json, "key").Append(String(secret.Key)).Append(',');
                Property(json, "variable").Append(String(secret.Variable));
                json.Append('}');
            });
            json.Append(',');
            Array(json, "setup", service.Setup, static (json, step) => json.Append(String(step)));
            json.Append(',');
            Array(json, "volumes", service.Volumes, static (json, volume) =>
            {
                json.Append('{');
                Property(json, "name").Append(String(volume.Name)).Append(',');
                Property(json, "path").Append(String(volume.Path)).Append(',');
                Property(json, "size").Append(String(volume.Size)).Append(',');
                Property(json, "storageClass").Append(String(volume.StorageClass));
                json.Append('}');
            });
            json.Append(',');
            Array(json, "wireContracts", service.Methods, static (json, method) =>
            {
                json.Append('{');
                Property(json, "method").Append(String(method.Name)).Append(',');
                Property(json, "fingerprint").Append(method.WireFingerprint.ToString(CultureInfo.InvariantCulture)).Append(',');
                Property(json, "shape").Append(String(method.WireShape));
                json.Append('}');
            });
            json.Append('}');
            return json.ToString();
        }

        /// <summary>A setting's value as JSON text: a string escaped, a number as System.Text.Json writes it, true/false, null.</summary>
        public static string Value(object? value) => value switch
        {
            null => "null",
            string text => String(text),
            int number => Int(number),
            double number => Double(number),
            bool flag => flag ? "true" : "false",
            _ => throw new ArgumentException("A setting is a string, an int, a double or a bool.", nameof(value)),
        };

        // "name":{"field":value,...} in catalogue order, or "name":null for an attribute the service does not have.
        private static void Object(StringBuilder json, string name, SettingsObjectModel? settings)
        {
            Property(json, name);
            if (settings is null)
            {
                json.Append("null");
                return;
            }

            json.Append('{');
            for (var i = 0; i < settings.Values.Count; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                Property(json, settings.Values[i].Field).Append(settings.Values[i].Json);
            }

            json.Append('}');
        }

        // "name":[item,item,...], each item written by writeItem.
        private static void Array<T>(StringBuilder json, string name, IReadOnlyList<T> items, Action<StringBuilder, T> writeItem)
        {
            Property(json, name).Append('[');
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0)
                {
                    json.Append(',');
                }

                writeItem(json, items[i]);
            }

            json.Append(']');
        }

        private static StringBuilder Property(StringBuilder json, string name) => json.Append('"').Append(name).Append("\":");

        private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

        // The shortest text that round-trips, as System.Text.Json writes it ("3", "0.5", "1E+20"); NaN and the
        // infinities as the named literals it reads with AllowNamedFloatingPointLiterals.
        private static string Double(double value) =>
            double.IsNaN(value) ? "\"NaN\""
            : double.IsPositiveInfinity(value) ? "\"Infinity\""
            : double.IsNegativeInfinity(value) ? "\"-Infinity\""
            : value.ToString("R", CultureInfo.InvariantCulture);

        // System.Text.Json's default escaping: ASCII letters, digits and safe punctuation as they are; '\b', '\t',
        // '\n', '\f', '\r' and '\\' as short escapes; everything else (control characters, '"', '&', '\'', '+',
        // '<', '>', '`', DEL and all non-ASCII, as UTF-16 code units) as \uXXXX.
        private static string String(string? value)
        {
            if (value is null)
            {
                return "null";
            }

            var json = new StringBuilder(value.Length + 2);
            json.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '\b': json.Append("\\b"); break;
                    case '\t': json.Append("\\t"); break;
                    case '\n': json.Append("\\n"); break;
                    case '\f': json.Append("\\f"); break;
                    case '\r': json.Append("\\r"); break;
                    case '\\': json.Append("\\\\"); break;
                    default:
                        if (c < 0x20 || c > 0x7E || c is '"' or '&' or '\'' or '+' or '<' or '>' or '`')
                        {
                            json.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            json.Append(c);
                        }

                        break;
                }
            }

            return json.Append('"').ToString();
        }
    }
}
