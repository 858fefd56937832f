import Glibc
import KairosProtocol

/// What the pipeline sends next.
public enum SourceStep: Equatable, Sendable {
    case request(ClientRequest)
    /// A command refused locally; its message is reported in its turn.
    case refused(String)
    /// Nothing buffered: poll this descriptor, then call `readMore`.
    case needsInput(CInt)
    case end
}

/// Commands for `ClientSession.run`: a fixed list, or lines read from a descriptor.
public protocol RequestSource {
    mutating func next() -> SourceStep
    /// Reads what the descriptor has (it polled readable, so this does not block).
    mutating func readMore()
}

/// A fixed list of requests (a command from the arguments, an interactive line).
public struct ListSource: RequestSource {
    private var steps: [SourceStep]
    private var index = 0

    public init(_ steps: [SourceStep]) { self.steps = steps }

    public mutating func next() -> SourceStep {
        guard index < steps.count else { return .end }
        index += 1
        return steps[index - 1]
    }

    public mutating func readMore() {}
}

/// Lines from a descriptor (stdin for `--pipe`), parsed as they arrive. Memory is bounded: the
/// caller takes lines only while its window has room, and reads more only when none is left.
public struct LineSource: RequestSource {
    private let descriptor: CInt
    private var buffer: [UInt8] = []
    private var offset = 0
    private var atEnd = false
    /// Inside a line too long for the server, which is skipped up to its LF.
    private var skippingLongLine = false
    /// 1-based number of the last line read, for messages.
    public private(set) var lineNumber = 0

    public init(descriptor: CInt) { self.descriptor = descriptor }

    public mutating func next() -> SourceStep {
        while true {
            if let newline = buffer[offset...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[offset..<newline])
                offset = newline + 1
                if skippingLongLine {
                    skippingLongLine = false
                    continue
                }
                if let step = step(for: line) { return step }
                continue
            }
            if buffer.count - offset > Tokenizer.requestLimit {
                // No request is this long: drop it now rather than buffer an endless line.
                offset = buffer.count
                if !skippingLongLine {
                    skippingLongLine = true
                    lineNumber += 1
                    return .refused("line \(lineNumber): request longer than \(Tokenizer.requestLimit) bytes (the server would close the connection)")
                }
            }
            if atEnd {
                guard offset < buffer.count, !skippingLongLine else { return .end }
                let line = Array(buffer[offset...])
                offset = buffer.count
                if let step = step(for: line) { return step }
                continue
            }
            if offset > 0 {
                buffer.removeFirst(offset)
                offset = 0
            }
            return .needsInput(descriptor)
        }
    }

    public mutating func readMore() {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { ClientIO.read(descriptor, into: $0) }
        if count > 0 {
            buffer += chunk[..<count]
        } else if count != -Int(EAGAIN) {
            // The end, or an error reading stdin: either way no more commands come.
            atEnd = true
        }
    }

    /// The step for one line, or nil for a blank one.
    private mutating func step(for line: [UInt8]) -> SourceStep? {
        lineNumber += 1
        do {
            guard let request = try ClientRequest.fromLine(line) else { return nil }
            return .request(request)
        } catch {
            return .refused("line \(lineNumber): \(error)")
        }
    }
}
