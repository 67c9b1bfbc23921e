// Test doubles for auth: an in-memory account store that counts lookups, a password hasher that
// counts argon2 runs, clocks the test moves by hand, and cheap argon2 parameters.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddns/auth/model.hpp"
#include "ddns/auth/password.hpp"
#include "ddns/auth/store.hpp"

namespace ddns::auth::test {

// libsodium's argon2id minimum: keeps each hash/verify well under a millisecond.
inline Argon2Params fast_params() {
    return Argon2Params{1, 8 * 1024};
}

class FakeAccountStore final : public AccountStore {
public:
    // The principal returned for `username`; its token is returned only for `token_digest`.
    void add(Account account, std::optional<std::pair<std::string, TokenMatch>> token = {}) {
        const std::string name = account.username;
        entries_[name] = Entry{std::move(account), std::move(token), {}};
    }
    Account& account(const std::string& username) { return entries_.at(username).account; }
    // A host of `username`'s account, returned with its principal and found by name.
    void add_host(const std::string& username, Host host) {
        entries_.at(username).hosts.push_back(std::move(host));
    }
    void remove_hosts(const std::string& username) { entries_.at(username).hosts.clear(); }

    std::optional<Principal> load_principal(std::string_view username,
                                            std::string_view token_digest) override {
        ++calls;
        last_digest = std::string(token_digest);
        auto it = entries_.find(std::string(username));
        if (it == entries_.end()) return std::nullopt;
        Principal p{it->second.account, it->second.hosts, std::nullopt, {}};
        if (it->second.token && it->second.token->first == token_digest) {
            p.token = it->second.token->second;
        }
        return p;
    }

    std::optional<std::string> find_host_owner(const DnsName& name) override {
        ++host_lookups;
        for (const auto& [username, entry] : entries_)
            for (const auto& host : entry.hosts)
                if (host.name == name) return owner_override.value_or(username);
        return std::nullopt;
    }

    int calls = 0;
    int host_lookups = 0;
    std::string last_digest;
    // When set, find_host_owner answers this username instead of the real owner (a host that
    // changed hands between the two lookups).
    std::optional<std::string> owner_override;

private:
    struct Entry {
        Account account;
        std::optional<std::pair<std::string, TokenMatch>> token;
        std::vector<Host> hosts;
    };
    std::map<std::string, Entry> entries_;
};

class CountingHasher final : public PasswordHasher {
public:
    CountingHasher() : PasswordHasher(fast_params()) {}
    bool verify(std::string_view encoded_hash, const Secret& password) const override {
        ++verifications;
        return PasswordHasher::verify(encoded_hash, password);
    }
    mutable std::atomic<int> verifications{0};
};

struct FakeClock {
    TimePoint now = TimePoint{} + std::chrono::hours(24 * 365 * 50);
    auto function() {
        return [this] { return now; };
    }
};

// The throttle measures durations on a steady clock; this one starts well after its epoch, like
// a machine that has been up for a while.
struct FakeSteadyClock {
    std::chrono::steady_clock::time_point now =
        std::chrono::steady_clock::time_point{} + std::chrono::hours(24 * 100);
    auto function() {
        return [this] { return now; };
    }
};

}  // namespace ddns::auth::test
