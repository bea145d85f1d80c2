using Cacophony.Audio;

namespace Cacophony.Serve;

/// <summary>
/// Audio sent in a request (base64 in JSON, or an uploaded file) decoded like a file on disk: any format the
/// decoder reads, by content. Bytes that are not audio, and audio over the length limit, are a 400 naming the input.
/// </summary>
sealed class AudioInput
{
    readonly string _scratch = Path.Combine(Path.GetTempPath(), "cacophony-serve-" + Environment.ProcessId);
    readonly double _maxSeconds;

    public AudioInput(double maxSeconds) => _maxSeconds = maxSeconds;

    public static byte[] FromBase64(string? data, string param)
    {
        if (string.IsNullOrEmpty(data)) throw ApiException.BadRequest($"'{param}' is empty: send the audio file's bytes in base64", param);
        try
        {
            return Convert.FromBase64String(data);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest($"'{param}' is not valid base64", param);
        }
    }

    /// <summary>The bytes decoded (through a private temporary file, which ffmpeg needs for the formats it reads).</summary>
    public async Task<DecodedAudio> Decode(byte[] bytes, string param, CancellationToken cancel)
    {
        Directory.CreateDirectory(_scratch);
        string file = Path.Combine(_scratch, Guid.NewGuid().ToString("N"));
        try
        {
            await File.WriteAllBytesAsync(file, bytes, cancel).ConfigureAwait(false);
            var audio = AudioDecoder.Read(file);
            if (audio.DurationSeconds > _maxSeconds)
                throw ApiException.BadRequest($"'{param}' is {audio.DurationSeconds:0.#} s of audio; at most {_maxSeconds:0.#} s are allowed", param);
            return audio;
        }
        catch (AudioFormatException e)
        {
            throw ApiException.BadRequest($"'{param}' {e.Problem}", param);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
