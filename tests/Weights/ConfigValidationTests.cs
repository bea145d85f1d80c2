using System.Text.Json.Nodes;
using Cacophony.Tests.Support;
using Cacophony.Weights;

namespace Cacophony.Tests.Weights;

/// <summary>config.json values the engine cannot run are refused at load, naming the field, instead of dividing by zero or giving NaN later.</summary>
public class ConfigValidationTests
{
    static string TinyConfig() => File.ReadAllText(TestData.Tiny("config.json"));

    [TestCase("audio.hidden_act", "\"gelu\"", "audio.hidden_act: 'gelu' is not implemented")]
    [TestCase("text.hidden_act", "\"relu\"", "text.hidden_act: 'relu' is not implemented")]
    [TestCase("weights_dtype", "\"f8\"", "weights_dtype: 'f8'")]
    [TestCase("audio.num_heads", "0", "audio.num_heads: 0 does not divide")]
    [TestCase("audio.num_heads", "7", "audio.num_heads: 7 does not divide hidden_size 40")]
    [TestCase("text.num_attention_heads", "0", "text.num_attention_heads: 0 does not divide")]
    [TestCase("audio.hidden_size", "-40", "audio.hidden_size: must be positive")]
    [TestCase("audio.patch_size", "255", "audio.patch_size: 255 is not patch_time x patch_freq = 256")]
    [TestCase("preprocessing.patch_freq", "15", "patch_freq dividing num_mel_bins 128")]
    [TestCase("preprocessing.log_mel_offset", "0", "preprocessing.log_mel_offset: must be positive")]
    [TestCase("preprocessing.upper_edge_hertz", "9000", "upper <= sample_rate / 2")]
    [TestCase("preprocessing.frame_step", "0", "preprocessing.frame_step: must be 1-512")]
    [TestCase("audio.layer_norm_eps", "-1", "audio.layer_norm_eps: must be positive")]
    [TestCase("num_attention_pool_heads", "3", "num_attention_pool_heads: 3 does not divide the audio width 40")]
    [TestCase("audio", "null", "audio: missing")]
    [TestCase("kind", "\"bert\"", "kind: 'bert' is neither")]
    [TestCase("preprocessing.sample_rate", "2147483647", "preprocessing.sample_rate: must be 1000-384000 Hz")] // found by the fuzz harness: 16 GB to resample to it
    [TestCase("preprocessing.seq_len_zero_shot", "2147483647", "preprocessing.seq_len_zero_shot: must be 1-50000")]
    [TestCase("preprocessing.max_text_len", "600", "600 tokens do not fit the 514 text positions")]
    public void AValueTheEngineCannotRunIsRefusedByName(string field, string value, string problem)
    {
        var json = JsonNode.Parse(TinyConfig())!.AsObject();
        json["kind"] = "cacophony";
        var parts = field.Split('.');
        var node = json;
        foreach (var part in parts[..^1]) node = node[part]!.AsObject();
        node[parts[^1]] = JsonNode.Parse(value);
        using var temp = new TempDirectory();
        string path = temp.File("config.json");
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Load(path))!;
        TestContext.Out.WriteLine(error.Message);
        Assert.That(error.Message, Does.StartWith(path).And.Contain(problem));
    }

    [Test]
    public void TheTinyModelsConfigIsValid()
    {
        using var temp = new TempDirectory();
        var json = JsonNode.Parse(TinyConfig())!.AsObject();
        json["kind"] = "cacophony";
        File.WriteAllText(temp.File("config.json"), json.ToJsonString());
        Assert.That(ModelConfig.Load(temp.File("config.json")).Audio.HiddenSize, Is.EqualTo(40));
    }
}
