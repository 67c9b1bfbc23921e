// UpdateClient: encode + sign, send over UDP (TCP when large or truncated), verify the reply.
#include "ddns/nsupdate/update_client.hpp"

#include <charconv>

#include "message_id.hpp"
#include "transport.hpp"
#include "tsig.hpp"
#include "update_encoding.hpp"

namespace ddns {
namespace {

constexpr std::size_t kMaxUdpRequest = 512;
constexpr std::uint16_t kFlagTc = 0x0200;

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string ServerEndpoint::to_string() const {
    const auto host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(port);
}

std::optional<ServerEndpoint> parse_server_endpoint(std::string_view text) {
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        auto address = IpAddress::parse(text.substr(1, close - 1));
        if (!address || !address->is_v6()) return std::nullopt;
        const auto rest = text.substr(close + 1);
        if (rest.empty()) return ServerEndpoint{*address, 53};
        if (rest.front() != ':') return std::nullopt;
        const auto port = parse_port(rest.substr(1));
        if (!port) return std::nullopt;
        return ServerEndpoint{*address, *port};
    }
    if (auto bare = IpAddress::parse(text)) return ServerEndpoint{*bare, 53};
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto address = IpAddress::parse(text.substr(0, colon));
    const auto port = parse_port(text.substr(colon + 1));
    if (!address || !address->is_v4() || !port) return std::nullopt;
    return ServerEndpoint{*address, *port};
}

std::string_view to_string(UpdateStatus status) noexcept {
    switch (status) {
        case UpdateStatus::Success:
            return "success";
        case UpdateStatus::FormErr:
            return "formerr";
        case UpdateStatus::ServFail:
            return "servfail";
        case UpdateStatus::NxDomain:
            return "nxdomain";
        case UpdateStatus::NotImp:
            return "notimp";
        case UpdateStatus::Refused:
            return "refused";
        case UpdateStatus::YxDomain:
            return "yxdomain";
        case UpdateStatus::YxRrset:
            return "yxrrset";
        case UpdateStatus::NxRrset:
            return "nxrrset";
        case UpdateStatus::NotAuth:
            return "notauth";
        case UpdateStatus::NotZone:
            return "notzone";
        case UpdateStatus::BadSig:
            return "badsig";
        case UpdateStatus::BadKey:
            return "badkey";
        case UpdateStatus::BadTime:
            return "badtime";
        case UpdateStatus::Timeout:
            return "timeout";
        case UpdateStatus::NetworkError:
            return "network-error";
        case UpdateStatus::BadReply:
            return "bad-reply";
        case UpdateStatus::EncodeError:
            return "encode-error";
    }
    return "unknown";
}

UpdateClient::UpdateClient(UpdateClientOptions options) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = detail::system_seconds;
    if (options_.udp_attempts < 1) options_.udp_attempts = 1;
}

// Stateless apart from the immutable options: safe to call from many threads at once.
UpdateResult UpdateClient::send(const UpdateRequest& request, const TsigKey& key,
                                const ServerEndpoint& server) {
    const std::uint16_t id = detail::random_id();
    auto message =
        detail::encode_and_sign_update(request, key, id, options_.clock(), options_.fudge);
    if (!message) return {UpdateStatus::EncodeError, message.error()};
    const auto& wire = message->wire;

    detail::Exchange exchange;
    bool use_tcp = wire.size() > kMaxUdpRequest;
    if (!use_tcp) {
        for (int attempt = 0; attempt < options_.udp_attempts; ++attempt) {
            exchange = detail::udp_exchange(server, wire, id, options_.timeout);
            if (exchange.replied || exchange.status != UpdateStatus::Timeout) break;
        }
        if (!exchange.replied) {
            return {exchange.status, exchange.detail + " (server " + server.to_string() + ")"};
        }
        if (exchange.reply.size() >= 4 &&
            ((exchange.reply[2] << 8 | exchange.reply[3]) & kFlagTc) != 0) {
            use_tcp = true;
        }
    }
    if (use_tcp) {
        exchange = detail::tcp_exchange(server, wire, options_.timeout);
        if (!exchange.replied) {
            return {exchange.status, exchange.detail + " (server " + server.to_string() + ")"};
        }
    }
    return detail::classify_reply(message->mac, id, exchange.reply, key, options_.clock());
}

}  // namespace ddns
