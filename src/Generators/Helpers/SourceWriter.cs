using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace Hoist.Generators.Helpers
{
    /// <summary>
    /// Builds generated source line by line with four-space indentation, the way System.Text.Json's
    /// generator does. Lines always end in '\n' so the output is the same on every OS.
    /// </summary>
    internal sealed class SourceWriter
    {
        private const int SpacesPerIndentation = 4;

        private readonly StringBuilder _builder = new();

        public int Indentation { get; set; }

        /// <summary>Writes <paramref name="text"/>, indenting each of its lines at the current level.</summary>
        public void WriteLine(string text)
        {
            var lines = text.Split('\n');
            foreach (var rawLine in lines)
            {
                var line = rawLine.TrimEnd('\r');
                if (line.Length > 0)
                {
                    _builder.Append(' ', Indentation * SpacesPerIndentation);
                    _builder.Append(line);
                }

                _builder.Append('\n');
            }
        }

        public void WriteLine() => _builder.Append('\n');

        /// <summary>Writes a preprocessor directive at the start of the line, where C# style puts them.</summary>
        public void WriteDirective(string directive) => _builder.Append(directive).Append('\n');

        /// <summary>Writes <c>{</c> and indents what follows.</summary>
        public void OpenBlock()
        {
            WriteLine("{");
            Indentation++;
        }

        /// <summary>Unindents and writes <c>}</c> followed by <paramref name="suffix"/> (for example ";").</summary>
        public void CloseBlock(string suffix = "")
        {
            Indentation--;
            WriteLine("}" + suffix);
        }

        public SourceText ToSourceText() => SourceText.From(ToString(), Encoding.UTF8);

        public override string ToString() => _builder.ToString();
    }
}
