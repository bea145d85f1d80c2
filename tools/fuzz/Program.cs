using Cacophony.Fuzz;

// cacophony-fuzz [--minutes M | --mutants N] [--seed S] [--data tests/data] [--findings DIR]
// Runs mutants of every format through the public entry points and prints the counts per format; exit 1 on
// any crash, hang or blow-up, whose mutants are written to --findings (default fuzz-findings/).
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--")).ToDictionary(p => p.a, p => p.i + 1 < args.Length ? args[p.i + 1] : "");
double minutes = options.TryGetValue("--minutes", out var m) ? double.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 0;
int mutants = options.TryGetValue("--mutants", out var n) ? int.Parse(n) : minutes > 0 ? int.MaxValue : 3000;
int seed = options.TryGetValue("--seed", out var s) ? int.Parse(s) : Environment.TickCount;
string data = options.GetValueOrDefault("--data", Path.Combine("tests", "data"));
string findings = options.GetValueOrDefault("--findings", "fuzz-findings");
if (!Directory.Exists(Path.Combine(data, "tiny")))
{
    Console.Error.WriteLine($"error: {data}: not the tests/data directory (no tiny/ in it); run from the repository root or pass --data");
    return 2;
}

var (workspace, targets) = Targets.Create(data);
using (workspace)
{
    var driver = new FuzzDriver(targets, workspace, TimeSpan.FromSeconds(10), 2L << 30);
    var clock = System.Diagnostics.Stopwatch.StartNew();
    Console.WriteLine($"seed {seed}; {(minutes > 0 ? $"{minutes} minutes" : $"{mutants} mutants")} over {targets.Count} formats");
    var report = driver.Run(seed, i => i < mutants && (minutes <= 0 || clock.Elapsed.TotalMinutes < minutes), log: Console.WriteLine);
    Console.WriteLine(report.Table());
    Console.WriteLine($"{report.Total} mutants in {clock.Elapsed.TotalSeconds:F0} s");
    if (report.Findings.Count == 0) return 0;
    Directory.CreateDirectory(findings);
    foreach (var finding in report.Findings)
        File.WriteAllBytes(Path.Combine(findings, $"{finding.Target}-{finding.Outcome}-{seed}-{finding.Index}.bin"), finding.Bytes);
    Console.WriteLine($"{report.Findings.Count} findings written to {findings}/");
    // A hung mutant's thread may still run: leave without waiting for it.
    Environment.Exit(1);
    return 1;
}
