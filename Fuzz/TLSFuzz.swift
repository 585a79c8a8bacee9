// libFuzzer harness for the TLS record and handshake parsers. Build (with the module's
// sources, not as a package):
//   swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name pfharden \
//     Sources/SMTPProbe/**/*.swift Fuzz/TLSFuzz.swift -o tls-fuzz
//   ./tls-fuzz -max_len=65536 Tests/SMTPProbeTests/TLS/Fixtures/flights

@_cdecl("LLVMFuzzerTestOneInput")
public func tlsFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // Whole flight at once.
  _ = try? TLSFlightParser.parse(bytes)
  // The same bytes split at a data-dependent point, as a socket might deliver them.
  let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
  var parser = TLSFlightParser()
  if (try? parser.consume(Array(bytes[0..<split]))) != nil {
    _ = try? parser.consume(Array(bytes[split...]))
  }
  // Message parsers directly.
  _ = try? TLSServerHello.parse(bytes)
  for kex in [TLSKeyExchange.dhe, .ecdhe, .anonymousDH, .anonymousECDH, .dhePSK, .ecdhePSK] {
    _ = try? TLSServerKeyExchange.parse(bytes, keyExchange: kex, version: .tls12)
    _ = try? TLSServerKeyExchange.parse(bytes, keyExchange: kex, version: .tls10)
  }
  return 0
}
