/// The stable ids of the audit rules.
///
/// Ids are never renamed: scripts and suppression comments
/// (`# pfharden: ignore <id>`) depend on them.
public enum RuleID {
  public static let configWarning = "config-warning"
  public static let parameterTooNew = "parameter-too-new"
  public static let disableVRFY = "disable-vrfy"
  public static let loopbackOnly = "inet-interfaces-loopback"
  public static let mynetworksNarrow = "mynetworks-narrow"
  public static let openRelay = "open-relay"
  public static let relayDomains = "relay-domains"
  public static let smtpdRefusesToRun = "smtpd-refuses-to-run"
  public static let heloRequired = "helo-required"
  public static let tlsLogLevel = "tls-loglevel"
  public static let bannerDisclosure = "banner-disclosure"
  public static let serverTLS = "server-tls"
  public static let tlsProtocols = "tls-protocols"
  public static let submissionTLS = "submission-tls-mandatory"
  public static let tlsAuthOnly = "tls-auth-only"
  public static let tlsCiphers = "tls-cipher-grade"
  public static let tlsFFDHEGroups = "tls-ffdhe-auto-groups"
  public static let tlsDHParameters = "tls-dh-parameters"
  public static let smtpSmuggling = "smtp-smuggling"
  public static let filePermissions = "file-permissions"
  public static let listeningSockets = "listening-sockets"
  public static let unauthPipelining = "reject-unauth-pipelining"
  public static let saslRelay = "sasl-relay"
  public static let duplicateListener = "duplicate-listener"
  public static let ineffectiveSuppression = "ineffective-suppression"
}
