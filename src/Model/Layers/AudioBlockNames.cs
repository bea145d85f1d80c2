namespace Cacophony.Model.Layers;

/// <summary>The canonical tensor names of audio encoder block `index` (WeightMap.cs), for the CPU and GPU encoders alike.</summary>
public readonly record struct AudioBlockNames(string Prefix, int Index)
{
    string Block => $"{Prefix}.layers.{Index}";
    public string Norm1 => $"{Block}.norm1";
    public string[] QueryKeyValue => [$"{Block}.attn.q", $"{Block}.attn.k", $"{Block}.attn.v"];
    public string Out => $"{Block}.attn.out";
    public string Norm2 => $"{Block}.norm2";
    public string Fc1 => $"{Block}.mlp.fc1";
    public string Fc2 => $"{Block}.mlp.fc2";
}
