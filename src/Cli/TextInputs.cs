using System.CommandLine;
using System.Text.Json;

namespace Cacophony.Cli;

/// <summary>Texts from the command line, or from --texts FILE: one per line, or one JSON string per line for .jsonl (texts with newlines).</summary>
sealed class TextInputs
{
    readonly Argument<string[]> _texts = new("texts") { Description = "texts to process", Arity = ArgumentArity.ZeroOrMore };
    readonly Option<string?> _file = new("--texts") { Description = "file with one text per line (.jsonl: one JSON string per line)" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(_texts);
        command.Options.Add(_file);
    }

    public List<string> Read(ParseResult parse)
    {
        var texts = new List<string>(parse.GetValue(_texts) ?? []);
        if (parse.GetValue(_file) is { } path)
        {
            if (!File.Exists(path)) throw new ArgumentException($"{path}: file not found");
            int line = 0;
            foreach (var text in File.ReadLines(path))
            {
                line++;
                if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                {
                    texts.Add(text);
                    continue;
                }
                if (text.Length == 0) continue;
                try
                {
                    texts.Add(JsonSerializer.Deserialize<string>(text) ?? throw new JsonException("null"));
                }
                catch (JsonException)
                {
                    throw new ArgumentException($"{path}:{line}: not a JSON string");
                }
            }
        }
        if (texts.Count == 0) throw new ArgumentException("no texts given (pass them as arguments or with --texts FILE)");
        return texts;
    }
}
