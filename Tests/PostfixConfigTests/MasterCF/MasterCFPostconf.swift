import Foundation
import PostfixConfig

/// Runs one `postconf -M/-F/-P` command line against the library, the way the
/// command-line front end will: parses postconf's options, calls the printer
/// or editor, renders diagnostics as postconf prints them.
struct MasterCFPostconf {
  /// What one simulated postconf run produced.
  struct Run: Equatable {
    var stdout: [UInt8]
    var stderr: [UInt8]
    var status: Int32
    /// The master.cf bytes after the run.
    var master: [UInt8]
  }

  /// The master.cf path as it appears in messages.
  var path = "$CONFDIR/master.cf"
  /// Names postconf knows (built-in and service-dependent), for unused-parameter warnings.
  var knownNames: Set<[UInt8]> = MasterCFPostconf.catalogNames
  /// main.cf values, for `$name` references that make an `-o` name used.
  var mainValues: [[UInt8]] = []

  /// Copies of the spec's master.cf vectors and postconf's parameter names
  /// (`/work/shared/postfix-spec`), stored with the tests.
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/mastercf")
  static let vectorsDirectory = fixtures.appendingPathComponent("vectors")

  static let catalogNames: Set<[UInt8]> = {
    let url = fixtures.appendingPathComponent("parameter-names.txt")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return Set(text.split(separator: "\n").dropFirst().map { Array($0.utf8) })
  }()

  static func render(_ diagnostics: [Diagnostic]) -> [UInt8] {
    var out = ""
    for diagnostic in diagnostics {
      out += "postconf: \(diagnostic.severity.rawValue): \(diagnostic.message)\n"
    }
    return Array(out.utf8)
  }

  /// `$name`, `${name...}` and `$(name...)` references in a value.
  static func references(in value: [UInt8]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var index = 0
    func isNameByte(_ byte: UInt8) -> Bool {
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
        || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
    }
    while index < value.count {
      if value[index] == UInt8(ascii: "$"), index + 1 < value.count {
        var start = index + 1
        if value[start] == UInt8(ascii: "{") || value[start] == UInt8(ascii: "(") { start += 1 }
        var end = start
        while end < value.count && isNameByte(value[end]) { end += 1 }
        if end > start { result.append(Array(value[start..<end])) }
        index = max(end, index + 1)
      } else {
        index += 1
      }
    }
    return result
  }

  /// A small stand-in for the real expander: `$service_name`, `$process_name`
  /// and the entry's own `-o` names; other references stay as they are.
  static let testExpander: MasterCF.Expander = { value, entry in
    var out: [UInt8] = []
    var index = 0
    while index < value.count {
      if value[index] == UInt8(ascii: "$") {
        var end = index + 1
        while end < value.count
          && (value[end] == 0x5F || (value[end] >= 0x61 && value[end] <= 0x7A))
        {
          end += 1
        }
        let name = Array(value[(index + 1)..<end])
        if name == Array("service_name".utf8), let service = entry.service {
          out.append(contentsOf: service)
          index = end
          continue
        }
        if let override = entry.overrides.last(where: { $0.name == name }) {
          out.append(contentsOf: override.value)
          index = end
          continue
        }
      }
      out.append(value[index])
      index += 1
    }
    return out
  }

  func unusedWarnings(_ document: MasterCF) -> [Diagnostic] {
    var mainReferences = Set<[UInt8]>()
    for value in mainValues { mainReferences.formUnion(MasterCFPostconf.references(in: value)) }
    return document.unusedParameterWarnings(path: path) { entry, name in
      if knownNames.contains(name) || mainReferences.contains(name) { return true }
      let siblings = document.overrides(
        service: entry.service ?? [], type: entry.type ?? [])
      return siblings.contains { MasterCFPostconf.references(in: $0.value).contains(name) }
    }
  }

  /// Runs `postconf ARGS` (without `-c DIR`) on `master`.
  func run(_ arguments: [String], master: [UInt8]) -> Run {
    var letters = Set<Character>()
    var operands: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument.hasPrefix("-") && argument.count > 1 && operands.isEmpty {
        letters.formUnion(argument.dropFirst())
      } else {
        operands.append(argument)
      }
      index += 1
    }
    let document = MasterCF(bytes: master)
    let fold = letters.contains("f")
    let expand: MasterCF.Expander? = letters.contains("x") ? MasterCFPostconf.testExpander : nil
    let patterns = operands.map { Array($0.utf8) }
    let editing =
      letters.contains("e") || letters.contains("X") || letters.contains("#")
      || (operands.first?.contains("=") ?? false)
    if editing {
      let operation: MasterCF.EditOperation
      if letters.contains("M") {
        operation =
          letters.contains("X")
          ? .removeEntry : (letters.contains("#") ? .commentOutEntry : .setEntry)
      } else if letters.contains("F") {
        operation = .setField
      } else {
        operation = letters.contains("X") ? .removeParameter : .setParameter
      }
      let result = document.edited(operation, requests: patterns, path: path)
      return Run(
        stdout: [], stderr: MasterCFPostconf.render(result.diagnostics),
        status: result.isFatal ? 1 : 0, master: result.document.serialized())
    }
    let report: MasterCF.Report
    if letters.contains("M") {
      report = document.printEntries(patterns: patterns, fold: fold, path: path, expand: expand)
    } else if letters.contains("F") {
      report = document.printFields(
        patterns: patterns, fold: fold, hideName: letters.contains("h"),
        hideValue: letters.contains("H"), path: path, expand: expand)
    } else {
      report = document.printParameters(
        patterns: patterns, fold: fold, hideName: letters.contains("h"),
        hideValue: letters.contains("H"), path: path, expand: expand)
    }
    var diagnostics = report.diagnostics
    if !report.isFatal { diagnostics += unusedWarnings(document) }
    return Run(
      stdout: report.output, stderr: MasterCFPostconf.render(diagnostics),
      status: report.isFatal ? 1 : 0, master: master)
  }
}
