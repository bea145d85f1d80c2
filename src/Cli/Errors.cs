using Cacophony.Weights;

namespace Cacophony.Cli;

/// <summary>Expected failures become one line on stderr and exit code 2; never a stack trace.</summary>
static class Errors
{
    public const int BadInput = 2;

    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (CheckpointException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        catch (Eval.Datasets.DatasetException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        catch (Eval.CaptionMetrics.Java.JarException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        catch (Audio.AudioFormatException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
        }
        return BadInput;
    }
}
