using BenchmarkDotNet.Attributes;
using Cacophony.Audio;
using Cacophony.Kernels.Cpu;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights;

namespace Cacophony.Benchmarks.Audio;

/// <summary>
/// The audio front end per stage on 10 s and 30 s clips of 44.1 kHz stereo 16-bit WAV (a tone in noise,
/// generated in setup): decode + channel mix, resample to 16 kHz (float64 FFT), log-mel, and the whole.
/// </summary>
[MemoryDiagnoser]
public class FrontEndBenchmarks
{
    readonly AudioFrontEnd _frontEnd = new(new PreprocessingConfig());
    readonly LogMelSpectrogram _logMel = new(new PreprocessingConfig().LogMel());
    string _directory = "";
    string _wav = "";
    DecodedAudio _decoded = null!;
    double[] _waveform16k = [];

    [Params(10, 30)]
    public int Seconds;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("cacophony-bench-").FullName;
        _wav = Path.Combine(_directory, "clip.wav");
        WriteStereoWav(_wav, 44100, Seconds);
        _decoded = WavReader.Read(_wav);
        _waveform16k = Resampler.Resample(_decoded.Samples, 44100, 16000);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Description = "decode WAV + mix to mono")]
    public DecodedAudio Decode() => WavReader.Read(_wav);

    [Benchmark(Description = "resample 44.1 -> 16 kHz")]
    public double[] Resample() => Resampler.Resample(_decoded.Samples, 44100, 16000);

    [Benchmark(Description = "log-mel (STFT + mel + log)")]
    public float[] LogMel() => _logMel.Compute(_waveform16k);

    [Benchmark(Description = "whole front end: file -> patches")]
    public AudioFeatures Whole() => _frontEnd.Process(WavReader.Read(_wav), Seconds <= 10 ? SequencePolicy.ZeroShot : SequencePolicy.RetrievalAndCaptioning);

    static void WriteStereoWav(string path, int rate, int seconds)
    {
        int frames = rate * seconds;
        var random = new Random(0);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write("RIFF"u8);
        writer.Write(36 + frames * 4);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)2);
        writer.Write(rate);
        writer.Write(rate * 4);
        writer.Write((short)4);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(frames * 4);
        for (int i = 0; i < frames; i++)
        {
            double tone = 0.3 * Math.Sin(2 * Math.PI * 440 * i / rate);
            writer.Write((short)(32767 * (tone + 0.1 * (random.NextDouble() - 0.5))));
            writer.Write((short)(32767 * (tone + 0.1 * (random.NextDouble() - 0.5))));
        }
    }
}
