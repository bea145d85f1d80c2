using System.CommandLine;
using System.Text.Json;
using Cacophony.Audio;
using Cacophony.Eval;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony classify --model DIR CLIPS... --labels "dog,rain,car horn" | --labels-file FILE [--top 5] [--prompt P] [--json]</c>:
/// zero-shot classification of files without a dataset layout (10 s setting, class prompts of 77 tokens, as the
/// evaluation). A table per clip, or one JSON object a line; an unreadable file is reported and skipped (exit 2).
/// </summary>
static class ClassifyCommand
{
    public static Command Create()
    {
        var model = new ModelOption();
        var files = new Argument<string[]>("clips") { Description = "audio files", Arity = ArgumentArity.OneOrMore };
        var labels = new Option<string?>("--labels") { Description = "comma-separated class labels, e.g. \"dog,rain,car horn\"" };
        var labelsFile = new Option<string?>("--labels-file") { Description = "file with one class label per line" };
        var top = new Option<int>("--top") { Description = "how many labels to show per clip", DefaultValueFactory = _ => 5 };
        var prompt = new Option<string?>("--prompt") { Description = "prompt put before each label (default: the model's, \"This is a sound of \")" };
        var json = new Option<bool>("--json") { Description = "one JSON object per clip: file and the top labels with probability and logit" };
        var sequence = new SequenceOptions();
        var command = new Command("classify", "Zero-shot classification of audio files against your own labels.") { files, labels, labelsFile, top, prompt, json };
        model.AddTo(command);
        sequence.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            var classes = ReadLabels(parse.GetValue(labels), parse.GetValue(labelsFile));
            int shown = parse.GetValue(top);
            if (shown < 1) throw new ArgumentException($"--top must be at least 1, not {shown}");
            var policy = sequence.Policy(parse);
            var paths = parse.GetValue(files)!;
            using var cacophony = model.Load(parse);
            if (cacophony.IsAudioMae) throw new InvalidOperationException("an AudioMAE model has no text tower: zero-shot classification needs a Cacophony model");
            string prefix = parse.GetValue(prompt) ?? cacophony.Config.Preprocessing.ZsPrefix;
            var classEmbeddings = cacophony.EmbedText(classes.Select(label => prefix + label), cacophony.Config.Preprocessing.MaxTextLenZeroShotClasses);
            var note = new ShortClipNote();
            int failures = 0;
            foreach (var path in paths)
            {
                Model.AudioEmbedding audio;
                try
                {
                    audio = cacophony.EncodeAudio([AudioDecoder.Read(path)], policy)[0];
                }
                catch (Exception e) when (ClipReader.IsUnreadable(e))
                {
                    Console.Error.WriteLine($"error: {e.Message}");
                    failures++;
                    continue;
                }
                note.Check(path, audio);
                var ranked = cacophony.ZeroShot(audio.Normalized, classes, classEmbeddings).Take(shown).ToList();
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonText.Serialize(new ClassifiedJson(path, ranked.Select(r => new RankedLabelJson(r.Label, r.Probability, r.Logit)).ToList()), CliJson.Line));
                    continue;
                }
                Console.WriteLine(path);
                int width = Math.Max(5, ranked.Max(r => r.Label.Length));
                for (int i = 0; i < ranked.Count; i++)
                    Console.WriteLine($"  {i + 1,2}. {ranked[i].Label.PadRight(width)}  {ranked[i].Probability,8:P2}  logit {ranked[i].Logit,8:F3}");
            }
            return failures == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    /// <summary>The labels from --labels (comma-separated) and --labels-file (one a line), trimmed, blank ones dropped, each once.</summary>
    static List<string> ReadLabels(string? inline, string? file)
    {
        var labels = new List<string>();
        if (inline is not null) labels.AddRange(inline.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        if (file is not null)
        {
            if (!File.Exists(file)) throw new ArgumentException($"{file}: labels file not found");
            labels.AddRange(File.ReadLines(file).Select(l => l.Trim()).Where(l => l.Length > 0));
        }
        if (labels.Count == 0) throw new ArgumentException("no labels: give --labels \"dog,rain,car horn\" or --labels-file FILE (one label a line)");
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count < 2) throw new ArgumentException($"zero-shot classification needs at least two labels, not {distinct.Count}");
        return distinct;
    }
}
