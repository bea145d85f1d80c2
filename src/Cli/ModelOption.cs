using System.CommandLine;
using Cacophony.Kernels;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary>--model DIR (required) and --device, for the commands that run the network.</summary>
sealed class ModelOption
{
    readonly Option<string?> _model;
    readonly Option<string> _device = new("--device") { Description = "auto (CUDA, then an OpenCL GPU, then the CPU engine), cpu, cuda or opencl", DefaultValueFactory = _ => "auto" };

    readonly Option<string?> _precision = new("--precision") { Description = "fp32, or int8: the CPU engine's dense layers as int8 products (weights per output channel, quantized at load for a float model). Default: as the model directory stores them" };

    readonly Option<string> _gpuWeights = new("--gpu-weights") { Description = "fp32 or fp16: how weight matrices are stored on a GPU (fp16 halves their memory; arithmetic stays fp32)", DefaultValueFactory = _ => "fp32" };

    /// <param name="optional">For commands on an index: --model defaults to the directory the index was built with.</param>
    public ModelOption(bool optional = false)
    {
        _model = new("--model")
        {
            Description = optional ? "model directory (default: the one the index was built with)" : "model directory written by `cacophony convert`",
            Required = !optional,
        };
        _device.AcceptOnlyFromAmong("auto", "cpu", "cuda", "opencl");
        _gpuWeights.AcceptOnlyFromAmong("fp32", "fp16");
        _precision.AcceptOnlyFromAmong("fp32", "int8");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_device);
        command.Options.Add(_gpuWeights);
        command.Options.Add(_precision);
    }

    /// <summary>The device and weight precision the options ask for.</summary>
    public ModelOptions Options(ParseResult parse) => Options(parse, null);

    /// <summary>As <see cref="Options(ParseResult)"/>, with the precision an index was built in when --precision is not given.</summary>
    public ModelOptions Options(ParseResult parse, WeightPrecision? precision) => new()
    {
        Device = DeviceNamed(parse.GetValue(_device)!),
        Precision = parse.GetValue(_precision) switch
        {
            "int8" => WeightPrecision.Int8,
            "fp32" => parse.GetValue(_gpuWeights) == "fp16" ? WeightPrecision.Float16 : WeightPrecision.Float32,
            _ => parse.GetValue(_gpuWeights) == "fp16" ? WeightPrecision.Float16 : precision,
        },
    };

    public static DeviceKind DeviceNamed(string name) => name switch { "cpu" => DeviceKind.Cpu, "cuda" => DeviceKind.Cuda, "opencl" => DeviceKind.OpenCL, _ => DeviceKind.Auto };

    /// <summary>Loads the model on the chosen device and says on stderr which one it runs on.</summary>
    public CacophonyModel Load(ParseResult parse) => Load(parse, null, null);

    /// <summary>Loads --model, or <paramref name="fallback"/> when --model is not given, in <paramref name="precision"/> unless --precision says otherwise.</summary>
    public CacophonyModel Load(ParseResult parse, string? fallback, WeightPrecision? precision)
    {
        string directory = parse.GetValue(_model) ?? fallback ?? throw new ArgumentException("--model: give the model directory");
        var model = CacophonyModel.Load(directory, Options(parse, precision));
        Console.Error.WriteLine($"device: {model.Device}");
        return model;
    }
}
