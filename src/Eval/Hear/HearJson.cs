using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cacophony.Eval.Hear;

/// <summary>
/// The JSON files of a HEAR task directory, with hear-eval-kit's formatting (the serializer's defaults; indented
/// where the kit writes indent=4-like files), through generated serializers so a native build writes them too.
/// </summary>
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(List<List<string>>))]
[JsonSerializable(typeof(List<object[]>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(double))]
internal sealed partial class HearJson : JsonSerializerContext
{
    static HearJson? s_compact, s_indented;
    public static HearJson Compact => s_compact ??= new(new JsonSerializerOptions());
    public static HearJson Indented => s_indented ??= new(new JsonSerializerOptions { WriteIndented = true });
}
