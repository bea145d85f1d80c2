using Cacophony.Kernels.Gpu;
using Cacophony.Model.Audio;
using Cacophony.Weights;
using ILGPU;
using ILGPU.Runtime;

namespace Cacophony.Model.Gpu;

/// <summary>
/// The log-mel and patches on the device (the CPU engine's <see cref="LogMelSpectrogram"/> and
/// <see cref="Patchifier"/> semantics, in float32): 16 kHz samples go up; |STFT| by <see cref="StftKernel"/>,
/// the mel matrix by a GEMM, log(x + 1e-5) * 0.2 + 0.9, then the kept patches gathered straight into the
/// encoder's input. Which patches are kept (padding, the seeded subset) is decided on the host, as on the CPU.
/// </summary>
public sealed class GpuFrontEnd
{
    readonly GpuDevice _device;
    readonly PreprocessingConfig _config;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _window, _cos, _sin, _mel;

    public GpuFrontEnd(GpuDevice device, GpuWeights weights, PreprocessingConfig config)
    {
        if (config.FftLength != StftKernel.Points) throw new ArgumentException($"the device STFT is {StftKernel.Points} points, the config asks for {config.FftLength}");
        _device = device;
        _config = config;
        var window = new float[config.FrameLength];
        for (int k = 0; k < window.Length; k++) window[k] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * k / config.FrameLength));
        var (cos, sin) = StftKernel.Twiddles();
        var bank = new MelFilterBank(config.NumMelBins, StftKernel.Bins, config.SampleRate, config.LowerEdgeHertz, config.UpperEdgeHertz);
        _window = weights.Upload(window);
        _cos = weights.Upload(cos);
        _sin = weights.Upload(sin);
        _mel = weights.Upload(bank.Weights.Select(w => (float)w).ToArray());
    }

    public int Frames(int samples) => (samples + _config.FrameStep - 1) / _config.FrameStep;

    /// <summary>Log-mel [frames, mel bins] of 16 kHz samples, left on the device (the caller disposes it).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> LogMel(ReadOnlySpan<float> waveform16k, out int frames)
    {
        var accelerator = _device.Accelerator;
        var kernels = _device.Kernels;
        frames = Frames(waveform16k.Length);
        using var samples = accelerator.Allocate1D<float>(Math.Max(1, waveform16k.Length));
        ((ArrayView<float>)samples.View).SubView(0, waveform16k.Length).CopyFromCPU(waveform16k);
        using var magnitudes = accelerator.Allocate1D<float>((long)Math.Max(1, frames) * StftKernel.Bins);
        var mel = accelerator.Allocate1D<float>((long)Math.Max(1, frames) * _config.NumMelBins);
        kernels.StftMagnitudes(samples.View, waveform16k.Length, _config.FrameStep, _window.View, _cos.View, _sin.View, magnitudes.View, frames);
        kernels.Gemm(magnitudes.View, _mel.View, default, mel.View, frames, StftKernel.Bins, _config.NumMelBins);
        if (frames > 0) kernels.LogMel(mel.View.SubView(0, (long)frames * _config.NumMelBins));
        return mel;
    }

    /// <summary>
    /// Writes the kept patches of one clip into `destination` (rows of patch size) and returns their
    /// indices (time, frequency, mask) as <see cref="AudioPatches"/> without values, real patches only.
    /// </summary>
    public AudioPatches Patches(ReadOnlySpan<float> waveform16k, SequencePolicy policy, ArrayView<float> destination)
    {
        int melBins = _config.NumMelBins, patchTime = _config.PatchTime, patchFreq = _config.PatchFreq, freqs = melBins / patchFreq;
        using var mel = LogMel(waveform16k, out int frames);
        int total = frames / patchTime * freqs;
        var keep = Patchifier.Select(total, policy with { Padding = SequencePadding.Exact });
        if (keep.Length > 0)
        {
            using var keepOnDevice = _device.Accelerator.Allocate1D(keep);
            _device.Kernels.GatherPatches(mel.View, keepOnDevice.View, destination, keep.Length, melBins, patchTime, patchFreq);
        }
        return new AudioPatches([], keep.Select(i => i / freqs).ToArray(), keep.Select(i => i % freqs).ToArray(), Enumerable.Repeat(1, keep.Length).ToArray(), keep.Length);
    }

    /// <summary>How many patches a clip of this many 16 kHz samples keeps under the policy.</summary>
    public int PatchCount(int samples, SequencePolicy policy)
    {
        int total = Frames(samples) / _config.PatchTime * (_config.NumMelBins / _config.PatchFreq);
        return Math.Min(total, policy.Length);
    }
}
