using Cacophony.Model;
using Cacophony.Model.Audio;

namespace Cacophony.Eval;

/// <summary>
/// The readable clips of a batch, ready for the model: their patches, made while decoding (CPU front end),
/// or, when the model runs its front end on its GPU, the decoded audio itself, so that the log-mel is
/// computed on the device with the rest of the pass.
/// </summary>
public sealed class ClipBatch(SequencePolicy policy)
{
    readonly List<AudioPatches> _patches = [];
    readonly List<DecodedAudio> _audio = [];

    /// <summary>Each clip's index in the caller's list, in batch order.</summary>
    public List<int> Indices { get; } = [];

    /// <summary>Clips read at an assumed rate other than their own (the original protocol's load_audio).</summary>
    public int ReadAtAnotherRate { get; internal set; }

    /// <summary>Clips held as decoded audio for the device's front end (0 on the CPU engine).</summary>
    public int OnDevice => _audio.Count;

    internal void Add(int index, CacophonyModel model, DecodedAudio audio)
    {
        Indices.Add(index);
        if (model.FrontEndOnDevice) _audio.Add(audio);
        else _patches.Add(model.FrontEnd.Process(audio, policy).Patches);
    }

    /// <summary>The clips' embeddings, in batch order.</summary>
    public IReadOnlyList<AudioEmbedding> Encode(CacophonyModel model) =>
        Indices.Count == 0 ? [] : _audio.Count > 0 ? model.EncodeAudio(_audio, policy) : model.EncodeAudio(_patches);
}
