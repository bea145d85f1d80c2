namespace Cacophony.Weights.Canonical;

public enum CheckpointFormat
{
    /// <summary>flax.serialization msgpack (the original Jax code).</summary>
    Flax,
    /// <summary>torch.save zip of the PyTorch port's state_dict.</summary>
    Torch,
    /// <summary>Our model.safetensors: canonical names and layouts.</summary>
    Canonical,
}
