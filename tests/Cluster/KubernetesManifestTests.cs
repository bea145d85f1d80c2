using Cacophony.Tests.Support;
using k8s;
using k8s.Models;

namespace Cacophony.Tests.Cluster;

/// <summary>
/// The Kubernetes recipe (tools/cluster/kubernetes) read strictly into the Kubernetes API's own model types (an
/// unknown or misspelt field is an error), then checked for what the sharded run needs: an Indexed Job whose
/// completions are the command's --shards, retries that resume, the volume mounted where the paths point, and a
/// merge Job on the shard command's output folder. (`kubectl apply --dry-run=client` needs an API server to
/// discover the types; this reads them from the client library instead.)
/// </summary>
public class KubernetesManifestTests
{
    static string Recipe(string name) => Path.Combine(TestData.RepositoryRoot() ?? throw new IgnoreException("not run from the repository"), "tools", "cluster", "kubernetes", name);

    static V1Job Job(string name) => KubernetesYaml.Deserialize<V1Job>(File.ReadAllText(Recipe(name)), strict: true);

    [Test]
    public void TheShardJobIsAnIndexedJobWithOneCompletionPerShard()
    {
        var job = Job("shard-job.yaml");
        Assert.That(job.ApiVersion, Is.EqualTo("batch/v1"));
        Assert.That(job.Kind, Is.EqualTo("Job"));
        Assert.That(job.Spec.CompletionMode, Is.EqualTo("Indexed"), "pods get JOB_COMPLETION_INDEX");
        var container = job.Spec.Template.Spec.Containers.Single();
        var args = container.Args.ToList();
        int shards = int.Parse(args[args.IndexOf("--shards") + 1]);
        Assert.That(job.Spec.Completions, Is.EqualTo(shards), "--shards N is the number of completions");
        Assert.That(job.Spec.Parallelism, Is.LessThanOrEqualTo(shards));
        Assert.That(job.Spec.BackoffLimitPerIndex, Is.GreaterThan(0), "a shard that dies is retried (and resumes its part)");
        Assert.That(job.Spec.Template.Spec.RestartPolicy, Is.EqualTo("Never"), "required by backoffLimitPerIndex");
        Assert.That(container.Command, Has.Some.Contains("/opt/cacophony/cacophony"), "the binary tools/serve/Dockerfile installs");
        Assert.That(File.ReadAllText(Path.Combine(Recipe(""), "..", "..", "serve", "Dockerfile")), Does.Contain("/opt/cacophony/cacophony"));
        Assert.That(container.Resources.Limits["cpu"].ToString(), Is.EqualTo(container.Resources.Requests["cpu"].ToString()),
            "the CPU limit is what the engine sizes its threads by; a request below it would oversubscribe the node");
        AssertMountsPaths(job, args);
    }

    [Test]
    public void TheMergeJobMergesTheShardCommandsOutputFolder()
    {
        var shards = Job("shard-job.yaml").Spec.Template.Spec.Containers.Single().Args.ToList();
        var merge = Job("merge-job.yaml");
        var args = merge.Spec.Template.Spec.Containers.Single().Args.ToList();
        Assert.That(args[0], Is.EqualTo("merge"));
        string output = shards[shards.IndexOf("--out") + 1];
        // embed-audio and index build name a file (its folder holds parts/); the evaluations name the folder.
        Assert.That(args[1], Is.EqualTo(Path.HasExtension(output) ? Path.GetDirectoryName(output) : output));
        Assert.That(merge.Spec.CompletionMode, Is.Null.Or.EqualTo("NonIndexed"));
        AssertMountsPaths(merge, args);
    }

    [Test]
    public void TheShardCommandTakesTheShardsOption()
    {
        var args = Job("shard-job.yaml").Spec.Template.Spec.Containers.Single().Args.ToList();
        var help = ToolRunner.Run("cacophony", args[0], "--help");
        Assert.That(help.ExitCode, Is.Zero, help.Stderr);
        Assert.That(help.Stdout, Does.Contain("--shards"));
    }

    /// <summary>Every absolute path in the arguments lies under a mounted volume, and every mount names a volume of the pod.</summary>
    static void AssertMountsPaths(V1Job job, IEnumerable<string> args)
    {
        var pod = job.Spec.Template.Spec;
        var mounts = pod.Containers.Single().VolumeMounts;
        Assert.That(mounts.Select(m => m.Name), Is.SubsetOf(pod.Volumes.Select(v => v.Name)));
        foreach (var path in args.Where(a => a.StartsWith('/')))
            Assert.That(mounts.Any(m => path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal)), $"{path} is on a mounted volume");
    }
}
