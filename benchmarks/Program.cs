using BenchmarkDotNet.Running;
using Cacophony.Benchmarks.Peers;

// dotnet run -c Release --project benchmarks -- --filter '*'   (or pick a class with --filter '*Conversion*')
// dotnet run -c Release --project benchmarks -- --paired audio 10 1   (ours and ONNX Runtime alternated; see PairedComparison)
if (!PairedComparison.TryRun(args))
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
