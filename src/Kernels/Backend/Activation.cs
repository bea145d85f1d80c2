namespace Cacophony.Kernels;

/// <summary>An activation applied to a dense layer's output as it is written (fused into the product's tiles on every backend).</summary>
public enum Activation
{
    None = 0,
    /// <summary>x Phi(x) with the exact (erf) normal CDF, as RoBERTa and the caption decoder use.</summary>
    Gelu = 1,
    /// <summary>x sigmoid(x), the audio encoder's MLP.</summary>
    SiLU = 2,
}
