namespace Hoist.Settings
{
    /// <summary>
    /// One thing wrong with a service's settings: which setting, its value as written, what is wrong, and what is
    /// allowed. <see cref="Id"/> is the generator's diagnostic ID for the rule, so a compile-time error and a
    /// refused configuration override of the same value carry the same ID.
    /// </summary>
    internal sealed class SettingProblem
    {
        public SettingProblem(string id, string setting, string? value, string problem, string allowed, int? index = null, string? configurationKey = null)
        {
            Index = index;
            ConfigurationKey = configurationKey;
            Id = id;
            Setting = setting;
            Value = value;
            Problem = problem;
            Allowed = allowed;
        }

        /// <summary>Which [Env], [Secret], [Setup] or [Volume] (in declaration order, of the kind the setting names) the problem is in; null for any other setting.</summary>
        public int? Index { get; }

        /// <summary>
        /// Where an override of the value goes under <c>Hoist:Services:&lt;name&gt;</c> when that is not <see cref="Setting"/>
        /// itself: "Setup:1", "Volumes:models:Size".
        /// </summary>
        public string? ConfigurationKey { get; }

        /// <summary>HOIST0xx.</summary>
        public string Id { get; }

        /// <summary>The attribute property, which is also the configuration key: "Window", "MinScale".</summary>
        public string Setting { get; }

        /// <summary>The value as C# would write it ("\"abc\"", "0"), or null when the setting is missing.</summary>
        public string? Value { get; }

        /// <summary>What is wrong, as a predicate of the setting: "is out of range", "is above MaxScale 3".</summary>
        public string Problem { get; }

        /// <summary>What to write instead: "use a percentage from 1 to 100".</summary>
        public string Allowed { get; }

        /// <summary>"TargetUtilization 0 is out of range", the start of every message about this problem.</summary>
        public string Subject => Value is null ? Setting : Setting + " " + Value;

        public override string ToString() => $"{Subject} {Problem}: {Allowed}";
    }
}
