#!/usr/bin/python3
"""A real SMTP server for the tests and the demo (Debian's python3-aiosmtpd).

Listens on HOST:PORT and stores every message it accepts as NNNNNN.eml in MAILDIR (written
under a temporary name, then renamed, so a reader never sees half a file), with the envelope
prepended as Return-Path and Delivered-To lines, as a delivery agent does.

  --tls none       plain SMTP (AUTH allowed without TLS when --auth-file is given)
  --tls starttls   STARTTLS offered and required before MAIL FROM
  --tls tls        implicit TLS (SMTPS) from the first byte
  --cert/--key     the server certificate for starttls and tls
  --auth-file F    F holds "user:password"; AUTH PLAIN/LOGIN is then required before MAIL FROM

Recipients whose local part is "nobody" are refused with 550 (a permanent failure to test with).
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = len([n for n in os.listdir(maildir) if n.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@", 1)[0].lower() == "nobody":
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%06d.eml" % self.count
        head = "Return-Path: <%s>\r\n" % envelope.mail_from
        head += "".join("Delivered-To: %s\r\n" % r for r in envelope.rcpt_tos)
        tmp = os.path.join(self.maildir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(head.encode("ascii", "replace"))
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.maildir, name))
        print("stored %s for %s" % (name, ", ".join(envelope.rcpt_tos)), flush=True)
        return "250 2.0.0 stored as " + name


class Credentials:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            user, _, password = f.read().strip("\r\n").partition(":")
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        # Never print the password that was tried: the tests check that nothing logs it.
        print("auth %s for %r: %s" % (mechanism, getattr(auth_data, "login", b""),
                                      "accepted" if ok else "refused"), flush=True)
        return AuthResult(success=ok, handled=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--tls", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth-file")
    a = p.parse_args()
    os.makedirs(a.maildir, exist_ok=True)

    context = None
    if a.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    kwargs = {"hostname": "localhost"}
    if a.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    if a.auth_file:
        kwargs.update(authenticator=Credentials(a.auth_file), auth_required=True,
                      # aiosmtpd counts only STARTTLS as TLS; implicit TLS is TLS throughout.
                      auth_require_tls=(a.tls == "starttls"))
    handler = Store(a.maildir)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, **kwargs), a.host, a.port,
        ssl=context if a.tls == "tls" else None, reuse_address=True))
    print("listening on %s:%d (%s)" % (a.host, a.port, a.tls), flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
