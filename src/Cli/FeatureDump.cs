using Cacophony.Cli.Rendering;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights.Numpy;

namespace Cacophony.Cli;

/// <summary>The .npy files of --dump: one directory per input, written atomically.</summary>
static class FeatureDump
{
    /// <summary>waveform16k [n], mel [frames, 128], patches [S, 256], time_inds, freq_inds, mask [S] (int32).</summary>
    public static void WriteFrontEnd(string directory, AudioFeatures features)
    {
        var p = features.Patches;
        NpyFile.Write(Path.Combine(directory, "waveform16k.npy"), features.Waveform16k, features.Waveform16k.Length);
        NpyFile.Write(Path.Combine(directory, "mel.npy"), features.Mel, features.Frames, features.MelBins);
        NpyFile.Write(Path.Combine(directory, "patches.npy"), p.Patches, p.Count, p.Count == 0 ? 0 : p.Patches.Length / p.Count);
        NpyFile.Write(Path.Combine(directory, "time_inds.npy"), p.TimeIndices, p.Count);
        NpyFile.Write(Path.Combine(directory, "freq_inds.npy"), p.FrequencyIndices, p.Count);
        NpyFile.Write(Path.Combine(directory, "mask.npy"), p.Mask, p.Count);
    }

    public static void WritePicture(string directory, AudioFeatures features) =>
        SpectrogramImage.Write(Path.Combine(directory, "mel.png"), features.Mel, features.MelBins);

    /// <summary>hidden [S_real, H] (real patches, sequence order) and embedding [P] (normalized).</summary>
    public static void WriteAudio(string directory, AudioEmbedding embedding, int width)
    {
        NpyFile.Write(Path.Combine(directory, "hidden.npy"), embedding.Hidden, embedding.Patches, width);
        NpyFile.Write(Path.Combine(directory, "embedding.npy"), embedding.Normalized, embedding.Normalized.Length);
    }

    /// <summary>token_ids [L] (int32, unpadded), hidden [L, T], embedding [P].</summary>
    public static void WriteText(string directory, TextEmbedding embedding, int width)
    {
        NpyFile.Write(Path.Combine(directory, "token_ids.npy"), embedding.TokenIds, embedding.TokenIds.Length);
        NpyFile.Write(Path.Combine(directory, "hidden.npy"), embedding.Hidden, embedding.TokenIds.Length, width);
        NpyFile.Write(Path.Combine(directory, "embedding.npy"), embedding.Normalized, embedding.Normalized.Length);
    }

    /// <summary>Two inputs with the same stem (a/x.wav, b/x.wav) get x and x_2.</summary>
    public static string UniqueStem(string path, HashSet<string> used)
    {
        string stem = Path.GetFileNameWithoutExtension(path), candidate = stem;
        for (int i = 2; !used.Add(candidate); i++) candidate = $"{stem}_{i}";
        return candidate;
    }
}
