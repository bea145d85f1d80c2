namespace Cacophony.Audio;

/// <summary>A clip read as blocks of mono samples, its length known before the first block (what streaming the front end needs).</summary>
public interface IMonoSource : IDisposable
{
    int SampleRate { get; }

    /// <summary>Mono samples in all.</summary>
    long Frames { get; }

    /// <summary>The next samples, as many as fit and remain; 0 at the end.</summary>
    int Read(Span<float> mono);
}
