using BenchmarkDotNet.Running;
using Cacophony.Benchmarks.Peers;

// dotnet run -c Release --project benchmarks -- --filter '*'   (or pick a class with --filter '*Conversion*')
// dotnet run -c Release --project benchmarks -- --paired audio 10 1   (ours and ONNX Runtime alternated; see PairedComparison)
// dotnet run -c Release --project benchmarks -- --ort-profile audio 10 1   (ONNX Runtime's time by operator type)
// dotnet run -c Release --project benchmarks -- --indexing 16 3   (files/s indexing 5 s clips at 1 and 2 threads)
// dotnet run -c Release --project benchmarks -- --serve-load 20 10000   (the HTTP server under 1/8/32 clients, and its RSS)
// dotnet run -c Release --project benchmarks -- --cluster-scaling 32 100000   (embed-audio as 1/2/4 Slurm array tasks, and the merge of 100k rows)
if (!PairedComparison.TryRun(args) && !OrtProfile.TryRun(args) && !Cacophony.Benchmarks.Search.IndexingThroughput.TryRun(args) && !Cacophony.Benchmarks.Search.SearchStages.TryRun(args) && !Cacophony.Benchmarks.Serve.ServerLoad.TryRun(args)
    && !Cacophony.Benchmarks.Cluster.ClusterScaling.TryRun(args))
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
