using Cacophony.Audio;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Eval;
using Cacophony.Tests.Support;
using Cacophony.Weights;

namespace Cacophony.Tests.Audio;

/// <summary>The streamed front end of long 16 kHz WAV files gives the whole-clip front end's patches, bit for bit.</summary>
public class LongClipTests
{
    [TestCase(SequencePadding.Pad, 500, SequenceOverflow.Random)]
    [TestCase(SequencePadding.Exact, 100, SequenceOverflow.First)]
    [TestCase(SequencePadding.Exact, 100_000, SequenceOverflow.Random)]
    public void AStreamedClipHasTheWholeClipsPatches(SequencePadding padding, int length, SequenceOverflow overflow)
    {
        using var temp = new TempDirectory();
        // 83.3 s: 521 time patches, more than one 256-patch chunk, an odd sample count, frames past the last patch.
        string path = temp.File("long.wav");
        MiniDatasets.Tone(path, 523, seconds: 83.3001, rate: 16000, seed: 4);
        var frontEnd = new AudioFrontEnd(new PreprocessingConfig());
        var policy = new SequencePolicy { Padding = padding, Length = length, Overflow = overflow, Seed = 9 };
        var whole = frontEnd.Process(AudioDecoder.Read(path), policy).Patches;
        var streamed = frontEnd.ProcessFile(path, policy, longClipSamples: 16000).Patches;
        Assert.That(streamed.RealCount, Is.EqualTo(whole.RealCount));
        Assert.That(streamed.TimeIndices, Is.EqualTo(whole.TimeIndices));
        Assert.That(streamed.FrequencyIndices, Is.EqualTo(whole.FrequencyIndices));
        Assert.That(streamed.Mask, Is.EqualTo(whole.Mask));
        Assert.That(streamed.Patches, Is.EqualTo(whole.Patches), "the same bits");
    }
}

/// <summary>The streaming resampler against the original's FFT resampler on clips where both run.</summary>
public class StreamingResamplerTests
{
    // Bounds a little above what was measured (docs/FUZZING.md): downsampling differs in the last few percent
    // below 8 kHz, where the FFT resampler's brick wall and the sinc's transition band part; upsampling from
    // 8 kHz differs in the empty band above 4 kHz, where the FFT method puts exact zeros and the log of a
    // near-zero mel magnifies the sinc's stopband leakage.
    [TestCase(44100, 0.08, 2e-4)]
    [TestCase(48000, 0.08, 2e-4)]
    [TestCase(8000, 0.6, 1e-2)]
    public void AStreamedClipAtAnotherRateIsCloseToTheWholeClip(int rate, double maxAbs, double meanAbs)
    {
        using var temp = new TempDirectory();
        string path = temp.File("long.wav");
        MiniDatasets.Tone(path, 523, seconds: 41.7, rate: rate, seed: 4);
        var frontEnd = new AudioFrontEnd(new PreprocessingConfig());
        var policy = new SequencePolicy { Padding = SequencePadding.Exact, Length = 100_000 };
        var whole = frontEnd.Process(AudioDecoder.Read(path), policy).Patches;
        var streamed = frontEnd.ProcessFile(path, policy, longClipSamples: 16000);
        Assert.That(streamed.Resampler, Does.StartWith("windowed sinc"));
        Assert.That(streamed.Patches.RealCount, Is.EqualTo(whole.RealCount));
        // Log-mel values (log(mel + 1e-5) * 0.2 + 0.9, about -1.4 to 2): the largest difference, and the typical one.
        var differences = whole.Patches.Zip(streamed.Patches.Patches, (a, b) => Math.Abs((double)a - b)).ToArray();
        double worst = differences.Max(), mean = differences.Average();
        TestContext.Out.WriteLine($"{rate} Hz: log-mel max-abs {worst:E2}, mean {mean:E2} over {differences.Length} values");
        Assert.That(worst, Is.LessThan(maxAbs));
        Assert.That(mean, Is.LessThan(meanAbs));
    }
}

/// <summary>Ten hours of audio through `embed-audio`, as a user runs it, in bounded memory.</summary>
public class TenHourClipTests
{
    [TestCase(16000)]
    [TestCase(44100)]
    public void TenHoursEmbedInUnderTwoGigabytes(int rate)
    {
        using var temp = new TempDirectory();
        var model = Cacophony.Tests.Support.TinyModel.Convert(temp);
        // A sparse file: a 16-bit mono header declaring 10 hours, its data all zeros, taking no disk.
        string path = temp.File("ten-hours.wav");
        long data = 10L * 3600 * rate * 2;
        using (var file = File.Create(path))
        {
            file.Write(new Cacophony.Tests.Support.WavBuilder().Chunk("fmt ", Cacophony.Tests.Support.WavBuilder.Fmt(1, 1, rate, 16)).Chunk("data", []).Build(declaredDataSize: data));
            file.SetLength(file.Length + data);
        }
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(TestContext.CurrentContext.TestDirectory, "cacophony.dll"), "embed-audio", "--model", model, path, "--out", temp.File("ten.npy")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        // The peak resident memory, sampled from /proc while it runs (the kernel's high-water mark, VmHWM).
        while (!process.WaitForExit(20))
            try
            {
                var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
                if (line is not null) peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024);
            }
            catch (IOException) { }
        TestContext.Out.WriteLine($"10 h at {rate} Hz: peak resident {peak >> 20} MiB; {stderr.Result.Trim()}");
        Assert.That(process.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stderr.Result, Does.Contain("streamed through the front end"));
        Assert.That(Cacophony.Weights.Numpy.NpyFile.Read(temp.File("ten.npy")).Shape, Is.EqualTo(new[] { 1, 32 }));
        Assert.That(peak, Is.GreaterThan(0).And.LessThan(2L << 30));
    }
}

/// <summary>MP3 and Ogg Vorbis streamed in two passes (count, then read) against the whole-clip front end.</summary>
public class StreamedCompressedTests
{
    [TestCase("tone440.mp3")]
    [TestCase("tone440.ogg")]
    public void AStreamedCompressedClipMatchesTheWholeClip(string file)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "data", "audio", file);
        var frontEnd = new AudioFrontEnd(new PreprocessingConfig());
        var policy = new SequencePolicy { Padding = SequencePadding.Exact, Length = 100_000 };
        var decoded = AudioDecoder.Read(path);
        var whole = frontEnd.Process(decoded, policy).Patches;
        var streamed = frontEnd.ProcessFile(path, policy, longClipSamples: 1600);
        Assert.That(streamed.Streamed, "streamed with a threshold of 0.1 s");
        Assert.That(streamed.Patches.RealCount, Is.EqualTo(whole.RealCount), "the counting pass found the whole decode's length");
        Assert.That(streamed.Patches.TimeIndices, Is.EqualTo(whole.TimeIndices));
        var differences = whole.Patches.Zip(streamed.Patches.Patches, (a, b) => Math.Abs((double)a - b)).ToArray();
        TestContext.Out.WriteLine($"{file} ({decoded.SampleRate} Hz): log-mel max-abs {differences.Max():E2}, mean {differences.Average():E2}");
        if (decoded.SampleRate == 16000) Assert.That(differences.Max(), Is.Zero, "no resampling: the same bits");
        else Assert.That(differences.Average(), Is.LessThan(2e-3));
    }
}
