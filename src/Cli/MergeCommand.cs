using System.CommandLine;
using Cacophony.Eval.Sharding;

namespace Cacophony.Cli;

/// <summary>
/// <c>cacophony merge OUT_DIR</c>: joins the parts a sharded run left in OUT_DIR/parts into exactly what a single
/// run writes. Each job there is finished by its own command, run again in the directory the shards ran in with
/// the parts' rows taken as done: rows come out in the single run's order, and metrics are computed from them.
/// </summary>
static class MergeCommand
{
    public static Command Create(Func<RootCommand> root)
    {
        var output = new Argument<string>("output") { Description = "the output folder of a sharded run (the folder that holds parts/)" };
        var command = new Command("merge", "Join the parts of a sharded run (--shard, Slurm arrays, Kubernetes Indexed Jobs) into what a single run writes.") { output };
        command.SetAction(parse => Errors.Guard(() =>
        {
            int status = 0;
            foreach (var parts in PartSet.Collect(parse.GetValue(output)!))
            {
                if (!Directory.Exists(parts.WorkingDirectory))
                    throw new ShardException($"{parts.Target}: the shards ran in {parts.WorkingDirectory}, which is not on this machine; merge where the shared storage has the same path");
                Console.Error.WriteLine($"merging {parts.Target} from {parts.Shards} shards: cacophony {string.Join(' ', parts.Arguments)}");
                if (parts.MixedInstructionSets is { } mixed)
                    Console.Error.WriteLine($"note: the shards ran on different instruction sets ({mixed}): their rows agree with a single run's to float32 rounding, not bit for bit");
                string here = Environment.CurrentDirectory;
                ShardOptions.Merging = parts;
                try
                {
                    Environment.CurrentDirectory = parts.WorkingDirectory;
                    status = Math.Max(status, root().Parse(parts.Arguments.ToArray()).Invoke());
                }
                finally
                {
                    ShardOptions.Merging = null;
                    Environment.CurrentDirectory = here;
                }
            }
            return status;
        }));
        return command;
    }
}
