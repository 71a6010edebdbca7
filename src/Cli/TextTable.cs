using System.Text;

namespace Hoist.Cli;

/// <summary>The CLI's tables, as kubectl prints them: a header row first, every column as wide as its widest cell, two spaces between.</summary>
internal static class TextTable
{
    public static string Format(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var cells = rows.Prepend(header).ToArray();
        var widths = Enumerable.Range(0, header.Count).Select(c => cells.Max(row => row[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in cells)
        {
            var line = string.Join("  ", row.Select((cell, c) => c == row.Count - 1 ? cell : cell.PadRight(widths[c])));
            text.Append(line.TrimEnd()).Append('\n');
        }

        return text.ToString();
    }
}
