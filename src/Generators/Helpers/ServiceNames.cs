using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Hoist.Generators.Helpers
{
    /// <summary>Turns C# names into service names and service names back into C# identifiers.</summary>
    internal static class ServiceNames
    {
        private const string AsyncSuffix = "Async";

        // Identifiers HoistServiceTable already uses, or inherits from object: a service field may not take them.
        private static readonly HashSet<string> s_reservedTableMembers = new()
        {
            "HoistServiceTable", "Register", "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "ReferenceEquals",
        };

        /// <summary>The service name derived from a method: <c>EmbedAsync</c> becomes "embed".</summary>
        public static string FromMethodName(string methodName) =>
            ToKebabCase(methodName.Length > AsyncSuffix.Length && methodName.EndsWith(AsyncSuffix, System.StringComparison.Ordinal)
                ? methodName.Substring(0, methodName.Length - AsyncSuffix.Length)
                : methodName);

        /// <summary>The service name derived from a class: <c>ChatModel</c> becomes "chat-model".</summary>
        public static string FromTypeName(string typeName) => ToKebabCase(typeName);

        /// <summary>The proxy method's name: the method's name with "Async" appended unless it is already there.</summary>
        public static string ProxyMethodName(string methodName) =>
            methodName.EndsWith(AsyncSuffix, System.StringComparison.Ordinal) ? methodName : methodName + AsyncSuffix;

        /// <summary>
        /// "TrainModel" to "train-model", "HTTPServer" to "http-server": a word starts at an upper-case letter
        /// after a lower-case letter or digit, or at the last capital of an acronym. '_' separates words too.
        /// </summary>
        public static string ToKebabCase(string name)
        {
            var builder = new StringBuilder(name.Length + 4);
            for (var i = 0; i < name.Length; i++)
            {
                var c = name[i];
                if (c is '_' or '-')
                {
                    AppendSeparator(builder);
                    continue;
                }

                if (char.IsUpper(c) && i > 0)
                {
                    var previous = name[i - 1];
                    var next = i + 1 < name.Length ? name[i + 1] : '\0';
                    if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && char.IsLower(next)))
                    {
                        AppendSeparator(builder);
                    }
                }

                builder.Append(char.ToLowerInvariant(c));
            }

            return builder.ToString().Trim('-');
        }

        /// <summary>
        /// The C# identifier for a service's table field and dispatcher: "train-model" becomes "TrainModel".
        /// Service names are unique DNS labels, and this mapping keeps them unique: '-' before a digit becomes
        /// '_' ("gpt-2" is "Gpt_2", not "Gpt2"), and names that would clash with the table's own members get a '_'.
        /// </summary>
        public static string ToIdentifier(string serviceName)
        {
            var builder = new StringBuilder(serviceName.Length + 1);
            var upperNext = true;
            foreach (var c in serviceName)
            {
                if (c == '-')
                {
                    upperNext = true;
                    continue;
                }

                if (upperNext && char.IsDigit(c))
                {
                    builder.Append('_');
                }

                builder.Append(upperNext ? char.ToUpperInvariant(c) : c);
                upperNext = false;
            }

            var identifier = builder.ToString();
            if (identifier.Length == 0 || s_reservedTableMembers.Contains(identifier) || !SyntaxFacts.IsValidIdentifier(identifier))
            {
                identifier += "_";
            }

            return identifier;
        }

        /// <summary>A camelCase form for private fields: "Embed" to "embed", "HTTPGet" to "httpGet".</summary>
        public static string ToCamelCase(string name)
        {
            var upperPrefix = 0;
            while (upperPrefix < name.Length && char.IsUpper(name[upperPrefix]))
            {
                upperPrefix++;
            }

            if (upperPrefix == 0)
            {
                return name;
            }

            // Keep the capital that starts the next word: "HTTPGet" lowers "HTTP", not "HTTPG".
            var lowered = upperPrefix > 1 && upperPrefix < name.Length ? upperPrefix - 1 : upperPrefix;
            return name.Substring(0, lowered).ToLowerInvariant() + name.Substring(lowered);
        }

        /// <summary>Escapes C# keywords with '@' so a parameter named <c>class</c> stays a valid identifier.</summary>
        public static string EscapeIdentifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        /// <summary><paramref name="preferred"/>, or with '_' appended until it is not in <paramref name="taken"/>.</summary>
        public static string Unique(string preferred, ICollection<string> taken)
        {
            var name = preferred;
            while (taken.Contains(name))
            {
                name += "_";
            }

            return name;
        }

        private static void AppendSeparator(StringBuilder builder)
        {
            if (builder.Length > 0 && builder[builder.Length - 1] != '-')
            {
                builder.Append('-');
            }
        }
    }
}
