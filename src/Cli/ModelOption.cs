using System.CommandLine;
using Cacophony.Kernels.Gpu;
using Cacophony.Model;

namespace Cacophony.Cli;

/// <summary>--model DIR (required) and --device, for the commands that run the network.</summary>
sealed class ModelOption
{
    readonly Option<string> _model = new("--model") { Description = "model directory written by `cacophony convert`", Required = true };
    readonly Option<string> _device = new("--device") { Description = "auto (CUDA, then an OpenCL GPU, then the CPU engine), cpu, cuda or opencl", DefaultValueFactory = _ => "auto" };

    public ModelOption() => _device.AcceptOnlyFromAmong("auto", "cpu", "cuda", "opencl");

    public void AddTo(Command command)
    {
        command.Options.Add(_model);
        command.Options.Add(_device);
    }

    /// <summary>Loads the model on the chosen device and says on stderr which one it runs on.</summary>
    public CacophonyModel Load(ParseResult parse)
    {
        var kind = parse.GetValue(_device) switch { "cpu" => DeviceKind.Cpu, "cuda" => DeviceKind.Cuda, "opencl" => DeviceKind.OpenCL, _ => DeviceKind.Auto };
        var model = CacophonyModel.Load(parse.GetValue(_model)!, kind);
        Console.Error.WriteLine($"device: {model.Device}");
        return model;
    }
}
