using System.CommandLine;
using System.Text.Json;

namespace Cacophony.Cli;

/// <summary>A text to process and where it came from ("argument 2", "captions.jsonl:7").</summary>
sealed record TextInput(string Source, string Text);

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

    /// <summary>Every text; a .jsonl line that is not a JSON string is refused (see <see cref="ReadSkipping"/> to go on without it).</summary>
    public List<string> Read(ParseResult parse)
    {
        var (texts, failed) = ReadSkipping(parse);
        if (failed.Count > 0) throw new ArgumentException(failed[0]);
        return texts.Select(t => t.Text).ToList();
    }

    /// <summary>The readable texts with their sources, and one message for each .jsonl line that is not a JSON string.</summary>
    public (List<TextInput> Texts, List<string> Failed) ReadSkipping(ParseResult parse)
    {
        var texts = (parse.GetValue(_texts) ?? []).Select((text, i) => new TextInput($"argument {i + 1}", text)).ToList();
        var failed = new List<string>();
        if (parse.GetValue(_file) is { } path)
        {
            if (!File.Exists(path)) throw new ArgumentException($"{path}: file not found");
            bool jsonLines = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
            int line = 0;
            foreach (var text in File.ReadLines(path))
            {
                line++;
                if (!jsonLines)
                {
                    texts.Add(new TextInput($"{path}:{line}", text));
                    continue;
                }
                if (text.Length == 0) continue;
                try
                {
                    texts.Add(new TextInput($"{path}:{line}", JsonSerializer.Deserialize(text, CliJson.Default.String) ?? throw new JsonException("null")));
                }
                catch (JsonException)
                {
                    failed.Add($"{path}:{line}: not a JSON string");
                }
            }
        }
        if (texts.Count == 0 && failed.Count == 0) throw new ArgumentException("no texts given (pass them as arguments or with --texts FILE)");
        return (texts, failed);
    }
}
