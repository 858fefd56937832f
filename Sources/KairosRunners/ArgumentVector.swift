import KairosProtocol

/// A C `argv` (or `envp`): NUL-terminated copies of the strings in one allocation, and the
/// NULL-terminated pointer array into it. Lives only for the duration of one spawn.
struct ArgumentVector: ~Copyable {
    private let storage: UnsafeMutablePointer<CChar>
    /// `argv[0]`, `argv[1]`, ..., `nil`.
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    /// The strings must be free of NUL bytes, and an argv non-empty (`LaunchPlan` and
    /// `RunEnvironment` guarantee both).
    init(_ arguments: [Bytes], allowEmpty: Bool = false) {
        precondition((allowEmpty || !arguments.isEmpty) && !arguments.contains(where: { $0.contains(0) }))
        let total = arguments.reduce(0) { $0 + $1.count + 1 }
        storage = .allocate(capacity: max(1, total))
        pointers = .allocate(capacity: arguments.count + 1)
        var offset = 0
        for (index, argument) in arguments.enumerated() {
            let start = storage + offset
            argument.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { start.update(from: base, count: chars.count) }
                }
            }
            start[argument.count] = 0
            pointers[index] = start
            offset += argument.count + 1
        }
        pointers[arguments.count] = nil
    }

    deinit {
        storage.deallocate()
        pointers.deallocate()
    }

    /// The file posix_spawnp looks up: `argv[0]`.
    var file: UnsafePointer<CChar> { UnsafePointer(pointers[0]!) }
}
