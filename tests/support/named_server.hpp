// A real BIND named for integration tests: primary zones that accept TSIG-signed UPDATEs, on a
// free loopback port in a temp directory, with readiness polling and access to its log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace ddns::test {

struct NamedServerOptions {
    std::vector<std::string> zones = {"example.test"};
    // Algorithm of the key that every zone grants (`grant KEY zonesub ANY`).
    std::string key_algorithm = "hmac-sha256";
    std::string key_name = "ddns-key";
    // A second key that named knows but no zone grants (updates signed with it are REFUSED).
    std::string ungranted_key_name = "other-key";
    // A further key every zone grants as well (empty: none), for key rotation.
    std::string second_key_name;
};

class NamedServer {
public:
    // Writes the configuration, creates the keys with tsig-keygen, checks everything with
    // named-checkconf -z, starts named and waits until every zone's SOA answers. Throws
    // std::runtime_error (with the relevant output) on failure.
    static std::unique_ptr<NamedServer> start(NamedServerOptions options = {});
    ~NamedServer();
    NamedServer(const NamedServer&) = delete;
    NamedServer& operator=(const NamedServer&) = delete;

    std::uint16_t port() const { return port_; }
    const std::filesystem::path& directory() const { return dir_.path(); }
    const std::string& key_name() const { return options_.key_name; }
    const std::string& key_algorithm() const { return options_.key_algorithm; }
    // Key files in tsig-keygen format (readable with ddns::parse_tsig_key_file).
    std::filesystem::path key_file() const;
    std::filesystem::path ungranted_key_file() const;
    std::filesystem::path second_key_file() const;  // with options.second_key_name
    const std::string& ungranted_key_name() const { return options_.ungranted_key_name; }

    // `dig +short` answer for NAME TYPE, sorted; empty when there is none.
    std::vector<std::string> query(const std::string& name, const std::string& type) const;
    // The zone's SOA serial, nullopt when the SOA does not answer.
    std::optional<std::uint32_t> soa_serial(const std::string& zone) const;

    bool running();
    // Stops named (SIGTERM, then SIGKILL). The port stays reserved for start_again().
    void stop();
    // Starts named again with the same configuration and port; waits for readiness.
    void start_again();
    // named's output (-g logs to stderr), for failure messages.
    std::string log() const;

private:
    explicit NamedServer(NamedServerOptions options);
    void launch();

    NamedServerOptions options_;
    TempDir dir_;
    std::uint16_t port_;
    std::string named_;
    std::string dig_;
    std::filesystem::path conf_;
    std::unique_ptr<ChildProcess> process_;
    int launches_ = 0;
};

}  // namespace ddns::test
