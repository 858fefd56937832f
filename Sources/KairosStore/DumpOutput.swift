import KairosCore

/// Where dump lines go: stdout bytes buffered in large chunks, stderr lines passed through
/// after flushing stdout, so an interleaved terminal shows them in file order.
struct DumpOutput: ~Copyable {
    private let stdout: ([UInt8]) -> Void
    private let stderr: (String) -> Void
    let format: DumpFormat
    private var buffer: [UInt8] = []

    init(format: DumpFormat, stdout: @escaping ([UInt8]) -> Void, stderr: @escaping (String) -> Void) {
        self.format = format
        self.stdout = stdout
        self.stderr = stderr
        buffer.reserveCapacity(1 << 16)
    }

    mutating func print(_ entry: LogEntry) {
        DumpFormatter.appendLine(entry, format: format, to: &buffer)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// One diagnostic line; `line` ends with LF.
    mutating func diagnostic(_ line: String) {
        flush()
        stderr(line)
    }

    mutating func warnUndecodable(frame index: Int) {
        diagnostic("warning: failed to decode frame \(index): error.InvalidData\n")
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        stdout(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
