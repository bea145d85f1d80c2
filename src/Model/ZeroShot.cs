namespace Cacophony.Model;

/// <summary>One label's score in a zero-shot classification: the scaled logit and its softmax probability.</summary>
public sealed record LabelScore(string Label, double Logit, double Probability);
