namespace Cacophony.Model.Captioning;

/// <summary>
/// Cross-attention keys and values of one decoder layer for one clip: the audio hidden states of its
/// real patches projected once per clip (padding is masked in the original, so it is left out here).
/// </summary>
public sealed record CrossMemory(float[] Keys, float[] Values, int Length);
