# -*- coding: utf-8 -*-
# Shared by the pfharden.postfix modules: find the pfharden binary, run it,
# read its JSON and turn its exit status into a result or a failure.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# pfharden's exit statuses (README, "Exit status").
EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_FAILURE = 2
EXIT_USAGE = 64

SEVERITY_ORDER = {'info': 0, 'warning': 1, 'error': 2}


def executable_argument_spec():
    """The options every module shares."""
    return dict(
        executable=dict(type='path'),
    )


def find_executable(module):
    """The pfharden binary: the `executable` option, else the first on PATH
    (and the sbin directories Ansible adds to it)."""
    given = module.params.get('executable')
    if given:
        return given
    return module.get_bin_path('pfharden', required=True, opt_dirs=['/usr/local/sbin'])


def run(module, arguments):
    """Runs pfharden with `arguments`; returns (command, rc, stdout, stderr)."""
    command = [find_executable(module)] + arguments
    rc, stdout, stderr = module.run_command(command, check_rc=False, environ_update={'NO_COLOR': '1'})
    return command, rc, stdout, stderr


def error_message(stderr, rc):
    """pfharden's own message: its `error:` lines, else all of standard error."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if ': error: ' in line or line.startswith('pfharden: ')]
    if errors:
        return '\n'.join(errors)
    if lines:
        return '\n'.join(lines[-5:])
    return 'pfharden exited with status %d' % rc


def parse_json(stdout):
    """The JSON object pfharden printed, or None."""
    text = stdout.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def fail(module, command, rc, stdout, stderr, **extra):
    """Fails the task with pfharden's message."""
    module.fail_json(
        msg=error_message(stderr, rc), rc=rc, cmd=command, stdout=stdout, stderr=stderr, **extra
    )


def worst_severity(findings):
    """The highest severity among `findings` (list of dicts with `severity`), or None."""
    worst = None
    for finding in findings:
        severity = finding.get('severity')
        if severity not in SEVERITY_ORDER:
            continue
        if worst is None or SEVERITY_ORDER[severity] > SEVERITY_ORDER[worst]:
            worst = severity
    return worst


def at_or_above(findings, threshold):
    """The findings whose severity is `threshold` or worse."""
    limit = SEVERITY_ORDER[threshold]
    return [f for f in findings if SEVERITY_ORDER.get(f.get('severity'), -1) >= limit]
