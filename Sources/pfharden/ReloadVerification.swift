import PostfixConfig
import PostfixHardening
import SMTPProbe

#if canImport(Glibc)
import Glibc
#endif

/// After a reload: a real connection to each smtpd listener the configuration
/// declares, the greeting read, and where TLS is configured a TLS handshake
/// begun (STARTTLS, or implicit TLS) and answered with a ServerHello.
///
/// Listeners on every address are reached on loopback. Each check is bounded:
/// a few seconds per step, at most a few connections per listener.
enum ReloadVerification {
  /// One listener to connect to.
  struct Target: Equatable {
    var service: String
    var address: String
    var port: UInt16
    /// How TLS starts there, or nil when TLS is not configured.
    var tls: TLSChannelOpener.Mode?
  }

  /// The listeners of `configuration`, and those that cannot be reached (said, not tested).
  static func targets(_ configuration: PostfixConfiguration) -> (
    targets: [Target], skipped: [String]
  ) {
    var targets: [Target] = []
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
      let mode: TLSChannelOpener.Mode? =
        wrapped ? .implicit : (offered && listener.command == "smtpd" ? .startTLS : nil)
      targets.append(Target(service: listener.key, address: address, port: port16, tls: mode))
    }
    return (targets, skipped)
  }

  /// Connects to `target`; nil when it greets and (where configured) starts TLS.
  static func check(_ target: Target, stepSeconds: UInt64 = 5) -> String? {
    guard let socket = SocketAddress.numeric(target.address, port: target.port) else {
      return "\(target.service): \(target.address) is not an address"
    }
    var options = ProbeOptions()
    options.stepTimeout = .seconds(stepSeconds)
    let connector = TCPConnector(address: socket)
    let place = "\(target.service) (\(target.address) port \(target.port))"
    guard let mode = target.tls else {
      return greets(connector, options: options) ? nil : "\(place): no 220 greeting"
    }
    var scan = TLSScanOptions(now: Int64(time(nil)))
    scan.protocols = [.tls12, .tls13]
    scan.maxConnections = 4
    scan.backoff = []
    scan.handshakeTimeout = .seconds(Int64(stepSeconds))
    scan.totalTimeout = .seconds(Int64(stepSeconds * 4))
    let opener = TLSChannelOpener(connector: connector, mode: mode, options: options)
    let result = TLSScanner(options: scan, connect: { try opener.open() }).scan()
    if result.protocols.values.contains(true) { return nil }
    let why = result.notes.first.map { ": " + $0 } ?? ""
    let how = mode == .implicit ? "implicit TLS" : "STARTTLS"
    return "\(place): no TLS 1.2 or 1.3 handshake over \(how)\(why)"
  }

  /// Whether the listener greets with 220 within the step timeout.
  static func greets(_ connector: TCPConnector, options: ProbeOptions) -> Bool {
    let deadline = Deadline.after(options.stepTimeout, clock: options.clock)
    guard let transport = try? connector.connect(deadline: deadline) else { return false }
    defer { transport.close() }
    var received: [UInt8] = []
    // Each read returns at least one byte or ends the loop; at most 4 KiB are read.
    while received.count < 4096 {
      guard let bytes = try? transport.receive(maxBytes: 512, deadline: deadline), !bytes.isEmpty
      else { return false }
      received += bytes
      // The last line of the greeting: "220 " (multi-line greetings use "220-").
      for line in received.split(separator: 0x0A) where line.count >= 4 {
        if line.starts(with: Array("220 ".utf8)) { return true }
        if !line.starts(with: Array("220-".utf8)) { return false }
      }
    }
    return false
  }
}
