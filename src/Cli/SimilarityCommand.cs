using System.CommandLine;
using Cacophony.Eval;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary><c>cacophony similarity --model DIR --audio FILES... --text TEXTS... [--json]</c>: cosine similarities and scaled logits.</summary>
static class SimilarityCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var audio = new Option<string[]>("--audio") { Description = "audio files", Required = true, AllowMultipleArgumentsPerToken = true };
        var text = new Option<string[]>("--text") { Description = "texts", Required = true, AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "print JSON: cosine similarities, logits (exp(logit_scale) a.t) and per-audio softmax over the texts" };
        var command = new Command("similarity", "Score audio files against texts.") { audio, text, json };
        model.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            using var cacophony = model.Load(parse);
            var files = parse.GetValue(audio)!;
            var texts = parse.GetValue(text)!;
            var audioEmbeddings = files.Select(f => cacophony.EmbedAudio(f)).ToArray();
            var textEmbeddings = texts.Select(t => cacophony.EmbedText(t)).ToArray();
            var cosine = audioEmbeddings.Select(a => textEmbeddings.Select(t => CacophonyModel.Similarity(a, t)).ToArray()).ToArray();
            if (parse.GetValue(json))
            {
                var logits = cosine.Select(row => row.Select(c => c * cacophony.LogitScale).ToArray()).ToArray();
                var probabilities = logits.Select(row => { double max = row.Max(), sum = row.Sum(l => Math.Exp(l - max)); return row.Select(l => Math.Exp(l - max) / sum).ToArray(); }).ToArray();
                Console.WriteLine(JsonText.Serialize(new SimilarityJson(files, texts, cosine, logits, probabilities), CliJson.Indented));
                return 0;
            }
            Console.WriteLine($"{"audio \\ text",-40}  " + string.Join("  ", texts.Select((t, i) => $"[{i}]".PadLeft(7))));
            for (int a = 0; a < files.Length; a++)
                Console.WriteLine($"{Path.GetFileName(files[a]),-40}  " + string.Join("  ", cosine[a].Select(c => c.ToString("F4").PadLeft(7))));
            for (int t = 0; t < texts.Length; t++) Console.WriteLine($"[{t}] {texts[t]}");
            return 0;
        }));
        return command;
    }
}
