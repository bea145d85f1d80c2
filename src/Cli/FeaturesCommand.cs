using System.CommandLine;
using Cacophony.Audio;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights;

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
        var sequence = new SequenceOptions();
        var png = new Option<bool>("--png") { Description = "also write mel.png, a picture of the log-mel spectrogram" };

        var command = new Command("features", "Decode, resample and compute the log-mel features and patches of audio files; dump them as .npy.")
        {
            files, dump, model, png,
        };
        sequence.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var policy = sequence.Policy(parse);
            var config = parse.GetValue(model) is { } dir ? ModelConfig.Load(Path.Combine(dir, "config.json")).Preprocessing : new PreprocessingConfig();
            return Run(parse.GetValue(files)!, parse.GetValue(dump)!, new AudioFrontEnd(config), policy, parse.GetValue(png));
        }));
        return command;
    }

    static int Run(string[] files, string dumpDirectory, AudioFrontEnd frontEnd, SequencePolicy policy, bool png)
    {
        OutputPlace.CheckFolder(dumpDirectory);
        var stems = new HashSet<string>(StringComparer.Ordinal);
        int failures = 0;
        foreach (var file in files)
        {
            try
            {
                var audio = AudioDecoder.Read(file);
                var features = frontEnd.Process(audio, policy);
                string output = Path.Combine(dumpDirectory, FeatureDump.UniqueStem(file, stems));
                DumpDirectory.WriteAtomically(output, staging =>
                {
                    FeatureDump.WriteFrontEnd(staging, features);
                    if (png) FeatureDump.WritePicture(staging, features);
                });
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
}
