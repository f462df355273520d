/// An 8-bit RGB colour.
public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)

    /// Grey level (0.299 R + 0.587 G + 0.114 B, ITU-R BT.601 luma), 0 ... 255.
    public var luma: Double { 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b) }
}

/// A raster of RGB pixels, row-major, top row first (PNG's order): pixel (x, y) is bytes
/// 3 (y width + x) ..< 3 (y width + x) + 3 of `bytes`.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    /// A `width` x `height` image filled with `background` (both sizes at least 1).
    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width >= 1 && height >= 1, "RGBImage: size \(width) x \(height)")
        self.width = width
        self.height = height
        bytes = [UInt8](repeating: 0, count: 3 * width * height)
        fill(x: 0, y: 0, width: width, height: height, with: background)
    }

    /// An image of existing pixels (`bytes.count` must be 3 width height).
    public init(width: Int, height: Int, bytes: [UInt8]) {
        precondition(width >= 1 && height >= 1 && bytes.count == 3 * width * height,
                     "RGBImage: \(bytes.count) bytes for \(width) x \(height)")
        self.width = width
        self.height = height
        self.bytes = bytes
    }

    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = 3 * (y * width + x)
            return RGB(bytes[i], bytes[i + 1], bytes[i + 2])
        }
        set {
            let i = 3 * (y * width + x)
            bytes[i] = newValue.r
            bytes[i + 1] = newValue.g
            bytes[i + 2] = newValue.b
        }
    }

    /// Sets a pixel if it lies inside the image (drawing code may run off the edges).
    public mutating func plot(_ x: Int, _ y: Int, _ colour: RGB) {
        guard x >= 0 && x < width && y >= 0 && y < height else { return }
        self[x, y] = colour
    }

    /// Fills a rectangle, clipped to the image.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, with colour: RGB) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1 && y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 { self[column, row] = colour }
        }
    }

    /// A straight line between two points (Bresenham), `thickness` pixels wide (square pen).
    public mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), colour: RGB, thickness: Int = 1) {
        var x = start.x, y = start.y
        let dx = abs(end.x - x), dy = -abs(end.y - y)
        let sx = x < end.x ? 1 : -1, sy = y < end.y ? 1 : -1
        var error = dx + dy
        let low = -(thickness - 1) / 2, high = thickness / 2
        while true {
            for oy in low...high {
                for ox in low...high { plot(x + ox, y + oy, colour) }
            }
            if x == end.x && y == end.y { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Copies `image` with its top-left corner at (x, y), clipped to this image.
    public mutating func draw(_ image: RGBImage, atX x: Int, y: Int) {
        for row in 0..<image.height {
            for column in 0..<image.width { plot(x + column, y + row, image[column, row]) }
        }
    }
}
