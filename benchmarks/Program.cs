using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks -- --filter '*'   (or pick a class with --filter '*Conversion*')
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
