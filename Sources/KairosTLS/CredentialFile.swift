import Glibc

/// Plain-words explanations of why a certificate or key file could not be used (issue: operators
/// read `cannot read /etc/kairos/cert.pem: No such file or directory`, not OpenSSL's error queue).
///
/// The common failures are recognised directly: a file that cannot be opened (checked with
/// `open` before OpenSSL sees the path, so the C library's own words are used), a file holding
/// no PEM block of the right kind, and an encrypted key. Anything rarer keeps OpenSSL's reason
/// text (`ee key too small`), without its codes and library names.
enum CredentialFile {
    /// Why `path` cannot be opened for reading (`No such file or directory`, `Is a directory`),
    /// or nil when it can.
    static func unreadable(_ path: String) -> String? {
        let (fd, openError) = path.withCString { cPath in
            let fd = open(cPath, O_RDONLY | O_CLOEXEC)
            return (fd, fd < 0 ? errno : 0)
        }
        if fd < 0 { return "cannot read \(path): \(String(cString: strerror(openError)))" }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            return "cannot read \(path): \(String(cString: strerror(EISDIR)))"
        }
        return nil
    }

    /// `SSL_CTX_use_certificate_chain_file` failed on a readable file.
    static func certificateProblem(_ path: String, rootReason: String?) -> String {
        if rootReason == "no start line" {
            return "\(path) holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"
        }
        return "cannot load the certificate chain in \(path): \(rootReason ?? "unknown reason")"
    }

    /// Reading the private key failed on a readable file.
    static func keyProblem(_ path: String, rootReason: String?) -> String {
        if holdsEncryptedKey(path) {
            return "\(path) holds an encrypted private key; the server cannot ask for a passphrase, so give it "
                + "an unencrypted key (openssl pkey -in \(path) -out new-key.pem)"
        }
        // OpenSSL 3's decoders say `unsupported` for input holding no key they know; older ones `no start line`.
        if rootReason == "no start line" || rootReason == "unsupported" {
            return "\(path) holds no PEM private key (a -----BEGIN PRIVATE KEY----- block)"
        }
        return "cannot load the private key in \(path): \(rootReason ?? "unknown reason")"
    }

    static func mismatch(certificate: String, key: String) -> String {
        "the private key in \(key) does not belong to the certificate in \(certificate)"
    }

    /// PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`) and traditional (`Proc-Type: 4,ENCRYPTED`) encrypted keys
    /// both carry the word in their PEM text; a key file is small, the first 64 KiB are enough.
    private static func holdsEncryptedKey(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        let marker = Array("ENCRYPTED".utf8)
        return bytes[..<count].indices.contains { start in
            start + marker.count <= count && bytes[start..<(start + marker.count)].elementsEqual(marker)
        }
    }
}
