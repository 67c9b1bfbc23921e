#include "ddns/auth/notice.hpp"

#include <sodium.h>

#include <array>
#include <string>

#include "sodium_init.hpp"

namespace ddns::auth {
namespace {

constexpr std::array<std::string_view, 4> kKindWords = {"offline", "failing", "address", "expiry"};

}  // namespace

std::string_view to_string(NoticeKind kind) noexcept {
    return kKindWords[static_cast<std::size_t>(kind)];
}

std::optional<NoticeKind> notice_kind_from(std::string_view word) noexcept {
    for (std::size_t i = 0; i < kKindWords.size(); ++i)
        if (kKindWords[i] == word) return static_cast<NoticeKind>(i);
    return std::nullopt;
}

std::optional<std::vector<NoticeKind>> parse_notice_kinds(std::string_view list) {
    std::array<bool, kKindWords.size()> wanted{};
    bool any = false;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view word = list.substr(0, comma);
        while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
        while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
        if (!word.empty()) {  // "a, ,b" is a and b, as in every list of the configuration
            const auto kind = notice_kind_from(word);
            if (!kind) return std::nullopt;
            wanted[static_cast<std::size_t>(*kind)] = any = true;
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (!any) return std::nullopt;
    std::vector<NoticeKind> kinds;
    for (std::size_t i = 0; i < wanted.size(); ++i)
        if (wanted[i]) kinds.push_back(static_cast<NoticeKind>(i));
    return kinds;
}

std::string format_notice_kinds(const std::vector<NoticeKind>& kinds) {
    std::string out;
    for (const NoticeKind k : kinds) out += (out.empty() ? "" : ",") + std::string(to_string(k));
    return out;
}

std::string_view to_string(NoticeEvent event) noexcept {
    switch (event) {
        case NoticeEvent::HostOffline:
            return "host.offline";
        case NoticeEvent::HostOnline:
            return "host.online";
        case NoticeEvent::HostFailing:
            return "host.failing";
        case NoticeEvent::HostOverBudget:
            return "host.over_budget";
        case NoticeEvent::AddressChanged:
            return "host.address_changed";
        case NoticeEvent::AccountExpiring:
            return "account.expiring";
    }
    return "?";
}

NoticeKind kind_of(NoticeEvent event) noexcept {
    switch (event) {
        case NoticeEvent::HostOffline:
        case NoticeEvent::HostOnline:
            return NoticeKind::Offline;
        case NoticeEvent::HostFailing:
        case NoticeEvent::HostOverBudget:
            return NoticeKind::Failing;
        case NoticeEvent::AddressChanged:
            return NoticeKind::Address;
        case NoticeEvent::AccountExpiring:
            return NoticeKind::Expiry;
    }
    return NoticeKind::Offline;
}

std::string_view to_string(NoticeCondition condition) noexcept {
    switch (condition) {
        case NoticeCondition::Offline:
            return "offline";
        case NoticeCondition::Failing:
            return "failing";
        case NoticeCondition::Budget:
            return "budget";
        case NoticeCondition::Address:
            return "address";
        case NoticeCondition::Expiry:
            return "expiry";
    }
    return "?";
}

std::optional<NoticeEvent> notice_transition(NoticeCondition condition,
                                             const std::optional<std::string>& previous,
                                             const std::string& value) {
    if (condition == NoticeCondition::Address) {
        // The first addresses seen are the baseline; a host without addresses changes nothing.
        if (!previous || value.empty() || *previous == value || previous->empty())
            return std::nullopt;
        return NoticeEvent::AddressChanged;
    }
    const std::string before = previous.value_or("");
    if (before == value) return std::nullopt;
    switch (condition) {
        case NoticeCondition::Offline:
            return value.empty() ? NoticeEvent::HostOnline : NoticeEvent::HostOffline;
        case NoticeCondition::Failing:
            if (!value.empty()) return NoticeEvent::HostFailing;
            break;
        case NoticeCondition::Budget:
            if (!value.empty()) return NoticeEvent::HostOverBudget;
            break;
        case NoticeCondition::Expiry:
            if (!value.empty()) return NoticeEvent::AccountExpiring;
            break;
        case NoticeCondition::Address:
            break;
    }
    return std::nullopt;
}

bool notice_due(const std::optional<TimePoint>& last_sent, TimePoint now,
                std::chrono::seconds period) noexcept {
    return !last_sent || now - *last_sent >= period;
}

std::string random_notice_id() {
    detail::ensure_sodium();
    std::array<unsigned char, 16> raw{};
    ::randombytes_buf(raw.data(), raw.size());
    std::array<char, 33> hex{};
    ::sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
    return std::string(hex.data(), 32);
}

Secret generate_webhook_secret() {
    detail::ensure_sodium();
    std::array<unsigned char, 32> raw{};
    ::randombytes_buf(raw.data(), raw.size());
    std::array<char, sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)>
        text{};
    ::sodium_bin2base64(text.data(), text.size(), raw.data(), raw.size(),
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    ::sodium_memzero(raw.data(), raw.size());
    std::string value = "whsec_";
    value += text.data();
    ::sodium_memzero(text.data(), text.size());
    Secret secret{std::string_view(value)};
    ::sodium_memzero(value.data(), value.size());
    return secret;
}

std::string webhook_signature(const Secret& secret, std::int64_t unix_time, std::string_view body) {
    detail::ensure_sodium();
    const std::string stamp = std::to_string(unix_time);
    const auto key = secret.expose_bytes();
    crypto_auth_hmacsha256_state state;
    ::crypto_auth_hmacsha256_init(&state, key.data(), key.size());
    ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(stamp.data()),
                                    stamp.size());
    ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>("."), 1);
    ::crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                    body.size());
    std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
    ::crypto_auth_hmacsha256_final(&state, mac.data());
    std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
    ::sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    return "t=" + stamp + ",v1=" + std::string(hex.data(), hex.size() - 1);
}

}  // namespace ddns::auth
