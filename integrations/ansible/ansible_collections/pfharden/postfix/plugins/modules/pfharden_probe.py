#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: pfharden_probe
short_description: Probe a live SMTP server with pfharden
description:
  - Runs C(pfharden probe --format json) and returns the report (schema
    version 2) with the banner, VRFY/EXPN oracles, HELO requirement, open relay
    (never sending C(DATA)), user enumeration, STARTTLS and the TLS analysis.
  - The probe connects from where the module runs. Run it from the controller
    or a bastion (C(delegate_to)) to see a server as outside clients do.
  - Never changes anything. Findings do not fail the task unless O(fail_on)
    asks for it; a probe that could not complete (pfharden's exit status 2)
    fails it.
  - Probe only servers you run.
version_added: "0.1.0"
author:
  - pfharden maintainers (!UNKNOWN)
options:
  host:
    description:
      - The server's name or address. An IPv6 address may be given bare or
        in brackets.
    type: str
    required: true
  port:
    description:
      - The port. Default 25 (587 with O(role=submission), 465 with
        O(implicit_tls=true)).
    type: int
  role:
    description:
      - What the server is for (C(--role)). Default V(mx), V(submission) on
        port 587.
    type: str
    choices: [mx, relay, submission]
  helo:
    description:
      - The EHLO/HELO name (C(--helo)).
    type: str
  xclient_addr:
    description:
      - Test as this client address via XCLIENT, when the server allows it
        (C(--xclient-addr)).
    type: str
  source:
    description:
      - Bind connections to this local address (C(--source)).
    type: str
  implicit_tls:
    description:
      - The port speaks TLS before the greeting (C(--implicit-tls)).
    type: bool
    default: false
  no_tls:
    description:
      - Skip the TLS analysis (C(--no-tls)).
    type: bool
    default: false
  tls_only:
    description:
      - Only the greeting, EHLO, STARTTLS and the TLS analysis (C(--tls-only)).
    type: bool
    default: false
  timeout:
    description:
      - Seconds each step may take (C(--timeout)).
    type: int
  total_timeout:
    description:
      - Seconds the whole probe may take (C(--total-timeout)).
    type: int
  max_connections:
    description:
      - The connection budget of the SMTP checks (C(--max-connections)).
    type: int
  max_tls_connections:
    description:
      - The TLS analysis's own connection budget (C(--max-tls-connections)).
    type: int
  min_severity:
    description:
      - The lowest severity reported as a finding that counts (C(--min-severity)).
    type: str
    choices: [info, warning, error]
    default: warning
  fail_on:
    description:
      - Fail the task when a finding is of this severity or worse. V(none)
        (the default) never fails on findings.
    type: str
    choices: [none, warning, error]
    default: none
  executable:
    description:
      - The pfharden binary. Default C(pfharden) found on E(PATH) (and in the
        sbin directories) of the host the module runs on.
    type: path
attributes:
  check_mode:
    support: full
    description: The probe only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
notes:
  - The report is documented in C(docs/probe-json-schema.md) of the pfharden
    repository.
seealso:
  - module: pfharden.postfix.pfharden_check
'''

EXAMPLES = r'''
- name: Probe each MX from the controller
  pfharden.postfix.pfharden_probe:
    host: "{{ inventory_hostname }}"
    role: mx
  delegate_to: localhost
  register: probe

- name: The relay test must say closed
  ansible.builtin.assert:
    that:
      - probe.report.openRelay.verdict != 'open'

- name: Submission port, failing on any error
  pfharden.postfix.pfharden_probe:
    host: mail.example.org
    port: 587
    role: submission
    fail_on: error
  delegate_to: bastion.example.org
'''

RETURN = r'''
report:
  description:
    - The object C(pfharden probe --format json) printed (schema version 2,
      C(docs/probe-json-schema.md)).
  returned: success
  type: dict
  contains:
    schemaVersion:
      description: The schema version.
      type: int
      sample: 2
    completed:
      description: Whether every check ran to the end.
      type: bool
    findings:
      description: The findings, each with C(id), C(severity), C(message).
      type: list
      elements: dict
findings:
  description: The same as RV(report.findings).
  returned: success
  type: list
  elements: dict
worst:
  description: The highest severity among the findings, or null.
  returned: success
  type: str
cmd:
  description: The command run.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pfharden.postfix.plugins.module_utils.pfharden import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    at_or_above,
    executable_argument_spec,
    fail,
    parse_json,
    run,
    worst_severity,
)


def target(host, port):
    """HOST[:PORT] as pfharden reads it, IPv6 in brackets."""
    if port is None:
        return host
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host
    return '%s:%d' % (host, port)


def arguments(params):
    """The pfharden command line for the module's parameters."""
    argv = ['probe', target(params['host'], params['port']), '--format', 'json',
            '--min-severity', params['min_severity']]
    for option, name in (('--role', 'role'), ('--helo', 'helo'),
                         ('--xclient-addr', 'xclient_addr'), ('--source', 'source')):
        if params[name]:
            argv += [option, params[name]]
    for option, name in (('--timeout', 'timeout'), ('--total-timeout', 'total_timeout'),
                         ('--max-connections', 'max_connections'),
                         ('--max-tls-connections', 'max_tls_connections')):
        if params[name] is not None:
            argv += [option, str(params[name])]
    for option, name in (('--implicit-tls', 'implicit_tls'), ('--no-tls', 'no_tls'),
                         ('--tls-only', 'tls_only')):
        if params[name]:
            argv.append(option)
    return argv


def main():
    argument_spec = dict(
        host=dict(type='str', required=True),
        port=dict(type='int'),
        role=dict(type='str', choices=['mx', 'relay', 'submission']),
        helo=dict(type='str'),
        xclient_addr=dict(type='str'),
        source=dict(type='str'),
        implicit_tls=dict(type='bool', default=False),
        no_tls=dict(type='bool', default=False),
        tls_only=dict(type='bool', default=False),
        timeout=dict(type='int'),
        total_timeout=dict(type='int'),
        max_connections=dict(type='int'),
        max_tls_connections=dict(type='int'),
        min_severity=dict(type='str', choices=['info', 'warning', 'error'], default='warning'),
        fail_on=dict(type='str', choices=['none', 'warning', 'error'], default='none'),
    )
    argument_spec.update(executable_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[('no_tls', 'tls_only')],
        supports_check_mode=True,
    )

    command, rc, stdout, stderr = run(module, arguments(module.params))
    report = parse_json(stdout)
    if rc not in (EXIT_CLEAN, EXIT_FINDINGS) or report is None:
        extra = dict(report=report) if report is not None else {}
        if report is not None and report.get('error'):
            error = report['error']
            module.fail_json(
                msg='probe of %s did not complete: %s' % (
                    command[2], error.get('message') or error.get('code')),
                rc=rc, cmd=command, stdout=stdout, stderr=stderr, **extra)
        fail(module, command, rc, stdout, stderr, **extra)

    findings = report.get('findings', [])
    result = dict(
        changed=False,
        report=report,
        findings=findings,
        worst=worst_severity(findings),
        cmd=command,
    )
    threshold = module.params['fail_on']
    if threshold != 'none':
        failing = at_or_above(findings, threshold)
        if failing:
            result['msg'] = '%d finding(s) at or above %s: %s' % (
                len(failing), threshold,
                '; '.join('[%s] %s' % (f.get('id'), f.get('message')) for f in failing[:5]))
            module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
