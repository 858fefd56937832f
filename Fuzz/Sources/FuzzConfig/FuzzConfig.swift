import KairosConfig

/// Arbitrary bytes as a config file, handled as `ConfigLoader.load` handles a file's bytes:
/// over 1 MiB or not UTF-8 is refused before parsing, anything else goes to `parse(toml:)`
/// (without the shell-path check, which depends on the machine, not on the bytes).
///
/// Properties checked besides "no crash, no hang":
/// - an accepted config satisfies the invariants the server relies on (a framerate in
///   1...65535, an endpoint whenever telemetry is enabled);
/// - a refusal's description is one line of plain text with no `error` prefix of its own (the
///   binary adds `error: `), and a syntax error names a line of the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size <= 1 << 20 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    do {
        let config = try ConfigLoader.parse(toml: text, checkShellPath: false)
        check(config.framerate >= 1, "framerate 0 accepted")
        check(!config.telemetry.enabled || config.telemetry.endpoint != nil, "telemetry enabled without an endpoint")
    } catch {
        let description = error.description
        check(!description.isEmpty && !description.lowercased().hasPrefix("error"), "description \(description)")
        check(!description.unicodeScalars.contains { $0.value < 0x20 }, "control character in \(description.debugDescription)")
        if error.kind == .syntax {
            let lines = text.utf8.count(where: { $0 == 0x0A }) + 1
            check(error.line.map { (1...lines).contains($0) } ?? false, "syntax error at line \(String(describing: error.line)) of \(lines)")
        }
    }
    return 0
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("FuzzConfig property failed: \(message())") }
}
