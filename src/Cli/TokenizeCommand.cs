using System.CommandLine;
using System.Text.Json;
using Cacophony.Model.Text;
using Cacophony.Weights;

namespace Cacophony.Cli;

/// <summary><c>cacophony tokenize --model DIR [--max-length 100] [TEXTS... | --texts FILE]</c>: Hugging Face's input_ids and attention_mask, one JSON object per line.</summary>
static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "model directory holding vocab.json and merges.txt", Required = true };
        var texts = new TextInputs();
        var maxLength = new Option<int>("--max-length") { Description = "pad / truncate to this many ids, <s> and </s> included", DefaultValueFactory = _ => 100 };
        var command = new Command("tokenize", "Tokenize texts as RobertaTokenizerFast(padding='max_length', truncation=True).") { model, maxLength };
        texts.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string directory = parse.GetValue(model)!;
            var tokenizer = new RobertaTokenizer(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
            foreach (var text in texts.Read(parse))
            {
                var encoded = tokenizer.Encode(text, parse.GetValue(maxLength));
                Console.WriteLine(Eval.JsonText.Serialize(new Dictionary<string, int[]> { ["input_ids"] = encoded.InputIds, ["attention_mask"] = encoded.AttentionMask }, CliJson.Line));
            }
            return 0;
        }));
        return command;
    }
}
