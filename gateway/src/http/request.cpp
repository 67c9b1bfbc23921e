#include "ddns/gateway/http/request.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "ddns/gateway/base/text.hpp"
#include "ddns/nsupdate/tsig_key.hpp"

namespace ddns::gateway {
namespace {

using text::iequals;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int hi = hex_value(text[i + 1]);
            const int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

QueryParams QueryParams::parse(std::string_view query) {
    QueryParams params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        std::string_view name = pair.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        params.items_.emplace_back(percent_decode(name), percent_decode(value));
    }
    return params;
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
    for (const auto& [k, v] : items_)
        if (k == name) return v;
    return std::nullopt;
}

std::optional<std::string> QueryParams::get_nocase(std::string_view name) const {
    for (const auto& [k, v] : items_)
        if (iequals(k, name)) return v;
    return std::nullopt;
}

RequestTarget parse_request_target(std::string_view target) {
    std::string_view rest = target;
    // Absolute form: scheme "://" authority path. Only http/https are meaningful here.
    for (std::string_view scheme : {"http://", "https://"}) {
        if (rest.size() >= scheme.size() && iequals(rest.substr(0, scheme.size()), scheme)) {
            rest.remove_prefix(scheme.size());
            const auto slash = rest.find_first_of("/?");
            rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
            break;
        }
    }
    rest = rest.substr(0, rest.find('#'));  // a fragment is never meant for the server
    RequestTarget out;
    const auto q = rest.find('?');
    std::string_view path = rest.substr(0, q);
    if (q != std::string_view::npos) out.query = std::string(rest.substr(q + 1));
    while (path.size() > 1 && path[0] == '/' && path[1] == '/') path.remove_prefix(1);
    out.path = path.empty() ? "/" : std::string(path);
    if (out.path[0] != '/') out.path.insert(out.path.begin(), '/');
    return out;
}

std::optional<std::string> RequestView::header(std::string_view name) const {
    for (const auto& h : headers)
        if (iequals(h.name, name)) return h.value;
    return std::nullopt;
}

std::optional<BasicCredentials> parse_basic_authorization(std::string_view value) {
    value = text::trim(value, " ");
    constexpr std::string_view kScheme = "basic";
    if (value.size() <= kScheme.size() || !iequals(value.substr(0, kScheme.size()), kScheme) ||
        value[kScheme.size()] != ' ')
        return std::nullopt;
    value = text::trim(value.substr(kScheme.size()), " ");
    // Decoded on the stack (up to 384 bytes of user name and password; longer ones on the heap)
    // and wiped: the copies and allocations of a decoded Secret cost more than the rest of the
    // request's parse (issue #13).
    std::array<std::uint8_t, 384> stack;
    std::vector<std::uint8_t> heap;
    std::span<std::uint8_t> out(stack);
    if (value.size() / 4 * 3 > stack.size()) {
        heap.resize(value.size() / 4 * 3);
        out = heap;
    }
    std::optional<BasicCredentials> credentials;
    if (const auto n = decode_base64_into(value, out)) {
        const std::string_view text(reinterpret_cast<const char*>(out.data()), *n);
        if (const auto colon = text.find(':'); colon != std::string_view::npos)
            credentials.emplace(BasicCredentials{std::string(text.substr(0, colon)),
                                                 Secret(text.substr(colon + 1))});
    }
    ::explicit_bzero(out.data(), out.size());
    return credentials;
}

Response Response::text(int status, std::string reason, std::string body) {
    Response r;
    r.status = status;
    r.reason = std::move(reason);
    r.body = std::move(body);
    return r;
}

}  // namespace ddns::gateway
