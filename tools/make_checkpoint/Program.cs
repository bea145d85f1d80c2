using System.CommandLine;
using Cacophony.Weights.Synthetic;

// make_checkpoint OUT.ckpt [--std 0.02] [--seed 0]: a full-size Cacophony.ckpt look-alike with random
// weights (real shapes, Flax layout), for benchmarks and full-size tests. Nothing is downloaded.
var output = new Argument<string>("out") { Description = "the .ckpt file to write" };
var std = new Option<double>("--std") { Description = "standard deviation of the weights", DefaultValueFactory = _ => 0.02 };
var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 };
var root = new RootCommand("Write a full-size synthetic Cacophony checkpoint (Flax msgpack).") { output, std, seed };
root.SetAction(parse =>
{
    string path = parse.GetValue(output)!;
    string partial = path + ".partial";
    using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        SyntheticCheckpoint.WriteFlax(stream, StandardConfigs.Full, parse.GetValue(std), parse.GetValue(seed));
    File.Move(partial, path, overwrite: true);
    Console.Error.WriteLine($"wrote {path} ({new FileInfo(path).Length:N0} bytes)");
    return 0;
});
return root.Parse(args).Invoke();
