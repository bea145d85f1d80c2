using Cacophony.Model;

namespace Cacophony.Tests.Support;

/// <summary>A fixture on the golden tiny model, converted and loaded in process once per fixture.</summary>
public abstract class TinyModelFixture
{
    protected TempDirectory Temp { get; private set; } = null!;
    protected CacophonyModel Model { get; private set; } = null!;

    [OneTimeSetUp]
    public void LoadTinyModel()
    {
        Temp = new TempDirectory();
        Model = CacophonyModel.Load(TinyModel.Convert(Temp));
    }

    [OneTimeTearDown]
    public void UnloadTinyModel()
    {
        Model?.Dispose();
        Temp?.Dispose();
    }
}

/// <summary>
/// A fixture that runs the CLI on the tiny model converted by `cacophony convert`, with the RoBERTa tokenizer
/// files (the fixture is ignored, with the reason, when they are absent and required).
/// </summary>
public abstract class TinyModelCliFixture
{
    protected TempDirectory Temp { get; private set; } = null!;
    protected string ModelDirectory { get; private set; } = "";

    /// <summary>False where the fixture also works without tokenizer files (its text tests then ignore themselves).</summary>
    protected virtual bool RequiresTokenizer => true;

    [OneTimeSetUp]
    public void ConvertTinyModel()
    {
        string? tokenizer = RequiresTokenizer ? TestData.TokenizerDirectoryOrIgnore() : TryTokenizer();
        Temp = new TempDirectory();
        ModelDirectory = TinyModel.ConvertWithCli(Temp, tokenizer);
    }

    [OneTimeTearDown]
    public void RemoveTinyModel() => Temp?.Dispose();

    static string? TryTokenizer()
    {
        try
        {
            return TestData.TokenizerDirectoryOrIgnore();
        }
        catch (IgnoreException)
        {
            return null;
        }
    }
}
