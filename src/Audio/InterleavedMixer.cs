namespace Cacophony.Audio;

/// <summary>Collects interleaved float frames from a decoder and mixes them to mono (channel mean, float32).</summary>
sealed class InterleavedMixer(int channels)
{
    readonly List<float[]> _blocks = [];
    long _frames;

    public void Add(ReadOnlySpan<float> interleaved)
    {
        var mono = new float[interleaved.Length / channels];
        Mix(interleaved, channels, mono);
        _blocks.Add(mono);
        _frames += mono.Length;
    }

    /// <summary>Interleaved frames to mono: the channels' mean in float32 (a lone channel as it is).</summary>
    public static void Mix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        for (int i = 0; i < mono.Length; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++) sum += interleaved[i * channels + c];
            mono[i] = channels == 1 ? sum : sum / channels;
        }
    }

    public float[] ToArray()
    {
        var result = new float[checked((int)_frames)];
        int offset = 0;
        foreach (var block in _blocks)
        {
            block.CopyTo(result, offset);
            offset += block.Length;
        }
        return result;
    }
}
