import KairosConfig

/// Arbitrary bytes as an auth file, handled as `AuthFileLoader.load` handles a file's bytes:
/// over 1 MiB or not UTF-8 is refused before parsing, anything else goes to `parse(toml:)`.
///
/// Properties checked besides "no crash, no hang":
/// - every accepted token has a non-empty name and namespace, and no two share a secret;
/// - a refusal's description is one line of plain text with no `error` prefix of its own (the
///   binary adds `error: `), and a syntax error names a line of the text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuthFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size <= 1 << 20 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    do {
        let tokens = try AuthFileLoader.parse(toml: text)
        var secrets = Set<[UInt8]>()
        for token in tokens {
            check(!token.name.isEmpty, "token without a name")
            check(!token.namespace.isEmpty, "token \(token.name) with an empty namespace")
            check(secrets.insert(token.secret).inserted, "two tokens share a secret")
        }
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
    if !condition { fatalError("FuzzAuthFile property failed: \(message())") }
}
