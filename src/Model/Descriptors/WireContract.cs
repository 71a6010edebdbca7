using System.Globalization;

namespace Hoist;

/// <summary>
/// One remote method's wire contract, as the generator derived it from the types' shapes: <see cref="Shape"/> is
/// its text (the signature line, then one line per type it reaches) and <see cref="Fingerprint"/> that text's
/// FNV-1a 64 hash. A caller and a worker that disagree on it read the same bytes differently, so the worker refuses.
/// </summary>
public sealed record WireContract(string Method, ulong Fingerprint, string Shape)
{
    /// <summary>The fingerprint as 16 hex digits, as logs, errors and <c>hoist status</c> print it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Hex => Format(Fingerprint);

    /// <summary>The first line of <see cref="Shape"/>: "Add(p: Pair [json]) -> int [raw]".</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Signature => Shape.Split('\n')[0];

    /// <summary>True for a method that returns <c>IAsyncEnumerable&lt;T&gt;</c>: its signature's result is "stream of T".</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Streams => Signature.Contains(") -> stream of ", StringComparison.Ordinal);

    public static string Format(ulong fingerprint) => fingerprint.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// One short fingerprint of a service's every method (16 hex digits, of SHA-256 over each method's id and
    /// fingerprint in id order): equal on two workers exactly when every call one accepts, the other accepts too.
    /// </summary>
    public static string Digest(IEnumerable<WireContract> contracts)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        var lines = string.Concat(contracts.OrderBy(static c => c.Method, StringComparer.Ordinal).Select(static c => $"{c.Method} {c.Hex}\n"));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(lines)))[..16];
    }

    /// <summary>The contract of <paramref name="method"/> among <paramref name="contracts"/>, or null.</summary>
    public static WireContract? Find(IReadOnlyList<WireContract> contracts, string method)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        foreach (var contract in contracts)
        {
            if (string.Equals(contract.Method, method, StringComparison.Ordinal))
            {
                return contract;
            }
        }

        return null;
    }

    /// <summary>
    /// What differs between two shapes of one method, in words: the first type line that differs, and within it the
    /// members one side has and the other lacks ("Pair: the caller's has Left, the worker's has A"). Null when
    /// the shapes are equal.
    /// </summary>
    public static string? Difference(string ours, string theirs, string ourSide, string theirSide)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        if (ours == theirs)
        {
            return null;
        }

        var ourLines = Lines(ours);
        var theirLines = Lines(theirs);
        if (ourLines[0] != theirLines[0])
        {
            return $"the signature differs: the {ourSide}'s is {ourLines[0]}, the {theirSide}'s is {theirLines[0]}";
        }

        foreach (var (type, line) in ourLines.Skip(1).Select(l => (TypeName(l), l)))
        {
            var other = theirLines.Skip(1).FirstOrDefault(l => TypeName(l) == type);
            if (other is null)
            {
                return $"the {theirSide}'s contract no longer reaches {type}: {line}";
            }

            if (other != line)
            {
                return $"{type} differs: {MemberDifference(line, other, ourSide, theirSide)}";
            }
        }

        var added = theirLines.Skip(1).FirstOrDefault(l => !ourLines.Skip(1).Any(o => TypeName(o) == TypeName(l)));
        return added is null ? "the contracts differ" : $"the {theirSide}'s contract also reaches {added}";
    }

    private static string[] Lines(string shape) => shape.Split('\n');

    // "Pair { Left: int, Right: int } new(Left, Right)" -> "Pair"; "enum Color : int { ... }" -> "Color".
    private static string TypeName(string line)
    {
        var text = line.StartsWith("enum ", StringComparison.Ordinal) ? line[5..] : line;
        var end = text.IndexOfAny([' ', '{']);
        return end < 0 ? text : text[..end];
    }

    // The members (or enum values) one side has and the other lacks; else both lines, which say the rest (order, types, constructor).
    private static string MemberDifference(string ours, string theirs, string ourSide, string theirSide)
    {
        var ourMembers = Members(ours);
        var theirMembers = Members(theirs);
        var onlyOurs = ourMembers.Where(m => !theirMembers.Contains(m)).ToArray();
        var onlyTheirs = theirMembers.Where(m => !ourMembers.Contains(m)).ToArray();
        if (onlyOurs.Length + onlyTheirs.Length > 0)
        {
            var parts = new List<string>();
            if (onlyOurs.Length > 0)
            {
                parts.Add($"the {ourSide}'s has {string.Join(", ", onlyOurs)}");
            }

            if (onlyTheirs.Length > 0)
            {
                parts.Add($"the {theirSide}'s has {string.Join(", ", onlyTheirs)}");
            }

            return string.Join("; ", parts);
        }

        return $"the {ourSide}'s is {ours}, the {theirSide}'s is {theirs}";
    }

    private static string[] Members(string line)
    {
        var open = line.IndexOf('{', StringComparison.Ordinal);
        var close = line.LastIndexOf('}');
        if (open < 0 || close < open)
        {
            return [];
        }

        // Split at the commas between members, not those inside a member's type (Dictionary<string, int>).
        var members = new List<string>();
        var depth = 0;
        var start = open + 1;
        for (var i = start; i < close; i++)
        {
            switch (line[i])
            {
                case '<' or '(' or '[':
                    depth++;
                    break;
                case '>' or ')' or ']':
                    depth--;
                    break;
                case ',' when depth == 0:
                    members.Add(line[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        members.Add(line[start..close].Trim());
        return members.Where(static m => m.Length > 0).ToArray();
    }
}
