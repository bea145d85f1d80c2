using System.Diagnostics;
using Cacophony.Tests.Support;

namespace Cacophony.Tests.Weights;

/// <summary>A conversion killed with SIGKILL leaves its staging directory; the next conversion of the same target removes it.</summary>
public class ConversionStagingTests
{
    [Test]
    public void StagingLeftByADeadConversionIsRemovedAndALiveOnesIsKept()
    {
        using var temp = new TempDirectory();
        // A PID that certainly belonged to a process that is gone now: one that has exited.
        using var finished = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        finished.WaitForExit();
        string dead = temp.File($".model.partial-{finished.Id}"), deadOld = dead + ".old", live = temp.File($".model.partial-{Environment.ProcessId}");
        foreach (var directory in new[] { dead, deadOld, live })
        {
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, "model.safetensors"), new byte[1024]);
        }
        string other = temp.File($".other.partial-{finished.Id}");
        Directory.CreateDirectory(other);

        var result = ToolRunner.Run("cacophony", "convert", TestData.FlaxCheckpoint, temp.File("model"), "--text-heads", "4", "--decoder-heads", "4", "--no-tokenizer");
        Assert.That(result.ExitCode, Is.Zero, result.Stderr);
        Assert.That(Directory.Exists(dead), Is.False, "a dead conversion's staging is removed");
        Assert.That(Directory.Exists(deadOld), Is.False, "and its half-swapped old directory");
        Assert.That(result.Stderr, Does.Contain($"removed {dead}"));
        Assert.That(Directory.Exists(live), "a running process's staging is not touched");
        Assert.That(Directory.Exists(other), "another target's staging is not touched");
        Assert.That(File.Exists(temp.File("model/model.safetensors")));
    }
}
