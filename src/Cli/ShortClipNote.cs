using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary>
/// Says once on stderr that a clip under one patch (160 ms) was met and how it was encoded: as the original
/// encodes its all-padding sequence (<see cref="Model.FrontEnd.AudioPatches.PaddingOnly"/>), in either sequence policy.
/// </summary>
sealed class ShortClipNote
{
    bool _said;

    public void Check(string clip, AudioEmbedding embedding)
    {
        if (!embedding.PaddingOnly) return;
        Said(clip);
    }

    public void Said(string clip)
    {
        if (_said) return;
        _said = true;
        Console.Error.WriteLine($"note: {clip} is shorter than one patch (160 ms); such clips are encoded as the original encodes them, " +
            "an all-padding sequence pooled uniformly (also with --seq-policy exact); said once");
    }
}
