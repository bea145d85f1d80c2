using System.CommandLine;
using Cacophony.Cli;

var command = ConvertCommand.Create("convert_checkpoint");
var root = new RootCommand(command.Description ?? "");
foreach (var argument in command.Arguments) root.Arguments.Add(argument);
foreach (var option in command.Options) root.Options.Add(option);
root.Action = command.Action;
return root.Parse(args).Invoke();
