using Cacophony.Kernels;
using Cacophony.Weights;

namespace Cacophony.Model.FrontEnd;

public static class LogMelSettingsOf
{
    /// <summary>The log-mel of a model's preprocessing config, as the kernels take it.</summary>
    public static LogMelSettings LogMel(this PreprocessingConfig config) => new(config.SampleRate, config.FrameLength, config.FrameStep, config.FftLength,
        config.NumMelBins, config.LowerEdgeHertz, config.UpperEdgeHertz, config.LogMelOffset, config.LogMelScale, config.LogMelBias);
}
