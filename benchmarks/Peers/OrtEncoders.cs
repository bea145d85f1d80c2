using Cacophony.Model.FrontEnd;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Cacophony.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime (CPU provider, optimization level ALL) running ../shared/onnx's encoder graphs with the
/// same weights as ours, moved into initializers so that ORT pre-packs them: the peer our speed is measured against.
/// </summary>
sealed class OrtEncoders : IDisposable
{
    readonly InferenceSession? _audio;
    readonly InferenceSession? _text;

    /// <param name="profilePrefix">Turns on ONNX Runtime's profiler, writing to this path prefix (see <see cref="EndProfiling"/>).</param>
    public OrtEncoders(byte[]? audioModel, byte[]? textModel, int threads, string? profilePrefix = null)
    {
        var options = Options(threads);
        if (profilePrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = profilePrefix;
        }
        if (audioModel is not null) _audio = new InferenceSession(audioModel, options);
        if (textModel is not null) _text = new InferenceSession(textModel, options);
    }

    /// <summary>The peer's configuration everywhere: optimization level ALL, `threads` intra-op threads, sequential.</summary>
    public static SessionOptions Options(int threads) => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    };

    /// <summary>The graphs, found beside the repository (../shared/onnx/full) or in $CACOPHONY_ONNX_DIR.</summary>
    public static string GraphDirectory()
    {
        if (Environment.GetEnvironmentVariable("CACOPHONY_ONNX_DIR") is { Length: > 0 } configured) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "onnx", "full");
            if (File.Exists(Path.Combine(candidate, "audio_encoder.onnx"))) return candidate;
        }
        throw new FileNotFoundException("the ONNX peer graphs were not found: set CACOPHONY_ONNX_DIR to a folder with audio_encoder.onnx and text_encoder.onnx");
    }

    /// <summary>Normalized audio embeddings of a batch of patch sequences of one length.</summary>
    public float[] EmbedAudio(IReadOnlyList<AudioPatches> clips)
    {
        int b = clips.Count, s = clips[0].Count;
        var patches = new DenseTensor<float>([b, s, 256]);
        var time = new DenseTensor<float>([b, s]);
        var freq = new DenseTensor<long>([b, s]);
        var mask = new DenseTensor<float>([b, s]);
        for (int i = 0; i < b; i++)
        {
            clips[i].Patches.AsSpan(0, s * 256).CopyTo(patches.Buffer.Span.Slice(i * s * 256, s * 256));
            for (int j = 0; j < s; j++)
            {
                time[i, j] = clips[i].TimeIndices[j];
                freq[i, j] = clips[i].FrequencyIndices[j];
                mask[i, j] = clips[i].Mask[j];
            }
        }
        using var results = _audio!.Run(
        [
            NamedOnnxValue.CreateFromTensor("audio_patches", patches),
            NamedOnnxValue.CreateFromTensor("audio_time_inds", time),
            NamedOnnxValue.CreateFromTensor("audio_freq_inds", freq),
            NamedOnnxValue.CreateFromTensor("audio_mask", mask),
        ], ["audio_embedding"]);
        return results[0].AsTensor<float>().ToArray();
    }

    /// <summary>Normalized text embeddings of a batch of id sequences, right-padded with 1 to the longest.</summary>
    public float[] EmbedText(IReadOnlyList<int[]> texts)
    {
        int b = texts.Count, l = texts.Max(t => t.Length);
        var ids = new DenseTensor<long>([b, l]);
        var mask = new DenseTensor<float>([b, l]);
        for (int i = 0; i < b; i++)
            for (int j = 0; j < l; j++)
            {
                ids[i, j] = j < texts[i].Length ? texts[i][j] : 1;
                mask[i, j] = j < texts[i].Length ? 1 : 0;
            }
        using var results = _text!.Run([NamedOnnxValue.CreateFromTensor("text_input_ids", ids), NamedOnnxValue.CreateFromTensor("text_mask", mask)], ["text_embedding"]);
        return results[0].AsTensor<float>().ToArray();
    }

    /// <summary>Stops the profiler of the (one) open session and returns its JSON file.</summary>
    public string EndProfiling() => (_audio ?? _text)!.EndProfiling();

    bool _disposed;

    /// <summary>Closes the sessions (and their thread pools); a second call does nothing.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _audio?.Dispose();
        _text?.Dispose();
    }
}
