using System.CommandLine;
using System.Globalization;
using Cacophony.Eval;
using Cacophony.Search;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony search --index library.cidx "a dog barking in the distance" [--top 20] [--min-score S] [--json]</c>, or
/// <c>--audio query.wav [--exclude-self]</c>: the library's best files for a description or an example, with the
/// matching window's time, the score and the duration. Exact (every window scored), in the index's model.
/// </summary>
static class SearchCommand
{
    public static Command Create()
    {
        var model = new ModelOption(optional: true);
        var index = IndexCommand.IndexOption();
        var text = new Argument<string?>("text") { Description = "what to look for, in words", Arity = ArgumentArity.ZeroOrOne };
        var audio = new Option<string?>("--audio") { Description = "look for sounds like this audio file instead" };
        var excludeSelf = new Option<bool>("--exclude-self") { Description = "with --audio: leave out files with the same bytes as the example" };
        var top = new Option<int>("--top") { Description = "how many results", DefaultValueFactory = _ => 20 };
        var minScore = new Option<float?>("--min-score") { Description = "leave out results under this cosine score" };
        var windows = new Option<bool>("--windows") { Description = "every matching window is a result (default: each file once, at its best window)" };
        var json = new Option<bool>("--json") { Description = "one JSON object per result: path, offset, window, duration, score" };
        var command = new Command("search", "Search an indexed sound library by description or by example.") { index, text, audio, excludeSelf, top, minScore, windows, json };
        model.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string? query = parse.GetValue(text), example = parse.GetValue(audio);
            if ((query is null) == (example is null)) throw new ArgumentException("give a description (search --index X \"a dog barking\") or an example (--audio FILE), one of the two");
            if (parse.GetValue(excludeSelf) && example is null) throw new ArgumentException("--exclude-self goes with --audio");
            int shown = parse.GetValue(top);
            if (shown < 1) throw new ArgumentException($"--top must be at least 1, not {shown}");
            if (example is not null && !File.Exists(example)) throw new ArgumentException($"{example}: file not found");
            string path = parse.GetValue(index)!;
            using var library = AudioIndex.Open(path);
            using var cacophony = model.Load(parse, library.Header.Model.Directory, IndexCommand.PrecisionOf(library.Header));
            var options = new SearchOptions { Top = shown, MinScore = parse.GetValue(minScore) ?? float.NegativeInfinity, PerWindow = parse.GetValue(windows) };
            var hits = example is null ? library.Search(cacophony, query!, options) : library.SearchLike(cacophony, example, options, parse.GetValue(excludeSelf));
            Print(hits, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    static void Print(IReadOnlyList<SearchHit> hits, bool json)
    {
        var inv = CultureInfo.InvariantCulture;
        if (json)
        {
            foreach (var hit in hits)
                Console.WriteLine(JsonText.Serialize(new SearchHitJson(hit.Path, Math.Round(hit.Window.Offset, 3), Math.Round(hit.Window.Duration, 3), Math.Round(hit.File.Duration, 3), hit.Score), CliJson.Line));
            return;
        }
        if (hits.Count == 0)
        {
            Console.Error.WriteLine("no results");
            return;
        }
        for (int i = 0; i < hits.Count; i++)
        {
            var hit = hits[i];
            string at = hit.File.Windows.Count > 1 ? $"  at {Clock(hit.Window.Offset)}-{Clock(hit.Window.Offset + hit.Window.Duration)}" : "";
            Console.WriteLine(string.Create(inv, $"{i + 1,3}. {hit.Score,7:F4}  {hit.Path}{at}  ({Clock(hit.File.Duration)})"));
        }
    }

    /// <summary>Seconds as m:ss.s (h:mm:ss.s from an hour on).</summary>
    static string Clock(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        string rest = (span.TotalSeconds % 60).ToString("00.0", CultureInfo.InvariantCulture);
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}:{span.Minutes:D2}:{rest}" : $"{span.Minutes}:{rest}";
    }
}
