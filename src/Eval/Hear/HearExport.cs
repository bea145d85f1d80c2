using System.Text.Json;
using System.Text.Json.Nodes;
using Cacophony.Audio;
using Cacophony.Eval.Datasets;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Weights.Numpy;

namespace Cacophony.Eval.Hear;

/// <summary>
/// Embeddings of HEAR tasks in hear-eval-kit's layout (its task_embeddings.py), so that its prediction stage
/// runs unchanged on `out/&lt;task&gt;/`:
/// - task_metadata.json, labelvocabulary.csv and the split JSONs copied;
/// - per file `&lt;split&gt;/&lt;file&gt;.embedding.npy` and `.target-labels.json` (events: `.timestamps.json` too);
/// - per split `&lt;split&gt;.embeddings.npy` (headerless float32, as the kit memory-maps it),
///   `&lt;split&gt;.embedding-dimensions.json`, `&lt;split&gt;.target-labels.pkl`, `&lt;split&gt;.filename-timestamps.json`
///   (events), with the files shuffled as the kit's memmap_embeddings does: the split JSON's keys in the JSON's
///   order, shuffled by random.Random(0), one generator per task, splits in order;
/// - `.done.embeddings` when a task is complete.
/// Scene embedding: the normalized pooled embedding (Cacophony) or the mean of the hidden states (AudioMAE),
/// 496-patch setting. Event embeddings: one per 160 ms time patch, the mean of its 8 hidden vectors, the clip
/// encoded as one sequence with continuing time indices (as the original); timestamps at the centre of each
/// patch (80 ms, 240 ms, ...), all inside the clip. A file whose embedding exists is not recomputed (resume).
/// </summary>
public static class HearExport
{
    const int FrequencyPatches = 8;

    /// <summary>The longest sequence a clip is encoded in for timestamp embeddings: 1875 time patches (5 minutes).</summary>
    public const int MaxTimePatchesPerSequence = 1875;
    const double PatchMilliseconds = 160;

    /// <summary>
    /// Exports one task. A file that cannot be read is skipped and returned (with the reason) while the others are
    /// embedded; the task is then left unaggregated and without `.done.embeddings`, since the kit needs every
    /// file of a split, and a later run embeds only what is still missing.
    /// </summary>
    /// <param name="shardFiles">One shard of a job split across machines: only the audio files it accepts are embedded,
    /// and nothing is aggregated (the merge does that once every shard has written its files).</param>
    public static IReadOnlyList<(string File, string Error)> Run(CacophonyModel model, HearTask task, string outputDirectory, Action<string>? log = null,
        Action<int>? advanced = null, int seed = 0, Func<string, bool>? shardFiles = null)
    {
        string output = Path.Combine(outputDirectory, Path.GetFileName(Path.TrimEndingDirectorySeparator(task.Directory)));
        if (File.Exists(Path.Combine(output, ".done.embeddings"))) { log?.Invoke($"{task.Name}: done already"); return []; }
        Directory.CreateDirectory(output);
        CopyAtomically(Path.Combine(task.Directory, "task_metadata.json"), Path.Combine(output, "task_metadata.json"));
        CopyAtomically(Path.Combine(task.Directory, "labelvocabulary.csv"), Path.Combine(output, "labelvocabulary.csv"));
        var failed = new List<(string, string)>();
        var splitFiles = new List<(string Split, List<string> Files)>();
        foreach (var split in task.Splits)
        {
            string splitJson = Path.Combine(task.Directory, $"{split}.json");
            if (!File.Exists(splitJson)) throw new DatasetException(splitJson, "not found");
            CopyAtomically(splitJson, Path.Combine(output, $"{split}.json"));
            var labels = JsonNode.Parse(File.ReadAllText(splitJson))?.AsObject() ?? throw new DatasetException(splitJson, "is not a JSON object");
            string audio = task.AudioDirectory(split), splitOutput = Path.Combine(output, split);
            Directory.CreateDirectory(splitOutput);
            foreach (var (file, fileLabels) in labels)
            {
                string path = Path.Combine(audio, file);
                if (shardFiles is not null && !shardFiles(path)) continue;
                try
                {
                    if (!File.Exists(Path.Combine(splitOutput, file + ".embedding.npy")))
                        EmbedFile(model, task, path, Path.Combine(splitOutput, file), fileLabels, seed);
                }
                catch (Exception e) when (ClipReader.IsUnreadable(e))
                {
                    failed.Add((path, e.Message));
                }
                advanced?.Invoke(1);
            }
            splitFiles.Add((split, labels.Select(p => p.Key).ToList()));
        }
        if (shardFiles is not null) return failed;
        if (failed.Count > 0)
        {
            log?.Invoke($"{task.Name}: {failed.Count} files could not be read; the task is not aggregated (run again once they are fixed: only what is missing is embedded)");
            return failed;
        }
        var prng = new PythonRandom(0);
        foreach (var (split, files) in splitFiles) Aggregate(task, output, split, files, prng);
        File.WriteAllText(Path.Combine(output, ".done.embeddings"), "");
        return [];
    }

    static void EmbedFile(CacophonyModel model, HearTask task, string audioPath, string outputStem, JsonNode? fileLabels, int seed)
    {
        var decoded = AudioDecoder.Read(audioPath);
        if (!task.IsEvent)
        {
            // On a GPU the log-mel runs on the device too; timestamp embeddings below cut windows on the CPU.
            var encoded = model.EncodeAudio([decoded], new SequencePolicy { Padding = SequencePadding.Exact, Length = 496, Seed = seed })[0];
            File.WriteAllText(outputStem + ".target-labels.json", fileLabels?.ToJsonString() ?? "[]");
            WriteNpyAtomically(outputStem + ".embedding.npy", model.IsAudioMae ? encoded.Unnormalized : encoded.Normalized, encoded.Unnormalized.Length);
            return;
        }
        var (embeddings, timestamps, width) = TimePatchEmbeddings(model, decoded);
        var events = (fileLabels as JsonArray ?? []).Select(e => (Label: e!["label"]!.ToString(), Start: e["start"]!.GetValue<double>(), End: e["end"]!.GetValue<double>())).ToList();
        // hear-eval-kit's IntervalTree: an event covers [start, end + 0.0001).
        var perTimestamp = timestamps.Select(t => events.Where(e => e.Start <= t && t < e.End + 0.0001).Select(e => e.Label).ToList()).ToList();
        File.WriteAllText(outputStem + ".timestamps.json", JsonSerializer.Serialize(timestamps, HearJson.Compact.DoubleArray));
        File.WriteAllText(outputStem + ".target-labels.json", JsonSerializer.Serialize(perTimestamp, (task.IsEvent ? HearJson.Indented : HearJson.Compact).ListListString));
        WriteNpyAtomically(outputStem + ".embedding.npy", embeddings, timestamps.Length, width);
    }

    /// <summary>
    /// One embedding per time patch (mean of its 8 hidden vectors), the clip encoded as one sequence with continuing
    /// time indices, as the original. A clip over <see cref="MaxTimePatchesPerSequence"/> time patches is encoded
    /// in windows of that many, each keeping its patches' absolute time indices (memory stays bounded; attention
    /// then does not cross a window).
    /// </summary>
    /// <summary>The audio file of every clip of a task, split by split in the split JSONs' order: a sharded run's inputs.</summary>
    public static IEnumerable<string> AudioFiles(HearTask task) => task.Splits.SelectMany(split =>
    {
        string splitJson = Path.Combine(task.Directory, $"{split}.json");
        if (!File.Exists(splitJson)) throw new DatasetException(splitJson, "not found");
        var labels = JsonNode.Parse(File.ReadAllText(splitJson))?.AsObject() ?? throw new DatasetException(splitJson, "is not a JSON object");
        string audio = task.AudioDirectory(split);
        return labels.Select(p => Path.Combine(audio, p.Key)).ToList();
    });

    public static (float[] Embeddings, double[] Timestamps, int Width) TimePatchEmbeddings(CacophonyModel model, DecodedAudio decoded)
    {
        var all = model.FrontEnd.Process(decoded, new SequencePolicy { Padding = SequencePadding.Exact, Length = int.MaxValue }).Patches;
        int timePatches = all.RealCount / FrequencyPatches, size = model.Config.Audio.PatchSize, width = model.Config.Audio.HiddenSize;
        var embeddings = new float[timePatches * width];
        for (int first = 0; first < timePatches; first += MaxTimePatchesPerSequence)
        {
            int count = Math.Min(MaxTimePatchesPerSequence, timePatches - first) * FrequencyPatches, from = first * FrequencyPatches;
            var window = new AudioPatches(all.Patches.AsSpan(from * size, count * size).ToArray(), all.TimeIndices.AsSpan(from, count).ToArray(),
                all.FrequencyIndices.AsSpan(from, count).ToArray(), Enumerable.Repeat(1, count).ToArray(), count);
            var hidden = model.EncodeAudio(window).Hidden;
            for (int t = 0; t < count / FrequencyPatches; t++)
                for (int j = 0; j < width; j++)
                {
                    double sum = 0;
                    for (int f = 0; f < FrequencyPatches; f++) sum += hidden[(t * FrequencyPatches + f) * width + j];
                    embeddings[(first + t) * width + j] = (float)(sum / FrequencyPatches);
                }
        }
        var timestamps = Enumerable.Range(0, timePatches).Select(t => PatchMilliseconds * t + PatchMilliseconds / 2).ToArray();
        return (embeddings, timestamps, width);
    }

    static void Aggregate(HearTask task, string output, string split, List<string> files, PythonRandom prng)
    {
        prng.Shuffle(files);
        string splitOutput = Path.Combine(output, split);
        var rows = new List<float[]>();
        var labels = new List<IReadOnlyList<string>>();
        var filenameTimestamps = new List<object[]>();
        int width = 0;
        foreach (var file in files)
        {
            string stem = Path.Combine(splitOutput, file);
            var embedding = NpyFile.Read(stem + ".embedding.npy");
            var values = embedding.Float32 ?? throw new DatasetException(stem + ".embedding.npy", "is not float32");
            width = embedding.Shape[^1];
            var fileLabels = JsonNode.Parse(File.ReadAllText(stem + ".target-labels.json"))!.AsArray();
            if (!task.IsEvent)
            {
                rows.Add(values);
                labels.Add(fileLabels.Select(l => l!.ToString()).ToList());
                continue;
            }
            var timestamps = JsonSerializer.Deserialize(File.ReadAllText(stem + ".timestamps.json"), HearJson.Compact.DoubleArray)!;
            for (int t = 0; t < timestamps.Length; t++)
            {
                rows.Add(values.AsSpan(t * width, width).ToArray());
                labels.Add(fileLabels[t]!.AsArray().Select(l => l!.ToString()).ToList());
                filenameTimestamps.Add([stem, timestamps[t]]);
            }
        }
        WriteAtomically(Path.Combine(output, $"{split}.embeddings.npy"), stream =>
        {
            foreach (var row in rows) stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(row.AsSpan()));
        });
        File.WriteAllText(Path.Combine(output, $"{split}.embedding-dimensions.json"), JsonSerializer.Serialize([rows.Count, width], HearJson.Compact.Int32Array));
        WriteAtomically(Path.Combine(output, $"{split}.target-labels.pkl"), stream => PickleWriter.WriteListOfStringLists(stream, labels));
        if (task.IsEvent)
            File.WriteAllText(Path.Combine(output, $"{split}.filename-timestamps.json"), JsonSerializer.Serialize(filenameTimestamps, HearJson.Indented.ListObjectArray));
    }

    /// <summary>
    /// Copies to a name of this process's own, then renames over the destination: the shards of a sharded run copy
    /// the same task files into the same folder at the same time, and a plain overwriting copy can fail there.
    /// </summary>
    static void CopyAtomically(string source, string destination)
    {
        string temporary = $"{destination}.{Environment.ProcessId}.tmp";
        File.Copy(source, temporary, overwrite: true);
        File.Move(temporary, destination, overwrite: true);
    }

    static void WriteNpyAtomically(string path, float[] values, params int[] shape)
    {
        string temporary = path + ".tmp";
        NpyFile.Write(temporary, values, shape);
        File.Move(temporary, path, overwrite: true);
    }

    static void WriteAtomically(string path, Action<Stream> write)
    {
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary)) write(stream);
        File.Move(temporary, path, overwrite: true);
    }
}
