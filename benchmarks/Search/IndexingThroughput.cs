using System.Diagnostics;
using Cacophony.Kernels.Cpu;
using Cacophony.Model;
using Cacophony.Model.Layers;
using Cacophony.Search;
using Cacophony.Weights.Synthetic;

namespace Cacophony.Benchmarks.Search;

/// <summary>
/// Indexing speed: `--indexing FILES ROUNDS` builds an index of FILES 5 s clips (16 kHz WAV) with the full-size
/// network (random weights) at 1 and at 2 threads, alternated for ROUNDS rounds, and prints each setting's median
/// files/s and the CPU it used (process CPU time over wall time: 2.0 = both cores busy the whole time).
/// </summary>
static class IndexingThroughput
{
    public static bool TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] != "--indexing") return false;
        int files = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16;
        int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3;
        string folder = Path.Combine(Path.GetTempPath(), "cacophony-indexing-bench");
        string library = Path.Combine(folder, "library");
        Directory.CreateDirectory(library);
        for (int i = 0; i < files; i++) File.WriteAllBytes(Path.Combine(library, $"clip{i:D3}.wav"), BenchmarkInputs.Wav(BenchmarkInputs.Clip(5, seed: i + 1)));
        var config = StandardConfigs.Full with { Decoder = null };
        using var model = CacophonyModel.FromWeights(config, new SyntheticWeights(config, std: 0.02, seed: 0));
        var options = new IndexOptions { Identity = new ModelIdentity { Sha256 = "synthetic", Precision = "fp32" } };
        model.WarmUp();
        var results = new Dictionary<int, List<(double FilesPerSecond, double Cores)>> { [1] = [], [2] = [] };
        var process = Process.GetCurrentProcess();
        for (int round = 0; round <= rounds; round++)
            foreach (int threads in new[] { 1, 2 })
            {
                WorkerPool.MaxThreads = threads;
                string index = Path.Combine(folder, "bench.cidx");
                File.Delete(index);
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var report = AudioIndex.Build(model, [library], index, options);
                double wall = clock.Elapsed.TotalSeconds;
                process.Refresh();
                double cores = (process.TotalProcessorTime - cpu).TotalSeconds / wall;
                if (report.Embedded != files) throw new InvalidOperationException($"{report.Embedded} of {files} files embedded");
                if (round == 0) continue; // warm-up round
                results[threads].Add((files / wall, cores));
                Console.WriteLine($"round {round}, {threads} thread(s): {files / wall:F2} files/s, {cores:F2} cores busy");
            }
        WorkerPool.MaxThreads = Environment.ProcessorCount;
        foreach (var (threads, list) in results)
            Console.WriteLine($"{threads} thread(s): median {Median(list.Select(r => r.FilesPerSecond)):F2} files/s of 5 s clips, {Median(list.Select(r => r.Cores)):F2} cores busy ({Isa.Describe(Isa.Active)})");
        return true;
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
