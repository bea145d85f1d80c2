using BenchmarkDotNet.Running;
using Cacophony.Benchmarks.Peers;

// dotnet run -c Release --project benchmarks -- --filter '*'   (or pick a class with --filter '*Conversion*')
// dotnet run -c Release --project benchmarks -- --paired audio 10 1   (ours and ONNX Runtime alternated; see PairedComparison)
// dotnet run -c Release --project benchmarks -- --ort-profile audio 10 1   (ONNX Runtime's time by operator type)
if (!PairedComparison.TryRun(args) && !OrtProfile.TryRun(args))
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
