using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;

namespace Cacophony.Eval;

/// <summary>
/// The readable clips of a batch, held decoded until the batch is full: the model then runs the front end on
/// its backend with the rest of the pass (on a GPU the log-mel is computed on the device).
/// </summary>
public sealed class ClipBatch(SequencePolicy policy)
{
    readonly List<DecodedAudio> _audio = [];

    /// <summary>Each clip's index in the caller's list, in batch order.</summary>
    public List<int> Indices { get; } = [];

    /// <summary>Clips read at an assumed rate other than their own (the original protocol's load_audio).</summary>
    public int ReadAtAnotherRate { get; internal set; }

    internal void Add(int index, DecodedAudio audio)
    {
        Indices.Add(index);
        _audio.Add(audio);
    }

    /// <summary>The clips' embeddings, in batch order.</summary>
    public IReadOnlyList<AudioEmbedding> Encode(CacophonyModel model) => Indices.Count == 0 ? [] : model.EncodeAudio(_audio, policy);
}
