/// Sample encodings `Audio.writeWAV` can produce.
public enum WAVEncoding: String, Sendable, CaseIterable {
    /// 16-bit signed integer PCM: a sample x is stored as round(x * 32768) clamped to
    /// [-32768, 32767], the exact inverse of reading v as v / 32768.
    case pcm16
    /// 32-bit IEEE float: stored exactly, never clipped.
    case float32
}
