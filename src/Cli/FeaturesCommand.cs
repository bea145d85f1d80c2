using System.CommandLine;
using Cacophony.Cli.Rendering;
using Cacophony.Model;
using Cacophony.Model.Audio;
using Cacophony.Weights;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony features FILES... --dump DIR</c>: the front end's intermediates per file as .npy
/// (waveform16k, mel, patches, time_inds, freq_inds, mask) and optionally a picture of the log-mel,
/// so that users can compare features with the original before trusting a port.
/// </summary>
static class FeaturesCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "audio files (WAV, MP3, Ogg Vorbis; others through ffmpeg)", Arity = ArgumentArity.OneOrMore };
        var dump = new Option<string>("--dump") { Description = "directory to write <file stem>/*.npy into", Required = true };
        var model = new Option<string?>("--model") { Description = "model directory whose config.json sets the preprocessing constants (default: the original's)" };
        var padding = new Option<string>("--seq-policy") { Description = "pad: pad to --seq-len with masked zero patches (the original); exact: real patches only", DefaultValueFactory = _ => "pad" };
        padding.AcceptOnlyFromAmong("pad", "exact");
        var length = new Option<int>("--seq-len") { Description = "sequence length: 500 for 10 s zero-shot, 1500 for 30 s retrieval and captioning", DefaultValueFactory = _ => 500 };
        var overflow = new Option<string>("--overflow") { Description = "which patches to keep when a clip has more than --seq-len: random (seeded), first, indices", DefaultValueFactory = _ => "random" };
        overflow.AcceptOnlyFromAmong("random", "first", "indices");
        var seed = new Option<int>("--seed") { Description = "seed of the random choice", DefaultValueFactory = _ => 0 };
        var keep = new Option<string?>("--keep-indices") { Description = "with --overflow indices: comma-separated patch indices, or an int32 .npy file" };
        var png = new Option<bool>("--png") { Description = "also write mel.png, a picture of the log-mel spectrogram" };

        var command = new Command("features", "Decode, resample and compute the log-mel features and patches of audio files; dump them as .npy.")
        {
            files, dump, model, padding, length, overflow, seed, keep, png,
        };
        command.SetAction(parse => Errors.Guard(() =>
        {
            var policy = new SequencePolicy
            {
                Padding = parse.GetValue(padding) == "exact" ? SequencePadding.Exact : SequencePadding.Pad,
                Length = parse.GetValue(length),
                Overflow = parse.GetValue(overflow) switch { "first" => SequenceOverflow.First, "indices" => SequenceOverflow.Indices, _ => SequenceOverflow.Random },
                Seed = parse.GetValue(seed),
                KeepIndices = parse.GetValue(keep) is { } text ? ParseIndices(text) : null,
            };
            if (policy.Length <= 0) throw new ArgumentException("--seq-len must be positive");
            if (policy.Overflow == SequenceOverflow.Indices && policy.KeepIndices is null) throw new ArgumentException("--overflow indices needs --keep-indices");
            var config = parse.GetValue(model) is { } dir ? ModelConfig.Load(Path.Combine(dir, "config.json")).Preprocessing : new PreprocessingConfig();
            return Run(parse.GetValue(files)!, parse.GetValue(dump)!, new AudioFrontEnd(config), policy, parse.GetValue(png));
        }));
        return command;
    }

    static int Run(string[] files, string dumpDirectory, AudioFrontEnd frontEnd, SequencePolicy policy, bool png)
    {
        Directory.CreateDirectory(dumpDirectory);
        var stems = new HashSet<string>(StringComparer.Ordinal);
        int failures = 0;
        foreach (var file in files)
        {
            try
            {
                var audio = AudioDecoder.Read(file);
                var features = frontEnd.Process(audio, policy);
                string stem = UniqueStem(Path.GetFileNameWithoutExtension(file), stems);
                string output = Path.Combine(dumpDirectory, stem);
                DumpDirectory.WriteAtomically(output, staging => Write(staging, features, png));
                var p = features.Patches;
                Console.WriteLine($"{file}: {audio.SampleRate} Hz {audio.Encoding}, {audio.Channels} ch, {audio.DurationSeconds:F2} s -> {features.Frames} frames, " +
                                  $"{p.RealCount} patches{(p.Count != p.RealCount ? $" ({p.Count} with padding)" : "")} -> {output}");
            }
            catch (AudioFormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                failures++;
            }
        }
        return failures == 0 ? 0 : Errors.BadInput;
    }

    static void Write(string directory, AudioFeatures features, bool png)
    {
        var p = features.Patches;
        NpyFile.Write(Path.Combine(directory, "waveform16k.npy"), features.Waveform16k, features.Waveform16k.Length);
        NpyFile.Write(Path.Combine(directory, "mel.npy"), features.Mel, features.Frames, features.MelBins);
        NpyFile.Write(Path.Combine(directory, "patches.npy"), p.Patches, p.Count, p.Count == 0 ? 0 : p.Patches.Length / p.Count);
        NpyFile.Write(Path.Combine(directory, "time_inds.npy"), p.TimeIndices, p.Count);
        NpyFile.Write(Path.Combine(directory, "freq_inds.npy"), p.FrequencyIndices, p.Count);
        NpyFile.Write(Path.Combine(directory, "mask.npy"), p.Mask, p.Count);
        if (png) SpectrogramImage.Write(Path.Combine(directory, "mel.png"), features.Mel, features.MelBins);
    }

    /// <summary>Two inputs with the same stem (a/x.wav, b/x.wav) get x and x_2.</summary>
    static string UniqueStem(string stem, HashSet<string> used)
    {
        string candidate = stem;
        for (int i = 2; !used.Add(candidate); i++) candidate = $"{stem}_{i}";
        return candidate;
    }

    static int[] ParseIndices(string text)
    {
        if (text.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
            return NpyFile.Read(text).Int32 ?? throw new ArgumentException($"{text}: keep indices must be an integer array");
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--keep-indices: '{text}' is not a comma-separated list of integers");
        }
    }
}
