#!/bin/sh
# Regenerates the test certificates, keys and DH parameters in this folder.
# Everything here is test material for loopback servers only.
set -eu
cd "$(dirname "$0")"
mkdir -p certs
cd certs
days=3650
subj() { printf '/C=DE/O=pfharden test/CN=%s' "$1"; }
san="subjectAltName=DNS:mail.example.test,DNS:mx.example.test,DNS:*.example.org"

# Self-signed RSA keys of several sizes, SHA-256.
for bits in 1024 2048 4096; do
  openssl req -x509 -newkey rsa:$bits -nodes -keyout rsa$bits.key -out rsa$bits.pem \
    -days $days -sha256 -subj "$(subj mail.example.test)" -addext "$san" 2>/dev/null
done
# Self-signed EC P-256 and P-384.
for curve in prime256v1 secp384r1; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:$curve -nodes -keyout ec-$curve.key \
    -out ec-$curve.pem -days $days -sha256 -subj "$(subj mail.example.test)" -addext "$san" 2>/dev/null
done
# SHA-1 signed, self-signed RSA 2048 (needs security level 0 to sign).
openssl req -x509 -newkey rsa:2048 -nodes -keyout sha1.key -out sha1.pem -days $days -sha1 \
  -subj "$(subj legacy.example.test)" 2>/dev/null
# A small CA and a leaf it signs (GeneralizedTime notAfter beyond 2049).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 36500 -sha256 \
  -subj "/C=DE/O=pfharden test/CN=pfharden Test CA" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr \
  -subj "$(subj mx.example.test)" 2>/dev/null
printf '%s\n' "$san" > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem \
  -days 36500 -sha384 -extfile leaf.ext 2>/dev/null
rm -f leaf.csr leaf.ext ca.srl
# DER copies for the DER reader tests.
for f in *.pem; do openssl x509 -in "$f" -outform DER -out "${f%.pem}.der"; done
# DH parameters: 1024-bit (generated) and the RFC 7919 ffdhe2048 group.
openssl dhparam -out dh1024.pem 1024 2>/dev/null
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh2048.pem 2>/dev/null
