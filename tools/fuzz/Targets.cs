using System.IO.Compression;
using Cacophony.Audio;
using Cacophony.Model;
using Cacophony.Model.FrontEnd;
using Cacophony.Model.Text;
using Cacophony.Weights;
using Cacophony.Weights.Canonical;
using Cacophony.Weights.Conversion;
using Cacophony.Weights.SafeTensors;

namespace Cacophony.Fuzz;

/// <summary>
/// A format to fuzz: its seed, how its bytes are edited, and the public entry point a mutant goes through (written
/// to `path`, in a scratch directory that also holds the seeds' model directory for formats that need one).
/// </summary>
public sealed record Target(string Name, SeedKind Kind, byte[] Seed, string FileName, Action<string, Workspace> Run);

/// <summary>The scratch directory of a run: seeds made once (a converted tiny model, a tokenizer) and one mutant at a time.</summary>
public sealed class Workspace : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("cacophony-fuzz-").FullName;
    public string File(string name) => Path.Combine(Directory, name);
    public string ModelDirectory => File("model");
    public required RobertaTokenizer Tokenizer { get; init; }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public static class Targets
{
    /// <summary>The exceptions that are a clean refusal: one message naming the file and the problem.</summary>
    public static bool IsCleanRefusal(Exception e) => e is CheckpointException or AudioFormatException or Eval.Datasets.DatasetException;

    /// <summary>
    /// Every format, seeded from the golden tiny files under `data` (tests/data): the Flax and PyTorch checkpoints,
    /// the converted model's safetensors and config.json, the WAV, Ogg Vorbis and MP3 clips, a small tokenizer pair
    /// and texts.
    /// </summary>
    public static (Workspace Workspace, IReadOnlyList<Target> Targets) Create(string data)
    {
        string tiny = Path.Combine(data, "tiny");
        var vocabulary = "{\"<s>\": 0, \"<pad>\": 1, \"</s>\": 2, \"<unk>\": 3, \"a\": 4, \"b\": 5, \"ab\": 6, \"\\u0120\": 7, \"\\u0120a\": 8, \"<mask>\": 50264}"u8.ToArray();
        var merges = "#version: 0.2\na b\n\u0120 a\n"u8.ToArray();
        var seedsDirectory = System.IO.Directory.CreateTempSubdirectory("cacophony-fuzz-seeds-").FullName;
        System.IO.File.WriteAllBytes(Path.Combine(seedsDirectory, "vocab.json"), vocabulary);
        System.IO.File.WriteAllBytes(Path.Combine(seedsDirectory, "merges.txt"), merges);
        var workspace = new Workspace { Tokenizer = new RobertaTokenizer(Path.Combine(seedsDirectory, "vocab.json"), Path.Combine(seedsDirectory, "merges.txt")) };
        CheckpointConverter.Convert(new ConvertOptions
        {
            Checkpoint = Path.Combine(tiny, "cacophony_tiny.ckpt"),
            OutputDirectory = workspace.ModelDirectory,
            NoTokenizer = true,
            Overrides = new ConfigOverrides { TextHeads = 4, DecoderHeads = 4 },
        });
        var overrides = new ConfigOverrides { TextHeads = 4, DecoderHeads = 4 };
        var frontEnd = new AudioFrontEnd(new PreprocessingConfig());
        byte[] Read(string path) => System.IO.File.ReadAllBytes(path);

        void Audio(string path, Workspace _)
        {
            var audio = AudioDecoder.Read(path);
            // The front end too, on what a clip of up to a minute gives (longer ones are decoded only, to stay fast),
            // and the streamed front end that long files take (a threshold of 0.1 s sends every clip there).
            if (audio.DurationSeconds < 60)
            {
                frontEnd.Process(audio, SequencePolicy.ZeroShot);
                frontEnd.ProcessFile(path, SequencePolicy.ZeroShot, longClipSamples: 1600);
            }
        }

        void Checkpoint(string path, Workspace _)
        {
            using var opened = CheckpointConverter.OpenCheckpoint(path, overrides);
            foreach (var tensor in opened.Bound) tensor.Read();
        }

        void Tokenizer(string vocab, string mergesPath) =>
            new RobertaTokenizer(vocab, mergesPath).Encode("a b ab <mask> ab", 100);

        byte[] dataPickle;
        using (var zip = ZipFile.OpenRead(Path.Combine(tiny, "cacophony_tiny.pt")))
        using (var stream = zip.Entries.First(e => e.FullName.EndsWith("/data.pkl")).Open())
        using (var memory = new MemoryStream())
        {
            stream.CopyTo(memory);
            dataPickle = memory.ToArray();
        }
        string ptSeed = Path.Combine(tiny, "cacophony_tiny.pt");

        IReadOnlyList<Target> targets =
        [
            new("wav", SeedKind.Wav, Read(Path.Combine(tiny, "wavs", "stereo_44k1_24bit.wav")), "clip.wav", Audio),
            new("wav-16k", SeedKind.Wav, Read(Path.Combine(tiny, "wavs", "clip_16k.wav")), "clip.wav", Audio),
            new("ogg", SeedKind.Ogg, Read(Path.Combine(data, "audio", "tone440.ogg")), "clip.ogg", Audio),
            new("mp3", SeedKind.Mp3, Read(Path.Combine(data, "audio", "tone440.mp3")), "clip.mp3", Audio),
            new("safetensors", SeedKind.SafeTensors, Read(Path.Combine(workspace.ModelDirectory, "model.safetensors")), "model.safetensors", (path, _) =>
            {
                using var file = SafeTensorsFile.Open(path);
                foreach (var tensor in file.Tensors.Values) tensor.ReadAllFloat32();
            }),
            new("config.json", SeedKind.Json, Read(Path.Combine(workspace.ModelDirectory, "config.json")), "config.json", (path, w) =>
            {
                string directory = w.File("mutant-model");
                System.IO.Directory.CreateDirectory(directory);
                System.IO.File.Copy(path, Path.Combine(directory, "config.json"), overwrite: true);
                string weights = Path.Combine(directory, "model.safetensors");
                if (!System.IO.File.Exists(weights)) System.IO.File.CreateSymbolicLink(weights, Path.Combine(w.ModelDirectory, "model.safetensors"));
                using var model = CacophonyModel.Load(directory);
                model.EmbedAudio(new float[4000], 16000);
            }),
            new("flax", SeedKind.Msgpack, Read(Path.Combine(tiny, "cacophony_tiny.ckpt")), "model.ckpt", Checkpoint),
            new("pt-zip", SeedKind.Zip, Read(ptSeed), "model.pt", Checkpoint),
            new("pt-pickle", SeedKind.Pickle, dataPickle, "model.pt", (path, w) =>
            {
                // The mutant is the pickle; it goes back into a copy of the seed's zip in place of data.pkl.
                string zipPath = w.File("pickle-mutant.pt");
                System.IO.File.Copy(ptSeed, zipPath, overwrite: true);
                using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update))
                {
                    var entry = zip.Entries.First(e => e.FullName.EndsWith("/data.pkl"));
                    string name = entry.FullName;
                    entry.Delete();
                    using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                    stream.Write(System.IO.File.ReadAllBytes(path));
                }
                Checkpoint(zipPath, w);
            }),
            new("vocab.json", SeedKind.Json, vocabulary, "vocab.json", (path, _) => Tokenizer(path, Path.Combine(seedsDirectory, "merges.txt"))),
            new("merges.txt", SeedKind.Text, merges, "merges.txt", (path, _) => Tokenizer(Path.Combine(seedsDirectory, "vocab.json"), path)),
            new("text", SeedKind.Text, "a dog barks ab <mask> in the rain"u8.ToArray(), "text.txt", (path, w) =>
                w.Tokenizer.Encode(System.IO.File.ReadAllText(path), 100)),
        ];
        return (workspace, targets);
    }
}
