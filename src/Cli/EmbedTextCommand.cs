using System.CommandLine;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony embed-text --model DIR [TEXTS... | --texts FILE] [--max-length 100] [--out emb.npy] [--dump DIR] [--progress]</c>.
/// A .jsonl line that is not a JSON string is reported and skipped, the others are embedded, and the exit code is
/// then 2; <c>--out X.npy</c> also writes <c>X.files.txt</c>, the source of each row ("argument 2", "FILE:LINE").
/// </summary>
static class EmbedTextCommand
{
    const int Batch = 64;

    public static Command Create()
    {
        var model = new ModelOption();
        var texts = new TextInputs();
        var maxLength = new Option<int>("--max-length") { Description = "token limit including <s> and </s> (100; zero-shot class prompts use 77)", DefaultValueFactory = _ => 100 };
        var output = new Option<string?>("--out") { Description = "write the normalized embeddings as a float32 .npy [N, 768] and the source of each row to X.files.txt" };
        var dump = new Option<string?>("--dump") { Description = "write token_ids, hidden and embedding per text to DIR/text_<i>/*.npy" };
        var progress = new Option<bool>("--progress") { Description = "show progress on stderr even when it is not a terminal" };
        var command = new Command("embed-text", "Embed texts into the shared audio-text space.") { maxLength, output, dump, progress };
        model.AddTo(command);
        texts.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var (inputs, failed) = texts.ReadSkipping(parse);
            foreach (var message in failed) Console.Error.WriteLine($"error: {message}");
            string? outPath = parse.GetValue(output);
            if (outPath is not null) OutputPlace.CheckFile(outPath);
            if (parse.GetValue(dump) is { } dumpFolder) OutputPlace.CheckFolder(dumpFolder);
            using var cacophony = model.Load(parse);
            int width = cacophony.Config.ProjectionSize;
            cacophony.PrepareText();
            var tokenizer = cacophony.Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
            var bar = new ProgressLine(inputs.Count, "texts", ProgressLine.OnTerminalOr(parse.GetValue(progress)));
            var rows = new List<float[]>(inputs.Count);
            // Texts run in batches: their tokens share every GEMM.
            foreach (var chunk in inputs.Chunk(Batch))
            {
                var results = cacophony.EncodeTokens(chunk.Select(t => tokenizer.Encode(t.Text, parse.GetValue(maxLength)).Unpadded).ToList());
                foreach (var result in results)
                {
                    int i = rows.Count;
                    rows.Add(result.Normalized);
                    if (parse.GetValue(dump) is { } dumpDirectory)
                        DumpDirectory.WriteAtomically(Path.Combine(dumpDirectory, $"text_{i}"), staging => FeatureDump.WriteText(staging, result, cacophony.Config.Text!.HiddenSize));
                    if (outPath is null)
                        Console.WriteLine(string.Join(' ', result.Normalized.Select(v => v.ToString("G6"))));
                }
                bar.Advance(chunk.Length);
            }
            if (outPath is not null) EmbedAudioCommand.WriteRows(outPath, rows, width, inputs.Select(t => t.Source).ToList());
            if (failed.Count > 0 && inputs.Count + failed.Count > 1)
                Console.Error.WriteLine($"{failed.Count} inputs could not be read (above) and have no row{(outPath is null ? "" : $"; {EmbedAudioCommand.RowsFile(outPath)} names the source of each row")}");
            return failed.Count == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }
}
