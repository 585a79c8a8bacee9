import PostfixConfig

/// One listener to connect to after a reload, as the configuration declares it.
///
/// ``targets(in:)`` lists every smtpd and postscreen listener of a
/// configuration with the address to reach it on (listeners on every address
/// are reached on loopback) and how TLS starts there. The connection itself is
/// the caller's (``ActivationWorkflow/Verifier``): SMTPProbe's `ListenerCheck`
/// makes it.
public struct ListenerCheckTarget: Sendable, Equatable {
  /// How TLS starts on a listener.
  public enum TLSStart: Sendable, Equatable {
    /// `EHLO` then `STARTTLS`.
    case startTLS
    /// TLS right after connect (`smtpd_tls_wrappermode = yes`).
    case implicit
  }

  /// The master.cf service, such as `submission/inet` or `127.0.0.1:2525/inet`.
  public var service: String
  /// The numeric address to connect to.
  public var address: String
  /// The TCP port.
  public var port: UInt16
  /// How TLS starts there, or nil when TLS is not configured.
  public var tls: TLSStart?

  /// Creates a target.
  /// - Parameters:
  ///   - service: The master.cf service.
  ///   - address: The numeric address to connect to.
  ///   - port: The TCP port.
  ///   - tls: How TLS starts there, or nil.
  public init(service: String, address: String, port: UInt16, tls: TLSStart?) {
    self.service = service
    self.address = address
    self.port = port
    self.tls = tls
  }

  /// `service (address port N)`, as failures name the listener.
  public var place: String { "\(service) (\(address) port \(port))" }

  /// The listeners of `configuration`, and those that cannot be reached here
  /// (each with the reason: said, never silently left out).
  /// - Parameter configuration: The configuration as it will run.
  /// - Returns: The targets, and one line per listener not checked.
  public static func targets(in configuration: PostfixConfiguration) -> (
    targets: [ListenerCheckTarget], skipped: [String]
  ) {
    var targets: [ListenerCheckTarget] = []
    var skipped: [String] = []
    for listener in Listener.all(in: configuration)
    where listener.command == "smtpd" || listener.command == "postscreen" {
      guard let port = listener.port, let port16 = UInt16(exactly: port) else {
        skipped.append("\(listener.key): its port is not known here")
        continue
      }
      let address: String?
      switch listener.addresses.first {
      case .wildcard(.inet6): address = "::1"
      case .wildcard: address = "127.0.0.1"
      case .address(let ip): address = "\(ip)"
      case .named(let name): address = name == "localhost" ? "127.0.0.1" : nil
      case nil: address = nil
      }
      guard let address else {
        skipped.append("\(listener.key): listens on a name this check does not resolve")
        continue
      }
      // The TLS settings of the smtpd that answers (postscreen hands over to it).
      var name = listener.service
      var type = listener.type
      if listener.command == "postscreen" {
        let pass = configuration.setting(
          "smtpd_service_name", service: listener.service, type: listener.type
        ).text
        name = pass.isEmpty ? "smtpd" : pass
        type = "pass"
      }
      let wrapper = configuration.setting("smtpd_tls_wrappermode", service: name, type: type)
      let level = configuration.setting("smtpd_tls_security_level", service: name, type: type)
      let legacy = configuration.setting("smtpd_use_tls", service: name, type: type)
      let wrapped = ["yes", "true"].contains(wrapper.text.lowercased())
      let offered =
        !["", "none"].contains(level.text.lowercased())
        || ["yes", "true"].contains(legacy.text.lowercased())
      let tls: TLSStart? =
        wrapped ? .implicit : (offered && listener.command == "smtpd" ? .startTLS : nil)
      targets.append(
        ListenerCheckTarget(service: listener.key, address: address, port: port16, tls: tls))
    }
    return (targets, skipped)
  }
}
