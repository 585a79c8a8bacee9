/// One problem found by an audit rule.
public struct Finding: Equatable, Sendable {
  /// The rule's stable kebab-case id (`disable-vrfy`).
  public var id: String
  /// How serious it is for the role concerned.
  public var severity: Severity
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
      // Texts kept as positions in the message become texts of their own first.
      if case .inMessage = parameterText { parameterText = parameter.map { .string($0) } ?? .none }
      if case .string = fixText {} else { fixText = .string(fix) }
      messageText = .string(newValue)
    }
  }
  /// `main.cf` or `master.cf`, or nil when the finding is about the host.
  public var file: String?
  /// The line, or nil when the parameter is left at its default.
  public var line: Int?
  /// The master.cf service (`submission/inet`) for per-service findings.
  public var service: String?
  /// The parameter concerned, for suppression comments.
  public var parameter: String? {
    get {
      switch parameterText {
      case .none: return nil
      case .string(let text): return text
      case .inMessage(let start, let end): return messageSlice(start, end)
      }
    }
    set {
      if case .string = fixText {} else { fixText = .string(fix) }
      parameterText = newValue.map { .string($0) } ?? .none
    }
  }
  /// A one-line fix.
  public var fix: String {
    get {
      switch fixText {
      case .string(let text): return text
      case .removeOrCorrect:
        return "Remove '\(parameter ?? "")' or correct its name: Postfix ignores it."
      case .rename(let start, let end):
        return "Rename '\(parameter ?? "")' to '\(messageSlice(start, end))'."
      }
    }
    set { fixText = .string(newValue) }
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

  /// The parameter's text, or where it lies in the message.
  ///
  /// A configuration with 200,000 unknown names has as many findings; their
  /// parameter and fix are then read from the message instead of being kept
  /// as texts of their own.
  package enum ParameterText: Sendable, Equatable {
    case none
    case string(String)
    /// UTF-8 offsets in ``Finding/message``.
    case inMessage(start: Int32, end: Int32)
  }

  /// The fix's text, or how to make it from the parameter and the message.
  package enum FixText: Sendable, Equatable {
    case string(String)
    /// "Remove 'PARAMETER' or correct its name: Postfix ignores it."
    case removeOrCorrect
    /// "Rename 'PARAMETER' to 'GUESS'.", the guess at these UTF-8 offsets in the message.
    case rename(start: Int32, end: Int32)
  }

  private var messageText: MessageText
  private var parameterText: ParameterText
  private var fixText: FixText

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
    self.init(
      id: id, severity: severity, messageText: .string(message), file: file, line: line,
      service: service, parameterText: parameter.map { .string($0) } ?? .none,
      fixText: .string(fix))
  }

  /// Creates a finding whose parameter and fix may be read from its message.
  package init(
    id: String, severity: Severity, message: String, file: String?, line: Int?,
    service: String?, parameterText: ParameterText, fixText: FixText
  ) {
    self.init(
      id: id, severity: severity, messageText: .string(message), file: file, line: line,
      service: service, parameterText: parameterText, fixText: fixText)
  }

  /// Creates a finding whose message may lie in shared bytes.
  package init(
    id: String, severity: Severity, messageText: MessageText, file: String?, line: Int?,
    service: String?, parameterText: ParameterText, fixText: FixText
  ) {
    self.id = id
    self.severity = severity
    self.messageText = messageText
    self.file = file
    self.line = line
    self.service = service
    self.parameterText = parameterText
    self.fixText = fixText
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
