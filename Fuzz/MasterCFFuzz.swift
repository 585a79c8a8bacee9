// libFuzzer harness for the master.cf document: every input must round-trip,
// and diagnostics, the -M/-F/-P printers and an edit must run without trapping.
// Build and run with `Fuzz/run.sh MasterCF SECONDS`.

@_cdecl("LLVMFuzzerTestOneInput")
public func masterCFFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let document = MasterCF(bytes: bytes)
  precondition(document.serialized() == bytes, "master.cf round trip failed")
  _ = document.diagnostics(path: "master.cf")
  _ = document.printEntries(fold: bytes.first.map { $0 & 1 == 1 } ?? false)
  _ = document.printFields()
  _ = document.printParameters()
  if let entry = document.entries.first(where: \.isValid), let service = entry.service,
    let type = entry.type
  {
    let target = service + Array("/".utf8) + type
    let edits: [(MasterCF.EditOperation, [UInt8])] = [
      (.setParameter, target + Array("/smtpd_tls_security_level=may".utf8)),
      (.removeEntry, target), (.commentOutEntry, target),
      (.setField, target + Array("/chroot=n".utf8)),
    ]
    let (operation, request) = edits[Int(bytes.last ?? 0) % edits.count]
    let result = document.edited(operation, requests: [request])
    precondition(
      MasterCF(bytes: result.document.serialized()) == result.document,
      "edited master.cf does not round-trip")
  }
  return 0
}
