// libFuzzer harness for the main.cf document: every input must round-trip, and
// diagnostics, entries and all three edit modes must run without trapping.
// Build and run with `Fuzz/run.sh MainCF SECONDS`.

@_cdecl("LLVMFuzzerTestOneInput")
public func mainCFFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  let document = MainCF(bytes: bytes)
  precondition(document.serialized() == bytes, "main.cf round trip failed")
  let diagnostics = document.diagnostics(path: "main.cf")
  precondition(diagnostics.filter { $0.severity == .fatal }.count <= 1, "more than one fatal")
  var names: [[UInt8]] = []
  for entry in document.entries {
    precondition(document.value(ofName: entry.nameBytes) != nil, "entry name not found")
    precondition(entry.byteRange.upperBound <= bytes.count, "entry outside the file")
    if names.count < 3 { names.append(entry.nameBytes) }
  }
  precondition(document.parameters.count <= document.entries.count, "more parameters than entries")
  // The first bytes choose an edit; the names come from the document itself.
  let selector = bytes.first ?? 0
  let arguments = names.isEmpty ? [Array("relayhost".utf8)] : names
  let edit: MainCFEdit?
  switch selector % 3 {
  case 0:
    edit = try? MainCFEdit.parse(mode: .set, arguments: arguments.map { $0 + Array("=x y".utf8) })
  case 1:
    edit = try? MainCFEdit.parse(mode: .remove, arguments: arguments)
  default:
    edit = try? MainCFEdit.parse(mode: .commentOut, arguments: arguments)
  }
  if let edit {
    let result = document.applying(edit, path: "main.cf")
    let reparsed = MainCF(bytes: result.document.serialized())
    precondition(reparsed == result.document, "edited document does not round-trip")
  }
  return 0
}
