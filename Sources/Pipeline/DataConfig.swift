import Configuration

/// YAML `data:`: where the audio comes from and which utterances are held out.
public struct DataConfig: Codable, Sendable, Equatable, ValidatableConfig {
    /// Folders of audio files (wav, flac, ogg; searched recursively), relative to the working
    /// directory. Every readable file is an utterance; its id is the file name without extension.
    public var audioDirs: [String] = ["audio/speech/ru_nsh"]
    /// Held-out utterance ids (never trained on). Empty: the last `validation_count` by name.
    public var validation: [String] = []
    public var validationCount: Int = 2
    /// Use at most this many training utterances (0: all), the first by name.
    public var maxTrainUtterances: Int = 0
    /// If set and `audio_dirs` holds no audio, run `scripts/fetch-corpus.sh --full-voice DIR`
    /// to fetch the whole festvox-ru voice from the Debian package first.
    public var fetchFullVoice: String? = nil

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case audioDirs = "audio_dirs"
        case validation
        case validationCount = "validation_count"
        case maxTrainUtterances = "max_train_utterances"
        case fetchFullVoice = "fetch_full_voice"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        audioDirs = try c.value(.audioDirs, default: audioDirs)
        validation = try c.value(.validation, default: validation)
        validationCount = try c.value(.validationCount, default: validationCount)
        maxTrainUtterances = try c.value(.maxTrainUtterances, default: maxTrainUtterances)
        fetchFullVoice = try c.decodeIfPresent(String.self, forKey: .fetchFullVoice)
    }

    public func validate(path: String) throws {
        try Require.that(!audioDirs.isEmpty, key(path, "audio_dirs"), "needs at least one folder")
        try Require.that(validationCount >= 1 || !validation.isEmpty, key(path, "validation_count"),
                         "hold out at least one utterance")
        try Require.that(maxTrainUtterances >= 0, key(path, "max_train_utterances"), "must be >= 0")
    }
}
