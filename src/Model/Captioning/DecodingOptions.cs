namespace Cacophony.Model.Captioning;

public enum DecodingStrategy
{
    /// <summary>The most likely token at every step: reproducible, the default.</summary>
    Greedy,
    /// <summary>Sampling from softmax(logits / temperature), optionally cut to the top k / top p; seeded.</summary>
    Sample,
    /// <summary>Beam search with a length penalty.</summary>
    Beam,
}

/// <summary>How captions are written. The original samples at temperature 0.1 without a reproducible seed.</summary>
public sealed record DecodingOptions
{
    public DecodingStrategy Strategy { get; init; } = DecodingStrategy.Greedy;

    /// <summary>
    /// Tokens generated after &lt;s&gt; at most (&lt;/s&gt; included). 99 by default, as the original: its decoder
    /// runs while index &lt; max_length - 1 with max_length 100, so a caption is &lt;s&gt; and at most 99 tokens.
    /// </summary>
    public int MaxTokens { get; init; } = 99;

    public float Temperature { get; init; } = 0.1f;

    /// <summary>Keep only the k most likely tokens before sampling (0: all).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p (1: all).</summary>
    public float TopP { get; init; } = 1;

    public ulong Seed { get; init; }

    public int Beams { get; init; } = 3;

    /// <summary>Beam scores are log p / length^penalty (length counts &lt;s&gt;, as Hugging Face's generate).</summary>
    public float LengthPenalty { get; init; } = 1;

    /// <summary>Stop a clip's beam search as soon as it has as many finished captions as beams.</summary>
    public bool EarlyStopping { get; init; }

    public void Validate()
    {
        if (MaxTokens < 1) throw new ArgumentException($"--max-tokens must be at least 1, not {MaxTokens}");
        if (Strategy == DecodingStrategy.Sample && !(Temperature > 0)) throw new ArgumentException($"--temperature must be positive, not {Temperature}");
        if (TopK < 0) throw new ArgumentException($"--top-k must be 0 (off) or positive, not {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"--top-p must be in (0, 1], not {TopP}");
        if (Strategy == DecodingStrategy.Beam && Beams < 1) throw new ArgumentException($"--beams must be at least 1, not {Beams}");
    }
}
