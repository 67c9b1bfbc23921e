// A minimal browser for the pages' integration tests: keeps cookies, sends forms with the CSRF
// token of the last page it saw, follows nothing by itself (tests look at every redirect).
#pragma once

#include <map>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "gateway_stack.hpp"

namespace ddns::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

inline std::string form_encode(const Fields& fields) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) out += '&';
        out += name + '=';
        for (const char ch : value) {
            const auto c = static_cast<unsigned char>(ch);
            if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
                out += static_cast<char>(c);
            } else {
                out += '%';
                out += kHex[c >> 4];
                out += kHex[c & 15];
            }
        }
    }
    return out;
}

class WebClient {
public:
    explicit WebClient(GatewayStack& stack, std::uint16_t port = 0)
        : stack_(stack), port_(port ? port : stack.http_port()) {}

    HttpReply get(const std::string& path) { return send("GET", path, ""); }
    // POSTs `fields` plus csrf=<the token of the last page> unless `csrf` is given.
    HttpReply post(const std::string& path, Fields fields,
                   const std::optional<std::string>& csrf = std::nullopt) {
        fields.emplace_back("csrf", csrf.value_or(csrf_));
        return send("POST", path, form_encode(fields));
    }
    HttpReply post_without_token(const std::string& path, const Fields& fields) {
        return send("POST", path, form_encode(fields));
    }

    const std::string& csrf() const { return csrf_; }
    std::map<std::string, std::string>& cookies() { return cookies_; }

    // GET /login, then POST the credentials; the reply of the POST.
    HttpReply log_in(const std::string& user, const std::string& password) {
        get("/login");
        return post("/login", {{"username", user}, {"password", password}});
    }

private:
    HttpReply send(const std::string& method, const std::string& path, const std::string& body) {
        std::string request = method + " " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                              "\r\nConnection: close\r\n";
        std::string cookie;
        for (const auto& [name, value] : cookies_)
            cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
        if (!cookie.empty()) request += "Cookie: " + cookie + "\r\n";
        if (method == "POST")
            request += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n";
        request += "\r\n" + body;
        HttpReply reply = http_exchange(port_, request);
        for (const auto& [name, value] : reply.headers) {
            if (name != "Set-Cookie") continue;
            const auto eq = value.find('=');
            const auto semi = value.find(';');
            const std::string cname = value.substr(0, eq);
            const std::string cvalue = value.substr(eq + 1, semi - eq - 1);
            if (value.find("Max-Age=0") != std::string::npos)
                cookies_.erase(cname);
            else
                cookies_[cname] = cvalue;
        }
        static const std::regex kToken("name=\"csrf\" value=\"([0-9a-f]+)\"");
        std::smatch m;
        if (std::regex_search(reply.body, m, kToken)) csrf_ = m[1];
        return reply;
    }

    GatewayStack& stack_;
    std::uint16_t port_;
    std::map<std::string, std::string> cookies_;
    std::string csrf_;
};

}  // namespace ddns::test
