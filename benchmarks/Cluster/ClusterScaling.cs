using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cacophony.Eval.Sharding;
using Cacophony.Model.Layers;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.SafeTensors;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Cluster;

/// <summary>
/// Sharded embedding on the local Slurm cluster (SLURM_CONF, from .ci/start-slurm.sh): `--cluster-scaling CLIPS
/// [ENTRIES]` writes a full-size model directory (random weights) once, embeds CLIPS 10 s clips as 1 task of 2
/// CPUs, 2 tasks of 1 and 4 tasks of 1 through tools/cluster/slurm/submit.sh, and prints for each run the wall
/// time from submission to the merged file and, per task, its clips, seconds and clips/s (from the parts'
/// manifests, which time a task from its start to its sealed part: model load included). Then it times
/// `cacophony merge` of ENTRIES 768-d rows (default 100 000) in four parts. The CLI is `dotnet
/// src/Cli/bin/Release/net10.0/cacophony.dll` unless CACOPHONY names another.
/// </summary>
static class ClusterScaling
{
    public static bool TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] != "--cluster-scaling") return false;
        int clips = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        int entries = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is null) throw new InvalidOperationException("SLURM_CONF is not set: start the local cluster with .ci/start-slurm.sh");
        string repository = Repository(), work = Path.Combine(Path.GetTempPath(), "cacophony-cluster-bench");
        string cli = Environment.GetEnvironmentVariable("CACOPHONY") ?? $"dotnet {Path.Combine(repository, "src", "Cli", "bin", "Release", "net10.0", "cacophony.dll")}";
        string model = FullSizeModel(Path.Combine(work, "model"));
        string library = Path.Combine(work, $"clips-{clips}");
        Directory.CreateDirectory(library);
        for (int i = 0; i < clips; i++)
        {
            string path = Path.Combine(library, $"clip{i:D4}.wav");
            if (!File.Exists(path)) File.WriteAllBytes(path, BenchmarkInputs.Wav(BenchmarkInputs.Clip(10, seed: i + 1)));
        }
        Console.WriteLine($"{clips} clips of 10 s, full-size network (fp32), {Environment.ProcessorCount} CPUs ({Cacophony.Kernels.Cpu.Isa.Describe(Cacophony.Kernels.Cpu.Isa.Active)})");
        foreach (var (tasks, cpus) in new[] { (1, 2), (2, 1), (4, 1) })
        {
            string output = Path.Combine(work, $"out-{tasks}");
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            var clock = Stopwatch.StartNew();
            var ids = Run(Path.Combine(repository, "tools", "cluster", "slurm", "submit.sh"), work,
                new() { ["CACOPHONY"] = cli, ["CACOPHONY_CPUS"] = $"{cpus}" },
                $"{tasks}", output, "--", "embed-audio", "--model", model, library, "--out", Path.Combine(output, "emb.npy")).Trim().Split(' ');
            while (Run("squeue", work, [], "-h", "-j", string.Join(',', ids)).Trim().Length > 0) Thread.Sleep(100);
            double wall = clock.Elapsed.TotalSeconds;
            if (!File.Exists(Path.Combine(output, "emb.npy"))) throw new InvalidOperationException($"the merge of the {tasks}-task run wrote nothing (see {work}/cacophony-merge-{ids[1]}.out)");
            Console.WriteLine($"{tasks} task(s) x {cpus} CPU(s): {wall:F1} s from submission to merged file, {clips / wall:F2} clips/s");
            for (int i = 0; i < tasks; i++)
            {
                var part = PartManifest.Read(PartFolder.Of(output, "emb.npy", new Shard(i, tasks)))!;
                Console.WriteLine($"  task {i}: {part.Covered.Count} clips in {part.Seconds:F1} s = {part.Covered.Count / part.Seconds:F2} clips/s");
            }
        }
        TimeMerge(cli, Path.Combine(work, "merge"), entries);
        return true;
    }

    /// <summary>Four finished parts of an embed-audio job of <paramref name="entries"/> rows, then `cacophony merge` on them.</summary>
    static void TimeMerge(string cli, string folder, int entries)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        const int width = 768;
        string output = Path.Combine(folder, "emb.npy");
        var inputs = Enumerable.Range(0, entries).Select(i => Path.Combine(folder, "clips", $"clip{i:D7}.wav")).ToList();
        string[] arguments = ["embed-audio", "--model", "unused", .. inputs, "--out", output];
        var random = new Random(0);
        var row = new float[width];
        for (int s = 0; s < 4; s++)
        {
            var role = ShardRole.ForPart(new Shard(s, 4), arguments, folder);
            var part = role.BeginPart(folder, "emb.npy", inputs);
            var log = RowLog.Open(part.Directory, width);
            var mine = role.Select(inputs, p => p, ShardRole.FileWeight);
            foreach (var input in mine)
            {
                for (int j = 0; j < width; j++) row[j] = (float)random.NextDouble();
                log.Append(input, (float[])row.Clone());
            }
            log.Finish();
            part.Finish(mine, [], new Dictionary<string, int> { ["width"] = width });
        }
        var clock = Stopwatch.StartNew();
        Run(cli.Split(' ')[0], folder, [], [.. cli.Split(' ').Skip(1), "merge", folder]);
        Console.WriteLine($"merge of {entries:N0} rows of {width} floats from 4 parts: {clock.Elapsed.TotalSeconds:F2} s ({new FileInfo(output).Length / 1e6:F0} MB written)");
    }

    /// <summary>A model directory of the full-size network with random weights (config.json and model.safetensors), written once.</summary>
    static string FullSizeModel(string directory)
    {
        if (File.Exists(Path.Combine(directory, "model.safetensors"))) return directory;
        Directory.CreateDirectory(directory);
        var config = StandardConfigs.Full;
        var weights = new SyntheticWeights(config, std: 0.02, seed: 0);
        var entries = WeightMap.Canonical(config).Select(t => new SafeTensorsEntry(t.Name, DType.Float32, t.Shape,
            bytes => weights.ReadInto(t.Name, MemoryMarshal.Cast<byte, float>(bytes)))).ToList();
        using (var stream = File.Create(Path.Combine(directory, "model.safetensors.tmp"))) SafeTensorsWriter.Write(stream, entries);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJson());
        File.Move(Path.Combine(directory, "model.safetensors.tmp"), Path.Combine(directory, "model.safetensors"));
        return directory;
    }

    static string Run(string program, string directory, Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && program != "squeue") throw new InvalidOperationException($"{program} {string.Join(' ', args.Take(8))}: exit {process.ExitCode}: {stderr}");
        return stdout.Result;
    }

    static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "Cacophony.sln"))) return directory.FullName;
        throw new InvalidOperationException("run from the repository (Cacophony.sln not found above the benchmark)");
    }
}
