using System.CommandLine;
using Cacophony.Eval.Hear;
using Cacophony.Eval.Sharding;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony hear --model DIR --tasks TASKS_DIR --out EMB_DIR</c>: embeddings in hear-eval-kit's layout. Sharded,
/// each shard writes the per-file embeddings of its slice of all the tasks' clips, and <c>cacophony merge</c>
/// aggregates the tasks and marks them done, as the single run does.
/// </summary>
static class HearCommand
{
    /// <summary>Names a sharded run's parts: `&lt;out&gt;/parts/hear.shard-I-of-N`.</summary>
    const string Target = "hear";

    public static Command Create()
    {
        var model = new ModelOption();
        var tasks = new Option<string>("--tasks") { Description = "a HEAR task directory (with task_metadata.json) or a directory of them", Required = true };
        var output = new Option<string>("--out") { Description = "embeddings directory: one subdirectory per task, ready for hear-eval-kit's prediction stage", Required = true };
        var seed = new Option<int>("--seed") { Description = "seed of the random patch subset of scene clips longer than 496 patches", DefaultValueFactory = _ => 0 };
        var protocol = new Option<string>("--protocol") { Description = "original or corrected: HEAR embeddings are the same under both (one sequence per clip with continuing time indices, rows in the kit's order); accepted for symmetry with the other evaluations", DefaultValueFactory = _ => "original" };
        protocol.AcceptOnlyFromAmong("original", "corrected");
        var shards = new ShardOptions();
        var command = new Command("hear", "Export HEAR benchmark embeddings (Cacophony or AudioMAE checkpoints).") { tasks, output, seed, protocol };
        model.AddTo(command);
        shards.AddTo(command);
        command.SetAction(parse => Errors.Guard(() =>
        {
            string root = parse.GetValue(tasks)!;
            if (!Directory.Exists(root)) throw new Eval.Datasets.DatasetException(root, "directory not found");
            var directories = File.Exists(Path.Combine(root, "task_metadata.json"))
                ? [root]
                : Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "task_metadata.json"))).Order(StringComparer.Ordinal).ToArray();
            if (directories.Length == 0) throw new Eval.Datasets.DatasetException(root, "holds no HEAR task (no task_metadata.json)");
            var loaded = directories.Select(HearTask.Read).ToList();
            string outputDirectory = parse.GetValue(output)!;
            var role = shards.Role(parse);
            // A sharded run's inputs: every clip of every task; each shard embeds its slice, the merge aggregates.
            var jobFiles = role.IsWhole ? [] : loaded.SelectMany(HearExport.AudioFiles).ToList();
            role.MergeInto(outputDirectory, Target)?.CheckCovers(jobFiles);
            if (role.Part is not null)
            {
                var part = role.BeginPart(outputDirectory, Target, jobFiles);
                if (part.AlreadyFinished is null)
                {
                    var mine = role.Select(jobFiles.Distinct(StringComparer.Ordinal).ToList(), f => f, ShardRole.FileWeight);
                    var chosen = mine.ToHashSet(StringComparer.Ordinal);
                    using var shardModel = model.Load(parse);
                    var bar = new ProgressLine(mine.Count, "files");
                    var shardFailures = loaded.SelectMany(task => HearExport.Run(shardModel, task, outputDirectory, line => Console.Error.WriteLine(line), bar.Advance,
                        parse.GetValue(seed), chosen.Contains)).ToList();
                    part.Finish(mine, shardFailures.Select(f => new FailedInput(f.File, f.Error)).ToList());
                }
                return ShardOptions.ReportPart(part.Directory, outputDirectory);
            }
            using var cacophony = model.Load(parse);
            int files = loaded.Sum(t => t.Splits.Sum(s => CountFiles(Path.Combine(t.Directory, $"{s}.json"))));
            var progress = new ProgressLine(files, "files");
            int failures = 0;
            foreach (var task in loaded)
            {
                var failed = HearExport.Run(cacophony, task, parse.GetValue(output)!, line => Console.Error.WriteLine(line), progress.Advance, parse.GetValue(seed));
                foreach (var (_, error) in failed) Console.Error.WriteLine($"error: {error}");
                failures += failed.Count;
                if (failed.Count > 0) continue;
                Console.WriteLine($"{task.Name} ({task.EmbeddingType}): {string.Join(", ", task.Splits)} -> {Path.Combine(parse.GetValue(output)!, Path.GetFileName(Path.TrimEndingDirectorySeparator(task.Directory)))}");
            }
            return failures == 0 ? 0 : Errors.BadInput;
        }));
        return command;
    }

    static int CountFiles(string splitJson) =>
        File.Exists(splitJson) ? System.Text.Json.JsonDocument.Parse(File.ReadAllText(splitJson)).RootElement.EnumerateObject().Count() : 0;
}
