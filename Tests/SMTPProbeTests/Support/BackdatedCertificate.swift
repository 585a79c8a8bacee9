import Foundation
import Glibc

/// A self-signed certificate for `mail.example.test` made with `openssl ca -selfsign`
/// (OpenSSL 3.0's `req` cannot backdate), with the key `newkey` (`rsa:2048`, `ec`).
final class BackdatedCertificate {
  let directory: URL
  var certificate: String { directory.appendingPathComponent("cert.pem").path }
  var key: String { directory.appendingPathComponent("key.pem").path }

  init(newkey: [String], start: String, end: String) throws {
    directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("pfharden-cert-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    chmod(directory.path, 0o755)
    let path = directory.path
    try "".write(toFile: "\(path)/index.txt", atomically: true, encoding: .utf8)
    try "01\n".write(toFile: "\(path)/serial", atomically: true, encoding: .utf8)
    try """
    [ca]
    default_ca = local
    [local]
    database = \(path)/index.txt
    new_certs_dir = \(path)
    serial = \(path)/serial
    default_md = sha256
    policy = any
    x509_extensions = leaf
    [any]
    commonName = supplied
    [leaf]
    subjectAltName = DNS:mail.example.test
    basicConstraints = CA:FALSE

    """.write(toFile: "\(path)/ca.cnf", atomically: true, encoding: .utf8)
    for arguments in [
      ["req", "-new"] + newkey + [
        "-nodes", "-keyout", key, "-subj", "/CN=mail.example.test", "-out", "\(path)/req.csr",
      ],
      [
        "ca", "-batch", "-config", "\(path)/ca.cnf", "-selfsign", "-keyfile", key, "-in",
        "\(path)/req.csr", "-out", certificate, "-startdate", start, "-enddate", end, "-notext",
      ],
    ] {
      let run = try TLSTools.run(TLSProbeGate.openssl, arguments, directory: path)
      guard run.status == 0 else {
        throw PostfixInstance.Failure("openssl \(arguments[0]) failed: \(run.stderr)")
      }
    }
    chmod(key, 0o644)
  }

  deinit { try? FileManager.default.removeItem(at: directory) }
}
