/// One address of an active (up) network interface.
public struct NetworkInterface: Sendable, Hashable {
  /// The interface name (`eth0`), for display only.
  public var name: String
  /// The address.
  public var address: IPAddress
  /// The netmask as a prefix length (0...32 or 0...128).
  public var prefixLength: Int

  /// Creates an interface address.
  /// - Parameters:
  ///   - name: The interface name.
  ///   - address: The address.
  ///   - prefixLength: The netmask as a prefix length.
  public init(name: String, address: IPAddress, prefixLength: Int) {
    self.name = name
    self.address = address
    self.prefixLength = prefixLength
  }
}

/// The facts about the running host that Postfix's defaults depend on (SPEC 7).
///
/// A plain value: ``HostInfo/current(processName:)`` reads it from the system,
/// tests build it by hand.
public struct HostEnvironment: Sendable {
  /// What `gethostname()` returns.
  public var hostname: String
  /// The addresses of interfaces that are up, in `getifaddrs()` order.
  public var interfaces: [NetworkInterface]
  /// The process id `process_id` shows.
  public var processID: Int32
  /// The program name `process_name` shows (basename of argv[0]).
  public var processName: String
  /// Fixed addresses of host names that may appear in `inet_interfaces`,
  /// consulted before ``resolver``.
  public var hostAddresses: [String: [IPAddress]]
  /// Looks up the other host names of `inet_interfaces`, as Postfix does on
  /// this host (``HostInfo/systemResolver()``); ``HostResolver/empty`` by
  /// default, so that a name is not found.
  public var resolver: HostResolver

  /// Creates a host description.
  /// - Parameters:
  ///   - hostname: What `gethostname()` returns.
  ///   - interfaces: Addresses of up interfaces, in `getifaddrs()` order.
  ///   - processID: The process id.
  ///   - processName: The program name.
  ///   - hostAddresses: Fixed addresses of host names in `inet_interfaces`.
  ///   - resolver: Looks up the other host names.
  public init(
    hostname: String, interfaces: [NetworkInterface], processID: Int32, processName: String,
    hostAddresses: [String: [IPAddress]] = [:], resolver: HostResolver = .empty
  ) {
    self.hostname = hostname
    self.interfaces = interfaces
    self.processID = processID
    self.processName = processName
    self.hostAddresses = hostAddresses
    self.resolver = resolver
  }
}
