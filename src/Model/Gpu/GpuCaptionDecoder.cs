using Cacophony.Kernels.Gpu;
using Cacophony.Model.Captioning;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>A clip's cross keys and values for every decoder layer, on the device.</summary>
public sealed record GpuCaptionMemory(GpuCrossMemory[] Layers) : ICaptionMemory
{
    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
    }
}

/// <summary>One caption on the device: the KV caches of the text and decoder layers and the clip's memory.</summary>
public sealed class GpuCaptionState(GpuKvCache[] text, GpuKvCache[] decoder, GpuCaptionMemory memory) : ICaptionState
{
    public GpuKvCache[] Text { get; } = text;
    public GpuKvCache[] Decoder { get; } = decoder;
    public GpuCaptionMemory Memory { get; } = memory;
    public int Length => Text[0].Length;

    public ICaptionState Clone() => new GpuCaptionState(Text.Select(c => c.Clone()).ToArray(), Decoder.Select(c => c.Clone()).ToArray(), Memory);

    /// <summary>Frees the caches (the clip's memory belongs to whoever remembered it).</summary>
    public void Dispose()
    {
        foreach (var cache in Text.Concat(Decoder)) cache.Dispose();
    }
}

/// <summary>
/// The caption decoder (see <see cref="CaptionDecoder"/>) on an ILGPU accelerator: the text encoder and the
/// decoder layers keep their KV caches on the device (appended by a copy kernel), cross keys and values are
/// computed once per clip, and only each step's last-token logits come down.
/// </summary>
public sealed class GpuCaptionDecoder : ICaptionDecoder
{
    readonly GpuDevice _device;
    readonly GpuTextEncoder _text;
    readonly GpuRobertaLayer[] _layers;
    readonly GpuLinear _vocabulary;
    readonly RobertaConfig _config;

    public int VocabSize => _vocabulary.Outputs;

    public GpuCaptionDecoder(GpuDevice device, GpuWeights weights, RobertaConfig config, GpuTextEncoder text)
    {
        if (config.HiddenSize != text.Width) throw new ArgumentException($"decoder width {config.HiddenSize} differs from the text encoder's {text.Width}");
        _device = device;
        _config = config;
        _text = text;
        _layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new GpuRobertaLayer(device, weights, $"decoder.layers.{i}", config, crossAttention: true)).ToArray();
        _vocabulary = weights.Linear("decoder.vocab");
    }

    public ICaptionMemory Remember(ReadOnlySpan<float> audioHidden, int patches)
    {
        using var hidden = _device.Accelerator.Allocate1D<float>(Math.Max(1, audioHidden.Length));
        ((ArrayView<float>)hidden.View).SubView(0, audioHidden.Length).CopyFromCPU(audioHidden);
        return new GpuCaptionMemory(_layers.Select(l => l.Remember(hidden.View, patches)).ToArray());
    }

    public ICaptionState Start(ICaptionMemory memory) => new GpuCaptionState(
        Enumerable.Range(0, _text.LayerCount).Select(_ => new GpuKvCache(_device, _text.Width)).ToArray(),
        _layers.Select(_ => new GpuKvCache(_device, _config.HiddenSize)).ToArray(), Own(memory));

    public float[] Step(IReadOnlyList<ICaptionState> states, IReadOnlyList<int[]> newIds)
    {
        if (states.Count != newIds.Count) throw new ArgumentException("one list of new ids per state");
        var own = states.Select(s => s as GpuCaptionState ?? throw new ArgumentException("a caption state of another backend")).ToArray();
        using var hidden = Decode(newIds, own.Select(s => s.Text).ToArray(), own.Select(s => s.Decoder).ToArray(), own.Select(s => s.Memory).ToArray(), out var offsets);
        int t = _text.Width;
        using var last = _device.Accelerator.Allocate1D<float>((long)states.Count * t);
        for (int b = 0; b < states.Count; b++)
            _device.Kernels.CopyRows(hidden.View.From((long)(offsets[b + 1] - 1) * t), t, last.View.From((long)b * t), 1, t);
        return Vocabulary(last.View, states.Count);
    }

    public float[] TeacherForced(ICaptionMemory memory, int[] ids)
    {
        using var hidden = Decode([ids], caches: null, decoderCaches: null, [Own(memory)], out _);
        return Vocabulary(hidden.View, ids.Length);
    }

    MemoryBuffer1D<float, Stride1D.Dense> Decode(IReadOnlyList<int[]> newIds, IReadOnlyList<GpuKvCache[]>? caches, IReadOnlyList<GpuKvCache[]>? decoderCaches,
        IReadOnlyList<GpuCaptionMemory> memories, out int[] offsets)
    {
        var x = _text.Run(newIds, caches, out offsets);
        using var scratch = new GpuRobertaLayer.Scratch(_device.Accelerator, offsets[^1], _config.HiddenSize, _config.IntermediateSize);
        for (int i = 0; i < _layers.Length; i++)
            _layers[i].Forward(x.View, offsets, scratch, decoderCaches?.Select(c => c[i]).ToArray(), memories.Select(m => m.Layers[i]).ToArray());
        return x;
    }

    float[] Vocabulary(ArrayView<float> rows, int count)
    {
        using var logits = _device.Accelerator.Allocate1D<float>((long)count * VocabSize);
        _vocabulary.Apply(_device.Kernels, rows, count, logits.View);
        _device.Accelerator.Synchronize();
        return logits.GetAsArray1D();
    }

    static GpuCaptionMemory Own(ICaptionMemory memory) => memory as GpuCaptionMemory ?? throw new ArgumentException("a clip memory of another backend");
}
