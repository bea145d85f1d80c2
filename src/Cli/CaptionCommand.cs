using System.CommandLine;
using System.Text.Json;
using Cacophony.Eval;
using Cacophony.Model.Captioning;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony caption --model DIR FILES... [--decode greedy|sample|beam] [--temperature 0.1] [--top-k K]
/// [--top-p P] [--seed 0] [--beams 3] [--max-tokens 99] [--seq-policy pad|exact] [--json]</c>:
/// <c>file,caption</c> CSV (or JSON lines with tokens) on stdout, progress on stderr.
/// </summary>
static class CaptionCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var sequence = new SequenceOptions(defaultLength: 1500);
        var files = new Argument<string[]>("files") { Description = "audio files", Arity = ArgumentArity.OneOrMore };
        var decoding = new DecodingOptionSet();
        var batch = new Option<int>("--batch") { Description = "clips encoded and decoded together", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "JSON lines with the token ids, chosen-token logits and (beam) score instead of CSV" };
        var command = new Command("caption", "Write a caption for each audio file (30 s setting, sequence 1500).")
            { files, batch, json };
        model.AddTo(command);
        decoding.AddTo(command);
        sequence.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var options = decoding.Read(parse, sequence.Seed(parse));
            int batchSize = parse.GetValue(batch);
            if (batchSize < 1) throw new ArgumentException($"--batch must be at least 1, not {batchSize}");
            var policy = sequence.Policy(parse);
            var paths = parse.GetValue(files)!;
            using var cacophony = model.Load(parse);
            var progress = new ProgressLine(paths.Length, "clips");
            bool asJson = parse.GetValue(json);
            if (!asJson) Console.WriteLine("file,caption");
            var note = new ShortClipNote();
            int failures = 0;
            for (int start = 0; start < paths.Length; start += batchSize)
            {
                var chunk = Enumerable.Range(start, Math.Min(batchSize, paths.Length - start));
                var (readable, unreadable) = ClipReader.Prepare(paths, chunk, policy);
                // One unreadable clip is reported and skipped; the others still get their captions.
                foreach (var (_, error) in unreadable) Console.Error.WriteLine($"error: {error}");
                failures += unreadable.Count;
                progress.Advance(unreadable.Count);
                // File i samples from stream i whatever batch it lands in.
                var encoded = readable.Encode(cacophony);
                for (int r = 0; r < encoded.Count; r++) note.Check(paths[readable.Indices[r]], encoded[r]);
                var captions = cacophony.Caption(encoded, options, readable.Indices.Select(i => (ulong)i).ToList());
                for (int r = 0; r < captions.Count; r++) WriteRow(paths[readable.Indices[r]], captions[r], asJson);
                progress.Advance(captions.Count);
            }
            return failures == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    static void WriteRow(string path, Model.Caption caption, bool asJson)
    {
        if (asJson)
            Console.WriteLine(Eval.JsonText.Serialize(new CaptionJson(path, caption.Text, caption.Tokens.Tokens, caption.Tokens.ChosenLogits,
                double.IsNaN(caption.Tokens.Score) ? null : caption.Tokens.Score), CliJson.Line));
        else
            Console.WriteLine(Eval.Datasets.Csv.Line([path, caption.Text]));
        Console.Out.Flush();
    }
}
