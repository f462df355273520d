import CSndFile

/// Short names for libsndfile format codes ("WAV PCM_16"), the same vocabulary sox and
/// soundfile use, so `wavedistill info` output can be compared with theirs.
enum AudioFormatName {
    static func describe(format: Int32) -> String {
        let major = Int(format) & SF_FORMAT_TYPEMASK
        let subtype = Int(format) & SF_FORMAT_SUBMASK
        let majorName = majorNames[major] ?? libraryName(code: major)
        let subtypeName = subtypeNames[subtype] ?? libraryName(code: subtype)
        return "\(majorName) \(subtypeName)"
    }

    /// libsndfile's own long name for a code we have no short name for.
    private static func libraryName(code: Int) -> String {
        var formatInfo = SF_FORMAT_INFO()
        formatInfo.format = Int32(truncatingIfNeeded: code)
        let status = sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &formatInfo, Int32(MemoryLayout<SF_FORMAT_INFO>.size))
        guard status == 0, let name = formatInfo.name else {
            return "0x" + String(code, radix: 16)
        }
        return String(cString: name)
    }

    private static let majorNames: [Int: String] = [
        SF_FORMAT_WAV: "WAV", SF_FORMAT_AIFF: "AIFF",
        SF_FORMAT_AU: "AU", SF_FORMAT_RAW: "RAW",
        SF_FORMAT_W64: "W64", SF_FORMAT_WAVEX: "WAVEX",
        SF_FORMAT_FLAC: "FLAC", SF_FORMAT_CAF: "CAF",
        SF_FORMAT_OGG: "OGG", SF_FORMAT_RF64: "RF64",
        SF_FORMAT_NIST: "NIST", SF_FORMAT_MPEG: "MPEG",
    ]

    private static let subtypeNames: [Int: String] = [
        SF_FORMAT_PCM_S8: "PCM_S8", SF_FORMAT_PCM_U8: "PCM_U8",
        SF_FORMAT_PCM_16: "PCM_16", SF_FORMAT_PCM_24: "PCM_24",
        SF_FORMAT_PCM_32: "PCM_32", SF_FORMAT_FLOAT: "FLOAT",
        SF_FORMAT_DOUBLE: "DOUBLE", SF_FORMAT_ULAW: "ULAW",
        SF_FORMAT_ALAW: "ALAW", SF_FORMAT_IMA_ADPCM: "IMA_ADPCM",
        SF_FORMAT_MS_ADPCM: "MS_ADPCM", SF_FORMAT_GSM610: "GSM610",
        SF_FORMAT_VORBIS: "VORBIS", SF_FORMAT_OPUS: "OPUS",
        SF_FORMAT_MPEG_LAYER_III: "MPEG_LAYER_III",
    ]
}
