// Temporary stand-ins, replaced when the catalogue and host modules land.
public struct HostEnvironment: Sendable { public init() {} }
public struct ParameterCatalog: Sendable { public init() {} }
