#include "ddns/gateway/http/webhook_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <istream>
#include <ostream>
#include <stdexcept>

namespace ddns::gateway {
namespace {

using Poco::Net::Context;

// What a reply body may cost us: it is read (so the connection ends cleanly) and dropped.
constexpr std::streamsize kMaxReplyBody = 64 * 1024;

std::vector<IpAddress> resolve(const HttpUrl& url, std::string& error) {
    if (url.host_is_address) return {*IpAddress::parse(url.host)};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(url.host.c_str(), nullptr, &hints, &found); rc != 0) {
        error = "cannot resolve " + url.host + ": " + ::gai_strerror(rc);
        return {};
    }
    std::vector<IpAddress> out;
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        std::array<char, NI_MAXHOST> text{};
        if (::getnameinfo(a->ai_addr, a->ai_addrlen, text.data(), text.size(), nullptr, 0,
                          NI_NUMERICHOST) != 0)
            continue;
        if (auto ip = IpAddress::parse(text.data());
            ip && std::find(out.begin(), out.end(), *ip) == out.end())
            out.push_back(*ip);
    }
    ::freeaddrinfo(found);
    return out;
}

}  // namespace

struct WebhookClient::Impl {
    WebhookClientOptions options;
    Context::Ptr context;

    Poco::Timespan timeout() const {
        return Poco::Timespan(std::chrono::microseconds(options.timeout).count());
    }

    WebhookReply exchange(Poco::Net::HTTPClientSession& session, const HttpUrl& url,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
        session.setTimeout(timeout());
        session.setKeepAlive(false);
        Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, url.target,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        const bool default_port = url.port == (url.https ? 443 : 80);
        const std::string host =
            url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
        request.setHost(default_port ? host : host + ":" + std::to_string(url.port));
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        for (const auto& [name, value] : headers) request.set(name, value);
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::array<char, 4096> buffer{};
        for (std::streamsize total = 0; in && total < kMaxReplyBody;) {
            in.read(buffer.data(), buffer.size());
            total += in.gcount();
        }
        return {static_cast<int>(response.getStatus()), response.getReason()};
    }

    WebhookReply post(const HttpUrl& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body) {
        std::string error;
        const auto addresses = resolve(url, error);
        if (addresses.empty()) return {0, error.empty() ? "no address for " + url.host : error};
        std::vector<IpAddress> allowed;
        for (const IpAddress& a : addresses)
            if (!options.address_allowed || options.address_allowed(a)) allowed.push_back(a);
        if (allowed.empty())
            return {0, url.host + " resolves only to addresses webhooks may not reach (" +
                           addresses.front().to_string() + ": see notice.webhook_allow)"};
        for (const IpAddress& a : allowed) {
            const Poco::Net::SocketAddress address(a.to_string(), url.port);
            try {
                if (url.https) {
                    Poco::Net::SecureStreamSocket secure(context);
                    secure.setPeerHostName(url.host);
                    secure.connect(address, timeout());  // checks certificate and name
                    Poco::Net::HTTPSClientSession session(secure);
                    return exchange(session, url, headers, body);
                }
                Poco::Net::StreamSocket plain;
                plain.connect(address, timeout());
                Poco::Net::HTTPClientSession session(plain);
                return exchange(session, url, headers, body);
            } catch (const Poco::Exception& e) {
                error = a.to_string() + ": " + e.displayText();
            } catch (const std::exception& e) {
                error = a.to_string() + ": " + e.what();
            }
        }
        return {0, error};
    }
};

WebhookClient::WebhookClient(WebhookClientOptions options) : impl_(std::make_unique<Impl>()) {
    try {
        impl_->context = new Context(Context::TLS_CLIENT_USE, options.ca_file,
                                     Context::VERIFY_RELAXED, 9, options.ca_file.empty());
        impl_->context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
    } catch (const Poco::Exception& e) {
        throw std::runtime_error("notice.webhook_ca_file: cannot load " + options.ca_file + ": " +
                                 e.displayText());
    }
    impl_->options = std::move(options);
}

WebhookClient::~WebhookClient() = default;

WebhookReply WebhookClient::post(const HttpUrl& url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body) {
    try {
        return impl_->post(url, headers, body);
    } catch (const std::exception& e) {
        return {0, e.what()};
    }
}

}  // namespace ddns::gateway
