import Glibc

/// Small pure helpers over reply bytes, shared by the checker and the self-test.
enum ByteScan {
    static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress else { return nil }
        // memchr is vectorised; replies are scanned once per byte, so this is the hot loop.
        guard let found = memchr(base + start, CInt(byte), bytes.count - start) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && hasPrefix(bytes, literal)
    }

    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let pointer = literal.utf8Start
        for index in 0..<count where bytes[index] != pointer[index] { return false }
        return true
    }

    /// Decimal digits only, no sign, no leading zero (except "0"), no overflow.
    static func strictDecimal(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !bytes.isEmpty, bytes.count == 1 || bytes[0] != 0x30 else { return nil }
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflowA, !overflowB else { return nil }
            value = sum
        }
        return value
    }

    /// `OK <status> <execution>` of a GET reply (docs/protocol.md#get): a known status and an i64.
    static func isJobBody(_ rest: UnsafeRawBufferPointer) -> Bool {
        guard hasPrefix(rest, "OK ") else { return false }
        let body = UnsafeRawBufferPointer(rebasing: rest[3...])
        guard let space = index(of: 0x20, in: body, from: 0) else { return false }
        let status = UnsafeRawBufferPointer(rebasing: body[0..<space])
        guard equals(status, "planned") || equals(status, "triggered") || equals(status, "executed")
            || equals(status, "failed")
        else { return false }
        var number = UnsafeRawBufferPointer(rebasing: body[(space + 1)...])
        var negative = false
        if number.first == 0x2D {
            negative = true
            number = UnsafeRawBufferPointer(rebasing: number.dropFirst())
        }
        guard let magnitude = strictDecimal(number) else { return false }
        return negative ? magnitude <= UInt64(Int64.max) + 1 : magnitude <= UInt64(Int64.max)
    }

    /// The number after `field` in Redis INFO text (`connected_clients:12\r\n`).
    static func infoField(_ text: UnsafeRawBufferPointer, _ field: StaticString) -> Int? {
        let key = UnsafeRawBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount)
        var lineStart = 0
        while lineStart < text.count {
            let lineEnd = index(of: 0x0A, in: text, from: lineStart) ?? text.count
            var line = UnsafeRawBufferPointer(rebasing: text[lineStart..<lineEnd])
            if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            if line.count > key.count, zip(line.prefix(key.count), key).allSatisfy({ $0 == $1 }) {
                return strictDecimal(UnsafeRawBufferPointer(rebasing: line[key.count...])).map { Int(clamping: $0) }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    /// A short printable rendering of reply bytes for error messages.
    static func show(_ bytes: UnsafeRawBufferPointer) -> String {
        var text = ""
        for byte in bytes.prefix(120) {
            switch byte {
            case 0x20...0x7E where byte != 0x5C: text.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x0D: text += "\\r"
            case 0x0A: text += "\\n"
            default: text += "\\x" + String(byte, radix: 16)
            }
        }
        return bytes.count > 120 ? text + "..." : text
    }
}

/// A growable first-in first-out queue without per-element allocation (the pipeline's outstanding
/// requests: pushed at the back when sent, popped at the front when answered).
struct FIFO<Element> {
    private var slots: [Element?] = Array(repeating: nil, count: 16)
    private var head = 0
    private(set) var count = 0

    var first: Element? { count == 0 ? nil : slots[head] }

    mutating func push(_ element: Element) {
        if count == slots.count { grow() }
        slots[(head + count) & (slots.count - 1)] = element
        count += 1
    }

    mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) & (slots.count - 1)
        count -= 1
        return element
    }

    private mutating func grow() {
        var bigger: [Element?] = Array(repeating: nil, count: slots.count * 2)
        for offset in 0..<count { bigger[offset] = slots[(head + offset) & (slots.count - 1)] }
        slots = bigger
        head = 0
    }
}
