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

/// A file written through a buffer of `chunkBytes`: each full chunk goes to the disk. A
/// failed write is remembered, later appends are dropped, and `OutputFolder.write` reports
/// it when the file is finished.
public struct FileSink: ByteSink {
    static let chunkBytes = 1 << 20
    private let descriptor: Int32
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
