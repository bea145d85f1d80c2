using System.Text.Json;
using Cacophony.Audio;
using Cacophony.Eval.Hear;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Tests.Support;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.Numpy;
using Razorvine.Pickle;

namespace Cacophony.Tests.Eval;

/// <summary>The HEAR export: its pieces against CPython and the golden reference, then a whole run in the kit's layout.</summary>
public class HearTests : TinyModelFixture
{
    [Test]
    public void PythonRandomReproducesCPython()
    {
        // Printed by CPython 3: r = random.Random(); r.seed(0); [r.getrandbits(32) for _ in range(3)];
        // x = list(range(10)); r.seed(0); r.shuffle(x); and two shuffles in a row from one seed(0).
        var random = new PythonRandom(0);
        Assert.That(new[] { random.NextUInt32(), random.NextUInt32(), random.NextUInt32() }, Is.EqualTo(new uint[] { 3626764237, 1654615998, 3255389356 }));
        var ten = Enumerable.Range(0, 10).ToList();
        new PythonRandom(0).Shuffle(ten);
        Assert.That(ten, Is.EqualTo(new[] { 7, 8, 1, 5, 3, 4, 2, 0, 9, 6 }));
        var sequential = new PythonRandom(0);
        var five = Enumerable.Range(0, 5).ToList();
        var seven = Enumerable.Range(0, 7).ToList();
        sequential.Shuffle(five);
        sequential.Shuffle(seven);
        Assert.That(five, Is.EqualTo(new[] { 2, 1, 0, 4, 3 }));
        Assert.That(seven, Is.EqualTo(new[] { 0, 6, 1, 2, 5, 3, 4 }));
    }

    [Test]
    public void PickledLabelsReadBackWithAPickleReader()
    {
        List<IReadOnlyList<string>> labels = [["dog"], [], ["rain", "thunder"], ["caf\u00e9"]];
        var stream = new MemoryStream();
        PickleWriter.WriteListOfStringLists(stream, labels);
        var read = (System.Collections.ArrayList)new Unpickler().loads(stream.ToArray());
        Assert.That(read.Cast<System.Collections.ArrayList>().Select(l => l.Cast<string>().ToArray()), Is.EqualTo(labels.Select(l => l.ToArray())));
    }

    [TestCase("audio_front_center", "front_center")]
    [TestCase("audio_clip_16k", "clip_16k")]
    public void TimePatchEmbeddingsMatchTheReference(string caseName, string wav)
    {
        var (embeddings, timestamps, width) = HearExport.TimePatchEmbeddings(Model, AudioDecoder.Read(TestData.Tiny($"wavs/{wav}.wav")));
        int real = Golden.Ints(caseName, "mask").Sum() / 8;
        Assert.That(timestamps, Has.Length.EqualTo(real));
        Assert.That(timestamps[0], Is.EqualTo(80.0));
        var (maxAbs, _) = Golden.Report($"{caseName} hear_timestamp_embeddings (real time patches)", embeddings, Golden.Floats(caseName, "hear_timestamp_embeddings").AsSpan(0, real * width));
        Assert.That(maxAbs, Is.LessThan(1e-5));
    }

    [Test]
    public void TimestampEmbeddingsOfAnElevenSecondClipAreOneSequenceWithContinuingTimeIndices()
    {
        // 11 s: 68 time patches, more than the 62 of one 10 s window.
        var random = new Random(5);
        var samples = Enumerable.Range(0, 11 * 16000).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * (300 + i / 400.0) * i / 16000) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
        var decoded = new DecodedAudio(samples, 16000, 1, "samples");
        var (embeddings, timestamps, width) = HearExport.TimePatchEmbeddings(Model, decoded);
        Assert.That(timestamps, Has.Length.EqualTo(68));

        // Truth: the float64 reference on the whole clip as one sequence, each time patch's 8 rows averaged.
        var patches = Model.FrontEnd.Process(decoded, new SequencePolicy { Padding = SequencePadding.Exact, Length = int.MaxValue }).Patches;
        Assert.That(patches.TimeIndices[^1], Is.EqualTo(67), "time indices continue past the first window");
        using var weights = Cacophony.Model.ModelDirectory.Open(Temp.File("model"));
        var hidden = new Cacophony.Tests.Model.ReferenceModel(Model.Config, weights).AudioHidden(patches);
        var expected = new float[68 * width];
        for (int t = 0; t < 68; t++)
            for (int j = 0; j < width; j++)
                expected[t * width + j] = (float)Enumerable.Range(0, 8).Average(f => hidden[(t * 8 + f) * width + j]);
        var (maxAbs, relative) = Golden.Report("11 s timestamp embeddings vs the one-sequence float64 reference", embeddings, expected);
        Assert.That(relative, Is.LessThan(1e-4));

        // The windowed encoding that restarted time at 0 after 62 time patches is far from it: the test tells them apart.
        var second = new AudioPatches(patches.Patches.AsSpan(62 * 8 * 256).ToArray(), patches.TimeIndices[(62 * 8)..].Select(t => t - 62).ToArray(),
            patches.FrequencyIndices[(62 * 8)..], Enumerable.Repeat(1, 6 * 8).ToArray(), 6 * 8);
        var windowed = Model.EncodeAudio(second).Hidden;
        double worst = Enumerable.Range(0, 6 * 8 * width).Max(i => Math.Abs(windowed[i] - hidden[62 * 8 * width + i]));
        Assert.That(worst, Is.GreaterThan(1e-2), "restarting the time index changes the rows past the first window");
    }

    [Test]
    public void SplitRowsFollowTheJsonsOrderShuffledAsTheKit()
    {
        string tasks = Temp.File("order-tasks"), output = Temp.File("order-embeddings");
        string task = MakeTask(tasks, "mini-order", "scene", f => f.EndsWith("0.wav") ? "[\"dog\"]" : "[\"rain\"]");
        // The split JSON lists its files out of name order.
        string[] listed = ["train_3.wav", "train_0.wav", "train_2.wav", "train_1.wav"];
        File.WriteAllText(Path.Combine(task, "train.json"), "{" + string.Join(", ", listed.Select(f => $"\"{f}\": [\"{(f.EndsWith("0.wav") ? "dog" : "rain")}\"]")) + "}");
        var run = ToolRunner.Run("cacophony", "hear", "--model", Temp.File("model"), "--tasks", tasks, "--out", output);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);

        // CPython 3: r = random.Random(0); x = ['train_3.wav', 'train_0.wav', 'train_2.wav', 'train_1.wav']; r.shuffle(x); print(x)
        string[] kitOrder = ["train_2.wav", "train_3.wav", "train_0.wav", "train_1.wav"];
        string scene = Path.Combine(output, "mini-order");
        var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(Path.Combine(scene, "train.embeddings.npy"))).ToArray();
        for (int i = 0; i < kitOrder.Length; i++)
            Assert.That(rows.AsSpan(i * 32, 32).ToArray(), Is.EqualTo(NpyFile.Read(Path.Combine(scene, "train", kitOrder[i] + ".embedding.npy")).Float32), $"row {i} = {kitOrder[i]}");
        var labels = (System.Collections.ArrayList)new Unpickler().load(File.OpenRead(Path.Combine(scene, "train.target-labels.pkl")));
        Assert.That(labels.Cast<System.Collections.ArrayList>().Select(l => (string)l[0]!), Is.EqualTo(kitOrder.Select(f => f.EndsWith("0.wav") ? "dog" : "rain")));
    }

    [Test]
    public void AnUnreadableFileIsReportedTheOthersEmbeddedAndARerunFinishesTheTask()
    {
        string tasks = Temp.File("broken-tasks"), output = Temp.File("broken-embeddings");
        string task = MakeTask(tasks, "mini-broken", "scene", _ => "[\"dog\"]");
        string broken = Path.Combine(task, "16000", "valid", "valid_1.wav");
        File.WriteAllText(broken, "not audio\n");
        var run = ToolRunner.Run("cacophony", "hear", "--model", Temp.File("model"), "--tasks", tasks, "--out", output);
        Assert.That(run.ExitCode, Is.EqualTo(2));
        Assert.That(run.Stderr, Does.Contain($"error: {broken}: is not audio"));
        string done = Path.Combine(output, "mini-broken");
        Assert.That(File.Exists(Path.Combine(done, "test", "test_1.wav.embedding.npy")), "the files after the broken one are embedded");
        Assert.That(File.Exists(Path.Combine(done, ".done.embeddings")), Is.False, "an incomplete task is not marked done");
        Assert.That(File.Exists(Path.Combine(done, "valid.embeddings.npy")), Is.False, "nor aggregated");

        MiniDatasets.Tone(broken, 450, seconds: 2);
        var rerun = ToolRunner.Run("cacophony", "hear", "--model", Temp.File("model"), "--tasks", tasks, "--out", output);
        Assert.That(rerun.ExitCode, Is.Zero, rerun.Stderr);
        Assert.That(File.Exists(Path.Combine(done, ".done.embeddings")));
        Assert.That(JsonSerializer.Deserialize<int[]>(File.ReadAllText(Path.Combine(done, "valid.embedding-dimensions.json"))), Is.EqualTo(new[] { 2, 32 }));
    }

    /// <summary>A scene task and an event task under <paramref name="root"/> (the sharded-run tests' HEAR job).</summary>
    internal static string MakeSceneAndEventTasks(string root)
    {
        MakeTask(root, "mini-scene", "scene", f => f.EndsWith("0.wav") ? "[\"dog\"]" : "[\"rain\"]");
        MakeTask(root, "mini-event", "event", _ => "[{\"label\": \"dog\", \"start\": 100.0, \"end\": 400.0}]");
        return root;
    }

    internal static string MakeTask(string root, string name, string type, Func<string, string> labelOf)
    {
        string task = Path.Combine(root, name);
        Directory.CreateDirectory(task);
        File.WriteAllText(Path.Combine(task, "task_metadata.json"), JsonSerializer.Serialize(new { task_name = name, embedding_type = type, prediction_type = type == "scene" ? "multiclass" : "multilabel", split_mode = "trainvaltest", sample_duration = 2.0 }));
        File.WriteAllText(Path.Combine(task, "labelvocabulary.csv"), "idx,label\n0,dog\n1,rain\n");
        foreach (var (split, count) in new[] { ("train", 4), ("valid", 2), ("test", 2) })
        {
            var entries = new Dictionary<string, JsonElement>();
            for (int i = 0; i < count; i++)
            {
                string file = $"{split}_{i}.wav";
                MiniDatasets.Tone(Path.Combine(task, "16000", split, file), 300 + 150 * i, seconds: 2);
                entries[file] = JsonDocument.Parse(labelOf(file)).RootElement;
            }
            File.WriteAllText(Path.Combine(task, $"{split}.json"), JsonSerializer.Serialize(entries));
        }
        return task;
    }

    [Test]
    public void SceneAndEventTasksExportInTheKitsLayout()
    {
        string tasks = Temp.File("tasks"), output = Temp.File("embeddings");
        MakeTask(tasks, "mini-scene", "scene", f => f.EndsWith("0.wav") ? "[\"dog\"]" : "[\"rain\"]");
        MakeTask(tasks, "mini-event", "event", _ => "[{\"label\": \"dog\", \"start\": 100.0, \"end\": 400.0}, {\"label\": \"rain\", \"start\": 240.0, \"end\": 1500.0}]");
        var run = ToolRunner.Run("cacophony", "hear", "--model", Temp.File("model"), "--tasks", tasks, "--out", output);
        Assert.That(run.ExitCode, Is.Zero, run.Stderr);

        // Scene: per-file embedding = the normalized 496-patch embedding; the split file in the kit's shuffled order.
        string scene = Path.Combine(output, "mini-scene");
        foreach (var name in new[] { "task_metadata.json", "labelvocabulary.csv", "train.json", "valid.json", "test.json", ".done.embeddings" })
            Assert.That(File.Exists(Path.Combine(scene, name)), name);
        var random = new PythonRandom(0);
        var order = new List<string> { "train_0.wav", "train_1.wav", "train_2.wav", "train_3.wav" };
        random.Shuffle(order);
        Assert.That(JsonSerializer.Deserialize<int[]>(File.ReadAllText(Path.Combine(scene, "train.embedding-dimensions.json"))), Is.EqualTo(new[] { 4, 32 }));
        var raw = File.ReadAllBytes(Path.Combine(scene, "train.embeddings.npy"));
        Assert.That(raw, Has.Length.EqualTo(4 * 32 * 4), "headerless float32, as np.memmap writes it");
        var rows = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
        for (int i = 0; i < order.Count; i++)
        {
            var expected = Model.EmbedAudio(Path.Combine(tasks, "mini-scene", "16000", "train", order[i]), new SequencePolicy { Padding = SequencePadding.Exact, Length = 496 });
            Assert.That(rows.AsSpan(i * 32, 32).ToArray(), Is.EqualTo(expected), $"row {i} = {order[i]}");
            Assert.That(NpyFile.Read(Path.Combine(scene, "train", order[i] + ".embedding.npy")).Float32, Is.EqualTo(expected));
        }
        var labels = (System.Collections.ArrayList)new Unpickler().load(File.OpenRead(Path.Combine(scene, "train.target-labels.pkl")));
        Assert.That(labels.Cast<System.Collections.ArrayList>().Select(l => (string)l[0]!), Is.EqualTo(order.Select(f => f.EndsWith("0.wav") ? "dog" : "rain")));

        // Event: 2 s -> 12 time patches (200 frames -> 192 used), centred timestamps inside the clip, labels by [start, end + 0.0001).
        string eventTask = Path.Combine(output, "mini-event");
        var timestamps = JsonSerializer.Deserialize<double[]>(File.ReadAllText(Path.Combine(eventTask, "test", "test_0.wav.timestamps.json")))!;
        Assert.That(timestamps, Is.EqualTo(Enumerable.Range(0, 12).Select(t => 160.0 * t + 80).ToArray()));
        Assert.That(timestamps[^1], Is.LessThan(2000));
        var eventLabels = JsonSerializer.Deserialize<string[][]>(File.ReadAllText(Path.Combine(eventTask, "test", "test_0.wav.target-labels.json")))!;
        Assert.That(eventLabels[0], Is.Empty, "80 ms: before both events");
        Assert.That(eventLabels[1], Is.EqualTo(new[] { "dog", "rain" }), "240 ms: the rain starts exactly here");
        Assert.That(eventLabels[2], Is.EqualTo(new[] { "dog", "rain" }), "400 ms: the dog's end + 0.0001 still covers it");
        Assert.That(eventLabels[3], Is.EqualTo(new[] { "rain" }), "560 ms");
        Assert.That(eventLabels[9], Is.Empty, "1520 ms: after both");
        var dims = JsonSerializer.Deserialize<int[]>(File.ReadAllText(Path.Combine(eventTask, "test.embedding-dimensions.json")))!;
        Assert.That(dims, Is.EqualTo(new[] { 24, 40 }), "2 files x 12 time patches, hidden width");
        var pairs = JsonDocument.Parse(File.ReadAllText(Path.Combine(eventTask, "test.filename-timestamps.json"))).RootElement;
        Assert.That(pairs.GetArrayLength(), Is.EqualTo(24));

        // A finished task is not redone.
        var again = ToolRunner.Run("cacophony", "hear", "--model", Temp.File("model"), "--tasks", tasks, "--out", output);
        Assert.That(again.ExitCode, Is.Zero, again.Stderr);
        Assert.That(again.Stderr, Does.Contain("done already"));
    }

    [Test]
    public void AudioMaeSceneEmbeddingIsTheMeanOfItsHiddenStates()
    {
        using var temp = new TempDirectory();
        CheckpointConverter.Convert(new ConvertOptions { Checkpoint = TestData.AudioMaeCheckpoint, OutputDirectory = temp.File("mae"), NoTokenizer = true, Overrides = new ConfigOverrides() });
        using var mae = CacophonyModel.Load(temp.File("mae"));
        Assert.That(mae.IsAudioMae);
        var mask = Golden.Ints("audio_noise", "mask");
        var patches = new AudioPatches(Golden.Floats("audio_noise", "patches"), Golden.Ints("audio_noise", "time_inds"), Golden.Ints("audio_noise", "freq_inds"), mask, mask.Sum());
        var hidden = Golden.Floats("audio_noise", "audio_hidden");
        int real = mask.Sum(), width = 40;
        var mean = Enumerable.Range(0, width).Select(j => (float)Enumerable.Range(0, real).Average(r => (double)hidden[r * width + j])).ToArray();
        var (maxAbs, _) = Golden.Report("AudioMAE scene embedding vs mean of golden audio_hidden", mae.EncodeAudio(patches).Unnormalized, mean);
        Assert.That(maxAbs, Is.LessThan(1e-5));
    }
}
