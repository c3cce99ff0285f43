import Foundation

/// Where formatted text goes: an array in memory, or a file written in chunks (`FileSink`),
/// so that the writer of a large file never holds it whole.
public protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8
}

extension Array: ByteSink where Element == UInt8 {}

extension ByteSink {
    /// Decimal digits of `value` (a node id or whole milliseconds, never negative), formed on
    /// the stack: one heap allocation per number made the voltmeter's millions of lines slow.
    mutating func appendInteger(_ value: Int) {
        precondition(value >= 0)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value.magnitude
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[first...]))
        }
    }
}

extension ByteSink {
    /// The shortest decimal that reads back as `value`, the digits of its `description`,
    /// formed on the stack: `Double.write(to:)` hands them to `_writeASCII`, the hook that
    /// TextOutputStream has for this, where `description` makes a String of each on the heap
    /// (measured: 69 -> 42 ns a potential). Without the hook they come through `write`.
    /// A NaN is "nan", as in `description`: `write(to:)` would show its sign and payload.
    mutating func appendShortest(_ value: Double) {
        guard !value.isNaN else { return append(contentsOf: "nan".utf8) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ShortestDigits.capacity) { buffer in
            var digits = ShortestDigits(buffer: buffer)
            value.write(to: &digits)
            append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<digits.count]))
        }
    }
}

/// Where `Double.write(to:)` puts its digits: at most 24 of them ("-2.2250738585072014e-308").
private struct ShortestDigits: TextOutputStream {
    static let capacity = 32
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0

    init(buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    mutating func _writeASCII(_ ascii: UnsafeBufferPointer<UInt8>) { push(ascii) }

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { push($0) }
    }

    private mutating func push(_ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(count + bytes.count <= buffer.count, "a Double's digits fit in \(Self.capacity) bytes")
        _ = UnsafeMutableBufferPointer(rebasing: buffer[count...]).initialize(fromContentsOf: bytes)
        count += bytes.count
    }
}

/// A file written through a buffer of `chunkBytes`: each full chunk goes to the disk. A
/// failed write is remembered, later appends are dropped, and `OutputFile` reports it.
public struct FileSink: ByteSink {
    static let chunkBytes = 1 << 20
    let descriptor: Int32
    private var buffer: [UInt8] = []
    /// errno of the first failed write, 0 while none failed.
    private(set) var failure: Int32 = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.chunkBytes)
    }

    public mutating func append(_ byte: UInt8) {
        buffer.append(byte)
        if buffer.count >= Self.chunkBytes { flush() }
    }

    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkBytes { flush() }
    }

    mutating func flush() {
        if failure == 0 {
            failure = buffer.withUnsafeBytes { raw in
                var written = 0
                while written < raw.count {
                    let n = Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errno
                    }
                    written += n
                }
                return 0
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
