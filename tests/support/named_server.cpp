#include "named_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace ddns::test {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSbinDirs = {"/usr/sbin", "/usr/local/sbin", "/sbin"};

std::string require_program(const std::string& name) {
    auto path = find_program(name, kSbinDirs);
    if (path.empty())
        throw std::runtime_error(name + " not found (install bind9 and bind9-dnsutils)");
    return path;
}

std::string zone_file_text(const std::string& zone) {
    std::ostringstream out;
    out << "$TTL 300\n"
        << "@ IN SOA ns." << zone << ". hostmaster." << zone << ". 1 3600 600 86400 300\n"
        << "@ IN NS ns." << zone << ".\n"
        << "ns IN A 127.0.0.1\n";
    return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

}  // namespace

NamedServer::NamedServer(NamedServerOptions options)
    : options_(std::move(options)),
      dir_("ddns-named"),
      port_(free_port()),
      named_(require_program("named")),
      dig_(require_program("dig")),
      conf_(dir_.path() / "named.conf") {}

NamedServer::~NamedServer() {
    stop();
}

fs::path NamedServer::key_file() const {
    return dir_.path() / (options_.key_name + ".key");
}
fs::path NamedServer::ungranted_key_file() const {
    return dir_.path() / (options_.ungranted_key_name + ".key");
}
fs::path NamedServer::second_key_file() const {
    return dir_.path() / (options_.second_key_name + ".key");
}

std::unique_ptr<NamedServer> NamedServer::start(NamedServerOptions options) {
    std::unique_ptr<NamedServer> server(new NamedServer(std::move(options)));
    const auto& dir = server->dir_.path();
    const auto tsig_keygen = require_program("tsig-keygen");

    auto keygen = [&](const std::string& algorithm, const std::string& name, const fs::path& to) {
        const auto r = run_command({tsig_keygen, "-a", algorithm, name});
        if (r.exit_code != 0) throw std::runtime_error("tsig-keygen failed:\n" + r.output);
        write_file(to, r.output);
    };
    keygen(server->options_.key_algorithm, server->options_.key_name, server->key_file());
    keygen("hmac-sha256", server->options_.ungranted_key_name, server->ungranted_key_file());
    const std::string& second = server->options_.second_key_name;
    if (!second.empty()) keygen("hmac-sha512", second, server->second_key_file());

    const std::string d = dir.string();
    std::ostringstream conf;
    conf << "options {\n"
         << "  directory \"" << d << "\";\n"
         << "  pid-file \"" << d << "/named.pid\";\n"
         << "  lock-file \"" << d << "/named.lock\";\n"
         << "  session-keyfile \"" << d << "/session.key\";\n"
         << "  managed-keys-directory \"" << d << "\";\n"
         << "  listen-on port " << server->port_ << " { 127.0.0.1; };\n"
         << "  listen-on-v6 { none; };\n"
         << "  recursion no;\n"
         << "  dnssec-validation no;\n"
         << "  notify no;\n"
         << "};\n"
         << "controls { };\n"
         << "include \"" << server->key_file().string() << "\";\n"
         << "include \"" << server->ungranted_key_file().string() << "\";\n";
    if (!second.empty()) conf << "include \"" << server->second_key_file().string() << "\";\n";
    for (const auto& zone : server->options_.zones) {
        const auto file = dir / (zone + ".db");
        write_file(file, zone_file_text(zone));
        conf << "zone \"" << zone << "\" {\n"
             << "  type primary;\n"
             << "  file \"" << file.string() << "\";\n"
             << "  update-policy { grant " << server->options_.key_name << " zonesub ANY; ";
        if (!second.empty()) conf << "grant " << second << " zonesub ANY; ";
        // The reconciler reads whole zones by AXFR, signed with the zone's key.
        conf << "};\n"
             << "  allow-transfer { key " << server->options_.key_name << "; ";
        if (!second.empty()) conf << "key " << second << "; ";
        conf << "};\n"
             << "};\n";
    }
    write_file(server->conf_, conf.str());

    const auto check = run_command({require_program("named-checkconf"), "-z", server->conf_});
    if (check.exit_code != 0) {
        throw std::runtime_error("named-checkconf failed:\n" + check.output + "\n" + conf.str());
    }
    server->launch();
    return server;
}

void NamedServer::launch() {
    // named runs as root without -u; as another user it runs as that user. Both work on a high
    // port inside the temp directory.
    const auto log_path = dir_.path() / ("named-" + std::to_string(++launches_) + ".log");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{named_, "-g", "-c", conf_.string()}, log_path);
    const bool ready = wait_until(
        [&] {
            if (!process_->running()) return true;  // stop waiting; reported below
            return std::all_of(options_.zones.begin(), options_.zones.end(),
                               [&](const std::string& z) { return soa_serial(z).has_value(); });
        },
        std::chrono::seconds(30), std::chrono::milliseconds(50));
    if (!process_->running() || !ready) {
        const auto text = log();
        process_->stop();
        throw std::runtime_error("named did not become ready:\n" + text);
    }
}

std::vector<std::string> NamedServer::query(const std::string& name,
                                            const std::string& type) const {
    const auto r = run_command({dig_, "+short", "+norec", "+time=2", "+tries=1", "@127.0.0.1", "-p",
                                std::to_string(port_), name, type},
                               std::chrono::seconds(10));
    if (r.exit_code != 0) return {};
    auto lines = lines_of(r.output);
    // dig prints ";; ..." diagnostics on failures even with +short.
    lines.erase(std::remove_if(lines.begin(), lines.end(),
                               [](const std::string& l) { return l.starts_with(";"); }),
                lines.end());
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::optional<std::uint32_t> NamedServer::soa_serial(const std::string& zone) const {
    const auto answer = query(zone, "SOA");
    if (answer.size() != 1) return std::nullopt;
    std::istringstream in(answer.front());
    std::string mname, rname, serial;
    if (!(in >> mname >> rname >> serial)) return std::nullopt;
    std::uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(serial.data(), serial.data() + serial.size(), value);
    if (ec != std::errc{} || ptr != serial.data() + serial.size()) return std::nullopt;
    return value;
}

bool NamedServer::running() {
    return process_ && process_->running();
}

void NamedServer::stop() {
    if (process_ && process_->running()) process_->stop();
}

void NamedServer::start_again() {
    stop();
    launch();
}

std::string NamedServer::log() const {
    std::string out;
    for (int i = 1; i <= launches_; ++i) {
        const auto path = dir_.path() / ("named-" + std::to_string(i) + ".log");
        if (fs::exists(path))
            out += "--- named run " + std::to_string(i) + " ---\n" + read_file(path);
    }
    return out;
}

}  // namespace ddns::test
