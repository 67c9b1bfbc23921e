// Sending UPDATE messages to an authoritative server and classifying the reply.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ddns/nsupdate/ip_address.hpp"
#include "ddns/nsupdate/tsig_key.hpp"
#include "ddns/nsupdate/update_message.hpp"

namespace ddns {

struct ServerEndpoint {
    IpAddress address;
    std::uint16_t port = 53;
    std::string to_string() const;  // "192.0.2.1:53" / "[2001:db8::1]:53"
    friend bool operator==(const ServerEndpoint&, const ServerEndpoint&) = default;
};
// Parses "HOST:PORT", "[V6]:PORT", or a bare address (port 53). HOST must be an IP literal.
std::optional<ServerEndpoint> parse_server_endpoint(std::string_view text);

enum class UpdateStatus {
    Success,  // NOERROR and the reply's TSIG verified
    FormErr,
    ServFail,
    NxDomain,  // a prerequisite said "name in use" and it was not
    NotImp,
    Refused,  // policy denied, unsigned, bad owner name
    YxDomain,
    YxRrset,
    NxRrset,  // a prerequisite failed
    NotAuth,  // server not authoritative for the zone, or TSIG failed on the server side
    NotZone,
    BadSig,        // NOTAUTH with TSIG error BADSIG
    BadKey,        // NOTAUTH with TSIG error BADKEY
    BadTime,       // NOTAUTH with TSIG error BADTIME
    Timeout,       // no reply in time
    NetworkError,  // could not send / connection refused
    BadReply,      // reply unsigned, TSIG invalid, id or question mismatch, malformed
    EncodeError,   // the request could not be encoded (too large, name outside zone)
};

std::string_view to_string(UpdateStatus status) noexcept;

struct UpdateResult {
    UpdateStatus status = UpdateStatus::NetworkError;
    std::string detail;  // human-readable, for logs; never contains key material
    bool ok() const noexcept { return status == UpdateStatus::Success; }
};

// The DNS transport seam: the gateway talks to this interface; tests may substitute a fake.
class UpdateSender {
public:
    virtual ~UpdateSender() = default;
    virtual UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                              const ServerEndpoint& server) = 0;
};

struct UpdateClientOptions {
    std::chrono::milliseconds timeout{2000};  // per attempt
    int udp_attempts = 2;                     // UDP tries before giving up (TCP is used on TC)
    std::uint16_t fudge = 300;
    // Seconds since the epoch; injected so tests can fix the TSIG time.
    std::function<std::uint64_t()> clock;
};

// Real transport: UDP, falling back to TCP when the reply is truncated or the message is larger
// than 512 octets; verifies the reply's id, opcode and TSIG (also on error replies).
class UpdateClient final : public UpdateSender {
public:
    explicit UpdateClient(UpdateClientOptions options = {});
    UpdateResult send(const UpdateRequest& request, const TsigKey& key,
                      const ServerEndpoint& server) override;

private:
    UpdateClientOptions options_;
};

}  // namespace ddns
