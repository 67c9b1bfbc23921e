// A complete gateway for integration and client-compatibility tests: a real PostgreSQL, a real
// named with TSIG-protected zones, and the real ddns-gateway binary (migrate, admin, serve) on
// free loopback ports. Also a raw HTTP client, so tests can check framing byte by byte.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "named_server.hpp"
#include "postgres_server.hpp"
#include "test_support.hpp"

namespace ddns::test {

struct HttpReply {
    std::string raw;          // every byte received
    std::string status_line;  // "HTTP/1.1 200 OK"
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string head;  // status line and headers, as received
    std::string body;
    std::string error;  // why no reply came (curl's message for HTTPS), empty otherwise
    std::optional<std::string> header(const std::string& name) const;  // case-insensitive
};

// Sends `request` verbatim to 127.0.0.1:port and reads until the server closes (or timeout).
// `source` picks the local address (any 127.0.0.0/8 address works on Linux), so tests can act as
// a trusted proxy or an untrusted client.
HttpReply http_exchange(std::uint16_t port, const std::string& request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(15),
                        const std::string& source = "127.0.0.1");
std::string base64(const std::string& text);
// The value of the unlabelled sample `name` (e.g. "ddns_reconcile_passes_total") in the /metrics
// of the gateway on 127.0.0.1:port, or nullopt when /metrics has no such line.
std::optional<double> metric_sample(std::uint16_t port, const std::string& name);

// A self-signed certificate for IP:127.0.0.1 and DNS:localhost and its unencrypted key, made with
// the openssl CLI as `<stem>.crt` and `<stem>.key` in `dir`. The certificate is its own CA.
struct TlsFiles {
    std::filesystem::path certificate;
    std::filesystem::path private_key;
};
TlsFiles make_self_signed_certificate(const std::filesystem::path& dir,
                                      const std::string& stem = "gateway");

// GET https://127.0.0.1:port<target> with the curl CLI over HTTP/1.1, trusting only `ca_file`,
// with the same headers `GatewayStack::get` sends. `curl_args` go to curl before the URL. When
// curl gets no HTTP answer, status is 0 and `error` holds curl's message.
HttpReply https_exchange(std::uint16_t port, const std::filesystem::path& ca_file,
                         const std::string& target,
                         const std::optional<std::pair<std::string, std::string>>& credentials,
                         const std::vector<std::string>& extra_headers,
                         const std::string& source = "127.0.0.1",
                         const std::vector<std::string>& curl_args = {});

struct GatewayStackOptions {
    std::vector<std::string> zones = {"example.test"};  // served by named and added to the gateway
    std::vector<std::string> unregistered_zones;        // served by named only
    std::string extra_config;  // appended to the generated configuration file
    // Fast argon2 for tests; production keeps the interactive defaults.
    std::string argon2_config = "auth.argon2_opslimit = 1\nauth.argon2_memlimit_kib = 8\n";
    std::size_t http_listeners = 1;   // plain HTTP ports in http.listen (see http_ports())
    std::string log_level = "debug";  // benchmarks log less
    int database_pool_size = 4;
    // Also serve HTTPS on a port of its own, with a certificate made at test time (https_get).
    bool tls = false;
    // More PostgreSQL settings (`name=value`), e.g. a benchmark loading pg_stat_statements.
    std::vector<std::string> postgres_settings;
    std::string gateway_binary;  // another build's program (empty: gateway_binary())
};

class GatewayStack {
public:
    explicit GatewayStack(GatewayStackOptions options = {});
    ~GatewayStack();
    GatewayStack(const GatewayStack&) = delete;
    GatewayStack& operator=(const GatewayStack&) = delete;

    NamedServer& named() { return *named_; }
    PostgresServer& postgres() { return *postgres_; }
    std::uint16_t http_port() const { return http_port_; }
    // Every plain HTTP port, http_port() first (options.http_listeners of them).
    std::vector<std::uint16_t> http_ports() const;
    // With options.tls: the HTTPS port, the certificate to trust (it is its own CA) and its key.
    std::uint16_t https_port() const { return https_port_; }
    const std::filesystem::path& ca_file() const { return tls_files_.certificate; }
    const TlsFiles& tls_files() const { return tls_files_; }
    const std::filesystem::path& config_path() const { return config_path_; }
    const std::string& conninfo() const { return conninfo_; }

    // Runs `ddns-gateway admin --config CONF args...` with `input` on stdin.
    CommandResult admin(const std::vector<std::string>& args, const std::string& input = {});
    // Shorthands that fail the current test when the command fails.
    void add_account(const std::string& user, const std::string& password,
                     const std::string& plan = "free");
    void add_host(const std::string& fqdn, const std::string& user);
    std::string add_token(const std::string& user, const std::string& host = {});

    // GET `target` over HTTP/1.1 with Connection: close, optional Basic credentials.
    HttpReply get(const std::string& target,
                  const std::optional<std::pair<std::string, std::string>>& credentials = {},
                  const std::vector<std::string>& extra_headers = {"User-Agent: ddns-test/1.0"},
                  const std::string& source = "127.0.0.1");
    // The same request as get(), over HTTPS (options.tls) with curl; see https_exchange.
    HttpReply https_get(
        const std::string& target,
        const std::optional<std::pair<std::string, std::string>>& credentials = {},
        const std::vector<std::string>& extra_headers = {"User-Agent: ddns-test/1.0"},
        const std::string& source = "127.0.0.1");
    // Sends raw bytes to the gateway.
    HttpReply raw(const std::string& request, const std::string& source = "127.0.0.1");

    // Runs one SQL statement with psql and returns its unaligned, tuples-only output.
    std::string sql(const std::string& statement);

    void stop_gateway();
    void start_gateway();
    // SIGKILL: no shutdown at all, as in a crash or an OOM kill.
    void kill_gateway();
    // Sends `signal` (SIGHUP, ...) to the running gateway.
    void signal_gateway(int signal);
    std::string gateway_log() const;
    // The running gateway's process id (-1 when stopped), e.g. to read /proc/PID/status.
    pid_t gateway_pid() const;
    // Everything a failing test should print: gateway, named and PostgreSQL logs.
    std::string logs() const;

private:
    std::string binary() const;  // options_.gateway_binary, else gateway_binary()

    GatewayStackOptions options_;
    TempDir dir_{"ddns-stack"};
    std::unique_ptr<PostgresServer> postgres_;
    std::unique_ptr<NamedServer> named_;
    std::string conninfo_;
    std::uint16_t http_port_ = 0;
    std::vector<std::uint16_t> more_http_ports_;  // options.http_listeners beyond the first
    std::uint16_t https_port_ = 0;
    TlsFiles tls_files_;
    std::filesystem::path config_path_;
    std::unique_ptr<ChildProcess> gateway_;
};

// Path of the ddns-gateway binary under test.
std::string gateway_binary();

}  // namespace ddns::test
