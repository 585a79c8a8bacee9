/// How far one check of the probe got: ran to the end, ran in part, or did not run.
///
/// A report never claims more than was tested: a check that is not ``State/ran`` (or
/// ``State/refused``) makes the probe incomplete (``ProbeReport/isComplete``).
public struct CheckStatus: Equatable, Sendable {
  /// How far the check got.
  public enum State: String, Sendable {
    /// The check ran to the end; its result stands.
    case ran
    /// The server answered, but refused what the check needs (`530` before STARTTLS, the
    /// probe's sender refused): the check ended as far as it can go from this vantage,
    /// without a verdict. Not a failure of the probe.
    case refused
    /// The check started but was cut short (a `421`, a timeout, a close, the time limit);
    /// ``CheckStatus/tried`` of ``CheckStatus/total`` steps were done.
    case partial
    /// The check did not run at all; ``CheckStatus/reason`` says why.
    case notRun = "not-run"
  }

  /// The check's stable name: `banner`, `ehlo`, `submission`, `vrfy`, `expn`,
  /// `helo-required`, `rcpt-enumeration`, `open-relay`, `implicit-tls`, `tls`.
  public var check: String
  /// How far it got.
  public var state: State
  /// Why it is not ``State/ran``; nil when it is.
  public var reason: String?
  /// Steps done (commands answered, relay forms tried, TLS versions tested), when counted.
  public var tried: Int?
  /// Steps the check has in all, when counted.
  public var total: Int?
  /// Whether the check's SMTP dialogue ran in plaintext or inside TLS; nil for a check
  /// that did not run and for the checks that are not an SMTP dialogue (`implicit-tls`,
  /// `tls`).
  public var transport: SessionTransport?
  /// What stopped it, for the probe's error code.
  var cause: SMTPProbeError.Code?

  /// Creates a status.
  /// - Parameters:
  ///   - check: The check's name.
  ///   - state: How far it got.
  ///   - reason: Why it is not ``State/ran``.
  ///   - tried: Steps done.
  ///   - total: Steps in all.
  public init(
    check: String, state: State, reason: String? = nil, tried: Int? = nil, total: Int? = nil
  ) {
    self.check = check
    self.state = state
    self.reason = reason
    self.tried = tried
    self.total = total
  }

  init(
    _ check: String, _ state: State, _ reason: String? = nil, tried: Int? = nil,
    total: Int? = nil, cause: SMTPProbeError.Code? = nil
  ) {
    self.init(check: check, state: state, reason: reason, tried: tried, total: total)
    self.cause = cause
  }

  /// Whether the check went as far as it can: ``State/ran`` or ``State/refused``.
  public var isComplete: Bool { state == .ran || state == .refused }

  /// `open-relay: partial, 3 of 16 (server closed the session: 421 ...)`.
  public var summary: String {
    var text = "\(check): \(state.rawValue)"
    if let tried, let total { text += ", \(tried) of \(total)" }
    if let reason { text += " (\(reason))" }
    return text
  }
}

/// Where an SMTP dialogue ran: in plaintext, inside TLS after `STARTTLS`, or inside TLS
/// from the first byte (implicit TLS, port 465).
public enum SessionTransport: String, Sendable {
  /// No TLS.
  case plaintext
  /// Inside TLS started with `STARTTLS` on the same connection.
  case startTLS = "starttls"
  /// Inside TLS from the first byte.
  case implicitTLS = "implicit-tls"

  /// Whether the dialogue ran inside TLS.
  public var isTLS: Bool { self != .plaintext }
}
