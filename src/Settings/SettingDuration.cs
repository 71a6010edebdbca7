using System;
using System.Globalization;

namespace Hoist.Settings
{
    /// <summary>
    /// The one duration grammar of every setting (Window, InactivityTtl), at compile time and at run time: Go's
    /// <c>time.ParseDuration</c>, which Knative uses for the same annotations, with the units people write for
    /// these (h, m, s, ms) and no sign. "60s", "1m30s", "1.5h", ".5h", "500ms" and "0" are durations; "60", "abc",
    /// "-1s" and "1d" are not.
    /// </summary>
    internal static class SettingDuration
    {
        public const string Grammar = "a Go-style duration such as \"60s\", \"1m30s\", \"1.5h\" or \"500ms\" (units h, m, s, ms)";

        public static bool TryParse(string? text, out double seconds)
        {
            seconds = 0;
            if (text is null || text.Length == 0)
            {
                return false;
            }

            if (text == "0")
            {
                return true;
            }

            var position = 0;
            while (position < text.Length)
            {
                // A number: digits, optionally a point and more digits; at least one digit in all.
                var start = position;
                var digits = 0;
                while (position < text.Length && IsDigit(text[position]))
                {
                    position++;
                    digits++;
                }

                if (position < text.Length && text[position] == '.')
                {
                    position++;
                    while (position < text.Length && IsDigit(text[position]))
                    {
                        position++;
                        digits++;
                    }
                }

                if (digits == 0)
                {
                    seconds = 0;
                    return false;
                }

                var number = text.Substring(start, position - start);
                var amount = double.Parse(number == "." ? "0" : number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

                // Then a unit; "ms" before "m".
                double unit;
                if (string.CompareOrdinal(text, position, "ms", 0, 2) == 0)
                {
                    (unit, position) = (0.001, position + 2);
                }
                else if (position < text.Length && text[position] is 'h' or 'm' or 's')
                {
                    unit = text[position] switch { 'h' => 3600, 'm' => 60, _ => 1 };
                    position++;
                }
                else
                {
                    seconds = 0;
                    return false;
                }

                seconds += amount * unit;
            }

            return true;
        }

        /// <summary>
        /// A duration as the grammar writes it, for messages: "300ms", "2.5s", "1m30s", "2h". Whole milliseconds;
        /// what it prints parses back to the same value.
        /// </summary>
        public static string Format(TimeSpan duration)
        {
            var milliseconds = (long)Math.Round(duration.TotalMilliseconds);
            if (milliseconds < 1000)
            {
                return milliseconds.ToString(CultureInfo.InvariantCulture) + "ms";
            }

            if (milliseconds < 60_000)
            {
                return (milliseconds / 1000.0).ToString("0.###", CultureInfo.InvariantCulture) + "s";
            }

            var text = new System.Text.StringBuilder();
            var hours = milliseconds / 3_600_000;
            var minutes = milliseconds / 60_000 % 60;
            var seconds = milliseconds % 60_000 / 1000.0;
            if (hours > 0)
            {
                text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
            }

            if (minutes > 0)
            {
                text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }

            if (seconds > 0)
            {
                text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
            }

            return text.ToString();
        }

        private static bool IsDigit(char c) => c >= '0' && c <= '9';
    }
}
