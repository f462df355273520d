import CPNGCodec
import FileFormats
import Foundation

/// A PNG file that could not be written or read; the message names the file.
public enum PNGError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotWrite(path, reason): return "\(path): cannot write PNG: \(reason)"
        case let .cannotRead(path, reason): return "\(path): cannot read PNG: \(reason)"
        }
    }
}

extension RGBImage {
    /// Writes the image as an 8-bit RGB PNG, atomically (a temporary file in the same directory,
    /// renamed over `url`): a failed write leaves no partial file under the name.
    public func writePNG(to url: URL) throws(PNGError) {
        do {
            try AtomicFile.replace(url) { temporary in
                var message = [CChar](repeating: 0, count: 256)
                let status = bytes.withUnsafeBufferPointer { pixels in
                    wd_png_write_rgb(temporary.path, UInt32(width), UInt32(height), pixels.baseAddress, &message, message.count)
                }
                if status != 0 { throw PNGError.cannotWrite(path: url.path, reason: Self.text(message)) }
            }
        } catch let error as PNGError {
            throw error
        } catch {
            throw .cannotWrite(path: url.path, reason: String(describing: error))
        }
    }

    /// Reads a PNG of any colour type as 8-bit RGB (alpha dropped, grey and palettes expanded).
    public init(pngAt url: URL) throws(PNGError) {
        var message = [CChar](repeating: 0, count: 256)
        var width: UInt32 = 0, height: UInt32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        guard wd_png_read_rgb(url.path, &width, &height, &pixels, &message, message.count) == 0, let pixels else {
            throw .cannotRead(path: url.path, reason: Self.text(message))
        }
        defer { wd_png_free(pixels) }
        let count = 3 * Int(width) * Int(height)
        self.init(width: Int(width), height: Int(height), bytes: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// A NUL-terminated C message as a String.
    private static func text(_ message: [CChar]) -> String {
        let bytes = message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? "unknown error" : text
    }
}
