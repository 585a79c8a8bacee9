import Foundation
import SMTPProbe

/// A clock that only moves when the code under test waits: timeouts and back-off are
/// exact and take no real time.
final class VirtualClock: ProbeClock, @unchecked Sendable {
  private let lock = NSLock()
  private var current: UInt64 = 1_000_000_000

  func now() -> UInt64 { lock.withLock { current } }
  func sleep(nanoseconds: UInt64) { advance(nanoseconds) }
  func advance(_ nanoseconds: UInt64) { lock.withLock { current += nanoseconds } }
  func advance(to instant: UInt64) { lock.withLock { current = max(current, instant) } }
}

/// What a scripted server does next.
enum ServerAction {
  /// Sends these bytes.
  case send([UInt8])
  /// Sends nothing, ever (the reader times out).
  case silence
  /// Closes the connection.
  case close
  /// Resets the connection: every later read fails as `recv` does after `ECONNRESET`.
  case reset
  /// Sends these bytes one at a time, `interval` nanoseconds apart.
  case drip([UInt8], interval: UInt64)
  /// Sends `unit` over and over, `total` bytes in all (nil: forever).
  case repeating([UInt8], total: Int?)

  static func text(_ string: String) -> ServerAction { .send(Array(string.utf8)) }
}

/// One connection to a scripted server: answers each command line with actions.
final class ScriptedTransport: Transport {
  let clock: VirtualClock
  private var queue: [ServerAction]
  private let respond: (String) -> [ServerAction]
  private var inbound: [UInt8] = []
  private var repeatOffset = 0
  private var repeatSent = 0
  /// Every command line received, without CR LF.
  private(set) var received: [String] = []
  /// Every byte received, raw.
  private(set) var receivedBytes: [UInt8] = []
  /// Bytes handed to the client.
  private(set) var bytesSent = 0
  /// The largest single `receive` request.
  private(set) var largestRead = 0
  private(set) var isClosed = false
  let localAddress: SocketAddress?
  let remoteAddress: SocketAddress?

  init(
    clock: VirtualClock, greeting: [ServerAction], local: String = "127.0.0.1",
    respond: @escaping (String) -> [ServerAction]
  ) {
    self.clock = clock
    self.queue = greeting
    self.respond = respond
    localAddress = SocketAddress.numeric(local, port: 40000)
    remoteAddress = SocketAddress.numeric("127.0.0.1", port: 25)
  }

  func send(_ bytes: [UInt8], deadline: Deadline) throws {
    guard !isClosed else { throw SMTPProbeError(.closed, "send: closed") }
    receivedBytes += bytes
    inbound += bytes
    while let newline = inbound.firstIndex(of: UInt8(ascii: "\n")) {
      var line = Array(inbound[..<newline])
      if line.last == UInt8(ascii: "\r") { line.removeLast() }
      inbound.removeSubrange(...newline)
      let text = String(decoding: line, as: UTF8.self)
      received.append(text)
      queue += respond(text)
    }
  }

  func receive(maxBytes: Int, deadline: Deadline) throws -> [UInt8] {
    guard !isClosed else { throw SMTPProbeError(.closed, "recv: closed") }
    largestRead = max(largestRead, maxBytes)
    while true {
      guard let head = queue.first else { return try timeOut(deadline) }
      switch head {
      case .send(let bytes):
        if bytes.isEmpty {
          queue.removeFirst()
          continue
        }
        let part = Array(bytes.prefix(maxBytes))
        if part.count == bytes.count {
          queue.removeFirst()
        } else {
          queue[0] = .send(Array(bytes.dropFirst(part.count)))
        }
        bytesSent += part.count
        return part
      case .silence:
        return try timeOut(deadline)
      case .close:
        return []
      case .reset:
        throw SMTPProbeError(.closed, "recv: Connection reset by peer")
      case .drip(let bytes, let interval):
        if bytes.isEmpty {
          queue.removeFirst()
          continue
        }
        if clock.now() + interval > deadline.instant { return try timeOut(deadline) }
        clock.advance(interval)
        queue[0] = .drip(Array(bytes.dropFirst()), interval: interval)
        bytesSent += 1
        return [bytes[0]]
      case .repeating(let unit, let total):
        let left = total.map { $0 - repeatSent } ?? Int.max
        if left <= 0 || unit.isEmpty {
          queue.removeFirst()
          repeatSent = 0
          repeatOffset = 0
          continue
        }
        var out: [UInt8] = []
        out.reserveCapacity(min(maxBytes, left))
        while out.count < min(maxBytes, left) {
          out.append(unit[repeatOffset])
          repeatOffset = (repeatOffset + 1) % unit.count
        }
        repeatSent += out.count
        bytesSent += out.count
        return out
      }
    }
  }

  private func timeOut(_ deadline: Deadline) throws -> [UInt8] {
    clock.advance(to: deadline.instant)
    throw SMTPProbeError(.timeout, "recv: deadline passed")
  }

  func close() { isClosed = true }
}

/// Opens scripted connections; `make` builds the n-th (0-based) one.
final class ScriptedConnector: Connector, @unchecked Sendable {
  let clock: VirtualClock
  private let make: (Int, VirtualClock) -> ScriptedTransport
  private(set) var transports: [ScriptedTransport] = []

  init(clock: VirtualClock, make: @escaping (Int, VirtualClock) -> ScriptedTransport) {
    self.clock = clock
    self.make = make
  }

  func connect(deadline: Deadline) throws -> any Transport {
    let transport = make(transports.count, clock)
    transports.append(transport)
    return transport
  }

  /// Every command sent on every connection.
  var allCommands: [String] { transports.flatMap(\.received) }
}

/// A server that behaves like Postfix with a few knobs.
struct FakePostfix {
  var banner = "mail.example.test ESMTP Postfix (Debian/GNU)"
  var vrfy = true
  var heloRequired = false
  /// "accept", "reject" (554 5.7.1), "defer" (454 4.7.1), or "trusted-only".
  var relay = "accept"
  var xclient = true
  var auth = false
  var starttls = true
  var localUsers: Set<String> = ["postmaster", "root"]
  var greeting: [ServerAction]?
  /// Refuse EHLO (an old server that only knows HELO).
  var ehlo = true
  /// Refuse MAIL, RCPT and VRFY before STARTTLS (a submission port).
  var tlsRequired = false
  /// Answer the n-th RCPT of the whole run (1-based) with 421 and close.
  var serviceClosingAtRCPT: Int?
  /// Counts RCPT commands across connections.
  final class Counter: @unchecked Sendable { var rcpts = 0 }
  let counter = Counter()

  func connector(clock: VirtualClock, local: String = "127.0.0.1") -> ScriptedConnector {
    ScriptedConnector(clock: clock) { _, clock in
      var state = State()
      return ScriptedTransport(
        clock: clock, greeting: greeting ?? [.text("220 \(banner)\r\n")], local: local
      ) { line in
        self.answer(line, state: &state)
      }
    }
  }

  struct State {
    var helo = false
    var outside = false
    var mail = false
  }

  func answer(_ line: String, state: inout State) -> [ServerAction] {
    let upper = line.uppercased()
    func reply(_ text: String) -> [ServerAction] { [.text(text + "\r\n")] }
    if upper.hasPrefix("EHLO") {
      guard ehlo else { return reply("502 5.5.2 Error: command not recognized") }
      state.helo = true
      var lines = ["250-mail.example.test", "250-PIPELINING", "250-SIZE 10240000"]
      if vrfy { lines.append("250-VRFY") }
      if xclient && !state.outside { lines.append("250-XCLIENT NAME ADDR PROTO HELO") }
      if starttls { lines.append("250-STARTTLS") }
      if auth { lines.append("250-AUTH PLAIN LOGIN") }
      lines.append("250 CHUNKING")
      return reply(lines.joined(separator: "\r\n"))
    }
    if upper.hasPrefix("HELO") {
      state.helo = true
      return reply("250 mail.example.test")
    }
    if tlsRequired && ["MAIL", "RCPT", "VRFY"].contains(where: { upper.hasPrefix($0) }) {
      return reply("530 5.7.0 Must issue a STARTTLS command first")
    }
    if upper.hasPrefix("XCLIENT") {
      guard xclient else { return reply("502 5.5.2 Error: command not recognized") }
      state.outside = !line.contains("ADDR=127.")
      state.helo = false
      return reply("220 \(banner)")
    }
    if upper.hasPrefix("MAIL FROM:") {
      if heloRequired && !state.helo { return reply("503 5.5.1 Error: send HELO/EHLO first") }
      state.mail = true
      return reply("250 2.1.0 Ok")
    }
    if upper.hasPrefix("RCPT TO:") {
      guard state.mail else { return reply("503 5.5.1 Error: need MAIL command") }
      counter.rcpts += 1
      if counter.rcpts == serviceClosingAtRCPT {
        return reply("421 4.7.0 mail.example.test Error: too many errors") + [.close]
      }
      let address = String(line.dropFirst(8)).trimmingCharacters(
        in: CharacterSet(charactersIn: "<>"))
      if address.hasSuffix("@mail.example.test") {
        let user = String(address.prefix { $0 != "@" })
        return localUsers.contains(user)
          ? reply("250 2.1.5 Ok")
          : reply("550 5.1.1 <\(address)>: Recipient address rejected: User unknown")
      }
      let open = relay == "accept" || (relay == "trusted-only" && !state.outside)
      if open { return reply("250 2.1.5 Ok") }
      if relay == "defer" { return reply("454 4.7.1 <\(address)>: Relay access denied") }
      if relay == "greylist" {
        return reply("450 4.7.1 <\(address)>: Recipient address rejected: Greylisted")
      }
      return reply("554 5.7.1 <\(address)>: Relay access denied")
    }
    if upper.hasPrefix("RSET") {
      state.mail = false
      return reply("250 2.0.0 Ok")
    }
    if upper.hasPrefix("VRFY") {
      guard vrfy else { return reply("502 5.5.1 VRFY command is disabled") }
      let user = String(line.dropFirst(5))
      return localUsers.contains(user)
        ? reply("252 2.0.0 \(user)")
        : reply("550 5.1.1 <\(user)>: Recipient address rejected: User unknown")
    }
    if upper.hasPrefix("QUIT") { return reply("221 2.0.0 Bye") + [.close] }
    if upper.hasPrefix("DATA") || upper.hasPrefix("BDAT") { return reply("354 go ahead") }
    return reply("500 5.5.2 Error: command not recognized")
  }
}

extension ProbeOptions {
  /// Options for scripted tests: a virtual clock, a fixed control user, no TLS analysis
  /// (a scripted server speaks no TLS; the TLS tests turn it on).
  static func scripted(_ clock: VirtualClock) -> ProbeOptions {
    var options = ProbeOptions()
    options.clock = clock
    options.controlUser = "pfhcontrol"
    options.analyseTLS = false
    return options
  }
}
