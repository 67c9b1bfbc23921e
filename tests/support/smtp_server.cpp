#include "smtp_server.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "gateway_stack.hpp"

namespace ddns::test {
namespace fs = std::filesystem;
namespace {

// Debian's interpreter first: python3-aiosmtpd is installed for it, not for another python3
// that may come first in PATH.
std::string python() {
    return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string without_cr(const std::string& text) {
    std::string out;
    for (const char c : text)
        if (c != '\r') out += c;
    return out;
}

}  // namespace

std::optional<std::string> ReceivedMail::header(const std::string& name) const {
    std::size_t pos = 0;
    while (pos < headers.size()) {
        std::size_t end = headers.find('\n', pos);
        // Folded continuation lines start with whitespace.
        while (end != std::string::npos && end + 1 < headers.size() &&
               (headers[end + 1] == ' ' || headers[end + 1] == '\t'))
            end = headers.find('\n', end + 1);
        const std::string line =
            headers.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos && iequals(line.substr(0, colon), name)) {
            std::string value;
            for (const char c : line.substr(colon + 1))
                if (c != '\n') value += c;
            const auto first = value.find_first_not_of(" \t");
            return first == std::string::npos ? std::string() : value.substr(first);
        }
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return std::nullopt;
}

std::string decode_quoted_printable(const std::string& text) {
    const std::string in = without_cr(text);
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '=') {
            out += in[i];
        } else if (i + 1 < in.size() && in[i + 1] == '\n') {
            ++i;  // soft line break
        } else if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
            i += 2;
        } else {
            out += in[i];
        }
    }
    return out;
}

ReceivedMail read_received_mail(const fs::path& file) {
    ReceivedMail mail;
    mail.file = file;
    mail.raw = read_file(file);
    const std::string text = without_cr(mail.raw);
    const auto split = text.find("\n\n");
    mail.headers = text.substr(0, split);
    const std::string body = split == std::string::npos ? std::string() : text.substr(split + 2);
    std::size_t pos = 0;
    while (pos < mail.headers.size()) {
        const auto end = mail.headers.find('\n', pos);
        const std::string line = mail.headers.substr(pos, end - pos);
        if (line.rfind("Delivered-To: ", 0) == 0) mail.recipients.push_back(line.substr(14));
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    const auto encoding = mail.header("Content-Transfer-Encoding");
    mail.body =
        encoding && iequals(*encoding, "quoted-printable") ? decode_quoted_printable(body) : body;
    return mail;
}

std::optional<std::string> extract_link(const std::string& body, const std::string& prefix) {
    for (std::size_t pos = 0; pos < body.size();) {
        const auto http = body.find("http", pos);
        if (http == std::string::npos) return std::nullopt;
        const auto end = body.find_first_of(" \t\r\n\"'<>", http);
        const std::string link = body.substr(http, end == std::string::npos ? end : end - http);
        const bool is_link = link.rfind("http://", 0) == 0 || link.rfind("https://", 0) == 0;
        if (is_link && link.rfind(prefix, 0) == 0) return link;
        pos = http + 4;
    }
    return std::nullopt;
}

SmtpTestServer::SmtpTestServer(SmtpTestServerOptions options)
    : options_(std::move(options)), maildir_(dir_.path() / "mail"), port_(free_port()) {
    fs::create_directories(maildir_);
    if (options_.tls != SmtpTestTls::None) {
        const TlsFiles files = make_self_signed_certificate(dir_.path(), "smtp");
        cert_ = files.certificate;
        key_ = files.private_key;
    }
    if (options_.auth)
        write_file(dir_.path() / "auth", options_.auth->first + ":" + options_.auth->second);
    start();
}

SmtpTestServer::~SmtpTestServer() {
    stop();
}

void SmtpTestServer::start() {
    if (process_) return;
    std::vector<std::string> argv = {python(),    DDNS_SMTP_SERVER_SCRIPT,
                                     "--port",    std::to_string(port_),
                                     "--maildir", maildir_.string()};
    if (options_.tls != SmtpTestTls::None) {
        argv.insert(argv.end(),
                    {"--tls", options_.tls == SmtpTestTls::StartTls ? "starttls" : "tls", "--cert",
                     cert_.string(), "--key", key_.string()});
    }
    if (options_.auth) argv.insert(argv.end(), {"--auth-file", (dir_.path() / "auth").string()});
    process_ = std::make_unique<ChildProcess>(argv, dir_.path() / "smtp.log");
    ++starts_;
    const int expected = starts_;
    const bool up = wait_until([&] {
        const std::string text = read_file(dir_.path() / "smtp.log");
        std::size_t count = 0;
        for (auto p = text.find("listening on"); p != std::string::npos;
             p = text.find("listening on", p + 1))
            ++count;
        return static_cast<int>(count) >= expected || !process_->running();
    });
    if (!up || !process_->running() || !tcp_port_open(port_))
        throw std::runtime_error("SMTP test server did not start:\n" + log());
}

void SmtpTestServer::stop() {
    if (!process_) return;
    process_->stop();
    process_.reset();
}

std::vector<ReceivedMail> SmtpTestServer::messages() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(maildir_))
        if (entry.path().extension() == ".eml" && entry.path().filename().string()[0] != '.')
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<ReceivedMail> out;
    for (const auto& f : files) out.push_back(read_received_mail(f));
    return out;
}

std::optional<ReceivedMail> SmtpTestServer::wait_for(const std::string& recipient,
                                                     std::chrono::milliseconds timeout) const {
    std::optional<ReceivedMail> found;
    wait_until(
        [&] {
            for (auto& m : messages())
                if (std::find(m.recipients.begin(), m.recipients.end(), recipient) !=
                    m.recipients.end()) {
                    found = std::move(m);
                    return true;
                }
            return false;
        },
        timeout, std::chrono::milliseconds(50));
    return found;
}

std::string SmtpTestServer::gateway_mail_config(const std::optional<std::string>& password) const {
    const char* tls = options_.tls == SmtpTestTls::None       ? "none"
                      : options_.tls == SmtpTestTls::StartTls ? "starttls"
                                                              : "tls";
    std::string config = "mail.enabled = true\nmail.smtp_host = 127.0.0.1\nmail.smtp_port = " +
                         std::to_string(port_) + "\nmail.tls = " + tls + "\n";
    if (options_.tls != SmtpTestTls::None) config += "mail.ca_file = " + cert_.string() + "\n";
    if (options_.auth) {
        const auto file = dir_.path() / ("gateway-password-" + std::to_string(++password_files_));
        write_file(file, password.value_or(options_.auth->second) + "\n");
        config += "mail.username = " + options_.auth->first +
                  "\nmail.password_file = " + file.string() + "\n";
    }
    return config +
           "mail.from = DDNS Gateway <gateway@example.test>\n"
           "mail.timeout = 5s\nmail.interval = 1s\nmail.retry_initial = 1s\n"
           "mail.retry_max = 2s\n";
}

std::string SmtpTestServer::log() const {
    return read_file(dir_.path() / "smtp.log");
}

}  // namespace ddns::test
