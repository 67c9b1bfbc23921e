#include "ddns/gateway/http/route_table.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "ddns/auth/would_block.hpp"

namespace ddns::gateway {
namespace {

// "GET, HEAD, POST": the listed methods plus HEAD where GET is listed, in the given order.
std::string allow_header(const std::vector<std::string>& methods) {
    std::string out;
    for (const auto& m : methods) {
        out += (out.empty() ? "" : ", ") + m;
        if (m == "GET" && std::find(methods.begin(), methods.end(), "HEAD") == methods.end())
            out += ", HEAD";
    }
    return out;
}

// `key` is a request's route_key; `pattern` a row's: exact, or "/prefix/*" for everything below
// (a key of "/prefix/" itself comes from "/prefix//": an empty segment below the prefix).
bool path_matches(const std::string& pattern, const std::string& key) {
    if (pattern.size() > 2 && pattern.ends_with("/*")) {
        const std::string_view below(pattern.data(), pattern.size() - 1);  // "/prefix/"
        return key.starts_with(below);
    }
    return pattern == key;
}

}  // namespace

std::string route_key(std::string_view path) {
    std::string key(path);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key.size() > 1 && key.back() == '/') key.pop_back();
    return key;
}

bool method_allowed(std::string_view method, const std::vector<std::string>& methods) {
    const auto listed = [&](std::string_view m) {
        return std::find(methods.begin(), methods.end(), m) != methods.end();
    };
    return listed(method) || (method == "HEAD" && listed("GET"));
}

void RouteTable::add(Route route) {
    if (route.name.empty() || route.paths.empty() || route.methods.empty() || !route.handler)
        throw std::invalid_argument(
            "route table: a row needs a name, a path, a method and a "
            "handler");
    Row row{std::move(route), {}, false};
    for (const auto& path : row.route.paths) row.keys.push_back(route_key(path));
    rows_.push_back(std::move(row));
}

void RouteTable::answer_inline(std::string_view name) {
    for (Row& row : rows_)
        if (row.route.name == name) row.answers_inline = true;
}

Response RouteTable::route(const RequestView& request) {
    const std::string key = route_key(request.path);
    const Row* found = nullptr;
    for (const Row& row : rows_) {
        if (std::none_of(row.keys.begin(), row.keys.end(),
                         [&](const std::string& k) { return path_matches(k, key); }))
            continue;
        if (row.route.when && !row.route.when(request)) continue;
        found = &row;
        break;
    }
    if (!found) return Response::text(404, "Not Found", "not found\n");
    if (!found->answers_inline) auth::blocking_point();
    const Route& r = found->route;
    Response response;
    if (method_allowed(request.method, r.methods)) {
        response = r.handler(request);
    } else if (r.wrong_method) {
        response = r.wrong_method(request);
    } else {
        response = Response::text(405, "Method Not Allowed", "method not allowed\n");
        response.headers.push_back({"Allow", allow_header(r.methods)});
    }
    response.route = r.name;
    return response;
}

std::vector<std::string> RouteTable::names() const {
    std::vector<std::string> out;
    for (const Row& row : rows_) out.push_back(row.route.name);
    return out;
}

}  // namespace ddns::gateway
