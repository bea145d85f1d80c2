using System.Diagnostics;

namespace Cacophony.Audio;

/// <summary>
/// Any other container (FLAC, Opus, M4A/AAC, WMA, video files ...) through the `ffmpeg` program when it
/// is on the PATH: ffmpeg writes 32-bit float WAV to a pipe at the file's own rate and channel count,
/// and <see cref="WavReader"/> reads it, so resampling and channel mixing stay ours.
/// </summary>
public static class FfmpegAudioReader
{
    /// <summary>$CACOPHONY_FFMPEG when set (a path; set it to an empty file name to disable ffmpeg), else `ffmpeg` on the PATH.</summary>
    public static string? Executable => Find();

    public static bool IsAvailable => Executable is not null;

    public const string InstallHint = "install ffmpeg (e.g. `apt-get install ffmpeg`, `brew install ffmpeg`, or from ffmpeg.org) to decode it, or convert it to WAV";

    public static DecodedAudio Read(string path)
    {
        string ffmpeg = Executable ?? throw new AudioFormatException(path, "this audio format needs ffmpeg, which is not on the PATH: " + InstallHint);
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-nostdin", "-v", "error", "-i", path, "-vn", "-map", "0:a:0", "-f", "wav", "-c:a", "pcm_f32le", "-" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new AudioFormatException(path, "could not start ffmpeg");
        // ffmpeg is stopped past a budget that no honest file of this size needs (a hostile one can loop or stall).
        var budget = TimeSpan.FromSeconds(120 + 20 * (new FileInfo(path).Length >> 20));
        bool stopped = false;
        using var deadline = new Timer(_ =>
        {
            stopped = true;
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }, null, budget, Timeout.InfiniteTimeSpan);
        var errors = process.StandardError.ReadToEndAsync();
        DecodedAudio? audio = null;
        AudioFormatException? readError = null;
        try
        {
            audio = WavReader.Read(process.StandardOutput.BaseStream, path);
        }
        catch (AudioFormatException e)
        {
            readError = e;
        }
        process.WaitForExit();
        if (stopped) throw new AudioFormatException(path, $"ffmpeg was still decoding it after {budget.TotalSeconds:F0} s; stopped");
        if (process.ExitCode != 0)
        {
            string detail = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
            throw new AudioFormatException(path, $"ffmpeg could not decode it: {detail}");
        }
        if (readError is not null) throw readError;
        return audio! with { Encoding = "decoded by ffmpeg" };
    }

    static string? Find()
    {
        if (Environment.GetEnvironmentVariable("CACOPHONY_FFMPEG") is { } configured) return File.Exists(configured) ? configured : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "ffmpeg", "ffmpeg.exe" })
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
