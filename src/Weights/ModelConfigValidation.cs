namespace Cacophony.Weights;

/// <summary>
/// What a config.json must satisfy before a model is built from it: every size positive, heads dividing their
/// widths, the activations and weight types the engine implements, patch geometry consistent with the mel
/// front end, finite positive constants. A value outside these would divide by zero, index out of range or
/// give NaN embeddings later; here it is refused with the field's name.
/// </summary>
public static class ModelConfigValidation
{
    public static void Validate(ModelConfig config, string path)
    {
        void Require(bool holds, string field, string problem)
        {
            if (!holds) throw new CheckpointException(path, $"{field}: {problem}");
        }

        Require(config.Kind is ModelConfig.CacophonyKind or ModelConfig.AudioMaeKind, "kind", $"'{config.Kind}' is neither '{ModelConfig.CacophonyKind}' nor '{ModelConfig.AudioMaeKind}'");
        Require(config.Audio is not null, "audio", "missing");
        Require(config.WeightsDtype is "f32" or "f16" or "bf16" or "int8", "weights_dtype", $"'{config.WeightsDtype}' is none of f32, f16, bf16, int8");
        Require((config.WeightsDtype == "int8") == (config.Quantization is not null), "quantization", config.Quantization is null
            ? "missing: int8 weights need their quantization record" : $"present, but the weights are {config.WeightsDtype}");
        if (config.Quantization is { } q)
            Require(q.Method == QuantizationConfig.SymmetricPerChannel && q.Bits == 8, "quantization",
                $"'{q.Method}' with {q.Bits} bits is not known (this build reads {QuantizationConfig.SymmetricPerChannel} with 8 bits)");
        Audio(config.Audio!, "audio", Require);
        if (config.AudiomaeDecoder is { } maeDecoder) Audio(maeDecoder, "audiomae_decoder", Require, checkActivation: false);
        Require(config.Kind != ModelConfig.AudioMaeKind || config.AudiomaeDecoder is not null, "audiomae_decoder", "missing for an AudioMAE model");
        if (config.Kind == ModelConfig.CacophonyKind)
        {
            Require(config.Text is not null, "text", "missing for a Cacophony model");
            Require(config.ProjectionSize > 0, "projection_size", $"must be positive, not {config.ProjectionSize}");
            Require(config.NumAttentionPoolHeads > 0 && config.Audio!.HiddenSize % config.NumAttentionPoolHeads == 0, "num_attention_pool_heads",
                $"{config.NumAttentionPoolHeads} does not divide the audio width {config.Audio!.HiddenSize}");
        }
        if (config.Text is { } text)
        {
            Roberta(text, "text", Require);
            int longest = Math.Max(config.Preprocessing.MaxTextLen, config.Preprocessing.MaxTextLenZeroShotClasses);
            Require(longest <= text.MaxPositionEmbeddings, "preprocessing.max_text_len", $"{longest} tokens do not fit the {text.MaxPositionEmbeddings} text positions");
        }
        if (config.Decoder is { } decoder) Roberta(decoder, "decoder", Require);
        Require(double.IsFinite(config.NormEpsEmbedding) && config.NormEpsEmbedding >= 0, "norm_eps_embedding", $"must be finite and not negative, not {config.NormEpsEmbedding}");
        Preprocessing(config.Preprocessing, config.Audio!, Require);
    }

    static void Audio(AudioEncoderConfig audio, string at, Action<bool, string, string> require, bool checkActivation = true)
    {
        require(audio.HiddenSize > 0 && audio.HiddenSize % 2 == 0, $"{at}.hidden_size", $"must be positive and even (sin and cos halves), not {audio.HiddenSize}");
        require(audio.NumLayers >= 0 && audio.NumLayers <= 1000, $"{at}.num_layers", $"must be 0-1000, not {audio.NumLayers}");
        require(audio.NumHeads > 0 && audio.HiddenSize % audio.NumHeads == 0, $"{at}.num_heads", $"{audio.NumHeads} does not divide hidden_size {audio.HiddenSize}");
        require(audio.IntermediateSize > 0, $"{at}.intermediate_size", $"must be positive, not {audio.IntermediateSize}");
        require(audio.PatchSize > 0, $"{at}.patch_size", $"must be positive, not {audio.PatchSize}");
        require(audio.NumFreqPatches > 0, $"{at}.num_freq_patches", $"must be positive, not {audio.NumFreqPatches}");
        require(PositiveFinite(audio.LayerNormEps), $"{at}.layer_norm_eps", $"must be positive and finite, not {audio.LayerNormEps}");
        require(audio.MaxTimeInd > 1, $"{at}.max_time_ind", $"must be above 1 (the base of the time embedding's frequencies), not {audio.MaxTimeInd}");
        if (checkActivation) require(audio.HiddenAct == "silu", $"{at}.hidden_act", $"'{audio.HiddenAct}' is not implemented (the audio encoder's MLP is silu)");
    }

    static void Roberta(RobertaConfig text, string at, Action<bool, string, string> require)
    {
        require(text.HiddenSize > 0, $"{at}.hidden_size", $"must be positive, not {text.HiddenSize}");
        require(text.NumHiddenLayers >= 0 && text.NumHiddenLayers <= 1000, $"{at}.num_hidden_layers", $"must be 0-1000, not {text.NumHiddenLayers}");
        require(text.NumAttentionHeads > 0 && text.HiddenSize % text.NumAttentionHeads == 0, $"{at}.num_attention_heads", $"{text.NumAttentionHeads} does not divide hidden_size {text.HiddenSize}");
        require(text.IntermediateSize > 0, $"{at}.intermediate_size", $"must be positive, not {text.IntermediateSize}");
        require(text.VocabSize > Math.Max(text.PadTokenId, Math.Max(text.BosTokenId, text.EosTokenId)), $"{at}.vocab_size", $"{text.VocabSize} does not hold the special tokens' ids");
        require(text.MaxPositionEmbeddings > 2, $"{at}.max_position_embeddings", $"must be above 2, not {text.MaxPositionEmbeddings}");
        require(text.TypeVocabSize > 0, $"{at}.type_vocab_size", $"must be positive, not {text.TypeVocabSize}");
        require(PositiveFinite(text.LayerNormEps), $"{at}.layer_norm_eps", $"must be positive and finite, not {text.LayerNormEps}");
        require(text.HiddenAct == "gelu_exact", $"{at}.hidden_act", $"'{text.HiddenAct}' is not implemented (RoBERTa's MLP is gelu_exact)");
        require(text.PadTokenId >= 0 && text.BosTokenId >= 0 && text.EosTokenId >= 0, $"{at}.*_token_id", "token ids must not be negative");
    }

    static void Preprocessing(PreprocessingConfig p, AudioEncoderConfig audio, Action<bool, string, string> require)
    {
        require(p.SampleRate >= 1000 && p.SampleRate <= 384_000, "preprocessing.sample_rate", $"must be 1000-384000 Hz, not {p.SampleRate}");
        require(p.FrameStep > 0 && p.FrameStep <= p.FftLength, "preprocessing.frame_step", $"must be 1-{p.FftLength} (fft_length), not {p.FrameStep}");
        require(p.FrameLength > 0 && p.FrameLength <= p.FftLength, "preprocessing.frame_length", $"must be 1-{p.FftLength} (fft_length), not {p.FrameLength}");
        require(p.FftLength >= 2 && p.FftLength <= 1 << 16, "preprocessing.fft_length", $"must be 2-65536, not {p.FftLength}");
        require(p.NumMelBins > 0 && p.NumMelBins <= p.FftLength / 2 + 1, "preprocessing.num_mel_bins", $"must be 1-{p.FftLength / 2 + 1} (the spectrum's bins), not {p.NumMelBins}");
        require(double.IsFinite(p.LowerEdgeHertz) && p.LowerEdgeHertz >= 0 && double.IsFinite(p.UpperEdgeHertz) && p.LowerEdgeHertz < p.UpperEdgeHertz && p.UpperEdgeHertz <= p.SampleRate / 2.0,
            "preprocessing.lower_edge_hertz / upper_edge_hertz", $"need 0 <= lower < upper <= sample_rate / 2, not {p.LowerEdgeHertz} and {p.UpperEdgeHertz}");
        require(PositiveFinite(p.LogMelOffset), "preprocessing.log_mel_offset", $"must be positive and finite (log of a zero mel otherwise), not {p.LogMelOffset}");
        require(double.IsFinite(p.LogMelScale) && double.IsFinite(p.LogMelBias), "preprocessing.log_mel_scale / log_mel_bias", "must be finite");
        require(p.PatchTime > 0 && p.PatchFreq > 0 && p.NumMelBins % p.PatchFreq == 0, "preprocessing.patch_time / patch_freq",
            $"need positive sizes with patch_freq dividing num_mel_bins {p.NumMelBins}, not {p.PatchTime} x {p.PatchFreq}");
        require((long)p.PatchTime * p.PatchFreq == audio.PatchSize, "audio.patch_size", $"{audio.PatchSize} is not patch_time x patch_freq = {(long)p.PatchTime * p.PatchFreq}");
        require(p.PatchFreq > 0 && p.NumMelBins / p.PatchFreq == audio.NumFreqPatches, "audio.num_freq_patches",
            $"{audio.NumFreqPatches} is not num_mel_bins / patch_freq = {(p.PatchFreq > 0 ? p.NumMelBins / p.PatchFreq : 0)}");
        foreach (var (field, length) in new[] { ("seq_len_zero_shot", p.SeqLenZeroShot), ("seq_len_retrieval_caption", p.SeqLenRetrievalCaption), ("seq_len_hear", p.SeqLenHear) })
            require(length > 0 && length <= MaxSequence, $"preprocessing.{field}", $"must be 1-{MaxSequence} patches, not {length}");
        require(p.MaxTextLen >= 2 && p.MaxTextLenZeroShotClasses >= 2, "preprocessing.max_text_len*", "need room for <s> and </s> (at least 2)");
    }

    /// <summary>The longest sequence a config may ask for (a padded sequence of it is allocated per clip): 16 minutes of patches.</summary>
    const int MaxSequence = 50_000;

    static bool PositiveFinite(double value) => double.IsFinite(value) && value > 0;
}
