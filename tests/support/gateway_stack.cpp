#include "gateway_stack.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "ddns/nsupdate/secret.hpp"
#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns::test {
namespace {

bool iequals(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

HttpReply parse_reply(std::string raw) {
    HttpReply reply;
    reply.raw = std::move(raw);
    const auto end = reply.raw.find("\r\n\r\n");
    if (end == std::string::npos) return reply;
    reply.head = reply.raw.substr(0, end + 2);
    reply.body = reply.raw.substr(end + 4);
    std::size_t pos = reply.head.find("\r\n");
    reply.status_line = reply.head.substr(0, pos);
    const auto sp = reply.status_line.find(' ');
    if (sp != std::string::npos) reply.status = std::atoi(reply.status_line.c_str() + sp + 1);
    pos += 2;
    while (pos < reply.head.size()) {
        const auto eol = reply.head.find("\r\n", pos);
        const std::string line = reply.head.substr(pos, eol - pos);
        const auto colon = line.find(':');
        if (colon != std::string::npos) {
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(value.begin());
            reply.headers.emplace_back(line.substr(0, colon), value);
        }
        pos = eol + 2;
    }
    return reply;
}

}  // namespace

std::optional<std::string> HttpReply::header(const std::string& name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

HttpReply http_exchange(std::uint16_t port, const std::string& request,
                        std::chrono::milliseconds timeout, const std::string& source) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind source address " + source);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return {};
    }
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[8192];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return parse_reply(std::move(raw));
}

std::optional<double> metric_sample(std::uint16_t port, const std::string& name) {
    std::istringstream lines(http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n").body);
    const std::string sample = name + " ";
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with(sample)) return std::stod(line.substr(sample.size()));
    return std::nullopt;
}

std::string base64(const std::string& text) {
    return encode_base64(Secret(text));
}

TlsFiles make_self_signed_certificate(const std::filesystem::path& dir, const std::string& stem) {
    TlsFiles files{dir / (stem + ".crt"), dir / (stem + ".key")};
    // An EC P-256 key: made in milliseconds, and every TLS 1.2 client speaks ECDSA.
    const auto made =
        run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.private_key.string(),
                     "-out", files.certificate.string(), "-days", "2", "-subj", "/CN=localhost",
                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.output);
    return files;
}

HttpReply https_exchange(std::uint16_t port, const std::filesystem::path& ca_file,
                         const std::string& target,
                         const std::optional<std::pair<std::string, std::string>>& credentials,
                         const std::vector<std::string>& extra_headers, const std::string& source,
                         const std::vector<std::string>& curl_args) {
    TempDir scratch("ddns-curl");
    const auto reply_file = scratch.path() / "reply";
    // --include writes the status line and headers as received, so parse_reply reads them like
    // a raw reply. --globoff and --path-as-is send the target exactly as the test wrote it.
    std::vector<std::string> argv{"curl", "--silent", "--show-error", "--include", "--http1.1",
                                  "--globoff", "--path-as-is", "--max-time", "15", "--cacert",
                                  ca_file.string(), "--interface", source, "--output",
                                  reply_file.string(),
                                  // The request get() sends: no Accept, Connection: close.
                                  "-H", "Accept:", "-H", "Connection: close"};
    const bool sets_agent = std::any_of(
        extra_headers.begin(), extra_headers.end(),
        [](const std::string& h) { return iequals(h.substr(0, h.find(':')), "User-Agent"); });
    if (!sets_agent) argv.insert(argv.end(), {"-H", "User-Agent:"});  // curl's own, removed
    if (credentials)
        argv.insert(argv.end(), {"-H", "Authorization: Basic " +
                                           base64(credentials->first + ":" + credentials->second)});
    for (const auto& h : extra_headers) argv.insert(argv.end(), {"-H", h});
    argv.insert(argv.end(), curl_args.begin(), curl_args.end());
    argv.push_back("https://127.0.0.1:" + std::to_string(port) + target);
    const auto result = run_command(argv, std::chrono::seconds(20));
    HttpReply reply = parse_reply(read_file(reply_file));
    if (result.exit_code != 0)
        reply.error = "curl exit " + std::to_string(result.exit_code) + ": " + result.output;
    return reply;
}

std::string gateway_binary() {
    return DDNS_GATEWAY_BINARY;
}

std::string GatewayStack::binary() const {
    return options_.gateway_binary.empty() ? gateway_binary() : options_.gateway_binary;
}

GatewayStack::GatewayStack(GatewayStackOptions options) : options_(std::move(options)) {
    postgres_ = std::make_unique<PostgresServer>(options_.postgres_settings);
    conninfo_ = postgres_->create_database("ddns");
    NamedServerOptions named_options;
    named_options.zones = options_.zones;
    named_options.zones.insert(named_options.zones.end(), options_.unregistered_zones.begin(),
                               options_.unregistered_zones.end());
    named_ = NamedServer::start(named_options);
    http_port_ = free_port();
    std::string listen = "127.0.0.1:" + std::to_string(http_port_);
    for (std::size_t i = 1; i < options_.http_listeners; ++i) {
        more_http_ports_.push_back(free_port());
        listen += ", 127.0.0.1:" + std::to_string(more_http_ports_.back());
    }
    std::string tls_config;
    if (options_.tls) {
        tls_files_ = make_self_signed_certificate(dir_.path());
        https_port_ = free_port();
        tls_config = "https.listen = 127.0.0.1:" + std::to_string(https_port_) +
                     "\ntls.certificate = " + tls_files_.certificate.string() +
                     "\ntls.private_key = " + tls_files_.private_key.string() + "\n";
    }
    config_path_ = dir_.path() / "gateway.conf";
    write_file(config_path_,
               "database.url = " + conninfo_ + "\n" +
                   "database.pool_size = " + std::to_string(options_.database_pool_size) +
                   "\nhttp.listen = " + listen + "\n" + tls_config + options_.argon2_config +
                   "dns.timeout_ms = 500\n"
                   "log.level = " +
                   options_.log_level + "\n" + options_.extra_config);
    const auto migrated = run_command({binary(), "migrate", "--config", config_path_.string()});
    if (migrated.exit_code != 0) throw std::runtime_error("migrate failed: " + migrated.output);
    for (const auto& zone : options_.zones) {
        const auto added =
            admin({"zone", "add", zone, "--server", "127.0.0.1:" + std::to_string(named_->port()),
                   "--key-file", named_->key_file().string(), "--ttl", "60"});
        if (added.exit_code != 0) throw std::runtime_error("zone add failed: " + added.output);
    }
    start_gateway();
}

GatewayStack::~GatewayStack() {
    stop_gateway();
}

void GatewayStack::start_gateway() {
    gateway_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary(), "serve", "--config", config_path_.string()},
        dir_.path() / "gateway.log");
    const bool up =
        wait_until([&] { return get("/healthz").status == 200 || !gateway_->running(); });
    if (!up || !gateway_->running())
        throw std::runtime_error("gateway did not start:\n" + gateway_log());
}

void GatewayStack::stop_gateway() {
    if (gateway_) gateway_->stop();
    gateway_.reset();
}

void GatewayStack::signal_gateway(int signal) {
    if (gateway_) ::kill(gateway_->pid(), signal);
}

void GatewayStack::kill_gateway() {
    if (gateway_) ::kill(gateway_->pid(), SIGKILL);
    stop_gateway();  // reaps it
}

std::string GatewayStack::gateway_log() const {
    return read_file(dir_.path() / "gateway.log");
}

std::string GatewayStack::logs() const {
    return "---- gateway log ----\n" + gateway_log() + "---- named log ----\n" + named_->log() +
           "---- postgres log ----\n" + postgres_->log();
}

CommandResult GatewayStack::admin(const std::vector<std::string>& args, const std::string& input) {
    std::vector<std::string> argv{binary(), "admin", "--config", config_path_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, std::chrono::seconds(30), input);
}

pid_t GatewayStack::gateway_pid() const {
    return gateway_ ? gateway_->pid() : -1;
}

void GatewayStack::add_account(const std::string& user, const std::string& password,
                               const std::string& plan) {
    const auto r = admin({"account", "add", user, "--plan", plan}, password + "\n");
    ASSERT_EQ(r.exit_code, 0) << r.output;
}

void GatewayStack::add_host(const std::string& fqdn, const std::string& user) {
    const auto r = admin({"host", "add", fqdn, "--account", user});
    ASSERT_EQ(r.exit_code, 0) << r.output;
}

std::string GatewayStack::add_token(const std::string& user, const std::string& host) {
    std::vector<std::string> args{"token", "add", user};
    if (!host.empty()) args.insert(args.end(), {"--host", host});
    const auto r = admin(args);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // stdout carries only the token line; stderr's note follows it.
    return r.output.substr(0, r.output.find('\n'));
}

HttpReply GatewayStack::get(const std::string& target,
                            const std::optional<std::pair<std::string, std::string>>& credentials,
                            const std::vector<std::string>& extra_headers,
                            const std::string& source) {
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(http_port_) +
                          "\r\nConnection: close\r\n";
    if (credentials)
        request += "Authorization: Basic " +
                   base64(credentials->first + ":" + credentials->second) + "\r\n";
    for (const auto& h : extra_headers) request += h + "\r\n";
    request += "\r\n";
    return http_exchange(http_port_, request, std::chrono::seconds(15), source);
}

HttpReply GatewayStack::https_get(
    const std::string& target,
    const std::optional<std::pair<std::string, std::string>>& credentials,
    const std::vector<std::string>& extra_headers, const std::string& source) {
    if (!options_.tls) throw std::logic_error("https_get needs GatewayStackOptions::tls");
    return https_exchange(https_port_, ca_file(), target, credentials, extra_headers, source);
}

std::vector<std::uint16_t> GatewayStack::http_ports() const {
    std::vector<std::uint16_t> ports{http_port_};
    ports.insert(ports.end(), more_http_ports_.begin(), more_http_ports_.end());
    return ports;
}

HttpReply GatewayStack::raw(const std::string& request, const std::string& source) {
    return http_exchange(http_port_, request, std::chrono::seconds(15), source);
}

std::string GatewayStack::sql(const std::string& statement) {
    std::string psql = find_program("psql");
    const auto r = run_command(
        {psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo_, "-c", statement});
    if (r.exit_code != 0) throw std::runtime_error("psql failed: " + r.output);
    std::string out = r.output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace ddns::test
