namespace Cacophony.Eval.CaptionMetrics.Java;

/// <summary>What a metric jar reports: the corpus score (the jar's own) and one score per item, in order.</summary>
public sealed record JarScores(double Corpus, double[] Items);
