using System.CommandLine;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary><c>cacophony info DIR</c>: what a model directory holds, checked tensor by tensor.</summary>
static class InfoCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("model-dir") { Description = "a model directory written by `cacophony convert CHECKPOINT DIR`" };
        var command = new Command("info", "Check a model directory (written by `cacophony convert`) and print its configuration.") { directory };
        command.SetAction(parse => Errors.Guard(() =>
        {
            using var model = ModelDirectory.Open(parse.GetValue(directory)!);
            var c = model.Config;
            long parameters = model.Tensors.Values.Sum(t => t.ElementCount);
            Console.WriteLine($"model:      {model.Path} ({c.Kind}, {parameters:N0} parameters)");
            Console.WriteLine($"weights:    {Precision(c)}, {model.WeightBytes / 1e6:N1} MB in model.safetensors");
            Console.WriteLine($"audio:      {c.Audio.NumLayers} layers x {c.Audio.HiddenSize} wide, {c.Audio.NumHeads} heads, MLP {c.Audio.IntermediateSize}");
            if (c.Text is { } t) Console.WriteLine($"text:       {t.NumHiddenLayers} layers x {t.HiddenSize} wide, {t.NumAttentionHeads} heads, MLP {t.IntermediateSize}, vocabulary {t.VocabSize}");
            if (c.Decoder is { } d) Console.WriteLine($"decoder:    {d.NumHiddenLayers} layers x {d.HiddenSize} wide, {d.NumAttentionHeads} heads");
            if (c.AudiomaeDecoder is { } m) Console.WriteLine($"mae dec.:   {m.NumLayers} layers x {m.HiddenSize} wide, {m.NumHeads} heads");
            if (c.Kind == Weights.ModelConfig.CacophonyKind)
            {
                Console.WriteLine($"embedding:  {c.ProjectionSize}, audio pool heads {c.NumAttentionPoolHeads}");
                Console.WriteLine($"tokenizer:  {(model.HasTokenizer ? "vocab.json + merges.txt" : "absent (audio only)")}");
            }
            if (c.Source is { } s) Console.WriteLine($"source:     {s.File} ({s.Format}, {s.Size:N0} bytes, sha256 {s.Sha256})");
            return 0;
        }));
        return command;
    }

    /// <summary>How the weights are stored, and for int8 what was quantized.</summary>
    static string Precision(Weights.ModelConfig c) => c.Quantization is { } q
        ? $"int8 ({q.DenseLayers} dense layers per output channel{(q.Embeddings ? ", word embedding per row" : "; word embedding and output layer f32")}; f32 scales, norms, biases and positional tables)"
        : c.WeightsDtype switch { "f32" => "f32", var d => $"{d} matrices, f32 vectors" };
}
