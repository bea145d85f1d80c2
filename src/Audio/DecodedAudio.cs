namespace Cacophony.Audio;

/// <summary>A decoded clip mixed to mono: float32 samples in [-1, 1) at the file's own rate.</summary>
/// <param name="Encoding">What the file held, for messages: "PCM 16-bit", "IEEE float 32-bit", "MP3" ...</param>
public sealed record DecodedAudio(float[] Samples, int SampleRate, int Channels, string Encoding)
{
    public double DurationSeconds => (double)Samples.Length / SampleRate;
}
