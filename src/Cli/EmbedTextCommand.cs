using System.CommandLine;

namespace Cacophony.Cli;

/// <summary><c>cacophony embed-text --model DIR [TEXTS... | --texts FILE] [--max-length 100] [--out emb.npy] [--dump DIR]</c></summary>
static class EmbedTextCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var texts = new TextInputs();
        var maxLength = new Option<int>("--max-length") { Description = "token limit including <s> and </s> (100; zero-shot class prompts use 77)", DefaultValueFactory = _ => 100 };
        var output = new Option<string?>("--out") { Description = "write the normalized embeddings as a float32 .npy [N, 768], rows in input order" };
        var dump = new Option<string?>("--dump") { Description = "write token_ids, hidden and embedding per text to DIR/text_<i>/*.npy" };
        var command = new Command("embed-text", "Embed texts into the shared audio-text space.") { maxLength, output, dump };
        model.AddTo(command);
        texts.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var inputs = texts.Read(parse);
            using var cacophony = model.Load(parse);
            int width = cacophony.Config.ProjectionSize;
            var embeddings = new float[inputs.Count * width];
            cacophony.PrepareText();
            var tokenizer = cacophony.Tokenizer ?? throw new InvalidOperationException("this model directory has no tokenizer files (vocab.json, merges.txt): convert it again with --tokenizer");
            var results = new List<Model.TextEmbedding>(inputs.Count);
            // Texts run in batches: their tokens share every GEMM.
            foreach (var chunk in inputs.Chunk(64))
                results.AddRange(cacophony.EncodeTokens(chunk.Select(t => tokenizer.Encode(t, parse.GetValue(maxLength)).Unpadded).ToList()));
            for (int i = 0; i < inputs.Count; i++)
            {
                var result = results[i];
                result.Normalized.CopyTo(embeddings, i * width);
                if (parse.GetValue(dump) is { } dumpDirectory)
                    DumpDirectory.WriteAtomically(Path.Combine(dumpDirectory, $"text_{i}"), staging => FeatureDump.WriteText(staging, result, cacophony.Config.Text!.HiddenSize));
                if (parse.GetValue(output) is null)
                    Console.WriteLine(string.Join(' ', result.Normalized.Select(v => v.ToString("G6"))));
            }
            if (parse.GetValue(output) is { } path) EmbedAudioCommand.WriteAtomically(path, embeddings, inputs.Count, width);
            return 0;
        }));
        return command;
    }
}
