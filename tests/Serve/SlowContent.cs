using System.Net;
using System.Text;

namespace Cacophony.Tests.Serve;

/// <summary>A JSON body sent in two parts with a pause between them: a request that is surely in flight for that long (a slow upload).</summary>
sealed class SlowContent(string json, TimeSpan pause) : HttpContent
{
    readonly byte[] _bytes = Encoding.UTF8.GetBytes(json);

    public TaskCompletionSource FirstPartSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        int half = _bytes.Length / 2;
        await stream.WriteAsync(_bytes.AsMemory(0, half));
        await stream.FlushAsync();
        FirstPartSent.TrySetResult();
        await Task.Delay(pause);
        await stream.WriteAsync(_bytes.AsMemory(half));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _bytes.Length;
        return true;
    }
}
