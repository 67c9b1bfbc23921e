#include "dns_load.hpp"

#include <atomic>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "ddns/nsupdate/dns_name.hpp"
#include "ddns/nsupdate/record.hpp"
#include "test_support.hpp"

namespace ddns::bench {
namespace {

TsigKey load_key(const std::filesystem::path& key_file) {
    auto key = parse_tsig_key_file(ddns::test::read_file(key_file));
    if (!key) throw std::runtime_error("cannot read the TSIG key file: " + key.error());
    return std::move(*key);
}

DnsName name_of(const std::string& text) {
    auto name = DnsName::parse(text);
    if (!name) throw std::runtime_error("bad DNS name " + text);
    return *name;
}

}  // namespace

DnsLoad::DnsLoad(std::uint16_t port, const std::filesystem::path& key_file)
    : port_(port), key_file_(key_file), key_(load_key(key_file)) {
    server_.address = *IpAddress::parse("127.0.0.1");
    server_.port = port;
}

bool DnsLoad::change(const std::string& zone, const std::string& name, const std::string& address) {
    UpdateRequest request{name_of(zone), {}, {}};
    const auto owner = name_of(name);
    request.operations.push_back(DeleteRRset{owner, RecordType::A});
    request.operations.push_back(
        AddRecord{ResourceRecord::address(owner, 60, *IpAddress::parse(address))});
    UpdateClient client;
    return client.send(request, key_, server_).ok();
}

std::size_t DnsLoad::add_all(const std::string& zone,
                             const std::vector<std::pair<std::string, std::string>>& records,
                             std::size_t per_message, int threads) {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            UpdateClientOptions options;
            options.timeout = std::chrono::seconds(20);
            UpdateClient client(options);
            for (std::size_t first = next.fetch_add(per_message); first < records.size();
                 first = next.fetch_add(per_message)) {
                UpdateRequest request{name_of(zone), {}, {}};
                for (std::size_t i = first; i < records.size() && i < first + per_message; ++i)
                    request.operations.push_back(AddRecord{ResourceRecord::address(
                        name_of(records[i].first), 60, *IpAddress::parse(records[i].second))});
                if (!client.send(request, key_, server_).ok()) ++failed;
            }
        });
    }
    for (auto& w : workers) w.join();
    return failed;
}

long DnsLoad::count_a(const std::string& zone) const {
    const auto r = ddns::test::run_command(
        {ddns::test::find_program("dig", {"/usr/bin", "/usr/sbin"}), "-p", std::to_string(port_),
         "@127.0.0.1", "-k", key_file_.string(), zone, "AXFR", "+noall", "+answer"},
        std::chrono::seconds(120));
    if (r.exit_code != 0 || r.output.find("Transfer failed") != std::string::npos) return -1;
    long count = 0;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
        std::istringstream fields(line);
        std::string owner, ttl, klass, type;
        if (fields >> owner >> ttl >> klass >> type && type == "A") ++count;
    }
    return count;
}

}  // namespace ddns::bench
