using System.CommandLine;
using Cacophony.Kernels;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary>--model DIR (required) and --device, for the commands that run the network.</summary>
sealed class ModelOption
{
    readonly Option<string> _model = new("--model") { Description = "model directory written by `cacophony convert`", Required = true };
    readonly Option<string> _device = new("--device") { Description = "auto (CUDA, then an OpenCL GPU, then the CPU engine), cpu, cuda or opencl", DefaultValueFactory = _ => "auto" };

    readonly Option<string?> _precision = new("--precision") { Description = "fp32, or int8: the CPU engine's dense layers as int8 products (weights per output channel, quantized at load for a float model). Default: as the model directory stores them" };

    readonly Option<string> _gpuWeights = new("--gpu-weights") { Description = "fp32 or fp16: how weight matrices are stored on a GPU (fp16 halves their memory; arithmetic stays fp32)", DefaultValueFactory = _ => "fp32" };

    public ModelOption()
    {
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
    public ModelOptions Options(ParseResult parse) => new()
    {
        Device = DeviceNamed(parse.GetValue(_device)!),
        Precision = parse.GetValue(_precision) switch
        {
            "int8" => WeightPrecision.Int8,
            "fp32" => parse.GetValue(_gpuWeights) == "fp16" ? WeightPrecision.Float16 : WeightPrecision.Float32,
            _ => parse.GetValue(_gpuWeights) == "fp16" ? WeightPrecision.Float16 : null,
        },
    };

    public static DeviceKind DeviceNamed(string name) => name switch { "cpu" => DeviceKind.Cpu, "cuda" => DeviceKind.Cuda, "opencl" => DeviceKind.OpenCL, _ => DeviceKind.Auto };

    /// <summary>Loads the model on the chosen device and says on stderr which one it runs on.</summary>
    public CacophonyModel Load(ParseResult parse)
    {
        var model = CacophonyModel.Load(parse.GetValue(_model)!, Options(parse));
        Console.Error.WriteLine($"device: {model.Device}");
        return model;
    }
}
