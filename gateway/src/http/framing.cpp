#include "ddns/gateway/http/framing.hpp"

#include <algorithm>
#include <string>

#include "ddns/gateway/base/text.hpp"

namespace ddns::gateway {
namespace {

Framing refuse(int status, std::string reason, std::string body) {
    Framing f;
    f.refusal = Response::text(status, std::move(reason), std::move(body));
    return f;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Framing check_framing(std::string_view version, const std::vector<Header>& headers,
                      std::size_t max_body) {
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return refuse(400, "Bad Request", "HTTP/1.0 or HTTP/1.1 only\n");
    std::optional<std::string_view> length;
    bool transfer_encoding = false;
    int authorizations = 0;
    for (const auto& h : headers) {
        if (text::iequals(h.name, "Transfer-Encoding")) transfer_encoding = true;
        if (text::iequals(h.name, "Authorization")) ++authorizations;
        if (!text::iequals(h.name, "Content-Length")) continue;
        const std::string_view value = text::trim(h.value, " \t");
        if (!all_digits(value) || (length && *length != value))
            return refuse(400, "Bad Request", "bad Content-Length\n");
        length = value;
    }
    if (transfer_encoding) {
        if (length) return refuse(400, "Bad Request", "Transfer-Encoding with Content-Length\n");
        for (const auto& h : headers) {
            if (text::iequals(h.name, "Transfer-Encoding") &&
                !text::iequals(text::trim(h.value, " \t"), "chunked"))
                return refuse(400, "Bad Request", "unsupported Transfer-Encoding\n");
        }
        return refuse(411, "Length Required", "send the body with a Content-Length\n");
    }
    if (authorizations > 1) return refuse(400, "Bad Request", "more than one Authorization\n");
    Framing f;
    if (!length) return f;
    const std::string_view digits =
        length->substr(std::min(length->find_first_not_of('0'), length->size()));  // leading zeros
    const std::string max = std::to_string(max_body);
    if (digits.size() > max.size() || (digits.size() == max.size() && digits > max))
        return refuse(413, "Content Too Large", "request body too large\n");
    f.body_length = digits.empty() ? 0 : std::stoul(std::string(digits));
    return f;
}

}  // namespace ddns::gateway
