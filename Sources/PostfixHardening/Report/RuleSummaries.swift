/// One-line descriptions of the rules, for SARIF and help texts.
public enum RuleSummaries {
  /// Summary by rule id.
  public static let text: [String: String] = [
    RuleID.configWarning: "Something real postconf would warn about.",
    RuleID.parameterTooNew: "A parameter the target Postfix release does not have.",
    RuleID.disableVRFY: "VRFY is enabled.",
    RuleID.loopbackOnly: "A send-only host listens beyond loopback.",
    RuleID.mynetworksNarrow: "mynetworks trusts more networks than it must.",
    RuleID.openRelay: "An smtpd service relays for anonymous outside clients.",
    RuleID.relayDomains: "relay_domains is too broad.",
    RuleID.smtpdRefusesToRun: "smtpd would refuse to run the service.",
    RuleID.heloRequired: "HELO/EHLO is not required.",
    RuleID.tlsLogLevel: "TLS sessions are not logged.",
    RuleID.bannerDisclosure: "The SMTP greeting names the software or OS.",
    RuleID.serverTLS: "Server TLS is off or its certificate is missing.",
    RuleID.tlsProtocols: "Weak TLS protocol versions are allowed.",
    RuleID.submissionTLS: "A submission service does not require TLS.",
    RuleID.tlsAuthOnly: "AUTH is offered before TLS.",
    RuleID.tlsCiphers: "Weak cipher grades or edited cipher lists.",
    RuleID.tlsFFDHEGroups: "tls_ffdhe_auto_groups set for Postfix before 3.8.",
    RuleID.tlsDHParameters: "Weak Diffie-Hellman parameters.",
    RuleID.smtpSmuggling: "SMTP smuggling is not prevented.",
    RuleID.filePermissions: "Ownership or mode of a Postfix file is unsafe.",
    RuleID.listeningSockets: "What listens differs from the configuration.",
    RuleID.saslRelay: "A service authenticates users but refuses to relay for them.",
    RuleID.duplicateListener: "Two master.cf services listen on one address and port.",
  ]
}
