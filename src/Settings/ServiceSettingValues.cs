using System;
using System.Collections.Generic;

namespace Hoist.Settings
{
    /// <summary>
    /// A service's settings as the rules see them, however they arrived: from the attributes (the generator fills
    /// it from attribute arguments) or from a descriptor with configuration overrides applied (the runtime, the
    /// manifest tool and the CLI fill it from the effective descriptor's JSON). The catalogue's settings are read and
    /// written by their row (<see cref="SettingsCatalogue"/>); unset optional values are null.
    /// </summary>
    internal sealed class ServiceSettingValues
    {
        public string? Name { get; set; }

        /// <summary>A default deadline for every call; configuration only.</summary>
        public TimeSpan? CallTimeout { get; set; }

        public bool IsDistributed { get; set; }

        public string? DistributionType { get; set; }

        public bool IsAutoscaled { get; set; }

        /// <summary>The value of a catalogue setting: what was set, else the row's default.</summary>
        public object? this[SettingRow row]
        {
            get => _values.TryGetValue(row.Key, out var value) ? value : row.Default;
            set => _values[row.Key] = value;
        }

        /// <summary>Whether the attribute or the descriptor set the setting, rather than the row's default standing in.</summary>
        public bool IsSet(SettingRow row) => _values.ContainsKey(row.Key);

        public int Int(SettingRow row) => this[row] is int number ? number : 0;

        public int? OptionalInt(SettingRow row) => this[row] as int?;

        public double Double(SettingRow row) => this[row] switch
        {
            double number => number,
            int number => number,
            _ => 0,
        };

        public bool Bool(SettingRow row) => this[row] is true;

        public string? Text(SettingRow row) => this[row] as string;

        private readonly Dictionary<string, object?> _values = new Dictionary<string, object?>(StringComparer.Ordinal);

        /// <summary>The [Env] variables, in order.</summary>
        public IReadOnlyList<EnvironmentSetting> Environment { get; set; } = Array.Empty<EnvironmentSetting>();

        /// <summary>The [Secret] references, in order: names and keys, never values.</summary>
        public IReadOnlyList<SecretSetting> Secrets { get; set; } = Array.Empty<SecretSetting>();

        /// <summary>The [Setup] shell steps, in order.</summary>
        public IReadOnlyList<string?> Setup { get; set; } = Array.Empty<string?>();

        /// <summary>The [Volume]s, in order.</summary>
        public IReadOnlyList<VolumeSetting> Volumes { get; set; } = Array.Empty<VolumeSetting>();
    }
}
