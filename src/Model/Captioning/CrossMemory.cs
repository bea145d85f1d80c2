using Cacophony.Kernels;

namespace Cacophony.Model.Captioning;

/// <summary>
/// Cross-attention keys and values of one decoder layer for one clip, on the backend: the audio hidden states
/// of its real patches projected once per clip (padding is masked in the original, so it is left out here).
/// </summary>
sealed record CrossMemory(Tensor Keys, Tensor Values, int Length) : IDisposable
{
    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
