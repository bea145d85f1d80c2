using System.CommandLine;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;

namespace Cacophony.Cli;

/// <summary>
/// <c>convert_checkpoint &lt;checkpoint&gt; &lt;out-dir&gt; [--tokenizer DIR] [--dtype f32|f16|bf16|int8]</c>;
/// also the <c>cacophony convert</c> subcommand, and <c>cacophony quantize MODEL_DIR OUT_DIR</c>. Errors are one
/// line on stderr and exit code 2.
/// </summary>
public static class ConvertCommand
{
    public const int BadInput = 2;

    public static Command Create(string name)
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "Cacophony.ckpt / AudioMAE.ckpt (Flax msgpack), a .pt state_dict of the PyTorch port, or a model directory" };
        var output = new Argument<string>("out-dir") { Description = "model directory to write (model.safetensors, config.json, vocab.json, merges.txt)" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "directory with roberta-base vocab.json and merges.txt (default: the Hugging Face cache)" };
        var noTokenizer = new Option<bool>("--no-tokenizer") { Description = "write no tokenizer files (audio-only model directory)" };
        var dtype = new Option<string>("--dtype") { Description = "storage type of weight matrices: f32, f16, bf16, or int8 (dense layers per output channel with f32 scales); vectors and positional tables stay f32", DefaultValueFactory = _ => "f32" };
        var floatEmbeddings = FloatEmbeddingsOption();
        var audioHeads = new Option<int?>("--audio-heads") { Description = "audio encoder heads (read from Flax kernels; default width/96 for .pt)" };
        var textHeads = new Option<int?>("--text-heads") { Description = "text encoder heads (default width/64: 12 at 768)" };
        var decoderHeads = new Option<int?>("--decoder-heads") { Description = "caption decoder heads (default width/64)" };
        var poolHeads = new Option<int?>("--pool-heads") { Description = "audio attention pool heads (default 8)" };
        var force = new Option<bool>("--force") { Description = "replace an existing non-empty output directory" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "no progress on stderr" };

        var command = new Command(name, "Convert an original Cacophony / AudioMAE checkpoint into a model directory.")
        {
            checkpoint, output, tokenizer, noTokenizer, dtype, floatEmbeddings, audioHeads, textHeads, decoderHeads, poolHeads, force, quiet,
        };
        command.SetAction(parse =>
        {
            var storage = DTypes.FromOptionName(parse.GetValue(dtype) ?? "f32");
            if (storage is null)
            {
                Console.Error.WriteLine($"--dtype: '{parse.GetValue(dtype)}' is not one of f32, f16, bf16, int8");
                return BadInput;
            }
            var options = new ConvertOptions
            {
                Checkpoint = parse.GetValue(checkpoint)!,
                OutputDirectory = parse.GetValue(output)!,
                TokenizerDirectory = parse.GetValue(tokenizer),
                NoTokenizer = parse.GetValue(noTokenizer),
                WeightsDType = storage.Value,
                QuantizeEmbeddings = !parse.GetValue(floatEmbeddings),
                Force = parse.GetValue(force),
                Overrides = new ConfigOverrides
                {
                    AudioHeads = parse.GetValue(audioHeads),
                    TextHeads = parse.GetValue(textHeads),
                    DecoderHeads = parse.GetValue(decoderHeads),
                    PoolHeads = parse.GetValue(poolHeads),
                },
            };
            bool verbose = !parse.GetValue(quiet);
            return Run(options, verbose ? line => Console.Error.WriteLine(line) : null);
        });
        return command;
    }

    static Option<bool> FloatEmbeddingsOption() =>
        new("--float-embeddings") { Description = "with int8: keep the word embedding and the caption decoder's output layer in f32 (+0.3 GB at full size)" };

    /// <summary><c>cacophony quantize MODEL_DIR OUT_DIR</c>: a model directory re-written with int8 weights.</summary>
    public static Command CreateQuantize()
    {
        var model = new Argument<string>("model-dir") { Description = "a model directory written by `cacophony convert` (f32, f16 or bf16)" };
        var output = new Argument<string>("out-dir") { Description = "the int8 model directory to write" };
        var floatEmbeddings = FloatEmbeddingsOption();
        var force = new Option<bool>("--force") { Description = "replace an existing non-empty output directory" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "no progress on stderr" };
        var command = new Command("quantize", "Write a model directory with int8 weights: every dense layer per output channel (symmetric, f32 scales), and the word embedding per row.")
        {
            model, output, floatEmbeddings, force, quiet,
        };
        command.SetAction(parse =>
        {
            var options = new ConvertOptions
            {
                Checkpoint = parse.GetValue(model)!,
                OutputDirectory = parse.GetValue(output)!,
                WeightsDType = DType.Int8,
                QuantizeEmbeddings = !parse.GetValue(floatEmbeddings),
                Force = parse.GetValue(force),
            };
            if (!Directory.Exists(options.Checkpoint))
            {
                Console.Error.WriteLine($"error: {options.Checkpoint}: not a model directory (convert a checkpoint with `cacophony convert CHECKPOINT DIR --dtype int8`)");
                return BadInput;
            }
            return Run(options, parse.GetValue(quiet) ? null : line => Console.Error.WriteLine(line));
        });
        return command;
    }

    /// <summary>Converts, turning every expected failure into one line on stderr and exit code 2.</summary>
    public static int Run(ConvertOptions options, Action<string>? log)
    {
        try
        {
            CheckpointConverter.Convert(options, log);
            return 0;
        }
        catch (CheckpointException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {options.Checkpoint} -> {options.OutputDirectory}: {e.Message}");
            return BadInput;
        }
    }
}
