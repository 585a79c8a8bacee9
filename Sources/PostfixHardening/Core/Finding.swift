/// One problem found by an audit rule.
public struct Finding: Equatable, Sendable {
  // Stored in an order that packs them (96 bytes a finding): a configuration
  // with 200,000 unknown names has as many findings.

  /// The rule's stable kebab-case id (`disable-vrfy`).
  public var id: String
  /// `main.cf` or `master.cf`, or nil when the finding is about the host.
  public var file: String?
  private var messageText: MessageText
  /// How serious it is for the role concerned.
  public var severity: Severity
  /// The line, or nil when the parameter is left at its default.
  public var line: Int?
  private var details: Details

  /// What is wrong, in one sentence.
  public var message: String {
    get {
      switch messageText {
      case .string(let text): return text
      case .shared(let bytes, let start, let end):
        return String(decoding: bytes[Int(start)..<Int(end)], as: UTF8.self)
      }
    }
    set {
      // Texts read from the message become texts of their own first.
      details = .box(boxed)
      messageText = .string(newValue)
    }
  }
  /// The master.cf service (`submission/inet`) for per-service findings.
  public var service: String? {
    get {
      if case .box(let box) = details { return box.service }
      return nil
    }
    set {
      let box = boxed
      details = .box(Box(service: newValue, parameter: box.parameter, fix: box.fix))
    }
  }
  /// The parameter concerned, for suppression comments.
  public var parameter: String? {
    get {
      switch details {
      case .box(let box): return box.parameter
      case .unusedName(let start, let end, _, _): return messageSlice(start, end)
      }
    }
    set {
      let box = boxed
      details = .box(Box(service: box.service, parameter: newValue, fix: box.fix))
    }
  }
  /// A one-line fix.
  public var fix: String {
    get {
      switch details {
      case .box(let box): return box.fix
      case .unusedName(let start, let end, let guessStart, let guessEnd):
        return Self.unusedNameFix(
          messageSlice(start, end), guess: guessStart < 0 ? nil : messageSlice(guessStart, guessEnd)
        )
      }
    }
    set {
      let box = boxed
      details = .box(Box(service: box.service, parameter: box.parameter, fix: newValue))
    }
  }

  /// The message's text, or where it lies in bytes shared with other findings.
  ///
  /// postconf's warnings are kept once, in large chunks; a finding per
  /// warning points into them instead of holding a copy.
  package enum MessageText: Sendable {
    case string(String)
    /// `bytes[start..<end]`, UTF-8.
    case shared(bytes: [UInt8], start: Int32, end: Int32)
  }

  /// The service, parameter and fix as texts, or (an unused name's finding)
  /// as positions in the message: the name, and the suggestion or -1.
  private enum Details: Sendable {
    case box(Box)
    case unusedName(start: Int32, end: Int32, guessStart: Int32, guessEnd: Int32)
  }

  /// Texts a finding rarely has, kept out of line.
  private final class Box: Sendable {
    let service: String?
    let parameter: String?
    let fix: String

    init(service: String?, parameter: String?, fix: String) {
      self.service = service
      self.parameter = parameter
      self.fix = fix
    }
  }

  /// The details as texts.
  private var boxed: Box {
    if case .box(let box) = details { return box }
    return Box(service: service, parameter: parameter, fix: fix)
  }

  /// Creates a finding.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - severity: The severity.
  ///   - message: What is wrong.
  ///   - file: The file concerned.
  ///   - line: The line concerned.
  ///   - service: The service concerned.
  ///   - parameter: The parameter concerned.
  ///   - fix: How to fix it.
  public init(
    id: String, severity: Severity, message: String, file: String? = nil, line: Int? = nil,
    service: String? = nil, parameter: String? = nil, fix: String
  ) {
    self.id = id
    self.file = file
    self.messageText = .string(message)
    self.severity = severity
    self.line = line
    self.details = .box(Box(service: service, parameter: parameter, fix: fix))
  }

  /// Creates the finding of an unused name whose parameter and fix are read
  /// from its message.
  /// - Parameters:
  ///   - id: The rule id.
  ///   - severity: The severity.
  ///   - messageText: The message, or where it lies in shared bytes.
  ///   - file: The file concerned.
  ///   - line: The line concerned.
  ///   - service: The service concerned (the texts are then kept out of line).
  ///   - name: The name's UTF-8 offsets in the message.
  ///   - guess: The suggested name's UTF-8 offsets in the message, if any.
  package init(
    id: String, severity: Severity, messageText: MessageText, file: String?, line: Int?,
    service: String?, name: Range<Int32>, guess: Range<Int32>?
  ) {
    self.id = id
    self.file = file
    self.messageText = messageText
    self.severity = severity
    self.line = line
    details = .unusedName(
      start: name.lowerBound, end: name.upperBound, guessStart: guess?.lowerBound ?? -1,
      guessEnd: guess?.upperBound ?? -1)
    if let service {
      // A service has no place in the message: all three become texts.
      details = .box(Box(service: service, parameter: parameter, fix: fix))
    }
  }

  /// The fix of an unused name: rename it to the suggestion, or remove or correct it.
  /// - Parameters:
  ///   - name: The unused name.
  ///   - guess: The known name it is closest to, if any.
  /// - Returns: The fix.
  package static func unusedNameFix(_ name: String, guess: String?) -> String {
    guard let guess else { return "Remove '\(name)' or correct its name: Postfix ignores it." }
    return "Rename '\(name)' to '\(guess)'."
  }

  public static func == (lhs: Finding, rhs: Finding) -> Bool {
    lhs.id == rhs.id && lhs.severity == rhs.severity && lhs.message == rhs.message
      && lhs.file == rhs.file && lhs.line == rhs.line && lhs.service == rhs.service
      && lhs.parameter == rhs.parameter && lhs.fix == rhs.fix
  }

  /// The text at UTF-8 offsets `start..<end` of the message.
  func messageSlice(_ start: Int32, _ end: Int32) -> String {
    switch messageText {
    case .string(let text):
      let utf8 = text.utf8
      let from = utf8.index(utf8.startIndex, offsetBy: Int(start))
      let to = utf8.index(from, offsetBy: Int(end - start))
      return String(text[from..<to])
    case .shared(let bytes, let base, _):
      return String(decoding: bytes[Int(base + start)..<Int(base + end)], as: UTF8.self)
    }
  }
}
