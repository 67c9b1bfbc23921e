// Fuzzes what the HTML pages read from a browser: the Cookie header and a form body (the input is
// split at its first newline into the two), and the HTML escaping every {{value}} of a page goes
// through. Beyond not crashing: a form value is never longer than the body; a cookie value never
// holds the separator ';' and is never longer than the header; escaped text holds none of the
// characters that could end an attribute or start a tag, and only '&' starting an entity.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ddns/gateway/base/templates.hpp"
#include "ddns/gateway/web/web_http.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddns::gateway;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto newline = text.find('\n');
    const std::string cookie_header(text.substr(0, newline));
    const std::string body(newline == std::string_view::npos ? "" : text.substr(newline + 1));

    RequestView request;
    request.method = "POST";
    request.path = "/login";
    request.headers = {{"Cookie", cookie_header},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = body;

    const auto fields = web::form_fields(request);
    for (const auto& [name, value] : fields.items()) {
        DDNS_FUZZ_CHECK(name.size() <= body.size());
        DDNS_FUZZ_CHECK(value.size() <= body.size());
    }
    for (const std::string_view name : {"session", "__Host-session", "form", ""}) {
        if (const auto value = web::cookie(request, name)) {
            DDNS_FUZZ_CHECK(value->find(';') == std::string::npos);
            DDNS_FUZZ_CHECK(value->size() <= cookie_header.size());
        }
    }

    const std::string escaped = html_escape(text);
    DDNS_FUZZ_CHECK(escaped.find_first_of("<>\"'`") == std::string::npos);
    DDNS_FUZZ_CHECK(escaped.size() >= text.size());
    for (std::size_t at = escaped.find('&'); at != std::string::npos;
         at = escaped.find('&', at + 1)) {
        const auto end = escaped.find(';', at);
        DDNS_FUZZ_CHECK(end != std::string::npos && end - at <= 6);
    }
    return 0;
}
