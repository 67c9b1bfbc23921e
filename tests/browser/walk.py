#!/usr/bin/python3
"""Walks the self-service pages in a real headless Chromium (Debian's chromium, chromium-driver
and python3-selenium): sign-up -> the link in the mail -> login -> add a host -> create a token ->
an update with curl using that token -> the overview and the history show the new address (and
named answers it) -> a second host made derived from the first on its page, whose AAAA follows
the prefix of a FRITZ!Box request for the first -> logout -> password reset through the mail -> login with the new password;
then a domain account (made by the test) adds and removes records of its zone on the records page.
On a phone-sized window no page may scroll sideways.

Run by web_browser_test (tests/browser/web_browser_test.cpp), which starts PostgreSQL, named, the
SMTP test server and the gateway. Saves a screenshot of every page in --out. Exit status 0 when
every step passed; otherwise the failing step is printed.
"""
import argparse
import email
import email.policy
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--base", required=True, help="http://127.0.0.1:PORT (the pages' root)")
    p.add_argument("--maildir", required=True)
    p.add_argument("--zone", required=True)
    p.add_argument("--dns-port", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--user", default="walker")
    p.add_argument("--email", default="walker@example.test")
    p.add_argument("--domain-user", required=True)
    p.add_argument("--domain-password", required=True)
    p.add_argument("--domain-zone", required=True)
    return p.parse_args()


class Walk:
    def __init__(self, a):
        self.a = a
        self.shot = 0
        o = webdriver.ChromeOptions()
        o.binary_location = "/usr/bin/chromium"
        self.profile = tempfile.mkdtemp(prefix="ddns-chromium-")
        for flag in ["--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--window-size=1100,1200",
                     "--user-data-dir=" + self.profile]:
            o.add_argument(flag)
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
        self.d.set_page_load_timeout(30)

    def step(self, text):
        print("step:", text, flush=True)

    def snap(self, name):
        self.shot += 1
        path = os.path.join(self.a.out, "%02d-%s.png" % (self.shot, name))
        self.d.save_screenshot(path)

    def open(self, path):
        self.d.get(self.a.base + path)

    def find(self, by, what):
        """The element, waiting while a page is still loading (a click does not wait for the
        next page)."""
        deadline = time.time() + 10
        while True:
            try:
                return self.d.find_element(by, what)
            except WebDriverException:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def fill(self, field_id, value):
        e = self.find(By.ID, field_id)
        e.clear()
        e.send_keys(value)

    def submit(self, form_action):
        form = self.find(By.CSS_SELECTOR, 'form[action$="%s"]' % form_action)
        form.find_element(By.CSS_SELECTOR, 'button[type=submit]:not([name=check])').click()

    def body(self):
        try:
            return self.d.find_element(By.TAG_NAME, "body").text
        except WebDriverException:  # between two pages
            return ""

    def expect(self, text, where="page"):
        deadline = time.time() + 10
        while time.time() < deadline:
            if text in self.body():
                return
            time.sleep(0.1)
        raise AssertionError("%r not on the %s; it shows:\n%s" % (text, where, self.body()))

    def mail_link(self, kind, after):
        """The link (to /verify or /reset) in the newest mail to --email, waiting for it."""
        deadline = time.time() + 60
        while time.time() < deadline:
            for f in sorted(glob.glob(os.path.join(self.a.maildir, "*.eml")), reverse=True):
                if f in after:
                    continue
                with open(f, "rb") as fh:
                    msg = email.message_from_binary_file(fh, policy=email.policy.default)
                if self.a.email not in " ".join(msg.get_all("Delivered-To", [])):
                    continue
                body = msg.get_body(preferencelist=("plain",)).get_content()
                m = re.search(r"https?://\S+/%s\?token=[A-Za-z0-9_-]+" % kind, body)
                if m:
                    return m.group(0)
            time.sleep(0.2)
        raise AssertionError("no mail with a /%s link arrived" % kind)

    def fits_a_phone(self, what):
        """At 390 px neither the page nor a table inside its box scrolls sideways."""
        self.d.set_window_size(390, 844)
        self.d.refresh()
        wide = self.d.execute_script("""
            const w = document.documentElement.clientWidth;
            const out = [];
            for (const e of document.querySelectorAll('.table-wrap'))
              if (e.scrollWidth > e.clientWidth + 1) out.push('table-wrap ' + e.scrollWidth);
            if (document.documentElement.scrollWidth > w + 1) out.push('page ' + document.documentElement.scrollWidth);
            return out;""")
        self.snap("phone-" + what)
        self.d.set_window_size(1100, 1200)
        if wide:
            raise AssertionError("the %s scrolls sideways on a phone (%d px): %s"
                                 % (what, 390, ", ".join(wide[:8])))

    def mails(self):
        return set(glob.glob(os.path.join(self.a.maildir, "*.eml")))

    def run(self):
        a = self.a
        host_label = "walkhome"
        host = host_label + "." + a.zone
        password = "first-Password-1"
        new_password = "second-Password-2"
        address = "203.0.113.77"

        self.step("sign up")
        self.open("/signup")
        self.snap("signup")
        before = self.mails()
        self.fill("username", a.user)
        self.fill("email", a.email)
        self.fill("password", password)
        self.fill("password2", password)
        self.submit("/signup")
        self.expect("Check your mail")
        self.snap("signup-sent")

        self.step("follow the verification link from the mail")
        self.d.get(self.mail_link("verify", before))
        self.snap("verify")
        self.submit("/verify")
        self.expect("Your e-mail address is confirmed")
        self.snap("verified")

        self.step("log in")
        self.open("/login")
        self.fill("username", a.user)
        self.fill("password", password)
        self.snap("login")
        self.submit("/login")
        self.expect("Your names")
        self.snap("overview-empty")

        self.step("add a host")
        self.fill("label", host_label)
        Select(self.find(By.ID, "zone")).select_by_visible_text(a.zone)
        self.submit("/hosts/add")
        self.expect("The host was added")
        self.snap("host-added")

        self.step("create a token limited to the host")
        self.open("/tokens")
        self.fill("token-name", "router")
        Select(self.find(By.ID, "token-host")).select_by_visible_text(host)
        self.submit_form_with_button("Create update token")
        token = self.find(By.ID, "new-secret").text.strip()
        if not re.fullmatch(r"[a-z2-7]{32}", token):
            raise AssertionError("no token shown: %r" % token)
        self.snap("token-created")
        self.open("/tokens")
        if token in self.d.page_source:
            raise AssertionError("the token is shown again on a later page load")

        self.step("update with curl using the token")
        out = subprocess.run(
            ["curl", "-fsS", "-A", "browser-walk-curl/1.0", "-u", "%s:%s" % (a.user, token),
             "%s/nic/update?hostname=%s&myip=%s" % (a.base, host, address)],
            capture_output=True, text=True, timeout=30)
        if out.stdout.strip() != "good " + address:
            raise AssertionError("curl update answered %r %r" % (out.stdout, out.stderr))

        self.step("the overview and the history show the new address; named answers it")
        self.open("/")
        self.expect(address, "overview")
        self.snap("overview-updated")
        self.fits_a_phone("overview")
        self.open("/host?name=" + host)
        self.expect("browser-walk-curl/1.0", "history")
        self.expect("good", "history")
        self.snap("host-history")
        self.fits_a_phone("host page")
        self.open("/host/help?name=" + host)
        self.expect("FRITZ!Box")
        self.snap("router-help")
        dig = subprocess.run(["dig", "+short", "@127.0.0.1", "-p", a.dns_port, host, "A"],
                             capture_output=True, text=True, timeout=30)
        if dig.stdout.strip() != address:
            raise AssertionError("named answers %r" % dig.stdout)
        self.derived(host, token, address)

        self.step("log out")
        self.find(By.CSS_SELECTOR, 'header form[action$="/logout"] button').click()
        self.expect("You are logged out")
        self.snap("logged-out")
        self.open("/tokens")
        if "/login" not in self.d.current_url:
            raise AssertionError("after logout /tokens did not send us to the login")

        self.step("password reset through the mail")
        self.open("/forgot")
        before = self.mails()
        self.fill("login", a.user)
        self.snap("forgot")
        self.submit("/forgot")
        self.expect("Check your mail")
        self.d.get(self.mail_link("reset", before))
        self.fill("password", new_password)
        self.fill("password2", new_password)
        self.snap("reset")
        self.submit("/reset")
        self.expect("Your password was changed")
        self.snap("reset-done")

        self.step("the old password no longer logs in; the new one does")
        self.open("/login")
        self.fill("username", a.user)
        self.fill("password", password)
        self.submit("/login")
        self.expect("wrong username or password")
        self.fill("username", a.user)
        self.fill("password", new_password)
        self.submit("/login")
        self.expect("Your names")
        self.expect(address, "overview after the reset")
        self.snap("overview-after-reset")
        self.find(By.CSS_SELECTOR, 'header form[action$="/logout"] button').click()
        self.expect("You are logged out")
        self.records()
        print("walk: every step passed")

    def derived(self, router, token, address):
        a = self.a
        nas = "walknas." + a.zone
        self.step("add a second host and make it follow the router's IPv6 prefix")
        self.open("/")
        self.fill("label", "walknas")
        Select(self.find(By.ID, "zone")).select_by_visible_text(a.zone)
        self.submit("/hosts/add")
        self.expect("The host was added")
        Select(self.find(By.ID, "derive_from")).select_by_visible_text(router)
        self.fill("interface_id", "::1:2:3:4")
        self.fill("prefix_length", "56")
        self.submit("/host/derive")
        self.expect("follows its router's IPv6 prefix")
        self.expect("Derived from")
        self.snap("host-derived")
        self.fits_a_phone("derived host page")

        self.step("the router sends a new prefix (the FRITZ!Box request); the derived AAAA follows")
        out = subprocess.run(
            ["curl", "-fsS", "-A", "Fritz!Box DDNS/1.0.1", "-u", "%s:%s" % (a.user, token),
             "%s/nic/update?hostname=%s&myip=%s,2001:db8:77::1&ip6lanprefix=2001:db8:77:100::/56"
             % (a.base, router, address)],
            capture_output=True, text=True, timeout=30)
        if out.stdout.strip() != "good %s,2001:db8:77::1" % address:
            raise AssertionError("the FRITZ!Box update answered %r %r" % (out.stdout, out.stderr))
        self.open("/host?name=" + router)
        self.expect("2001:db8:77:100::/56", "router host page")
        self.expect(nas, "router host page")
        self.fits_a_phone("router host page")
        # The derived host's own history line comes with the update log's next write.
        deadline = time.time() + 10
        while "derived from " + router not in self.body():
            if time.time() > deadline:
                raise AssertionError("no history line for %s:\n%s" % (nas, self.body()))
            self.open("/host?name=" + nas)
            time.sleep(0.2)
        self.expect("2001:db8:77:100:1:2:3:4", "derived host page")
        self.snap("derived-history")

    def records(self):
        a = self.a
        zone = a.domain_zone
        self.step("a domain account opens its zone's records from the overview")
        self.open("/login")
        self.fill("username", a.domain_user)
        self.fill("password", a.domain_password)
        self.submit("/login")
        self.expect("Your zones")
        self.find(By.CSS_SELECTOR, 'a[href$="/records?zone=%s"]' % zone).click()
        self.expect("Add a record")
        self.snap("records-empty")

        self.step("add an A, an MX and a TXT record")
        for name, rtype, pref, data in [("www", "A", "", "192.0.2.88"),
                                        ("shop", "MX", "10", "mx.example.net"),
                                        ("www", "TXT", "", "hello from a browser")]:
            self.fill("record-name", name)
            Select(self.find(By.ID, "record-type")).select_by_visible_text(rtype)
            self.fill("record-preference", pref)
            self.fill("record-data", data)
            self.submit("/records/add")
            self.expect("The record was added in DNS.")
            self.expect(data, "records page")
        self.snap("records-added")
        self.fits_a_phone("records page")

        self.step("remove the A record")
        self.find(By.CSS_SELECTOR, 'button[aria-label="Remove A record www.%s 192.0.2.88"]'
                  % zone).click()
        self.expect("The record was removed from DNS.")
        if "192.0.2.88" in self.body():
            raise AssertionError("the removed record is still listed:\n" + self.body())
        self.expect("hello from a browser", "records page after the removal")
        self.snap("records-removed")

    def submit_form_with_button(self, label):
        for b in self.d.find_elements(By.CSS_SELECTOR, "button[type=submit]"):
            if b.text.strip() == label:
                b.click()
                return
        raise AssertionError("no button %r" % label)

    def close(self):
        self.d.quit()


def main():
    a = args()
    os.makedirs(a.out, exist_ok=True)
    w = Walk(a)
    try:
        w.run()
        return 0
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        print("walk: FAILED: %s" % e, flush=True)
        try:
            w.snap("failure")
        except Exception:  # noqa: BLE001
            pass
        return 1
    finally:
        w.close()


if __name__ == "__main__":
    sys.exit(main())
