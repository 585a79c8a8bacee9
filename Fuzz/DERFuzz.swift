// libFuzzer harness for the DER reader and the X.509 fact extraction. Build:
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name pfharden \
//     Sources/SMTPProbe/**/*.swift Fuzz/DERFuzz.swift -o der-fuzz
//   ./der-fuzz -max_len=16384 Tests/SMTPProbeTests/TLS/Fixtures/certs

@_cdecl("LLVMFuzzerTestOneInput")
public func derFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? DER.parse(bytes)
  _ = try? DER.objectIdentifier(bytes)
  if let certificate = try? X509Certificate.parse(bytes) {
    _ = certificate.matches(host: "mail.example.test")
    _ = certificate.notAfterText
  }
  return 0
}
