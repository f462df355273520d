/// numpy's `pad(mode="reflect")`: mirror without repeating the edge sample,
/// [a b c d] padded by 2 -> [c b | a b c d | c b]. It needs `padding < signal length`.
enum ReflectPadding {
    /// Index into the unpadded signal of position `index` of the padded one.
    @inline(__always)
    static func sourceIndex(_ index: Int, padding: Int, length: Int) -> Int {
        let i = index - padding
        if i < 0 { return -i }
        if i >= length { return 2 * (length - 1) - i }
        return i
    }

    static func pad(_ signal: [Float], by padding: Int) -> [Float] {
        let length = signal.count
        return (0..<(length + 2 * padding)).map { signal[sourceIndex($0, padding: padding, length: length)] }
    }

    /// The adjoint of `pad`: gradient of the padded signal -> gradient of the signal
    /// (each mirrored sample adds its gradient to the sample it copies).
    static func foldGradient(_ gradient: [Float], by padding: Int, length: Int) -> [Float] {
        var folded = [Float](repeating: 0, count: length)
        for (index, g) in gradient.enumerated() {
            folded[sourceIndex(index, padding: padding, length: length)] += g
        }
        return folded
    }
}
