using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Hoist.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Hoist.Configuration;

namespace Hoist.Hosting;

/// <summary>
/// Reads the <c>Hoist</c> section before the binder does, so a key Hoist does not know or a value of the wrong kind is
/// refused as a validation failure that names the key, the value, what is allowed and the likely fix ("did you mean
/// MaxScale?") instead of the binder's exception. It runs first among the section's configure steps, on start-up and
/// on every reload alike (<see cref="LastGoodOptionsMonitor"/> keeps the last good settings when it throws).
/// </summary>
internal sealed class HoistSectionCheck(IConfiguration configuration, bool allServicesLoaded) : IConfigureOptions<HoistOptions>
{
    /// <summary>
    /// The <see cref="Microsoft.Extensions.Hosting.IHostApplicationBuilder.Properties"/> key that says every service
    /// the app can call has registered (<see cref="HoistApplication"/> loads them first), so an override for any other
    /// name is refused. A plain host's services may still load later: <see cref="Client.ServiceCatalog"/> checks those then.
    /// </summary>
    public const string AllServicesLoadedProperty = "Hoist.AllServicesLoaded";

    public void Configure(HoistOptions options)
    {
        var failures = Problems(configuration.GetSection(HoistOptions.SectionName), allServicesLoaded).ToArray();
        if (failures.Length > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HoistOptions), failures);
        }
    }

    /// <summary>Every unknown key and unreadable value under <paramref name="section"/>, in key order.</summary>
    public static IEnumerable<string> Problems(IConfigurationSection section, bool allServicesLoaded) =>
        Walk(section, typeof(HoistOptions), owner: null, allServicesLoaded);

    private static IEnumerable<string> Walk(IConfigurationSection section, Type type, string? owner, bool allServicesLoaded)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(type))
        {
            if (section.Value is { } value && ValueProblem(section.Path, value, type) is { } problem)
            {
                yield return problem;
            }

            yield break;
        }

        if (Dictionary(type) is { } entryType)
        {
            var isServices = section.Path.Equals($"{HoistOptions.SectionName}:{nameof(HoistOptions.Services)}", StringComparison.OrdinalIgnoreCase);
            foreach (var entry in section.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (isServices && allServicesLoaded && UnknownService(entry) is { } unknown)
                {
                    yield return unknown;
                    continue;
                }

                foreach (var problem in Walk(entry, entryType, isServices ? entry.Key : owner, allServicesLoaded))
                {
                    yield return problem;
                }
            }

            yield break;
        }

        if (ListElement(type) is { } elementType)
        {
            foreach (var item in section.GetChildren())
            {
                if (!int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    yield return $"{item.Path} is not an item of a list: list items are numbered from 0 ({section.Path}:0, {section.Path}:1, ...).";
                    continue;
                }

                foreach (var problem in Walk(item, elementType, owner, allServicesLoaded))
                {
                    yield return problem;
                }
            }

            yield break;
        }

        var settings = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToArray();
        foreach (var child in section.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var setting = settings.FirstOrDefault(p => p.Name.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            if (setting is null)
            {
                yield return Unknown(child, settings.Select(p => p.Name).ToArray(), owner);
                continue;
            }

            foreach (var problem in Walk(child, setting.PropertyType, owner, allServicesLoaded))
            {
                yield return problem;
            }
        }
    }

    /// <summary>An override for a service the app does not have.</summary>
    private static string? UnknownService(IConfigurationSection entry)
    {
        if (Dispatch.ServiceRegistry.TryGet(entry.Key, out _))
        {
            return null;
        }

        var known = Dispatch.ServiceRegistry.All.Select(r => r.Descriptor.Name).Order(StringComparer.Ordinal).ToArray();
        var closest = Closest(entry.Key, known);
        return $"{entry.Path} overrides service '{entry.Key}', which this app does not have" +
            (closest is not null ? $": did you mean {closest}?" : $". Its services: {(known.Length == 0 ? "none" : string.Join(", ", known))}.");
    }

    private static string Unknown(IConfigurationSection child, string[] known, string? service)
    {
        var what = service is null ? $"a setting of {child.Path[..^(child.Key.Length + 1)]}" : $"a setting of service '{service}'";
        var closest = Closest(child.Key, known);
        return closest is null
            ? $"{child.Path} is not {what}. Known: {string.Join(", ", known.Order(StringComparer.Ordinal))}."
            : $"{child.Path} is not {what}: did you mean {closest}?";
    }

    private static string? ValueProblem(string path, string value, Type type)
    {
        try
        {
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return null;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            var allowed = type switch
            {
                _ when type == typeof(TimeSpan) => $"use {SettingDuration.Grammar}",
                _ when type == typeof(bool) => "use true or false",
                _ when type == typeof(int) || type == typeof(long) => "use a whole number",
                _ when type == typeof(double) => "use a number such as 2 or 0.5",
                _ when type.IsEnum => $"use one of {string.Join(", ", Enum.GetNames(type))}",
                _ => $"use a {type.Name}",
            };
            return $"{path} is \"{value}\", which is not a {(type == typeof(TimeSpan) ? "duration" : type.Name)}: {allowed}.";
        }
    }

    /// <summary>The known key nearest to a mistyped one, when it is near enough to be what was meant.</summary>
    internal static string? Closest(string key, IEnumerable<string> known)
    {
        var best = known
            .Select(k => (Key: k, Distance: EditDistance(key.ToUpperInvariant(), k.ToUpperInvariant())))
            .OrderBy(k => k.Distance)
            .FirstOrDefault();
        return best.Key is not null && best.Distance <= Math.Max(2, key.Length / 3) ? best.Key : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static bool IsValue(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan) || type == typeof(Uri);

    private static Type? Dictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? ListElement(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;
}

/// <summary>
/// TimeSpan settings in configuration take the one duration grammar the attributes take ("30s", "1m30s", "500ms"),
/// and TimeSpan's own "00:00:30" still. Registered for <see cref="TimeSpan"/> once per process, so the configuration
/// binder reads <c>"CallTimeout": "30s"</c> as the attribute would.
/// </summary>
internal sealed class DurationConverter : TimeSpanConverter
{
    private static int s_registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text && SettingDuration.TryParse(text.Trim(), out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : base.ConvertFrom(context, culture, value);
}
