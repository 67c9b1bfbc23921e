// Fuzzes what the connection loop reads from a client before any worker sees it: classify_head,
// parse_request_head, check_framing on the parsed fields and parse_request_target on the target.
// Beyond not crashing: a head classified Complete is the one head_size finds; a parsed head has a
// token method, a target without space or control bytes, an HTTP/d.d version, token field names
// and values without CR, LF or NUL and no outer whitespace; writing the parsed head out again and
// parsing that gives the same parts; framing either refuses with a 4xx or allows a body no larger
// than the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/http/framing.hpp"
#include "ddns/gateway/http/request.hpp"
#include "ddns/gateway/http/request_head.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace ddns::gateway;

constexpr std::size_t kMaxHead = 1024;
constexpr std::size_t kMaxBody = 4096;

bool no_cut_bytes(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool same(const RequestHead& a, const RequestHead& b) {
    if (a.method != b.method || a.target != b.target || a.version != b.version ||
        a.headers.size() != b.headers.size())
        return false;
    for (std::size_t i = 0; i < a.headers.size(); ++i)
        if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value)
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto state = classify_head(bytes.data(), bytes.size(), kMaxHead);
    const auto end = head_size(bytes);
    if (state == HeadState::Complete)
        DDNS_FUZZ_CHECK(end != std::string_view::npos && end <= kMaxHead);
    if (state == HeadState::Incomplete) DDNS_FUZZ_CHECK(end == std::string_view::npos);

    const auto head = parse_request_head(bytes);
    if (!head) {
        DDNS_FUZZ_CHECK(!head.error().empty());
        return 0;
    }
    DDNS_FUZZ_CHECK(head->size == end);
    DDNS_FUZZ_CHECK(!head->method.empty() && head->method.find(' ') == std::string::npos);
    DDNS_FUZZ_CHECK(no_cut_bytes(head->method) && no_cut_bytes(head->target));
    DDNS_FUZZ_CHECK(!head->target.empty() && head->target.find(' ') == std::string::npos);
    DDNS_FUZZ_CHECK(head->version.size() == 8 && head->version.rfind("HTTP/", 0) == 0);
    std::string again = head->method + " " + head->target + " " + head->version + "\r\n";
    for (const auto& h : head->headers) {
        DDNS_FUZZ_CHECK(!h.name.empty() && no_cut_bytes(h.name));
        DDNS_FUZZ_CHECK(h.name.find_first_of(" \t:") == std::string::npos);
        DDNS_FUZZ_CHECK(no_cut_bytes(h.value));
        DDNS_FUZZ_CHECK(h.value.empty() || (h.value.front() != ' ' && h.value.back() != ' ' &&
                                            h.value.front() != '\t' && h.value.back() != '\t'));
        again += h.name + ": " + h.value + "\r\n";
    }
    DDNS_FUZZ_CHECK(head->headers.size() <= kMaxHeaders);
    again += "\r\n";
    const auto reparsed = parse_request_head(again);
    DDNS_FUZZ_CHECK(reparsed && same(*head, *reparsed) && reparsed->size == again.size());

    const auto framing = check_framing(head->version, head->headers, kMaxBody);
    if (framing.refusal)
        DDNS_FUZZ_CHECK(framing.refusal->status >= 400 && framing.refusal->status < 500);
    else
        DDNS_FUZZ_CHECK(framing.body_length <= kMaxBody);

    const auto target = parse_request_target(head->target);
    DDNS_FUZZ_CHECK(!target.path.empty() && target.path[0] == '/');
    return 0;
}
