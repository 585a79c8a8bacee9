#!/usr/bin/env python3
"""Writes a valid main.cf of about SIZE bytes: user-defined restriction
classes (valid names, referenced from smtpd_restriction_classes), long values
with continuation lines and comments, and a few built-in parameters with
$name references, so that postconf and pfharden print no warnings."""
import sys

size = int(sys.argv[1])
out = sys.argv[2]
parts = [
    "# generated benchmark configuration\n",
    "myhostname = mail.example.com\n",
    "mydomain = example.com\n",
    "myorigin = $mydomain\n",
    "mydestination = $myhostname, localhost.$mydomain, localhost\n",
    "smtpd_banner = $myhostname ESMTP\n",
    "mynetworks = 127.0.0.0/8 [::1]/128\n",
]
classes = []
total = sum(len(p) for p in parts)
i = 0
while total < size:
    name = "zz_class_%06d" % i
    classes.append(name)
    entry = (
        "%s = check_client_access hash:/etc/postfix/access_%d,\n"
        "    # a comment inside the value\n"
        "    permit_mynetworks, reject_unauth_destination, $mydomain\n" % (name, i)
    )
    parts.append(entry)
    total += len(entry)
    i += 1
lines = ["smtpd_restriction_classes ="]
for j in range(0, len(classes), 8):
    lines.append("    " + " ".join(classes[j:j + 8]))
parts.append("\n".join(lines) + "\n")
with open(out, "w") as f:
    f.write("".join(parts))
